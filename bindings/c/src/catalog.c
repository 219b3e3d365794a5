/*
 * Catalogs (FORMAT.md section 9): the JSON a product passes to name its
 * editions and features. Read as package formats/catalog reads it, with
 * FORMAT.md's rules: member names exact, unknown members refused, never
 * null, never repeated; numbers integers. Only lm_verifier_new calls it.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TERM_DAYS 36500
#define MAX_DEPTH 64

typedef struct parser {
	const char *s;
	size_t n, i;
	char *err;
	size_t err_len;
	int failed;
} parser;

static int cat_fail(parser *p, const char *what) {
	size_t k, line = 1, col = 1;
	if (p->failed) return -1;
	p->failed = 1;
	for (k = 0; k < p->i && k < p->n; k++) {
		if (p->s[k] == '\n') line++, col = 1;
		else col++;
	}
	lm__fmt(p->err, p->err_len, "catalog: line %lu, column %lu: %s", (unsigned long)line, (unsigned long)col, what);
	return -1;
}

static void ws(parser *p) {
	while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' || p->s[p->i] == '\r')) p->i++;
}

static int peek(parser *p) { return p->i < p->n ? (unsigned char)p->s[p->i] : -1; }

static int expect(parser *p, char c) {
	ws(p);
	if (peek(p) != c) {
		char m[64];
		lm__fmt(m, sizeof m, "want '%c'", c);
		return cat_fail(p, m);
	}
	p->i++;
	return 0;
}

static void put_rune(char *out, size_t *o, uint32_t r) {
	if (r < 0x80) {
		out[(*o)++] = (char)r;
	} else if (r < 0x800) {
		out[(*o)++] = (char)(0xC0 | r >> 6);
		out[(*o)++] = (char)(0x80 | (r & 63));
	} else if (r < 0x10000) {
		out[(*o)++] = (char)(0xE0 | r >> 12);
		out[(*o)++] = (char)(0x80 | (r >> 6 & 63));
		out[(*o)++] = (char)(0x80 | (r & 63));
	} else {
		out[(*o)++] = (char)(0xF0 | r >> 18);
		out[(*o)++] = (char)(0x80 | (r >> 12 & 63));
		out[(*o)++] = (char)(0x80 | (r >> 6 & 63));
		out[(*o)++] = (char)(0x80 | (r & 63));
	}
}

static int hex4(parser *p, uint32_t *v) {
	int k;
	*v = 0;
	if (p->i + 4 > p->n) return -1;
	for (k = 0; k < 4; k++) {
		char c = p->s[p->i + (size_t)k];
		*v <<= 4;
		if (c >= '0' && c <= '9') *v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f') *v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F') *v |= (uint32_t)(c - 'A' + 10);
		else return -1;
	}
	p->i += 4;
	return 0;
}

/* Decodes a JSON string as encoding/json does (invalid UTF-8 and lone
 * surrogates become U+FFFD) into a new NUL-terminated string. */
