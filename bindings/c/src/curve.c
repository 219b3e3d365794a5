/*
 * Point decoding on edwards25519, in the style of TweetNaCl, to say why a
 * trusted key is refused in the words of formats.CheckPublicKey: not on
 * the curve, of small order, or not canonically encoded. libsodium's
 * crypto_core_ed25519_is_valid_point gives the verdict (FORMAT.md section
 * 13's rule, prime order included) but not the reason. Keys are public, so
 * variable time is fine; it runs once per key, in lm_verifier_new.
 */
#include "internal.h"

#include <string.h>

typedef int64_t gf[16];

static void set25519(gf r, const gf a) { int i; for (i = 0; i < 16; i++) r[i] = a[i]; }

static void car25519(gf o) {
	int i;
	int64_t c;
	for (i = 0; i < 16; i++) {
		o[i] += (int64_t)1 << 16;
		c = o[i] >> 16;
		o[(i + 1) * (i < 15)] += c - 1 + 37 * (c - 1) * (i == 15);
		o[i] -= (int64_t)((uint64_t)c << 16);
	}
}

static void sel25519(gf p, gf q, int b) {
	int64_t t, c = ~(int64_t)(b - 1);
	int i;
	for (i = 0; i < 16; i++) {
		t = c & (p[i] ^ q[i]);
		p[i] ^= t;
		q[i] ^= t;
	}
}

static void pack25519(uint8_t *o, const gf n) {
	int i, j, b;
	gf m, t;
	set25519(t, n);
	car25519(t);
	car25519(t);
	car25519(t);
	for (j = 0; j < 2; j++) {
		m[0] = t[0] - 0xffed;
		for (i = 1; i < 15; i++) {
			m[i] = t[i] - 0xffff - ((m[i - 1] >> 16) & 1);
			m[i - 1] &= 0xffff;
		}
		m[15] = t[15] - 0x7fff - ((m[14] >> 16) & 1);
		b = (int)((m[15] >> 16) & 1);
		m[14] &= 0xffff;
		sel25519(t, m, 1 - b);
	}
	for (i = 0; i < 16; i++) {
		o[2 * i] = (uint8_t)(t[i] & 0xff);
		o[2 * i + 1] = (uint8_t)(t[i] >> 8);
	}
}

static int neq25519(const gf a, const gf b) {
	uint8_t c[32], d[32];
	pack25519(c, a);
	pack25519(d, b);
	return memcmp(c, d, 32) != 0;
}

static int par25519(const gf a) {
	uint8_t d[32];
	pack25519(d, a);
	return d[0] & 1;
}

static void unpack25519(gf o, const uint8_t *n) {
	int i;
	for (i = 0; i < 16; i++) o[i] = n[2 * i] + ((int64_t)n[2 * i + 1] << 8);
	o[15] &= 0x7fff;
}

static void A(gf o, const gf a, const gf b) { int i; for (i = 0; i < 16; i++) o[i] = a[i] + b[i]; }
static void Z(gf o, const gf a, const gf b) { int i; for (i = 0; i < 16; i++) o[i] = a[i] - b[i]; }

static void M(gf o, const gf a, const gf b) {
	int64_t t[31];
	int i, j;
	for (i = 0; i < 31; i++) t[i] = 0;
	for (i = 0; i < 16; i++)
		for (j = 0; j < 16; j++) t[i + j] += a[i] * b[j];
	for (i = 0; i < 15; i++) t[i] += 38 * t[i + 16];
	for (i = 0; i < 16; i++) o[i] = t[i];
	car25519(o);
	car25519(o);
}

static void S(gf o, const gf a) { M(o, a, a); }

static void inv25519(gf o, const gf i) {
	gf c;
	int a;
	set25519(c, i);
	for (a = 253; a >= 0; a--) {
		S(c, c);
		if (a != 2 && a != 4) M(c, c, i);
	}
	set25519(o, c);
}

static void pow2523(gf o, const gf i) {
	gf c;
	int a;
	set25519(c, i);
	for (a = 250; a >= 0; a--) {
		S(c, c);
		if (a != 1) M(c, c, i);
	}
	set25519(o, c);
}

