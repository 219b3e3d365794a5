/*
 * Activation Codes and reset codes as text (FORMAT.md sections 3, 4, 6 and
 * 16): reading symbols, the CRC-30 checks, locating a typo, the header.
 * A port of package formats; the messages, hints and positions are the
 * same, so a product shows the same words whichever verifier it links.
 */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tables.h"

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";


LM__PART uint8_t lm__symbol_value(uint8_t c) {
	switch (c) {
	case ' ': case '\t': case '\r': case '\n': case '-': return LM__SYM_SEPARATOR;
	case 'O': case 'o': return 0;
	case 'I': case 'i': case 'L': case 'l': return 1;
	}
	if (c >= '0' && c <= '9') return (uint8_t)(c - '0');
	if (c >= 'a' && c <= 'z') c = (uint8_t)(c - 'a' + 'A');
	if (c >= 'A' && c <= 'Z') {
		const char *p = strchr(alphabet, c);
		if (p) return (uint8_t)(p - alphabet);
	}
	return LM__SYM_INVALID;
}

static int is_letter(uint8_t c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

/* ---- text helpers shared by the library ---- */

LM__PART int lm__fmt(char *buf, size_t n, const char *fmt, ...) {
	va_list ap;
	int r;
	va_start(ap, fmt);
	r = vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}

LM__PART void lm__append(char *buf, size_t n, const char *fmt, ...) {
	size_t len = strlen(buf);
	va_list ap;
	if (len + 1 >= n) return;
	va_start(ap, fmt);
	vsnprintf(buf + len, n - len, fmt, ap);
	va_end(ap);
}

LM__PART void lm__set(lm__error *e, lm_result res, const char *hint, const char *fmt, ...) {
	va_list ap;
	memset(e, 0, sizeof *e);
	e->res = res;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	if (hint) lm__fmt(e->hint, sizeof e->hint, "%s", hint);
}

/* The length of the UTF-8 sequence at s, 0 if invalid, and its rune. */
static size_t utf8_len(const uint8_t *s, size_t n, uint32_t *rune) {
	uint32_t r;
	size_t k, i;
	if (s[0] < 0x80) return *rune = s[0], 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF) k = 2, r = s[0] & 0x1F;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF) k = 3, r = s[0] & 0x0F;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4) k = 4, r = s[0] & 0x07;
	else return 0;
	if (n < k) return 0;
	for (i = 1; i < k; i++) {
		if ((s[i] & 0xC0) != 0x80) return 0;
		r = r << 6 | (s[i] & 0x3F);
	}
	if ((k == 3 && (r < 0x800 || (r >= 0xD800 && r <= 0xDFFF))) || (k == 4 && (r < 0x10000 || r > 0x10FFFF))) return 0;
	*rune = r;
	return k;
}

/* Whether Go's %q shows rune r (not ASCII) as it is (strconv.IsPrint):
 * not the C1 controls, the non-ASCII spaces, the format characters an
 * install id might plausibly hold, private use or noncharacters. */
static int printable(uint32_t r) {
	return !(r < 0xA1 || r == 0xAD || r == 0x1680 || r == 0x180E || (r >= 0x2000 && r <= 0x200F) ||
	         (r >= 0x2028 && r <= 0x202F) || (r >= 0x205F && r <= 0x206F) || r == 0x3000 || r == 0xFEFF ||
	         (r >= 0xE000 && r <= 0xF8FF) || (r >= 0xFFF9 && r <= 0xFFFB) || (r & 0xFFFE) == 0xFFFE || r >= 0xF0000);
}

