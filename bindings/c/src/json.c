/*
 * A strict JSON reader for key files and license tokens (FORMAT.md section
 * 1): lm__json_check refuses bad syntax, invalid UTF-8, a member name
 * repeated in one object at any depth, a name that equals one the format
 * defines only after case folding, and null where the format refuses it,
 * as package internal/jsonstrict with encoding/json does. The reader keeps
 * nothing but offsets into the input, so it allocates nothing: the
 * helpers after it walk the checked text again to find members.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

static size_t json_ws(const char *s, size_t n, size_t i) {
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
	return i;
}

/* The length of the UTF-8 sequence at u (RFC 3629: no overlong form, no
 * surrogate, at most U+10FFFF), or 0. */
static size_t utf8_seq(const unsigned char *u, size_t n, uint32_t *r) {
	size_t k, i;
	uint32_t min;
	if (u[0] < 0x80) return *r = u[0], 1;
	if (u[0] >= 0xC2 && u[0] <= 0xDF) k = 2, *r = u[0] & 0x1Fu, min = 0x80;
	else if (u[0] >= 0xE0 && u[0] <= 0xEF) k = 3, *r = u[0] & 0x0Fu, min = 0x800;
	else if (u[0] >= 0xF0 && u[0] <= 0xF4) k = 4, *r = u[0] & 0x07u, min = 0x10000;
	else return 0;
	if (n < k) return 0;
	for (i = 1; i < k; i++) {
		if ((u[i] & 0xC0) != 0x80) return 0;
		*r = *r << 6 | (u[i] & 0x3Fu);
	}
	if (*r < min || *r > 0x10FFFF || (*r >= 0xD800 && *r <= 0xDFFF)) return 0;
	return k;
}

