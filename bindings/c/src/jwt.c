/*
 * License tokens (FORMAT.md section 14), checked as package
 * verifier/licjwt checks them: an EdDSA JWT whose header and claims are
 * strict JSON of the types the format gives, signed by a trusted key, and
 * whose claims agree with the Activation Code it carries. The first
 * failure in the section's order decides.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

static const char *const header_names[] = {"alg", "kid", "typ", "crit", NULL};
static const char *const claim_names[] = {"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "product", "edition",
                                          "edition_number", "features", "trial", "install_bound", "install_id_sha256",
                                          "generation", "serial", "activation_code", "customer", NULL};

/* A claim's type: s string, a audience, n number, u integer 0-255, l
 * array of strings, b boolean, o object of strings, x string or number;
 * in claim_names' order. */
static const char claim_types[] = "ssannnsssulbbsuxso";

typedef struct token {
	const char *h, *c; /* header and claims JSON */
	size_t hn, cn;
	size_t ho, co; /* their objects */
} token;

static lm_result bad(lm__error *e, lm_result r, const char *fmt, const char *a, const char *b) {
	memset(e, 0, sizeof *e);
	e->res = r;
	lm__fmt(e->msg, sizeof e->msg, "license token: ");
	lm__append(e->msg, sizeof e->msg, fmt, a, b);
	return r;
}

/* The value of member name of the object, or 0 if it is absent or null. */
static size_t claim(const char *s, size_t n, size_t obj, const char *name) {
	size_t v = lm__json_member(s, n, obj, name);
	return v && s[v] != 'n' ? v : 0;
}

static int all_strings(const char *s, size_t n, size_t i, int object) {
	for (i = lm__json_first(s, n, i); i; i = lm__json_next(s, n, object ? lm__json_value(s, n, i) : i))
		if (s[object ? lm__json_value(s, n, i) : i] != '"') return 0;
	return 1;
}

static int types_ok(const char *s, size_t n, size_t obj, const char **bad_claim) {
	size_t i, v;
	int k;
	for (i = lm__json_first(s, n, obj); i; i = lm__json_next(s, n, v)) {
		v = lm__json_value(s, n, i);
		if (s[v] == 'n') continue;
		for (k = 0; claim_names[k]; k++) {
			char t = s[v], want = claim_types[k];
			int num = t == '-' || (t >= '0' && t <= '9');
			size_t end;
			if (!lm__json_is(s, n, i, claim_names[k])) continue;
			*bad_claim = claim_names[k];
			switch (want) {
			case 's': if (t != '"') return 0; break;
			case 'a': if (t != '"' && !(t == '[' && all_strings(s, n, v, 0))) return 0; break;
			case 'n': if (!num) return 0; break;
			case 'u': {
				unsigned x = 0;
				for (end = v; end < n && s[end] >= '0' && s[end] <= '9' && x <= 255; end++) x = x * 10 + (unsigned)(s[end] - '0');
				while (end < n && (s[end] == ' ' || s[end] == '\t' || s[end] == '\n' || s[end] == '\r')) end++;
				if (!num || x > 255 || lm__json_skip(s, n, v) != end) return 0;
				break;
			}
			case 'l': if (t != '[' || !all_strings(s, n, v, 0)) return 0; break;
			case 'b': if (t != 't' && t != 'f') return 0; break;
			case 'o': if (t != '{' || !all_strings(s, n, v, 1)) return 0; break;
			case 'x': if (t != '"' && !num) return 0; break;
			}
		}
	}
	return 1;
}