static char *string(parser *p, size_t *len) {
	size_t start, o = 0;
	char *out;
	ws(p);
	if (peek(p) != '"') {
		cat_fail(p, "want a string");
		return NULL;
	}
	start = ++p->i;
	/* Each input byte yields at most 3 output bytes. */
	out = malloc(3 * (p->n - start) + 1);
	if (!out) {
		cat_fail(p, "out of memory");
		return NULL;
	}
	for (;;) {
		int c = peek(p);
		if (c < 0) goto bad;
		if (c == '"') {
			p->i++;
			break;
		}
		if (c < 0x20) goto bad;
		if (c == '\\') {
			uint32_t r, r2;
			p->i++;
			c = peek(p);
			p->i++;
			switch (c) {
			case '"': out[o++] = '"'; break;
			case '\\': out[o++] = '\\'; break;
			case '/': out[o++] = '/'; break;
			case 'b': out[o++] = '\b'; break;
			case 'f': out[o++] = '\f'; break;
			case 'n': out[o++] = '\n'; break;
			case 'r': out[o++] = '\r'; break;
			case 't': out[o++] = '\t'; break;
			case 'u':
				if (hex4(p, &r)) goto bad;
				if (r >= 0xD800 && r < 0xDC00) {
					size_t save = p->i;
					if (p->i + 6 <= p->n && p->s[p->i] == '\\' && p->s[p->i + 1] == 'u') {
						p->i += 2;
						if (hex4(p, &r2)) goto bad;
						if (r2 >= 0xDC00 && r2 < 0xE000) {
							put_rune(out, &o, 0x10000 + ((r - 0xD800) << 10) + (r2 - 0xDC00));
							break;
						}
					}
					p->i = save;
					r = 0xFFFD;
				} else if (r >= 0xDC00 && r < 0xE000) {
					r = 0xFFFD;
				}
				put_rune(out, &o, r);
				break;
			default: goto bad;
			}
			continue;
		}
		if (c < 0x80) {
			out[o++] = (char)c;
			p->i++;
			continue;
		}
		{
			/* Valid UTF-8 is copied, anything else is U+FFFD per byte. */
			const unsigned char *u = (const unsigned char *)p->s + p->i;
			size_t left = p->n - p->i, k = 0, j;
			uint32_t r = 0;
			if (u[0] >= 0xC2 && u[0] <= 0xDF) k = 2, r = u[0] & 0x1F;
			else if (u[0] >= 0xE0 && u[0] <= 0xEF) k = 3, r = u[0] & 0x0F;
			else if (u[0] >= 0xF0 && u[0] <= 0xF4) k = 4, r = u[0] & 0x07;
			if (k > left) k = 0;
			for (j = 1; j < k; j++) {
				if ((u[j] & 0xC0) != 0x80) { k = 0; break; }
				r = r << 6 | (u[j] & 0x3F);
			}
			if ((k == 3 && (r < 0x800 || (r >= 0xD800 && r <= 0xDFFF))) || (k == 4 && (r < 0x10000 || r > 0x10FFFF))) k = 0;
			if (k == 0) {
				put_rune(out, &o, 0xFFFD);
				p->i++;
			} else {
				memcpy(out + o, u, k);
				o += k;
				p->i += k;
			}
		}
	}
	out[o] = 0;
	*len = o;
	if (memchr(out, 0, o)) {
		free(out);
		cat_fail(p, "a string holds \\u0000, which a C string cannot");
		return NULL;
	}
	return out;
bad:
	free(out);
	cat_fail(p, "invalid string");
	return NULL;
}

/* A JSON number, refused unless an integer in [lo, hi] as strconv reads it. */
static int integer(parser *p, int64_t lo, int64_t hi, int64_t *v, const char *what) {
	size_t start;
	int neg = 0, digits = 0, frac = 0;
	uint64_t acc = 0, over = 0;
	char m[160];
	ws(p);
	if (peek(p) == 'n') return cat_fail(p, "null is not allowed: leave the member out instead");
	start = p->i;
	if (peek(p) == '-') neg = 1, p->i++;
	if (peek(p) == '0') {
		p->i++, digits = 1;
	} else {
		while (peek(p) >= '0' && peek(p) <= '9') {
			if (acc > (UINT64_MAX - 9) / 10) over = 1;
			acc = acc * 10 + (uint64_t)(peek(p) - '0');
			p->i++, digits++;
		}
	}
	if (!digits) return cat_fail(p, "want a number");
	if (peek(p) == '.') {
		p->i++, frac = 1;
		if (!(peek(p) >= '0' && peek(p) <= '9')) return cat_fail(p, "invalid number");
		while (peek(p) >= '0' && peek(p) <= '9') p->i++;
	}
	if (peek(p) == 'e' || peek(p) == 'E') {
		p->i++, frac = 1;
		if (peek(p) == '+' || peek(p) == '-') p->i++;
		if (!(peek(p) >= '0' && peek(p) <= '9')) return cat_fail(p, "invalid number");
		while (peek(p) >= '0' && peek(p) <= '9') p->i++;
	}
	if (frac || over || (neg && lo >= 0) || acc > (uint64_t)INT64_MAX ||
	    (neg ? -(int64_t)acc < lo : (int64_t)acc > hi)) {
		lm__fmt(m, sizeof m, "cannot read number %.*s as %s", (int)(p->i - start < 40 ? p->i - start : 40), p->s + start, what);
		p->i = start;
		return cat_fail(p, m);
	}
	*v = neg ? -(int64_t)acc : (int64_t)acc;
	return 0;
}