LM__PART void lm__append_quoted(char *buf, size_t n, const char *s, size_t len) {
	size_t i = 0;
	uint32_t r;
	lm__append(buf, n, "\"");
	while (i < len) {
		uint8_t c = (uint8_t)s[i];
		size_t k;
		switch (c) {
		case '\a': lm__append(buf, n, "\\a"); i++; continue;
		case '\b': lm__append(buf, n, "\\b"); i++; continue;
		case '\f': lm__append(buf, n, "\\f"); i++; continue;
		case '\n': lm__append(buf, n, "\\n"); i++; continue;
		case '\r': lm__append(buf, n, "\\r"); i++; continue;
		case '\t': lm__append(buf, n, "\\t"); i++; continue;
		case '\v': lm__append(buf, n, "\\v"); i++; continue;
		case '"': lm__append(buf, n, "\\\""); i++; continue;
		case '\\': lm__append(buf, n, "\\\\"); i++; continue;
		}
		if (c >= 0x20 && c < 0x7F) {
			lm__append(buf, n, "%c", c);
			i++;
			continue;
		}
		k = c < 0x80 ? 0 : utf8_len((const uint8_t *)s + i, len - i, &r);
		if (k == 0) {
			lm__append(buf, n, "\\x%02x", c);
			i++;
			continue;
		}
		if (!printable(r)) lm__append(buf, n, r < 0x10000 ? "\\u%04x" : "\\U%08x", (unsigned)r);
		else lm__append(buf, n, "%.*s", (int)k, s + i);
		i += k;
	}
	lm__append(buf, n, "\"");
}