/* Decodes part p (len n) and checks it as JSON of the header or claims. */
static lm_result decode_part(const char *p, size_t n, uint8_t *buf, size_t cap, int claims, const char **out, size_t *out_n,
                             size_t *obj, lm__error *e) {
	static const char *const what[2] = {"header", "claims"};
	char m[640];
	lm__json_opts o;
	long len = lm__base64(p, n, 1, buf, cap);
	const char *s = (const char *)buf;
	size_t i = 0;
	if (len < 0) return bad(e, LM_ERR_BAD_TOKEN, "not a well-formed JWT: could not base64 decode %s%s", what[claims], "");
	memset(&o, 0, sizeof o);
	o.names = claims ? claim_names : header_names, o.top_level = 1, o.null_ok = 2;
	if (lm__json_check(s, (size_t)len, &o, m, sizeof m)) return bad(e, LM_ERR_BAD_TOKEN, "%s: %s", what[claims], m);
	while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') i++;
	if (s[i] != '{') return bad(e, LM_ERR_BAD_TOKEN, "not a well-formed JWT: the %s are not a JSON object%s", what[claims], "");
	*out = s, *out_n = (size_t)len, *obj = i;
	return LM_OK;
}

/* The number at i, near enough to order two times. */
static double number(const char *s, size_t n, size_t i) {
	double v = 0, scale = 1;
	int neg = 0, eneg = 0, ex = 0;
	if (s[i] == '-') neg = 1, i++;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) v = v * 10 + (s[i] - '0');
	if (i < n && s[i] == '.')
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++) scale /= 10, v += (s[i] - '0') * scale;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (s[i] == '-' || s[i] == '+') eneg = s[i] == '-', i++;
		for (; i < n && s[i] >= '0' && s[i] <= '9' && ex < 1000; i++) ex = ex * 10 + (s[i] - '0');
		while (ex-- > 0) v = eneg ? v / 10 : v * 10;
	}
	return neg ? -v : v;
}

/* Whether the number at i is written exactly as text. */
static int number_is(const char *s, size_t n, size_t i, const char *text) {
	size_t l = strlen(text);
	return i + l <= n && !memcmp(s + i, text, l) && (i + l == n || !(s[i + l] >= '0' && s[i + l] <= '9') ) &&
	       !(i + l < n && (s[i + l] == '.' || s[i + l] == 'e' || s[i + l] == 'E'));
}

static void number_text(const char *s, size_t n, size_t i, char out[48]) {
	size_t k = 0;
	while (i < n && k < 47 && (s[i] == '-' || s[i] == '+' || s[i] == '.' || s[i] == 'e' || s[i] == 'E' || (s[i] >= '0' && s[i] <= '9')))
		out[k++] = s[i++];
	out[k] = 0;
}

/* Whether the string claim at v is exactly text. */
static int string_is(const char *s, size_t n, size_t v, const char *text) { return lm__json_is(s, n, v, text); }

static lm_result mismatch(lm__error *e, const char *claim, const char *got, const char *want) {
	char m[96];
	lm__fmt(m, sizeof m, "claim %s is ", claim);
	bad(e, LM_ERR_BAD_TOKEN, "%s%s", m, got);
	lm__append(e->msg, sizeof e->msg, " but the activation code says %s", want);
	return LM_ERR_BAD_TOKEN;
}

