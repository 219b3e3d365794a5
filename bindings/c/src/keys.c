/*
 * Registration Keys (FORMAT.md section 2) and key files (section 10): a
 * port of formats.ParseRegistrationKey and formats/keyring.Parse, with the
 * same kinds, positions, messages and hints.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

/* Copies the string src into dst of n bytes, cut to fit. */
static void cut(char *dst, size_t n, const char *src) {
	size_t l = strlen(src);
	if (l >= n) l = n - 1;
	memcpy(dst, src, l);
	dst[l] = 0;
}

LM__PART void lm__error_out(lm_error *out, const lm__error *e) {
	if (!out) return;
	memset(out, 0, sizeof *out);
	out->kind = e->res;
	out->group = e->group, out->character = e->chr, out->line = e->line, out->column = e->column;
	cut(out->message, sizeof out->message, e->msg);
	cut(out->hint, sizeof out->hint, e->hint);
}

/* ---- Registration Keys ---- */

/* The Damm quasigroup of order 10 (formats/damm.go). */
static const uint8_t damm[10][10] = {
	{0, 3, 1, 7, 5, 9, 8, 6, 4, 2}, {7, 0, 9, 2, 1, 5, 4, 8, 6, 3}, {4, 2, 0, 6, 8, 7, 1, 3, 5, 9},
	{1, 7, 5, 0, 9, 8, 3, 4, 2, 6}, {6, 1, 2, 3, 0, 4, 5, 9, 7, 8}, {3, 6, 7, 4, 2, 0, 9, 5, 8, 1},
	{5, 8, 6, 9, 7, 2, 0, 1, 3, 4}, {8, 9, 4, 5, 3, 6, 2, 0, 1, 7}, {9, 4, 3, 8, 6, 1, 7, 2, 0, 5},
	{2, 5, 8, 1, 4, 3, 6, 7, 9, 0}};

static lm_result rk_fail(lm__error *e, const char *s, size_t len, long off, int n, lm_result res, const char *hint,
                         const char *msg) {
	memset(e, 0, sizeof *e);
	if (off >= 0) lm__line_column(s, len, (size_t)off, &e->line, &e->column);
	if (n >= 0) {
		if (n < 2) e->group = 1, e->chr = n + 1;
		else e->group = 2 + (n - 2) / 4, e->chr = (n - 2) % 4 + 1;
	}
	lm__format_error(e, "registration key", res, hint, msg);
	return res;
}