/* Howard Hinnant's civil calendar algorithms. */
LM__PART int64_t lm__days_from_civil(int64_t y, int m, int d) {
	int64_t era, yoe, doy, doe;
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

LM__PART void lm__civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
	int64_t era, doe, yoe, doy, mp;
	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

LM__PART void lm__day_string(int64_t day, char out[16]) {
	int64_t y;
	int m, d;
	if (day == LM_PERPETUAL) {
		strcpy(out, "perpetual");
		return;
	}
	lm__civil_from_days(day + 18262, &y, &m, &d);
	lm__fmt(out, 16, "%04d-%02d-%02d", (int)y, m, d);
}

/* ---- CRC-30 ---- */

#define CRC_INIT 0x3FFFFFFFu
#define CRC_MASK 0x3FFFFFFFu

static uint32_t crc_update(uint32_t reg, const uint8_t *p, size_t n) {
	size_t i;
	for (i = 0; i < n; i++) reg = ((reg << 8) & CRC_MASK) ^ crc30_table[((reg >> 22) ^ p[i]) & 0xFF];
	return reg;
}
static uint32_t crc_sum(uint32_t reg) { return reg ^ 0x3FFFFFFFu; }
static uint32_t crc_zero(uint32_t reg) { return ((reg << 8) & CRC_MASK) ^ crc30_table[(reg >> 22) & 0xFF]; }
static uint32_t crc_unstep(uint32_t reg) {
	uint8_t t = crc30_inv_low[reg & 0xFF];
	return (reg ^ crc30_table[t]) >> 8 | (uint32_t)t << 22;
}
static uint32_t crc_symbols(uint32_t reg, const uint8_t *syms, size_t n) {
	size_t i;
	for (i = 0; i < n; i++) {
		uint8_t c = (uint8_t)alphabet[syms[i] & 31];
		reg = crc_update(reg, &c, 1);
	}
	return reg;
}
static uint32_t check_value(const uint8_t *syms) {
	uint32_t v = 0;
	int i;
	for (i = 0; i < LM__CHECK_SYMBOLS; i++) v = v << 5 | syms[i];
	return v;
}

/* ---- text forms ---- */

typedef struct form {
	const char *kind, *a;
	int longest;
	int n_checks;
	int checks[2];
	int reset; /* positions: 0 activation code, 1 reset code */
} form;

static const form ac_short = {"activation code", "an activation code", LM__SIGNED_SYMBOLS, 1, {22, 0}, 0};
static const form ac_signed = {"activation code", "an activation code", LM__SIGNED_SYMBOLS, 2, {22, 131}, 0};
static const form reset_form = {"reset code", "a reset code", LM__RESET_SYMBOLS, 1, {118, 0}, 1};

static void position(const form *f, int n, int32_t *group, int32_t *chr) {
	if (n < 0) {
		*group = 1, *chr = n + 3;
	} else if (f->reset) {
		*group = 2 + n / 5, *chr = n % 5 + 1;
	} else if (n < 4) {
		*group = 2, *chr = n + 1;
	} else {
		*group = 3 + (n - 4) / 5, *chr = (n - 4) % 5 + 1;
	}
}

LM__PART void lm__line_column(const char *s, size_t len, size_t off, int32_t *line, int32_t *col) {
	size_t i;
	*line = 1, *col = 1;
	for (i = 0; i < off && i < len; i++) {
		if (s[i] == '\n') (*line)++, *col = 1;
		else (*col)++;
	}
}

/* Formats e->msg as FormatError.Error(): kind, position, message. */
static void format_error(lm__error *e, const form *f, lm_result res, const char *hint, const char *msg) {
	lm__format_error(e, f->kind, res, hint, msg);
}

LM__PART void lm__format_error(lm__error *e, const char *kind, lm_result res, const char *hint, const char *msg) {
	int32_t g = e->group, c = e->chr, l = e->line, col = e->column;
	char m[1024];
	lm__fmt(m, sizeof m, "%s", msg);
	memset(e, 0, sizeof *e);
	e->res = res, e->group = g, e->chr = c, e->line = l, e->column = col;
	lm__fmt(e->msg, sizeof e->msg, "%s", kind);
	if (g > 0) lm__append(e->msg, sizeof e->msg, ", group %d character %d", (int)g, (int)c);
	if (l > 0) lm__append(e->msg, sizeof e->msg, " (line %d, column %d)", (int)l, (int)col);
	lm__append(e->msg, sizeof e->msg, ": %s", m);
	lm__fmt(e->hint, sizeof e->hint, "%s", hint ? hint : "");
}

LM__PART void lm__quote_byte(uint8_t c, char out[16]) {
	if (c >= 0x20 && c < 0x7F) {
		if (c == '\'' || c == '\\') lm__fmt(out, 16, "'\\%c'", c);
		else lm__fmt(out, 16, "'%c'", c);
	} else {
		lm__fmt(out, 16, "byte 0x%02X", c);
	}
}

static void char_error(lm__error *e, const char *s, size_t len, size_t off, int n, const form *f, const char *msg, const char *hint) {
	memset(e, 0, sizeof *e);
	position(f, n, &e->group, &e->chr);
	lm__line_column(s, len, off, &e->line, &e->column);
	format_error(e, f, LM_ERR_MALFORMED, hint, msg);
}

static int scan_symbols(const char *s, size_t len, const form *f, char p[2], uint8_t syms[LM__SIGNED_SYMBOLS],
                        uint8_t text[LM__SIGNED_SYMBOLS], lm__error *e) {
	int n = -2;
	size_t i;
	char msg[256], q[16], hint[128];
	for (i = 0; i < len; i++) {
		uint8_t ch = (uint8_t)s[i], v = lm__symbol_value(ch);
		if (v == LM__SYM_SEPARATOR) continue;
		if (n < 0) {
			if (!is_letter(ch)) {
				lm__quote_byte(ch, q);
				lm__fmt(msg, sizeof msg, "%s: %s starts with the two-letter product code", q, f->a);
				char_error(e, s, len, i, n, f, msg, "");
				return -1;
			}
			p[n + 2] = (char)(ch & ~0x20);
		} else if (v == LM__SYM_INVALID) {
			lm__quote_byte(ch, q);
			lm__fmt(msg, sizeof msg, "%s is not a base32 symbol", q);
			if (ch == 'U' || ch == 'u') lm__fmt(hint, sizeof hint, "U is never used in %s: check the original", f->a);
			else lm__fmt(hint, sizeof hint, "%ss use digits and the letters A-Z except I, L, O and U", f->kind);
			char_error(e, s, len, i, n, f, msg, hint);
			return -1;
		} else if (n >= LM__SIGNED_SYMBOLS) {
			lm__fmt(msg, sizeof msg, "more than %d symbols", f->longest);
			char_error(e, s, len, i, n, f, msg, "is there more than one code, or other text, in the input?");
			return -1;
		} else {
			syms[n] = v, text[n] = (uint8_t)alphabet[v];
		}
		n++;
	}
	return n < 0 ? 0 : n;
}

/* ---- typo location (formats.locateTypo) ---- */

typedef struct syndromes {
	int n;
	int last[2];
	uint32_t syn[2];
	uint32_t back[2][LM__SIGNED_SYMBOLS];
} syndromes;

static void new_syndromes(syndromes *sy, const char p[2], const uint8_t *syms, const form *f) {
	uint32_t reg = crc_update(CRC_INIT, (const uint8_t *)p, 2);
	int from = 0, k, i;
	sy->n = f->n_checks;
	for (k = 0; k < f->n_checks; k++) {
		int last = f->checks[k];
		uint32_t syn;
		reg = crc_symbols(reg, syms + from, (size_t)(last + 1 - from));
		sy->last[k] = last;
		sy->syn[k] = crc_sum(reg) ^ check_value(syms + last + 1);
		syn = sy->syn[k];
		for (i = last; i >= 0; i--) {
			sy->back[k][i] = syn;
			syn = crc_unstep(syn);
		}
		from = last + 1;
	}
}

static int substitute(const syndromes *sy, int i, uint8_t orig, uint8_t *out) {
	int k;
	for (k = 0; k < sy->n; k++) {
		int last = sy->last[k];
		if (i <= last) {
			uint8_t d = crc30_inv_low[sy->back[k][i] & 0xFF];
			uint8_t v = lm__symbol_value((uint8_t)(alphabet[orig] ^ d));
			*out = v;
			return d != 0 && v < 32 && (uint8_t)alphabet[v] == (uint8_t)(alphabet[orig] ^ d);
		}
		if (i <= last + LM__CHECK_SYMBOLS) {
			uint8_t d = (uint8_t)(sy->syn[k] >> (25 - 5 * (i - last - 1))) & 31;
			*out = orig ^ d;
			return d != 0;
		}
	}
	return 0;
}

static int cancels(uint32_t syn, const uint32_t *back, int last, int pos, const uint8_t *olds, const uint8_t *news, int n) {
	uint32_t crc_diff = 0, check_diff = 0;
	int end = -1, j;
	for (j = 0; j < n; j++) {
		int k = pos + j;
		if (k <= last) {
			crc_diff = crc_zero(crc_diff) ^ crc30_table[(uint8_t)(alphabet[olds[j]] ^ alphabet[news[j]])];
			end = k;
		} else if (k <= last + LM__CHECK_SYMBOLS) {
			check_diff ^= (uint32_t)(olds[j] ^ news[j]) << (25 - 5 * (k - last - 1));
		}
	}
	if (end < 0) return check_diff == syn;
	if (check_diff != 0) return end == last && (crc_diff ^ check_diff) == syn;
	return crc_diff == back[end];
}

static int cancelled_by(const syndromes *sy, int pos, const uint8_t *olds, const uint8_t *news, int n) {
	int k;
	for (k = 0; k < sy->n; k++)
		if (!cancels(sy->syn[k], sy->back[k], sy->last[k], pos, olds, news, n)) return 0;
	return 1;
}

static int checks_pass(const char p[2], const uint8_t *syms, const form *f) {
	uint32_t reg = crc_update(CRC_INIT, (const uint8_t *)p, 2);
	int from = 0, k;
	for (k = 0; k < f->n_checks; k++) {
		int last = f->checks[k];
		reg = crc_symbols(reg, syms + from, (size_t)(last + 1 - from));
		if (crc_sum(reg) != check_value(syms + last + 1)) return 0;
		from = last + 1;
	}
	return 1;
}

static int locate_typo(const char p[2], const uint8_t *syms, int n, const form *f, int *pos, char fix[96]) {
	syndromes sy;
	int hits = 0, i, j;
	new_syndromes(&sy, p, syms, f);
	for (i = 0; i < n; i++) {
		uint8_t v;
		if (substitute(&sy, i, syms[i], &v) && cancelled_by(&sy, i, syms + i, &v, 1)) {
			if (++hits == 1) {
				*pos = i;
				lm__fmt(fix, 96, "perhaps '%c' should be '%c'", alphabet[syms[i]], alphabet[v]);
			}
		}
	}
	for (i = 0; i + 1 < n; i++) {
		uint8_t sw[2];
		sw[0] = syms[i + 1], sw[1] = syms[i];
		if (syms[i] != syms[i + 1] && cancelled_by(&sy, i, syms + i, sw, 2)) {
			if (++hits == 1) {
				*pos = i;
				lm__fmt(fix, 96, "perhaps '%c' and '%c' are swapped", alphabet[syms[i]], alphabet[syms[i + 1]]);
			}
		}
	}
	for (j = 0; j < 2; j++) {
		char c;
		for (c = 'A'; c <= 'Z'; c++) {
			char q[2];
			q[0] = p[0], q[1] = p[1];
			q[j] = c;
			if (c != p[j] && checks_pass(q, syms, f)) {
				if (++hits == 1) {
					*pos = j - 2;
					lm__fmt(fix, 96, "perhaps product letter '%c' should be '%c'", p[j], c);
				}
			}
		}
	}
	return hits == 1;
}

static long symbol_offset(const char *s, size_t len, int n) {
	int k = -2;
	size_t i;
	for (i = 0; i < len; i++) {
		if (lm__symbol_value((uint8_t)s[i]) == LM__SYM_SEPARATOR) continue;
		if (k == n) return (long)i;
		k++;
	}
	return -1;
}

static void typo_error(lm__error *e, const char *s, size_t len, const char p[2], const uint8_t *syms, int n, const form *f) {
	int pos = 0;
	char fix[96], msg[160];
	long off;
	memset(e, 0, sizeof *e);
	if (!locate_typo(p, syms, n, f, &pos, fix)) {
		format_error(e, f, LM_ERR_TYPO, "a character is probably mistyped, or two swapped; compare the code with the original",
		             "check symbols do not match");
		return;
	}
	position(f, pos, &e->group, &e->chr);
	off = symbol_offset(s, len, pos);
	if (off >= 0) lm__line_column(s, len, (size_t)off, &e->line, &e->column);
	lm__fmt(msg, sizeof msg, "check symbols do not match: %s", fix);
	format_error(e, f, LM_ERR_TYPO, "a character is probably mistyped, or two swapped; compare the code with the original", msg);
}

static void pack_symbols(uint8_t *dst, const uint8_t *syms, int n) {
	uint64_t acc = 0;
	unsigned bits = 0;
	int i, j = 0;
	for (i = 0; i < n; i++) {
		acc = acc << 5 | (syms[i] & 31);
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			dst[j++] = (uint8_t)(acc >> bits);
		}
	}
	if (bits > 0) dst[j] = (uint8_t)(acc << (8 - bits));
}