/* agree: the claims say what the code says. */
static lm_result agree(const token *t, const lm__ac *ac, const lm_license *l, lm__error *e) {
	const char *s = t->c;
	size_t n = t->cn, o = t->co, v;
	char want[64], got[200], text[169], serial[16];
	static const char *const time_claims[3] = {"exp", "iat", "nbf"};
	int k;
	if (l->expires == LM_PERPETUAL)
		return bad(e, LM_ERR_BAD_TOKEN, "activation_code claim: the code is perpetual, and a license token must expire (exp)%s%s", "", "");
	for (k = 0; k < 3; k++) {
		int64_t day = k == 0 ? l->expires : l->issued;
		v = claim(s, n, o, time_claims[k]);
		if (!v) return bad(e, LM_ERR_BAD_TOKEN, "no %s claim%s", time_claims[k], "");
		lm__fmt(want, sizeof want, "%lld", (long long)LM_DAY_TO_UNIX(day));
		if (!number_is(s, n, v, want)) {
			number_text(s, n, v, got);
			return mismatch(e, time_claims[k], got, want);
		}
	}
	lm__ac_text(ac, text);
	text[37] = 0; /* the short form: the product, header and check symbols */
	v = claim(s, n, o, "jti");
	if (!v || string_is(s, n, v, "")) return bad(e, LM_ERR_BAD_TOKEN, "no jti claim%s%s", "", "");
	if (!string_is(s, n, v, text)) {
		got[0] = 0;
		lm__json_string(s, n, v, want, sizeof want);
		lm__append_quoted(got, sizeof got, want, strlen(want));
		want[0] = '"', memcpy(want + 1, text, 37), want[38] = '"', want[39] = 0;
		return mismatch(e, "jti", got, want);
	}
	v = claim(s, n, o, "edition_number");
	lm__fmt(want, sizeof want, "%d", l->edition_number);
	if (!v) return bad(e, LM_ERR_BAD_TOKEN, "no edition_number claim%s%s", "", "");
	if (!number_is(s, n, v, want)) {
		number_text(s, n, v, got);
		return mismatch(e, "edition_number", got, want);
	}
	v = claim(s, n, o, "edition");
	if (!v) return bad(e, LM_ERR_BAD_TOKEN, "no edition claim%s%s", "", "");
	if (strcmp(l->edition, want) != 0 && !string_is(s, n, v, l->edition)) {
		char q[LM_MAX_NAME_LEN + 8] = "";
		got[0] = 0;
		lm__json_string(s, n, v, want, sizeof want);
		lm__append_quoted(got, sizeof got, want, strlen(want));
		lm__append_quoted(q, sizeof q, l->edition, strlen(l->edition));
		return mismatch(e, "edition", got, q);
	}
	if ((v = claim(s, n, o, "product")) && !string_is(s, n, v, l->product)) {
		lm__json_string(s, n, v, got, 64);
		return mismatch(e, "product", got, l->product);
	}
	if ((v = claim(s, n, o, "trial")) && (s[v] == 't') != (l->trial != 0))
		return mismatch(e, "trial", s[v] == 't' ? "true" : "false", l->trial ? "true" : "false");
	if ((v = claim(s, n, o, "install_bound")) && (s[v] == 't') != (l->install_bound != 0))
		return mismatch(e, "install_bound", s[v] == 't' ? "true" : "false", l->install_bound ? "true" : "false");
	lm__fmt(want, sizeof want, "%d", l->generation);
	if ((v = claim(s, n, o, "generation")) && !number_is(s, n, v, want)) {
		number_text(s, n, v, got);
		return mismatch(e, "generation", got, want);
	}
	lm__fmt(serial, sizeof serial, "%014llu", (unsigned long long)l->serial);
	if ((v = claim(s, n, o, "sub")) && !string_is(s, n, v, "") && !string_is(s, n, v, serial)) {
		lm__json_string(s, n, v, got, 64);
		return mismatch(e, "sub", got, serial);
	}
	if ((v = claim(s, n, o, "serial"))) {
		lm__fmt(want, sizeof want, "%llu", (unsigned long long)l->serial);
		if (s[v] == '"' ? !string_is(s, n, v, serial) : !number_is(s, n, v, want)) {
			if (s[v] == '"') lm__json_string(s, n, v, got, 64);
			else number_text(s, n, v, got);
			return mismatch(e, "serial", got, serial);
		}
	}
	return LM_OK;
}