static lm_result parse_rk(const char *s, size_t len, lm_registration_key *k, lm__error *e) {
	uint8_t d[16], c = 0;
	char m[96], q[16];
	size_t i;
	int n = 0, j;
	long type_at = -1;
	if (len > LM_MAX_RK_LEN) {
		lm__fmt(m, sizeof m, "input is %lu bytes, more than %d", (unsigned long)len, LM_MAX_RK_LEN);
		return rk_fail(e, s, len, -1, -1, LM_ERR_MALFORMED, "give one key, such as PC-0123-4567-8901-2345", m);
	}
	for (i = 0; i < len; i++) {
		uint8_t ch = (uint8_t)s[i], v = lm__symbol_value(ch);
		if (v == LM__SYM_SEPARATOR) continue;
		lm__quote_byte(ch, q);
		if (n < 2) {
			if (!((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z')) {
				lm__fmt(m, sizeof m, "%s: the product code is two letters", q);
				return rk_fail(e, s, len, (long)i, n, LM_ERR_MALFORMED, "a registration key looks like PC-0123-4567-8901-2345", m);
			}
			k->product[n] = (char)(ch & ~0x20);
		} else if (n < 18) {
			if (v > 9) {
				lm__fmt(m, sizeof m, "%s is not a digit", q);
				return rk_fail(e, s, len, (long)i, n, LM_ERR_MALFORMED,
				               "after the two-letter product code a registration key has only digits", m);
			}
			d[n - 2] = v;
			if (n == 2) type_at = (long)i;
		} else if (v > 9) {
			/* Past the key, so no group of it: the position is the input's. */
			lm__fmt(m, sizeof m, "%s after the last digit", q);
			return rk_fail(e, s, len, (long)i, -1, LM_ERR_MALFORMED,
			               "a registration key ends with its 16th digit; remove what follows it", m);
		} else {
			return rk_fail(e, s, len, (long)i, n, LM_ERR_MALFORMED, "a registration key has four groups of four digits",
			               "more than 16 digits");
		}
		n++;
	}
	if (n < 18) {
		lm__fmt(m, sizeof m, "%d digits, want 16", n > 2 ? n - 2 : 0);
		return rk_fail(e, s, len, -1, -1, LM_ERR_MALFORMED,
		               "a registration key has four groups of four digits; is one missing?", m);
	}
	for (j = 0; j < 16; j++) c = damm[c][d[j]];
	if (c != 0)
		return rk_fail(e, s, len, -1, -1, LM_ERR_TYPO,
		               "one digit is probably mistyped, or two neighbours swapped; compare the key with the original",
		               "check digit does not match");
	if (d[0] > 1) {
		lm__fmt(m, sizeof m, "type digit %d is neither 0 (full) nor 1 (trial)", d[0]);
		return rk_fail(e, s, len, type_at, 2, LM_ERR_MALFORMED, "this is not a registration key this version of licmint issues", m);
	}
	k->trial = d[0];
	for (j = 1; j < 15; j++) k->serial = k->serial * 10 + d[j];
	k->text[0] = k->product[0], k->text[1] = k->product[1];
	for (j = 0; j < 16; j++) {
		k->text[2 + j / 4 * 5] = '-';
		k->text[3 + j / 4 * 5 + j % 4] = (char)('0' + d[j]);
	}
	return LM_OK;
}

lm_result lm_parse_registration_key(const char *s, size_t len, lm_registration_key *out, lm_error *err) {
	lm__error e;
	lm_registration_key k;
	lm_result r;
	if (err) memset(err, 0, sizeof *err);
	if (!out || (!s && len > 0)) {
		if (err) err->kind = LM_ERR_ARGUMENT, lm__fmt(err->message, sizeof err->message, "registration key: NULL argument");
		return LM_ERR_ARGUMENT;
	}
	memset(out, 0, sizeof *out);
	memset(&k, 0, sizeof k);
	r = parse_rk(s ? s : "", len, &k, &e);
	if (r != LM_OK) {
		lm__error_out(err, &e);
		return r;
	}
	*out = k;
	return LM_OK;
}

/* ---- base64 ---- */

static int b64_value(char c, int url) {
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == (url ? '-' : '+')) return 62;
	if (c == (url ? '_' : '/')) return 63;
	return -1;
}

LM__PART long lm__base64(const char *s, size_t n, int url, uint8_t *out, size_t cap) {
	size_t i, o = 0, pad = 0;
	uint32_t acc = 0;
	int bits = 0;
	if (!url) {
		if (n % 4) return -1;
		while (pad < 2 && pad < n && s[n - 1 - pad] == '=') pad++;
		n -= pad;
	} else if (n % 4 == 1) {
		return -1;
	}
	for (i = 0; i < n; i++) {
		int v = b64_value(s[i], url);
		if (v < 0) return -1;
		acc = acc << 6 | (uint32_t)v, bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (out) {
				if (o == cap) return -1;
				out[o] = (uint8_t)(acc >> bits);
			}
			o++;
			acc &= (1u << bits) - 1;
		}
	}
	/* Padding must complete the last quantum, and the unused bits be zero. */
	if (acc != 0 || (!url && pad != (size_t)(bits / 2 % 3 == 0 ? 0 : bits == 4 ? 2 : 1))) return -1;
	return (long)o;
}

/* ---- key files ---- */

static const uint8_t spki_prefix[12] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

typedef struct keyset {
	lm_key *keys;
	size_t cap, n;
	uint8_t seen[256];
} keyset;