static uint64_t be64(const uint8_t *b) {
	uint64_t v = 0;
	int i;
	for (i = 0; i < 8; i++) v = v << 8 | b[i];
	return v;
}

static const char not_licmint[] = "this code was not made by a licmint encoder";

LM__PART int lm__parse_ac(const char *s, size_t len, int want_signed, const char *product, lm__ac *c, lm__error *e) {
	uint8_t syms[LM__SIGNED_SYMBOLS], text[LM__SIGNED_SYMBOLS], hb[15], l8[8], sb[65];
	const form *f = &ac_signed;
	char msg[256], hint[128];
	uint32_t reg;
	uint64_t hi, lo;
	int n, ok;
	memset(c, 0, sizeof *c);
	memset(e, 0, sizeof *e);
	if (len > LM_MAX_CODE_LEN) {
		lm__fmt(msg, sizeof msg, "input is %lu bytes, more than %d", (unsigned long)len, LM_MAX_CODE_LEN);
		format_error(e, f, LM_ERR_MALFORMED, "give one activation code", msg);
		return -1;
	}
	n = scan_symbols(s, len, f, c->product, syms, text, e);
	if (n < 0) return -1;
	if (n == LM__SHORT_SYMBOLS) {
		if (want_signed) {
			format_error(e, f, LM_ERR_UNSIGNED, "give the whole 168-character code",
			             "this is the 37-character short form, without the signature");
			return -1;
		}
	} else if (n == LM__SIGNED_SYMBOLS) {
		c->is_signed = 1;
	} else {
		const char *h = "check that the whole code was copied";
		if (n == LM__SHORT_SYMBOLS - 1 || n == LM__SIGNED_SYMBOLS - 1) h = "one character is missing";
		if (n == LM__SHORT_SYMBOLS + 1 || n == LM__SIGNED_SYMBOLS + 1) h = "one character too many";
		lm__fmt(msg, sizeof msg, "%d symbols after the product code; a short code has %d, a signed code %d", n,
		         LM__SHORT_SYMBOLS, LM__SIGNED_SYMBOLS);
		format_error(e, f, LM_ERR_MALFORMED, h, msg);
		return -1;
	}
	reg = crc_update(CRC_INIT, (const uint8_t *)c->product, 2);
	reg = crc_update(reg, text, LM__HEADER_SYMBOLS);
	ok = crc_sum(reg) == check_value(syms + LM__HEADER_SYMBOLS);
	if (ok && c->is_signed) {
		reg = crc_update(reg, text + LM__HEADER_SYMBOLS, LM__SHORT_SYMBOLS + LM__SIG_SYMBOLS - LM__HEADER_SYMBOLS);
		ok = crc_sum(reg) == check_value(syms + LM__SHORT_SYMBOLS + LM__SIG_SYMBOLS);
	}
	if (!ok) {
		typo_error(e, s, len, c->product, syms, n, c->is_signed ? &ac_signed : &ac_short);
		return -1;
	}
	pack_symbols(hb, syms, LM__HEADER_SYMBOLS);
	hi = be64(hb);
	memset(l8, 0, sizeof l8);
	memcpy(l8, hb + 8, 7);
	lo = be64(l8);
	c->version = (uint8_t)(hi >> 60);
	c->key_id = (uint8_t)(hi >> 52);
	c->edition = (uint8_t)(hi >> 44);
	c->trial = (uint8_t)(hi >> 43 & 1);
	c->bound = (uint8_t)(hi >> 42 & 1);
	c->generation = (uint8_t)(hi >> 34);
	c->issued = (uint16_t)(hi >> 18);
	c->expires = (uint16_t)(hi >> 2);
	c->serial = (hi & 3) << 45 | lo >> 19;
	msg[0] = 0;
	if (c->version != 1) {
		lm__fmt(msg, sizeof msg, "format version %d; this licmint reads version 1", c->version);
		format_error(e, f, LM_ERR_MALFORMED, "a newer licmint may read it", msg);
		return -1;
	}
	if (c->serial > LM__MAX_SERIAL) {
		lm__fmt(msg, sizeof msg, "serial %llu has more than 14 digits", (unsigned long long)c->serial);
	} else if (c->issued > LM__MAX_DAY) {
		lm__fmt(msg, sizeof msg, "issue day is not a date");
	} else if (c->expires != LM_PERPETUAL && c->expires <= c->issued) {
		char a[16], b[16];
		lm__day_string(c->expires, a);
		lm__day_string(c->issued, b);
		lm__fmt(msg, sizeof msg, "expires %s, not after issued %s", a, b);
	} else if ((lo >> 13 & 63) != 0) {
		lm__fmt(msg, sizeof msg, "reserved header bits are set");
	}
	if (msg[0]) {
		format_error(e, f, LM_ERR_MALFORMED, not_licmint, msg);
		return -1;
	}
	if (c->is_signed) {
		pack_symbols(sb, syms + LM__SHORT_SYMBOLS, LM__SIG_SYMBOLS);
		if (sb[64] != 0) {
			format_error(e, f, LM_ERR_MALFORMED, not_licmint, "the signature's 3 spare bits are not zero");
			return -1;
		}
		memcpy(c->sig, sb, 64);
	}
	if (product && (product[0] != c->product[0] || product[1] != c->product[1])) {
		lm__fmt(msg, sizeof msg, "this code is for product %.2s, not %.2s", c->product, product);
		lm__fmt(hint, sizeof hint, "give an activation code for %.2s", product);
		e->group = 1, e->chr = 1;
		lm__line_column(s, len, (size_t)symbol_offset(s, len, -2), &e->line, &e->column);
		format_error(e, f, LM_ERR_WRONG_PRODUCT, hint, msg);
		return -1;
	}
	return 0;
}