static lm_result verify_token(lm_verifier *v, const char *tok, size_t len, lm_license *out, lm__error *e) {
	const unsigned char *u = (const unsigned char *)tok;
	uint8_t hbuf[LM_MAX_TOKEN_LEN / 4 * 3], cbuf[LM_MAX_TOKEN_LEN / 4 * 3], sig[64];
	char code[LM_MAX_CODE_LEN + 1], kid[8], m[64], product[3];
	const char *bad_claim = "";
	const uint8_t *pub;
	token t;
	size_t b = 0, end = len, d1, d2, i, val, aud;
	unsigned id = 0;
	int k, dots = 0;
	lm__ac ac;
	lm_result r;
	/* Bounded before white space is trimmed, so that no more than
	 * LM_MAX_KEY_FILE_LEN bytes are ever read. */
	if (len > LM_MAX_KEY_FILE_LEN) {
		lm__fmt(m, sizeof m, "%lu", (unsigned long)len);
		return bad(e, LM_ERR_BAD_TOKEN, "%s bytes, more than %s", m, "16384");
	}
	while (b < end && (k = lm__space_rune_at(u + b, end - b)) > 0) b += (size_t)k;
	for (;;) {
		int cut = 0;
		for (k = 1; k <= 3 && (size_t)k <= end - b; k++)
			if (lm__space_rune_at(u + end - k, (size_t)k) == k) cut = k;
		if (!cut) break;
		end -= (size_t)cut;
	}
	if (end - b > LM_MAX_TOKEN_LEN) {
		lm__fmt(m, sizeof m, "%lu", (unsigned long)(end - b));
		return bad(e, LM_ERR_BAD_TOKEN, "%s bytes, more than %s", m, "16384");
	}
	for (i = b, d1 = d2 = 0; i < end; i++)
		if (tok[i] == '.') {
			dots++;
			if (dots == 1) d1 = i;
			else d2 = i;
		}
	if (dots != 2) return bad(e, LM_ERR_BAD_TOKEN, "not a signed JWT (want three base64url parts separated by dots)%s%s", "", "");
	if ((r = decode_part(tok + b, d1 - b, hbuf, sizeof hbuf, 0, &t.h, &t.hn, &t.ho, e)) != LM_OK) return r;
	if ((r = decode_part(tok + d1 + 1, d2 - d1 - 1, cbuf, sizeof cbuf, 1, &t.c, &t.cn, &t.co, e)) != LM_OK) return r;
	if (!types_ok(t.c, t.cn, t.co, &bad_claim))
		return bad(e, LM_ERR_BAD_TOKEN, "not a well-formed JWT: claim %s of the wrong type%s", bad_claim, "");
	if (lm__base64(tok + d2 + 1, end - d2 - 1, 1, NULL, 0) < 0)
		return bad(e, LM_ERR_BAD_TOKEN, "not a well-formed JWT: could not base64 decode signature%s%s", "", "");
	val = lm__json_member(t.h, t.hn, t.ho, "alg");
	if (!val || !lm__json_is(t.h, t.hn, val, "EdDSA")) {
		char a[64] = "";
		if (val && t.h[val] == '"') lm__json_string(t.h, t.hn, val, kid, sizeof kid), lm__append_quoted(a, sizeof a, kid, strlen(kid));
		else lm__fmt(a, sizeof a, "\"%s\"", val ? "?" : "<nil>");
		return bad(e, LM_ERR_BAD_TOKEN, "alg %s: license tokens are signed with EdDSA only%s", a, "");
	}
	val = lm__json_member(t.h, t.hn, t.ho, "kid");
	if (!val) return bad(e, LM_ERR_BAD_TOKEN, "no kid in the header: it must name a trusted key id%s%s", "", "");
	if (t.h[val] != '"') return bad(e, LM_ERR_BAD_TOKEN, "kid is not a string%s%s", "", "");
	{
		size_t l = lm__json_string(t.h, t.hn, val, kid, sizeof kid), j;
		for (j = 0; j < l && j < 3 && kid[j] >= '0' && kid[j] <= '9'; j++) id = id * 10 + (unsigned)(kid[j] - '0');
		if (l == 0 || l > 3 || j < l || id > 255 || (kid[0] == '0' && l > 1)) {
			char q[32] = "";
			lm__append_quoted(q, sizeof q, kid, strlen(kid));
			return bad(e, LM_ERR_BAD_TOKEN, "kid %s is not a key id from 0 to 255%s", q, "");
		}
	}
	if (!(pub = lm__verifier_key(v, (uint8_t)id)))
		return bad(e, LM_ERR_UNKNOWN_KEY, "kid %s is not a trusted key id%s", kid, "");
	if (lm__json_member(t.h, t.hn, t.ho, "crit"))
		return bad(e, LM_ERR_BAD_TOKEN, "crit header: no JWS extensions are supported%s%s", "", "");
	{
		/* A signature of the wrong length is bad, not malformed. */
		long sl = lm__base64(tok + d2 + 1, end - d2 - 1, 1, NULL, 0);
		if (sl != 64) return bad(e, LM_ERR_BAD_SIGNATURE, "the signature does not verify with key id %s: the token was altered or forged%s", kid, "");
	}
	lm__base64(tok + d2 + 1, end - d2 - 1, 1, sig, sizeof sig);
	if (!lm__ed25519_verify(pub, (const uint8_t *)tok + b, d2 - b, sig))
		return bad(e, LM_ERR_BAD_SIGNATURE, "the signature does not verify with key id %s: the token was altered or forged%s", kid, "");

	{
		size_t exp = claim(t.c, t.cn, t.co, "exp"), iat = claim(t.c, t.cn, t.co, "iat");
		if (!exp) return bad(e, LM_ERR_BAD_TOKEN, "no exp claim%s%s", "", "");
		if (!iat) return bad(e, LM_ERR_BAD_TOKEN, "no iat claim%s%s", "", "");
		if (number(t.c, t.cn, exp) < number(t.c, t.cn, iat)) return bad(e, LM_ERR_BAD_TOKEN, "exp is before iat%s%s", "", "");
	}
	lm__verifier_product(v, product);
	aud = claim(t.c, t.cn, t.co, "aud");
	{
		int in = 0;
		if (aud && t.c[aud] == '"') in = lm__json_is(t.c, t.cn, aud, product);
		else if (aud)
			for (i = lm__json_first(t.c, t.cn, aud); i && !in; i = lm__json_next(t.c, t.cn, i)) in = lm__json_is(t.c, t.cn, i, product);
		if (!in) return bad(e, LM_ERR_WRONG_PRODUCT, "the audience does not include product %s%s", product, "");
	}
	val = claim(t.c, t.cn, t.co, "activation_code");
	if (!val || lm__json_is(t.c, t.cn, val, "")) return bad(e, LM_ERR_BAD_TOKEN, "no activation_code claim%s%s", "", "");
	{
		size_t l = lm__json_string(t.c, t.cn, val, code, sizeof code);
		if (l > LM_MAX_CODE_LEN) l = LM_MAX_CODE_LEN + 1; /* refused as too long */
		r = lm__verify_code(v, code, l, out, &ac, e);
	}
	if (r != LM_OK) {
		lm__error c = *e;
		if (r == LM_ERR_INSTALL_MISMATCH) return r;
		if (r != LM_ERR_UNKNOWN_KEY && r != LM_ERR_BAD_SIGNATURE && r != LM_ERR_WRONG_PRODUCT) r = LM_ERR_BAD_TOKEN;
		return bad(e, r, "activation_code claim: %s%s", c.msg, "");
	}
	return agree(&t, &ac, out, e);
}

lm_result lm_verify_token(lm_verifier *v, const char *token, size_t len, lm_license *out) {
	lm__error e;
	lm_result r;
	if (!out) return LM_ERR_ARGUMENT;
	memset(out, 0, sizeof *out);
	if (!lm__verifier_ok(v)) return out->error = LM_ERR_HANDLE;
	if (!token && len > 0) {
		lm__set(&e, LM_ERR_ARGUMENT, "", "token is NULL");
		lm__verifier_fail(v, &e);
		return out->error = LM_ERR_ARGUMENT;
	}
	r = verify_token(v, token ? token : "", len, out, &e);
	if (r != LM_OK) {
		memset(out, 0, sizeof *out);
		out->error = r;
		lm__verifier_fail(v, &e);
	}
	return r;
}