/* Member names match a field exactly: FORMAT.md refuses one that equals
 * a field only regardless of case ("Products"), which encoding/json
 * would take. */
static int name_is(const char *name, size_t len, const char *field) {
	return len == strlen(field) && !memcmp(name, field, len);
}

/* Iterates the members of an object: call with *first set, returns 1 with
 * the member's name, 0 at the end, -1 on error. */
static int member(parser *p, int *first, char **name, size_t *len) {
	ws(p);
	if (*first) {
		if (expect(p, '{')) return -1;
		ws(p);
		if (peek(p) == '}') {
			p->i++;
			return 0;
		}
		*first = 0;
	} else {
		ws(p);
		if (peek(p) == '}') {
			p->i++;
			return 0;
		}
		if (expect(p, ',')) return -1;
	}
	*name = string(p, len);
	if (!*name) return -1;
	if (expect(p, ':')) {
		free(*name);
		return -1;
	}
	ws(p);
	if (peek(p) == 'n' && p->n - p->i >= 4 && !memcmp(p->s + p->i, "null", 4)) {
		char m[200] = "";
		lm__append(m, sizeof m, "member ");
		lm__append_quoted(m, sizeof m, *name, *len);
		lm__append(m, sizeof m, " is null: leave it out instead");
		free(*name);
		return cat_fail(p, m);
	}
	return 1;
}

static int unknown(parser *p, const char *name, size_t len) {
	char m[200] = "";
	lm__append(m, sizeof m, "unknown member ");
	lm__append_quoted(m, sizeof m, name, len);
	return cat_fail(p, m);
}

static int repeated(parser *p, const char *name, size_t len) {
	char m[200] = "";
	lm__append(m, sizeof m, "member ");
	lm__append_quoted(m, sizeof m, name, len);
	lm__append(m, sizeof m, " appears twice");
	return cat_fail(p, m);
}

/* Iterates an array's elements: returns 1 before each, 0 at the end. */
static int element(parser *p, int *first) {
	ws(p);
	if (*first) {
		if (expect(p, '[')) return -1;
		ws(p);
		if (peek(p) == ']') {
			p->i++;
			return 0;
		}
		*first = 0;
	} else {
		if (peek(p) == ']') {
			p->i++;
			return 0;
		}
		if (expect(p, ',')) return -1;
	}
	ws(p);
	if (peek(p) == 'n') return cat_fail(p, "null is not allowed in an array");
	return 1;
}

static int cat_edition(parser *p, lm__cat_edition *e) {
	int first = 1, r, seen[3] = {0, 0, 0};
	char *name;
	size_t len, n;
	while ((r = member(p, &first, &name, &len)) == 1) {
		int k = name_is(name, len, "name") ? 0 : name_is(name, len, "number") ? 1 : name_is(name, len, "features") ? 2 : -1;
		if (k < 0 || seen[k]) {
			if (k < 0) unknown(p, name, len);
			else repeated(p, name, len);
			free(name);
			return -1;
		}
		free(name);
		seen[k] = 1;
		if (k == 0) {
			e->name = string(p, &n);
			if (!e->name) return -1;
		} else if (k == 1) {
			int64_t v;
			if (integer(p, 0, 255, &v, "an edition number (0 to 255)")) return -1;
			e->number = (uint32_t)v;
		} else {
			int f = 1;
			while ((r = element(p, &f)) == 1) {
				char **grown = realloc(e->features, (e->n_features + 1) * sizeof *grown);
				if (!grown) return cat_fail(p, "out of memory");
				e->features = grown;
				e->features[e->n_features] = string(p, &n);
				if (!e->features[e->n_features]) return -1;
				e->n_features++;
			}
			if (r < 0) return -1;
		}
	}
	if (r < 0) return -1;
	if (!e->name) {
		e->name = malloc(1);
		if (!e->name) return cat_fail(p, "out of memory");
		e->name[0] = 0;
	}
	return 0;
}