static void header_bytes(const lm__ac *c, uint8_t out[15]) {
	uint64_t hi = (uint64_t)(c->version & 15) << 60 | (uint64_t)c->key_id << 52 | (uint64_t)c->edition << 44 |
	              (uint64_t)(c->trial & 1) << 43 | (uint64_t)(c->bound & 1) << 42 | (uint64_t)c->generation << 34 |
	              (uint64_t)c->issued << 18 | (uint64_t)c->expires << 2 | (c->serial >> 45 & 3);
	uint64_t lo = (c->serial & ((1ULL << 45) - 1)) << 19;
	int i;
	for (i = 0; i < 8; i++) out[i] = (uint8_t)(hi >> (56 - 8 * i));
	for (i = 0; i < 7; i++) out[8 + i] = (uint8_t)(lo >> (56 - 8 * i));
}

LM__PART size_t lm__ac_message(const lm__ac *c, const char *install_id, size_t id_len, uint8_t out[LM__MAX_MESSAGE]) {
	size_t n = sizeof LM__CONTEXT_AC; /* with its NUL */
	memcpy(out, LM__CONTEXT_AC, n);
	out[n++] = (uint8_t)c->product[0];
	out[n++] = (uint8_t)c->product[1];
	header_bytes(c, out + n);
	n += 15;
	if (c->bound) {
		memcpy(out + n, install_id, id_len);
		n += id_len;
	}
	return n;
}