static lm_result key_fail(lm__error *e, lm_result r, const char *hint, const char *fmt, const char *a, const char *b) {
	memset(e, 0, sizeof *e);
	e->res = r;
	lm__fmt(e->msg, sizeof e->msg, fmt, a, b);
	lm__fmt(e->hint, sizeof e->hint, "%s", hint);
	return r;
}

static const char key_hint[] = "give the product's public key file (.pub.pem) or JWK Set, as licmint keygen wrote it";

/* keyring.New for one more key: its check, then a unique id. */
static lm_result add_key(keyset *ks, uint8_t id, const uint8_t pub[32], const char *where, lm__error *e) {
	int problem = lm__check_public_key(pub);
	char m[64];
	if (problem != LM_KEY_OK) return key_fail(e, LM_ERR_KEYS_INVALID, key_hint, "%spublic key: %s", where, lm__key_problem(problem));
	if (ks->seen[id]) {
		lm__fmt(m, sizeof m, "%d", id);
		return key_fail(e, LM_ERR_KEYS_INVALID, key_hint, "keyring: key id %s appears twice%s", m, "");
	}
	if (ks->n == ks->cap) return key_fail(e, LM_ERR_ARGUMENT, "", "keyring: more keys than the array given has room for%s%s", "", "");
	ks->seen[id] = 1;
	ks->keys[ks->n].id = id;
	memcpy(ks->keys[ks->n].public_key, pub, 32);
	ks->n++;
	return LM_OK;
}

/* A line of the file, from b to e (before its LF), with a CR before the
 * LF and then spaces and tabs at its end removed. */
static size_t line_end(const char *s, size_t b, size_t e) {
	if (e > b && s[e - 1] == '\r') e--;
	while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) e--;
	return e;
}

static int starts(const char *s, size_t b, size_t e, const char *p) {
	size_t n = strlen(p);
	return e - b >= n && !memcmp(s + b, p, n);
}

static int is_line(const char *s, size_t b, size_t e, const char *p) { return e - b == strlen(p) && starts(s, b, e, p); }

/* The key id of the text from b to e: the last key-id line's. */
static lm_result key_id(const char *s, size_t b, size_t e, const char *where, uint8_t *id, lm__error *err) {
	int found = 0;
	while (b < e) {
		size_t nl = b, x, y;
		while (nl < e && s[nl] != '\n') nl++;
		x = b, y = nl;
		while (x < y && (s[x] == ' ' || s[x] == '\t' || s[x] == '\r')) x++;
		while (y > x && (s[y - 1] == ' ' || s[y - 1] == '\t' || s[y - 1] == '\r')) y--;
		if (starts(s, x, y, "key-id:")) {
			unsigned v = 0;
			size_t k;
			char q[64] = "";
			x += 7;
			while (x < y && (s[x] == ' ' || s[x] == '\t')) x++;
			for (k = x; k < y && s[k] >= '0' && s[k] <= '9' && v <= 255; k++) v = v * 10 + (unsigned)(s[k] - '0');
			if (k == x || k < y || v > 255) {
				lm__append_quoted(q, sizeof q, s + x, y - x);
				return key_fail(err, LM_ERR_KEYS_INVALID, key_hint, "%skey-id %s: want a number from 0 to 255", where, q);
			}
			found = 1, *id = (uint8_t)v;
		}
		b = nl + 1;
	}
	if (!found)
		return key_fail(err, LM_ERR_NO_KEY_ID, "write \"key-id: N\", the key's id, on the line above -----BEGIN PUBLIC KEY-----",
		                "%sno key-id line before it (write \"key-id: N\" on the line above -----BEGIN)%s", where, "");
	return LM_OK;
}