static int product(parser *p, lm__cat_product *c) {
	static const char *const fields[] = {"name", "editions", "trial_days", "maintenance_days", "warning_days", "grace_days"};
	int first = 1, r, seen[6] = {0, 0, 0, 0, 0, 0};
	char *name;
	size_t len;
	while ((r = member(p, &first, &name, &len)) == 1) {
		int k;
		for (k = 0; k < 6 && !name_is(name, len, fields[k]); k++) {}
		if (k == 6 || seen[k]) {
			if (k == 6) unknown(p, name, len);
			else repeated(p, name, len);
			free(name);
			return -1;
		}
		free(name);
		seen[k] = 1;
		if (k == 0) {
			char *s = string(p, &len);
			if (!s) return -1;
			free(s);
		} else if (k == 1) {
			int f = 1;
			while ((r = element(p, &f)) == 1) {
				lm__cat_edition *grown = realloc(c->editions, (c->n_editions + 1) * sizeof *grown);
				if (!grown) return cat_fail(p, "out of memory");
				c->editions = grown;
				memset(&c->editions[c->n_editions], 0, sizeof *grown);
				c->n_editions++;
				if (cat_edition(p, &c->editions[c->n_editions - 1])) return -1;
			}
			if (r < 0) return -1;
		} else {
			int64_t *t[4];
			t[0] = &c->trial_days, t[1] = &c->maintenance_days, t[2] = &c->warning_days, t[3] = &c->grace_days;
			if (integer(p, INT64_MIN, INT64_MAX, t[k - 2], "a number of days")) return -1;
		}
	}
	return r < 0 ? -1 : 0;
}

/* Unicode white space (unicode.IsSpace) at the start or end of s. */
LM__PART int lm__space_rune_at(const unsigned char *u, size_t n) {
	if (n >= 1 && (u[0] == ' ' || (u[0] >= '\t' && u[0] <= '\r'))) return 1;
	if (n >= 2 && u[0] == 0xC2 && (u[1] == 0x85 || u[1] == 0xA0)) return 2;
	if (n >= 3 && u[0] == 0xE1 && u[1] == 0x9A && u[2] == 0x80) return 3;
	if (n >= 3 && u[0] == 0xE2 && u[1] == 0x80 && ((u[2] >= 0x80 && u[2] <= 0x8A) || u[2] == 0xA8 || u[2] == 0xA9 || u[2] == 0xAF)) return 3;
	if (n >= 3 && u[0] == 0xE2 && u[1] == 0x81 && u[2] == 0x9F) return 3;
	if (n >= 3 && u[0] == 0xE3 && u[1] == 0x80 && u[2] == 0x80) return 3;
	return 0;
}

LM__PART int lm__trimmed(const char *s) {
	size_t n = strlen(s), k;
	const unsigned char *u = (const unsigned char *)s;
	if (n == 0 || lm__space_rune_at(u, n)) return 0;
	for (k = 1; k <= 3 && k <= n; k++)
		if (lm__space_rune_at(u + n - k, k) == (int)k) return 0;
	return 1;
}

static int cat_check(lm__cat_product *c, char *err, size_t err_len) {
	uint32_t i, j, f;
	int64_t terms[4];
	static const char *const term_names[] = {"trial_days", "maintenance_days", "warning_days", "grace_days"};
	char m[300];
	if (c->n_editions == 0) {
		lm__fmt(err, err_len, "catalog: product %s: no editions", c->code);
		return -1;
	}
	for (i = 0; i < c->n_editions; i++) {
		lm__cat_edition *e = &c->editions[i];
		if (!lm__trimmed(e->name)) {
			m[0] = 0;
			lm__append(m, sizeof m, "edition %u: name ", (unsigned)i + 1);
			lm__append_quoted(m, sizeof m, e->name, strlen(e->name));
			lm__fmt(err, err_len, "catalog: product %s: %s is empty or has surrounding spaces", c->code, m);
			return -1;
		}
		for (j = 0; j < i; j++) {
			if (!strcmp(c->editions[j].name, e->name)) {
				m[0] = 0;
				lm__append_quoted(m, sizeof m, e->name, strlen(e->name));
				lm__fmt(err, err_len, "catalog: product %s: edition name %s appears twice", c->code, m);
				return -1;
			}
			if (c->editions[j].number == e->number) {
				lm__fmt(err, err_len, "catalog: product %s: edition number %u appears twice", c->code, (unsigned)e->number);
				return -1;
			}
		}
		for (f = 0; f < e->n_features; f++) {
			if (!lm__trimmed(e->features[f])) {
				m[0] = 0;
				lm__append_quoted(m, sizeof m, e->features[f], strlen(e->features[f]));
				lm__fmt(err, err_len, "catalog: product %s: edition %s: feature name %s is empty or has surrounding spaces",
				         c->code, e->name, m);
				return -1;
			}
		}
	}
	terms[0] = c->trial_days, terms[1] = c->maintenance_days, terms[2] = c->warning_days, terms[3] = c->grace_days;
	for (i = 0; i < 4; i++) {
		if (terms[i] < 0 || terms[i] > MAX_TERM_DAYS) {
			lm__fmt(err, err_len, "catalog: product %s: %s is %lld; want 0 (the default) to %d", c->code, term_names[i],
			         (long long)terms[i], MAX_TERM_DAYS);
			return -1;
		}
	}
	return 0;
}