static void unpack_text(char *dst, int ndst, const uint8_t *src, int nsrc) {
	uint64_t acc = 0;
	unsigned bits = 0;
	int i, j = 0;
	for (i = 0; i < ndst; i++) {
		if (bits < 5) {
			acc = acc << 8 | (j < nsrc ? src[j] : 0);
			j++;
			bits += 8;
		}
		bits -= 5;
		dst[i] = alphabet[(acc >> bits) & 31];
	}
}

static void put_check_text(char *dst, uint32_t sum) {
	int i;
	for (i = 0; i < LM__CHECK_SYMBOLS; i++) dst[i] = alphabet[(sum >> (25 - 5 * i)) & 31];
}

LM__PART void lm__ac_text(const lm__ac *c, char out[169]) {
	char a[LM__SIGNED_SYMBOLS];
	uint8_t hb[15];
	uint32_t reg;
	int i, o = 0;
	header_bytes(c, hb);
	unpack_text(a, LM__HEADER_SYMBOLS, hb, 15);
	reg = crc_update(CRC_INIT, (const uint8_t *)c->product, 2);
	reg = crc_update(reg, (const uint8_t *)a, LM__HEADER_SYMBOLS);
	put_check_text(a + LM__HEADER_SYMBOLS, crc_sum(reg));
	unpack_text(a + LM__SHORT_SYMBOLS, LM__SIG_SYMBOLS, c->sig, 64);
	reg = crc_update(reg, (const uint8_t *)a + LM__HEADER_SYMBOLS, LM__SHORT_SYMBOLS + LM__SIG_SYMBOLS - LM__HEADER_SYMBOLS);
	put_check_text(a + LM__SHORT_SYMBOLS + LM__SIG_SYMBOLS, crc_sum(reg));
	out[o++] = c->product[0], out[o++] = c->product[1], out[o++] = '-';
	for (i = 0; i < LM__SIGNED_SYMBOLS; i++) {
		if (i >= 4 && (i - 4) % 5 == 0) out[o++] = '-';
		out[o++] = a[i];
	}
	out[o] = 0;
}