static lm_result parse_pem(const char *s, size_t n, keyset *ks, lm__error *e) {
	size_t b = 0, text_from = 0, line_no = 0, text_line = 1;
	char where[96], q[96];
	lm_result r;
	while (b <= n) {
		size_t nl = b, le;
		while (nl < n && s[nl] != '\n') nl++;
		le = line_end(s, b, nl);
		line_no++;
		if (starts(s, b, le, "-----END")) {
			char m[32];
			q[0] = 0;
			lm__append_quoted(q, sizeof q, s + b, le - b);
			lm__fmt(m, sizeof m, "keyring: line %lu: ", (unsigned long)line_no);
			return key_fail(e, LM_ERR_KEYS_INVALID, key_hint, "%s%s with no -----BEGIN line before it", m, q);
		}
		if (starts(s, b, le, "-----BEGIN")) {
			uint8_t der[48], id = 0;
			char b64[64];
			size_t nb = 0, j = nl + 1, body_line = line_no;
			int over = 0;
			long got;
			lm__fmt(where, sizeof where, "keyring: PEM block %lu (from line %lu): ", (unsigned long)ks->n + 1, (unsigned long)text_line);
			q[0] = 0;
			lm__append_quoted(q, sizeof q, s + b, le - b);
			if (!is_line(s, b, le, "-----BEGIN PUBLIC KEY-----")) {
				if (le - b < 15 || memcmp(s + le - 5, "-----", 5) || s[b + 10] != ' ')
					return key_fail(e, LM_ERR_KEYS_INVALID, key_hint, "%s%s is not a PEM BEGIN line", where, q);
				{
					int priv = 0;
					size_t k;
					for (k = b + 11; k + 7 <= le - 5; k++) priv |= !memcmp(s + k, "PRIVATE", 7);
					return key_fail(e, LM_ERR_KEYS_INVALID, key_hint,
					                priv ? "%sthe PEM type is not \"PUBLIC KEY\"%s; this is a private key: give the public key (.pub.pem) instead"
					                     : "%sthe PEM type is not \"PUBLIC KEY\"%s",
					                where, "");
				}
			}
			if ((r = key_id(s, text_from, b, where, &id, e)) != LM_OK) return r;
			for (;;) {
				size_t bnl = j, ble, k;
				if (j > n) return key_fail(e, LM_ERR_KEYS_INVALID, key_hint, "%sno -----END PUBLIC KEY----- line%s", where, "");
				while (bnl < n && s[bnl] != '\n') bnl++;
				ble = line_end(s, j, bnl);
				body_line++;
				if (is_line(s, j, ble, "-----END PUBLIC KEY-----")) {
					b = bnl + 1, line_no = body_line;
					break;
				}
				for (k = j; k < ble && (b64_value(s[k], 0) >= 0 || s[k] == '='); k++) {}
				if (ble == j || k < ble) {
					char m[32];
					lm__fmt(m, sizeof m, "line %lu", (unsigned long)body_line);
					return key_fail(e, LM_ERR_KEYS_INVALID, key_hint,
					                "%s%s is not base64: a PEM body has only base64 lines, no headers, blank lines or spaces", where, m);
				}
				if (nb + (ble - j) > sizeof b64) over = 1;
				else memcpy(b64 + nb, s + j, ble - j), nb += ble - j;
				j = bnl + 1;
				if (bnl == n) j = n + 1;
			}
			got = over ? -2 : lm__base64(b64, nb, 0, der, sizeof der);
			if (got == -1)
				return key_fail(e, LM_ERR_KEYS_INVALID, key_hint, "%sthe base64 does not decode%s", where, "");
			if (got != 44 || memcmp(der, spki_prefix, sizeof spki_prefix))
				return key_fail(e, LM_ERR_KEYS_INVALID, key_hint, "%snot an Ed25519 public key (SubjectPublicKeyInfo, RFC 8410)%s", where, "");
			if ((r = add_key(ks, id, der + 12, where, e)) != LM_OK) return r;
			text_from = b, text_line = line_no + 1;
			continue;
		}
		if (nl == n) break;
		b = nl + 1;
	}
	if (ks->n == 0)
		return key_fail(e, LM_ERR_KEYS_INVALID, key_hint, "keyring: no PEM block and no JSON: want a .pub.pem file, PEM blocks or a JWK Set%s%s", "", "");
	return LM_OK;
}