static int hexval(char c) {
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

static int json_hex4(const char *s, size_t n, size_t i, uint32_t *v) {
	int k;
	*v = 0;
	if (i + 4 > n) return -1;
	for (k = 0; k < 4; k++) {
		int h = hexval(s[i + k]);
		if (h < 0) return -1;
		*v = *v << 4 | (uint32_t)h;
	}
	return 0;
}

/* Checks the string at s[i] == '"'; returns the offset after its closing
 * quote, or 0 (never a valid end) with *bad the offending offset. */
static size_t scan_string(const char *s, size_t n, size_t i, size_t *bad) {
	const unsigned char *u = (const unsigned char *)s;
	uint32_t r;
	for (i++; i < n;) {
		if (u[i] == '"') return i + 1;
		if (u[i] < 0x20) break;
		if (u[i] == '\\') {
			if (i + 1 >= n) break;
			if (strchr("\"\\/bfnrt", s[i + 1]) && s[i + 1]) {
				i += 2;
				continue;
			}
			if (s[i + 1] != 'u' || json_hex4(s, n, i + 2, &r)) break;
			i += 6;
			continue;
		}
		{
			size_t k = utf8_seq(u + i, n - i, &r);
			if (!k) break;
			i += k;
		}
	}
	*bad = i;
	return 0;
}

/* The next rune of a checked string whose text is at *i, advancing *i;
 * -1 at the closing quote. Unpaired surrogates read as U+FFFD, as
 * encoding/json reads them. */
static int32_t rune(const char *s, size_t n, size_t *i) {
	const unsigned char *u = (const unsigned char *)s;
	uint32_t r, lo;
	size_t k;
	if (*i >= n || s[*i] == '"') return -1;
	if (s[*i] != '\\') {
		k = utf8_seq(u + *i, n - *i, &r);
		*i += k ? k : 1;
		return (int32_t)r;
	}
	switch (s[*i + 1]) {
	case 'b': *i += 2; return '\b';
	case 'f': *i += 2; return '\f';
	case 'n': *i += 2; return '\n';
	case 'r': *i += 2; return '\r';
	case 't': *i += 2; return '\t';
	case 'u': break;
	default: *i += 2; return (unsigned char)s[*i - 1];
	}
	json_hex4(s, n, *i + 2, &r);
	*i += 6;
	if (r >= 0xD800 && r < 0xDC00 && *i + 6 <= n && s[*i] == '\\' && s[*i + 1] == 'u' && !json_hex4(s, n, *i + 2, &lo) &&
	    lo >= 0xDC00 && lo < 0xE000) {
		*i += 6;
		return (int32_t)(0x10000 + ((r - 0xD800) << 10) + (lo - 0xDC00));
	}
	return r >= 0xD800 && r < 0xE000 ? 0xFFFD : (int32_t)r;
}

/* Whether the checked strings at a and b (their opening quotes) decode to
 * the same text. */
static int same_string(const char *s, size_t n, size_t a, size_t b) {
	int32_t x, y;
	a++, b++;
	do {
		x = rune(s, n, &a), y = rune(s, n, &b);
		if (x != y) return 0;
	} while (x >= 0);
	return 1;
}

/* How name (the string at i) stands to lit, a lower-case ASCII name: 2
 * equal, 1 equal only after FORMAT.md's case folding, 0 neither. */
static int name_match(const char *s, size_t n, size_t i, const char *lit) {
	int exact = 1;
	int32_t r;
	i++;
	for (;; lit++) {
		r = rune(s, n, &i);
		if (r < 0) return *lit ? 0 : 1 + exact;
		if (!*lit) return 0;
		if (r == *lit) continue;
		exact = 0;
		if (r >= 'A' && r <= 'Z') r += 'a' - 'A';
		else if (r == 0x17F) r = 's';
		else if (r == 0x212A) r = 'k';
		if (r != *lit) return 0;
	}
}

/* Decodes the string at i into buf (cap bytes, NUL-terminated, cut to
 * fit, runes as UTF-8); returns its whole length. */
LM__PART size_t lm__json_string(const char *s, size_t n, size_t i, char *buf, size_t cap) {
	size_t len = 0;
	int32_t r;
	unsigned char e[4];
	i++;
	while ((r = rune(s, n, &i)) >= 0) {
		size_t k, j;
		uint32_t c = (uint32_t)r;
		if (c < 0x80) e[0] = (unsigned char)c, k = 1;
		else if (c < 0x800) e[0] = (unsigned char)(0xC0 | c >> 6), e[1] = (unsigned char)(0x80 | (c & 63)), k = 2;
		else if (c < 0x10000)
			e[0] = (unsigned char)(0xE0 | c >> 12), e[1] = (unsigned char)(0x80 | (c >> 6 & 63)), e[2] = (unsigned char)(0x80 | (c & 63)), k = 3;
		else
			e[0] = (unsigned char)(0xF0 | c >> 18), e[1] = (unsigned char)(0x80 | (c >> 12 & 63)),
			e[2] = (unsigned char)(0x80 | (c >> 6 & 63)), e[3] = (unsigned char)(0x80 | (c & 63)), k = 4;
		for (j = 0; j < k; j++, len++)
			if (cap > 0 && len < cap - 1) buf[len] = (char)e[j];
	}
	if (cap > 0) buf[len < cap ? len : cap - 1] = 0;
	return len;
}

LM__PART int lm__json_is(const char *s, size_t n, size_t i, const char *lit) {
	return s[i] == '"' && name_match(s, n, i, lit) == 2;
}

static void error_at(const char *s, size_t n, size_t off, char *err, size_t err_len, const char *what, size_t name) {
	int32_t line, col;
	char q[160];
	lm__line_column(s, n, off, &line, &col);
	lm__fmt(err, err_len, "line %d, column %d: ", (int)line, (int)col);
	if (name) {
		q[0] = 0;
		lm__json_string(s, n, name, q, sizeof q);
		lm__append(err, err_len, "member ");
		lm__append_quoted(err, err_len, q, strlen(q));
	}
	lm__append(err, err_len, "%s", what);
}

static size_t scan_number(const char *s, size_t n, size_t i) {
	size_t d;
	if (i < n && s[i] == '-') i++;
	if (i < n && s[i] == '0') i++;
	else {
		for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++) {}
		if (i == d) return 0;
	}
	if (i < n && s[i] == '.') {
		for (d = ++i; i < n && s[i] >= '0' && s[i] <= '9'; i++) {}
		if (i == d) return 0;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-')) i++;
		for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++) {}
		if (i == d) return 0;
	}
	return i;
}

/* n is at most LM_MAX_KEY_FILE_LEN (the callers bound it), so names[]
 * holds offsets in 32 bits. */