/* ---- reset codes (FORMAT.md section 16) ---- */

static const char reset_not_licmint[] = "this reset code was not made by a licmint encoder";

LM__PART int lm__parse_reset(const char *s, size_t len, const char *product, lm__reset *c, lm__error *e) {
	uint8_t syms[LM__SIGNED_SYMBOLS], text[LM__SIGNED_SYMBOLS], hb[10], sb[65];
	const form *f = &reset_form;
	char msg[256], hint[128], p[2];
	uint32_t reg;
	uint64_t hi;
	uint16_t lo;
	int n;
	memset(c, 0, sizeof *c);
	memset(e, 0, sizeof *e);
	if (len > LM_MAX_CODE_LEN) {
		lm__fmt(msg, sizeof msg, "input is %lu bytes, more than %d", (unsigned long)len, LM_MAX_CODE_LEN);
		format_error(e, f, LM_ERR_MALFORMED, "give one reset code", msg);
		return -1;
	}
	n = scan_symbols(s, len, f, p, syms, text, e);
	if (n < 0) return -1;
	if (n == LM__SHORT_SYMBOLS || n == LM__SIGNED_SYMBOLS) {
		format_error(e, f, LM_ERR_MALFORMED, "give the 152-character reset code the vendor issued for this install",
		             "this is an activation code, not a reset code");
		return -1;
	}
	if (n != LM__RESET_SYMBOLS) {
		const char *h = "check that the whole code was copied";
		if (n == LM__RESET_SYMBOLS - 1) h = "one character is missing";
		if (n == LM__RESET_SYMBOLS + 1) h = "one character too many";
		lm__fmt(msg, sizeof msg, "%d symbols after the product code; a reset code has %d", n, LM__RESET_SYMBOLS);
		format_error(e, f, LM_ERR_MALFORMED, h, msg);
		return -1;
	}
	reg = crc_update(CRC_INIT, (const uint8_t *)p, 2);
	reg = crc_update(reg, text, 119);
	if (crc_sum(reg) != check_value(syms + 119)) {
		typo_error(e, s, len, p, syms, n, f);
		return -1;
	}
	pack_symbols(hb, syms, LM__RESET_HEADER_SYMBOLS);
	hi = be64(hb);
	lo = (uint16_t)(hb[8] << 8 | hb[9]);
	c->product[0] = p[0], c->product[1] = p[1];
	c->version = (uint8_t)(hi >> 60);
	c->key_id = (uint8_t)(hi >> 52);
	c->remembered = (uint16_t)(hi >> 36);
	c->issued = (uint16_t)(hi >> 20);
	c->nonce = (uint32_t)(hi & 0xFFFFF) << 12 | (uint32_t)(lo >> 4);
	msg[0] = 0;
	if (c->version != 1) {
		lm__fmt(msg, sizeof msg, "reset code version %d; this licmint reads version 1", c->version);
		format_error(e, f, LM_ERR_MALFORMED, "a newer licmint may read it", msg);
		memset(c, 0, sizeof *c);
		return -1;
	}
	if (c->remembered > LM__MAX_DAY) lm__fmt(msg, sizeof msg, "remembered day is not a date");
	else if (c->issued > LM__MAX_DAY) lm__fmt(msg, sizeof msg, "issue day is not a date");
	else if ((lo & 15) != 0) lm__fmt(msg, sizeof msg, "reserved header bits are set");
	if (!msg[0]) {
		pack_symbols(sb, syms + LM__RESET_HEADER_SYMBOLS, LM__SIG_SYMBOLS);
		if (sb[64] != 0) lm__fmt(msg, sizeof msg, "the signature's 3 spare bits are not zero");
		else memcpy(c->sig, sb, 64);
	}
	if (msg[0]) {
		format_error(e, f, LM_ERR_MALFORMED, reset_not_licmint, msg);
		memset(c, 0, sizeof *c);
		return -1;
	}
	if (product && (product[0] != c->product[0] || product[1] != c->product[1])) {
		lm__fmt(msg, sizeof msg, "this reset code is for product %.2s, not %.2s", c->product, product);
		lm__fmt(hint, sizeof hint, "give a reset code for %.2s", product);
		e->group = 1, e->chr = 1;
		lm__line_column(s, len, (size_t)symbol_offset(s, len, -2), &e->line, &e->column);
		format_error(e, f, LM_ERR_WRONG_PRODUCT, hint, msg);
		memset(c, 0, sizeof *c);
		return -1;
	}
	return 0;
}