static const char *const jwk_names[] = {"keys", "kty", "crv", "x", "kid", "alg", "use", "d", NULL};

/* A JWK member that must be a string (or null, read as absent). */
static int jwk_string(const char *s, size_t n, size_t obj, const char *name, char *buf, size_t cap, size_t *len, int *present) {
	size_t v = lm__json_member(s, n, obj, name);
	*present = v != 0, *len = 0, buf[0] = 0;
	if (!v || s[v] == 'n') return 0;
	if (s[v] != '"') return -1;
	*len = lm__json_string(s, n, v, buf, cap);
	return 0;
}

static lm_result parse_jwk(const char *s, size_t n, size_t obj, unsigned idx, keyset *ks, lm__error *e) {
	char where[48], kty[16], crv[16], x[64], kid[8], alg[16], use[8], d[2], q[64], q2[64];
	size_t lk, lc, lx, li, la, lu, ld;
	int pk, pc, px, pi, pa, pu, pd;
	uint8_t pub[32];
	unsigned id = 0;
	size_t k;
	lm__fmt(where, sizeof where, "keyring: JWK %u: ", idx);
	if (s[obj] != '{') return key_fail(e, LM_ERR_KEYS_INVALID, key_hint, "%snot a JSON object%s", where, "");
	if (jwk_string(s, n, obj, "kty", kty, sizeof kty, &lk, &pk) || jwk_string(s, n, obj, "crv", crv, sizeof crv, &lc, &pc) ||
	    jwk_string(s, n, obj, "x", x, sizeof x, &lx, &px) || jwk_string(s, n, obj, "kid", kid, sizeof kid, &li, &pi) ||
	    jwk_string(s, n, obj, "alg", alg, sizeof alg, &la, &pa) || jwk_string(s, n, obj, "use", use, sizeof use, &lu, &pu) ||
	    jwk_string(s, n, obj, "d", d, sizeof d, &ld, &pd))
		return key_fail(e, LM_ERR_KEYS_INVALID, key_hint, "%sa member is not a string%s", where, "");
	(void)ld, (void)pk, (void)pc, (void)px, (void)pi;
	if (pd) return key_fail(e, LM_ERR_KEYS_INVALID, key_hint, "%shas a private part (\"d\"): give the public key only%s", where, "");
	if (pa && !(la == 5 && !strcmp(alg, "EdDSA"))) return key_fail(e, LM_ERR_KEYS_INVALID, key_hint, "%salg is not EdDSA%s", where, "");
	if (pu && !(lu == 3 && !strcmp(use, "sig"))) return key_fail(e, LM_ERR_KEYS_INVALID, key_hint, "%suse is not sig%s", where, "");
	if (!(lk == 3 && !strcmp(kty, "OKP") && lc == 7 && !strcmp(crv, "Ed25519"))) {
		q[0] = q2[0] = 0;
		lm__append_quoted(q, sizeof q, kty, strlen(kty));
		lm__append_quoted(q2, sizeof q2, crv, strlen(crv));
		lm__append(where, sizeof where, "kty %s ", q);
		return key_fail(e, LM_ERR_KEYS_INVALID, key_hint, "%scrv %s, want OKP and Ed25519", where, q2);
	}
	for (k = 0; k < li && kid[k] >= '0' && kid[k] <= '9'; k++) id = id * 10 + (unsigned)(kid[k] - '0');
	if (li == 0 || li > 3 || k < li || id > 255 || (kid[0] == '0' && li > 1)) {
		q[0] = 0;
		lm__append_quoted(q, sizeof q, kid, strlen(kid));
		return key_fail(e, LM_ERR_KEYS_INVALID, key_hint, "%skid %s: want a key id from 0 to 255 in decimal", where, q);
	}
	if (lx != 43 || lm__base64(x, lx, 1, pub, sizeof pub) != 32)
		return key_fail(e, LM_ERR_KEYS_INVALID, key_hint, "%s\"x\" is not 32 bytes of unpadded base64url%s", where, "");
	return add_key(ks, (uint8_t)id, pub, where, e);
}