LM__PART int lm__json_check(const char *s, size_t n, const lm__json_opts *o, char *err, size_t err_len) {
	/* Per open container: whether an object, and where its names start in
	 * names[]. */
	uint8_t obj[LM_MAX_JSON_DEPTH];
	uint16_t from[LM_MAX_JSON_DEPTH];
	uint32_t names[LM_MAX_JSON_MEMBERS];
	size_t depth = 0, nn = 0, i = json_ws(s, n, 0), end, bad;
	int k;
	for (;;) {
		/* A value at i. */
		if (i >= n) return error_at(s, n, i, err, err_len, "unexpected end of JSON input", 0), -1;
		switch (s[i]) {
		case '{':
		case '[':
			if (depth == LM_MAX_JSON_DEPTH) return error_at(s, n, i, err, err_len, "nested too deeply", 0), -1;
			obj[depth] = s[i] == '{', from[depth] = (uint16_t)nn, depth++;
			i = json_ws(s, n, i + 1);
			if (i < n && s[i] == (obj[depth - 1] ? '}' : ']')) {
				depth--, i++;
				break;
			}
			if (obj[depth - 1]) goto name;
			continue;
		case '"':
			if (!(end = scan_string(s, n, i, &bad))) return error_at(s, n, bad, err, err_len, "invalid string", 0), -1;
			i = end;
			break;
		case 't':
		case 'f':
		case 'n': {
			const char *lit = s[i] == 't' ? "true" : s[i] == 'f' ? "false" : "null";
			size_t l = strlen(lit);
			if (n - i < l || memcmp(s + i, lit, l)) return error_at(s, n, i, err, err_len, "invalid literal", 0), -1;
			if (s[i] == 'n' && !(o->null_ok == 1 || (o->null_ok == 2 && depth == 1 && obj[0])))
				return error_at(s, n, i + l, err, err_len, "null is not a value here: leave the member out instead", 0), -1;
			i += l;
			break;
		}
		default:
			if (!(end = scan_number(s, n, i))) return error_at(s, n, i, err, err_len, "invalid character looking for a value", 0), -1;
			i = end;
		}
		/* After a value. */
		for (;;) {
			i = json_ws(s, n, i);
			if (depth == 0) {
				if (i != n) return error_at(s, n, i, err, err_len, "invalid character after the JSON value", 0), -1;
				return 0;
			}
			if (i < n && s[i] == (obj[depth - 1] ? '}' : ']')) {
				depth--, nn = from[depth], i++;
				continue;
			}
			if (i >= n || s[i] != ',') return error_at(s, n, i, err, err_len, "want a comma or the end of the object or array", 0), -1;
			i = json_ws(s, n, i + 1);
			if (obj[depth - 1]) goto name;
			break;
		}
		continue;
	name:
		if (i >= n || s[i] != '"') return error_at(s, n, i, err, err_len, "want a member name", 0), -1;
		if (!(end = scan_string(s, n, i, &bad))) return error_at(s, n, bad, err, err_len, "invalid string", 0), -1;
		for (k = from[depth - 1]; k < (int)nn; k++)
			if (same_string(s, n, names[k], i)) return error_at(s, n, end, err, err_len, " appears twice in one object", i), -1;
		if (o->names && (!o->top_level || depth == 1)) {
			const char *const *w;
			for (w = o->names; *w; w++)
				if (name_match(s, n, i, *w) == 1) {
					char m[96];
					lm__fmt(m, sizeof m, ": the name is \"%s\", in that case", *w);
					return error_at(s, n, end, err, err_len, m, i), -1;
				}
		}
		if (nn == LM_MAX_JSON_MEMBERS) return error_at(s, n, i, err, err_len, "too many members", 0), -1;
		names[nn++] = (uint32_t)i;
		i = json_ws(s, n, end);
		if (i >= n || s[i] != ':') return error_at(s, n, i, err, err_len, "want a colon after a member name", 0), -1;
		i = json_ws(s, n, i + 1);
	}
}

/* Past the checked value at i. */
LM__PART size_t lm__json_skip(const char *s, size_t n, size_t i) {
	size_t depth = 0, bad;
	do {
		switch (s[i]) {
		case '{': case '[': depth++, i++; break;
		case '}': case ']': depth--, i++; break;
		case '"': i = scan_string(s, n, i, &bad); break;
		case 't': case 'n': i += 4; break;
		case 'f': i += 5; break;
		default: i = scan_number(s, n, i);
		}
		i = json_ws(s, n, i);
		if (depth > 0 && i < n && (s[i] == ',' || s[i] == ':')) i = json_ws(s, n, i + 1);
	} while (depth > 0 && i < n);
	return i;
}

LM__PART size_t lm__json_first(const char *s, size_t n, size_t i) {
	i = json_ws(s, n, i + 1);
	return s[i] == '}' || s[i] == ']' ? 0 : i;
}

LM__PART size_t lm__json_next(const char *s, size_t n, size_t i) {
	i = json_ws(s, n, lm__json_skip(s, n, i));
	return i < n && s[i] == ',' ? json_ws(s, n, i + 1) : 0;
}

LM__PART size_t lm__json_value(const char *s, size_t n, size_t name) {
	size_t bad;
	name = json_ws(s, n, scan_string(s, n, name, &bad));
	return json_ws(s, n, name + 1);
}

LM__PART size_t lm__json_member(const char *s, size_t n, size_t obj, const char *name) {
	size_t i;
	for (i = lm__json_first(s, n, obj); i; i = lm__json_next(s, n, lm__json_value(s, n, i)))
		if (lm__json_is(s, n, i, name)) return lm__json_value(s, n, i);
	return 0;
}