static void reset_header(const lm__reset *c, uint8_t out[10]) {
	uint64_t hi = (uint64_t)(c->version & 15) << 60 | (uint64_t)c->key_id << 52 | (uint64_t)c->remembered << 36 |
	              (uint64_t)c->issued << 20 | (uint64_t)(c->nonce >> 12);
	int i;
	for (i = 0; i < 8; i++) out[i] = (uint8_t)(hi >> (56 - 8 * i));
	out[8] = (uint8_t)((c->nonce & 0xFFF) << 4 >> 8);
	out[9] = (uint8_t)((c->nonce & 0xFFF) << 4);
}

LM__PART size_t lm__reset_message(const lm__reset *c, const char *install_id, size_t id_len, uint8_t out[LM__MAX_MESSAGE]) {
	size_t n = sizeof LM__CONTEXT_RESET;
	memcpy(out, LM__CONTEXT_RESET, n);
	out[n++] = (uint8_t)c->product[0];
	out[n++] = (uint8_t)c->product[1];
	reset_header(c, out + n);
	n += 10;
	memcpy(out + n, install_id, id_len);
	return n + id_len;
}

LM__PART void lm__reset_id(const lm__reset *c, char out[21]) {
	uint8_t hb[10];
	int i;
	reset_header(c, hb);
	for (i = 0; i < 10; i++) lm__fmt(out + 2 * i, 3, "%02x", hb[i]);
}