/* The curve's constants, derived rather than transcribed: d =
 * -121665/121666, sqrt(-1) = 2^((p-1)/4). */
typedef struct consts {
	gf d, d2, sqrtm1;
} consts;

static void small(gf o, int64_t v) { memset(o, 0, sizeof(gf)); o[0] = v & 0xffff; o[1] = v >> 16; }

static void init_consts(consts *k) {
	gf a, b, two;
	int i;
	small(a, 121665);
	small(b, 121666);
	inv25519(b, b);
	M(a, a, b);
	memset(b, 0, sizeof b);
	Z(k->d, b, a);
	car25519(k->d);
	A(k->d2, k->d, k->d);
	car25519(k->d2);
	/* 2^((p-1)/4) = 2^(2^253 - 5) */
	small(two, 2);
	set25519(a, two);
	for (i = 0; i < 252; i++) { S(a, a); } /* a = 2^(2^252) */
	/* 2^(2^253-5) = (2^(2^252))^2 / 2^5 */
	S(a, a);
	small(b, 32);
	inv25519(b, b);
	M(k->sqrtm1, a, b);
}

/* Decodes y and recovers x as edwards25519.Point.SetBytes does: y may be
 * non-canonical (y >= p), x's sign from the top bit, x = 0 with the sign
 * bit set accepted. neg negates the point. Returns 0 if not on the curve. */
static int decode(gf p[4], const uint8_t s[32], const consts *k, int neg) {
	gf t, chk, num, den, den2, den4, den6;
	gf one = {1};
	set25519(p[2], one);
	unpack25519(p[1], s);
	S(num, p[1]);
	M(den, num, k->d);
	Z(num, num, p[2]);
	A(den, p[2], den);
	S(den2, den);
	S(den4, den2);
	M(den6, den4, den2);
	M(t, den6, num);
	M(t, t, den);
	pow2523(t, t);
	M(t, t, num);
	M(t, t, den);
	M(t, t, den);
	M(p[0], t, den);
	S(chk, p[0]);
	M(chk, chk, den);
	if (neq25519(chk, num)) M(p[0], p[0], k->sqrtm1);
	S(chk, p[0]);
	M(chk, chk, den);
	if (neq25519(chk, num)) return 0;
	if (par25519(p[0]) != (s[31] >> 7)) {
		gf zero = {0};
		Z(p[0], zero, p[0]);
	}
	if (neg) {
		gf zero = {0};
		Z(p[0], zero, p[0]);
	}
	M(p[3], p[0], p[1]);
	return 1;
}

static void pack(uint8_t *r, gf p[4]) {
	gf tx, ty, zi;
	inv25519(zi, p[2]);
	M(tx, p[0], zi);
	M(ty, p[1], zi);
	pack25519(r, ty);
	r[31] ^= (uint8_t)(par25519(tx) << 7);
}

/* The canonical encodings of the 8 points of small order (formats/pubkey.go). */
static const uint8_t weak_keys[8][32] = {
	{0x01},
	{0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
	{0},
	{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80},
	{0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
	 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05},
	{0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
	 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x85},
	{0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
	 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a},
	{0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
	 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0xfa},
};

LM__PART int lm__check_public_key(const uint8_t pub[32]) {
	consts k;
	gf p[4];
	uint8_t c[32];
	int i;
	init_consts(&k);
	if (!decode(p, pub, &k, 0)) return LM_KEY_NOT_ON_CURVE;
	pack(c, p);
	for (i = 0; i < 8; i++)
		if (!memcmp(c, weak_keys[i], 32)) return LM_KEY_SMALL_ORDER;
	if (memcmp(c, pub, 32)) return memcmp(c, pub, 31) ? LM_KEY_Y_NOT_REDUCED : LM_KEY_X_ZERO_SIGN;
	return lm__prime_order_point(pub) ? LM_KEY_OK : LM_KEY_MIXED_ORDER;
}