static lm_result parse_jwks(const char *s, size_t n, keyset *ks, lm__error *e) {
	char m[640];
	lm__json_opts o;
	size_t keys, i;
	unsigned idx = 0;
	lm_result r;
	memset(&o, 0, sizeof o);
	o.names = jwk_names, o.null_ok = 1;
	if (lm__json_check(s, n, &o, m, sizeof m)) return key_fail(e, LM_ERR_KEYS_INVALID, key_hint, "keyring: JSON: %s%s", m, "");
	keys = lm__json_member(s, n, 0, "keys");
	if (keys && s[keys] != '[' && s[keys] != 'n')
		return key_fail(e, LM_ERR_KEYS_INVALID, key_hint, "keyring: JSON: \"keys\" is not an array%s%s", "", "");
	if (!keys || s[keys] == 'n') return parse_jwk(s, n, 0, 1, ks, e);
	for (i = lm__json_first(s, n, keys); i; i = lm__json_next(s, n, i))
		if ((r = parse_jwk(s, n, i, ++idx, ks, e)) != LM_OK) return r;
	if (ks->n == 0) return key_fail(e, LM_ERR_KEYS_INVALID, key_hint, "keyring: no keys%s%s", "", "");
	return LM_OK;
}

lm_result lm_parse_keys(const char *data, size_t len, lm_key *keys, size_t cap, size_t *n_keys, lm_error *err) {
	lm__error e;
	keyset ks;
	lm_result r;
	const unsigned char *u = (const unsigned char *)data;
	size_t b = 0, end = len;
	int k;
	if (err) memset(err, 0, sizeof *err);
	if (n_keys) *n_keys = 0;
	if ((!data && len > 0) || (!keys && cap > 0) || !n_keys) {
		if (err) err->kind = LM_ERR_ARGUMENT, lm__fmt(err->message, sizeof err->message, "keyring: NULL argument");
		return LM_ERR_ARGUMENT;
	}
	if (lm__crypto_init()) {
		if (err) err->kind = LM_ERR_ARGUMENT, lm__fmt(err->message, sizeof err->message, "keyring: libsodium failed to start");
		return LM_ERR_ARGUMENT;
	}
	memset(&ks, 0, sizeof ks);
	ks.keys = keys, ks.cap = cap;
	if (len > LM_MAX_KEY_FILE_LEN) {
		char m[32];
		lm__fmt(m, sizeof m, "%lu", (unsigned long)len);
		r = key_fail(&e, LM_ERR_KEYS_INVALID, key_hint, "keyring: %s bytes, more than %s", m, "1048576");
	} else {
		/* bytes.TrimSpace: JSON is recognised, and read, without it. */
		while (b < end && (k = lm__space_rune_at(u + b, end - b)) > 0) b += (size_t)k;
		for (;;) {
			int cut = 0;
			for (k = 1; k <= 3 && (size_t)k <= end - b; k++)
				if (lm__space_rune_at(u + end - k, (size_t)k) == k) cut = k;
			if (!cut) break;
			end -= (size_t)cut;
		}
		r = b < end && data[b] == '{' ? parse_jwks(data + b, end - b, &ks, &e) : parse_pem(data ? data : "", len, &ks, &e);
	}
	if (r != LM_OK) {
		lm__error_out(err, &e);
		if (keys) memset(keys, 0, cap * sizeof *keys);
		return r;
	}
	{
		/* In id order, as a keyring lists them. */
		size_t i, j;
		for (i = 1; i < ks.n; i++)
			for (j = i; j > 0 && keys[j - 1].id > keys[j].id; j--) {
				lm_key t = keys[j];
				keys[j] = keys[j - 1], keys[j - 1] = t;
			}
	}
	*n_keys = ks.n;
	return LM_OK;
}