LM__PART int lm__catalog_parse(const char *data, size_t len, lm__catalog *c, char *err, size_t err_len) {
	parser p;
	int first = 1, r, seen = 0;
	char *name;
	size_t nlen;
	uint32_t i;
	memset(c, 0, sizeof *c);
	memset(&p, 0, sizeof p);
	p.s = data, p.n = len, p.err = err, p.err_len = err_len;
	if (len > LM_MAX_CATALOG_LEN) {
		lm__fmt(err, err_len, "catalog: %lu bytes, more than %d", (unsigned long)len, LM_MAX_CATALOG_LEN);
		return -1;
	}
	ws(&p);
	if (peek(&p) != '{') {
		cat_fail(&p, "want a JSON object: {\"products\": {\"PC\": {...}}}");
		return -1;
	}
	while ((r = member(&p, &first, &name, &nlen)) == 1) {
		int f = 1;
		if (!name_is(name, nlen, "products")) r = unknown(&p, name, nlen);
		else if (seen) r = repeated(&p, name, nlen);
		free(name);
		if (r < 0) goto bad;
		seen = 1;
		while ((r = member(&p, &f, &name, &nlen)) == 1) {
			lm__cat_product *grown;
			for (i = 0; i < c->n_products; i++)
				if (!strcmp(c->products[i].code, name)) break;
			if (i < c->n_products || nlen != 2 || name[0] < 'A' || name[0] > 'Z' || name[1] < 'A' || name[1] > 'Z') {
				if (i < c->n_products) {
					repeated(&p, name, nlen);
				} else {
					char m[200] = "";
					lm__append(m, sizeof m, "product code ");
					lm__append_quoted(m, sizeof m, name, nlen);
					lm__append(m, sizeof m, ": want two upper-case letters, such as PC");
					lm__fmt(err, err_len, "catalog: %s", m);
					p.failed = 1;
				}
				free(name);
				goto bad;
			}
			grown = realloc(c->products, (c->n_products + 1) * sizeof *grown);
			if (!grown) {
				free(name);
				cat_fail(&p, "out of memory");
				goto bad;
			}
			c->products = grown;
			memset(&c->products[c->n_products], 0, sizeof *grown);
			memcpy(c->products[c->n_products].code, name, 3);
			c->n_products++;
			free(name);
			if (product(&p, &c->products[c->n_products - 1])) goto bad;
		}
		if (r < 0) goto bad;
	}
	if (r < 0) goto bad;
	ws(&p);
	if (p.i != p.n) {
		lm__fmt(err, err_len, "catalog: data after the JSON object");
		goto bad;
	}
	if (c->n_products == 0) {
		lm__fmt(err, err_len, "catalog: no products; want {\"products\": {\"PC\": {...}}}");
		goto bad;
	}
	for (i = 0; i < c->n_products; i++)
		if (cat_check(&c->products[i], err, err_len)) goto bad;
	return 0;
bad:
	lm__catalog_free(c);
	return -1;
}

LM__PART void lm__catalog_free(lm__catalog *c) {
	uint32_t i, j, f;
	for (i = 0; i < c->n_products; i++) {
		lm__cat_product *p = &c->products[i];
		for (j = 0; j < p->n_editions; j++) {
			for (f = 0; f < p->editions[j].n_features; f++) free(p->editions[j].features[f]);
			free(p->editions[j].features);
			free(p->editions[j].name);
		}
		free(p->editions);
	}
	free(c->products);
	memset(c, 0, sizeof *c);
}
