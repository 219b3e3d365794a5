// Ed25519 verification (RFC 8032, pure) for WebAssembly, as FORMAT.md
// section 10.1 specifies it, freestanding: no libc, no imports. Built by
// build.sh into ../ed25519wasm.js.
//
// Every scalar multiplication here is by a fixed point: the base point B
// and the few trusted keys A, each loaded once. Each gets a table of
// j·2^(W·i)·P for every window position i and 1 <= j <= 2^(W-1), so that
// [S]B + [k](-A) is a sum of 2·ceil(254/W) table entries with no
// doublings at all. Everything is variable time: verification handles only
// public data.
//
// The field is ref10's: ten signed limbs of 26 and 25 bits, whose products
// WebAssembly multiplies natively in 64 bits. The formulas are those of
// Hisil, Wong, Carter and Dawson, "Twisted Edwards Curves Revisited"
// (https://eprint.iacr.org/2008/522), for a = -1.

typedef unsigned char u8;
typedef int i32;
typedef unsigned int u32;
typedef long long i64;
typedef unsigned long long u64;

// COLD marks what runs once per key, or once per verify outside the
// field arithmetic: small beats fast there.
#define COLD __attribute__((noinline, minsize))

// clang emits calls to these for struct copies and zeroing, even
// freestanding.
COLD void *memcpy(void *d, const void *s, unsigned long n) {
	u8 *p = d;
	const u8 *q = s;
	while (n--) *p++ = *q++;
	return d;
}
COLD void *memset(void *d, int c, unsigned long n) {
	u8 *p = d;
	while (n--) *p++ = (u8)c;
	return d;
}

#define NOINLINE __attribute__((noinline))
#define EXPORT(name) __attribute__((export_name(#name)))

#ifndef W
#define W 10
#endif
#define NPOS ((254 + W - 1) / W) // window positions: W·NPOS >= 254
#define NMUL (1 << (W - 1))      // table entries per position

// ---- the field GF(2^255 - 19) ----

typedef i32 fe[10];

static void fe_copy(fe h, const fe f) {
	for (int i = 0; i < 10; i++) h[i] = f[i];
}
static void fe_0(fe h) {
	for (int i = 0; i < 10; i++) h[i] = 0;
}
static void fe_1(fe h) {
	fe_0(h);
	h[0] = 1;
}
static void fe_add(fe h, const fe f, const fe g) {
	for (int i = 0; i < 10; i++) h[i] = f[i] + g[i];
}
static void fe_sub(fe h, const fe f, const fe g) {
	for (int i = 0; i < 10; i++) h[i] = f[i] - g[i];
}
static void fe_neg(fe h, const fe f) {
	for (int i = 0; i < 10; i++) h[i] = -f[i];
}

// carry reduces the 64-bit column sums t into h, ref10's carry chain.
static inline void carry(fe h, i64 *t) {
	i64 c;
#define C26(i) c = (t[i] + (1LL << 25)) >> 26, t[i + 1] += c, t[i] -= c * (1LL << 26)
#define C25(i) c = (t[i] + (1LL << 24)) >> 25, t[i + 1] += c, t[i] -= c * (1LL << 25)
	C26(0); C26(4);
	C25(1); C25(5);
	C26(2); C26(6);
	C25(3); C25(7);
	C26(4); C26(8);
	c = (t[9] + (1LL << 24)) >> 25, t[0] += c * 19, t[9] -= c * (1LL << 25);
	C26(0);
#undef C26
#undef C25
	for (int i = 0; i < 10; i++) h[i] = (i32)t[i];
}

// fe_carry brings a sum of several values back within fe_mul's bounds.
static void fe_carry(fe h) {
	i64 t[10];
	for (int i = 0; i < 10; i++) t[i] = h[i];
	carry(h, t);
}

NOINLINE static void fe_mul(fe h, const fe f, const fe g) {
	i64 t[10] = {0};
	i32 g19[10], f2[10];
	for (int i = 0; i < 10; i++) g19[i] = 19 * g[i], f2[i] = (i & 1) ? 2 * f[i] : f[i];
#pragma clang loop unroll(full)
	for (int i = 0; i < 10; i++) {
#pragma clang loop unroll(full)
		for (int j = 0; j < 10; j++) {
			i64 a = (i & j & 1) ? f2[i] : f[i];
			i64 b = i + j < 10 ? g[j] : g19[j];
			t[(i + j) % 10] += a * b;
		}
	}
	carry(h, t);
}

NOINLINE static void fe_sq(fe h, const fe f) {
	i64 t[10] = {0};
	i32 f2[10], f19[10];
	for (int i = 0; i < 10; i++) f2[i] = 2 * f[i], f19[i] = 19 * f[i];
#pragma clang loop unroll(full)
	for (int i = 0; i < 10; i++) {
#pragma clang loop unroll(full)
		for (int j = i; j < 10; j++) {
			// f_i·f_j appears twice unless i = j; a product of two odd
			// limbs is doubled; one past 2^255 is folded with 19.
			i64 a = (i == j ? 1 : 2) * (i64)((i & j & 1) ? f2[i] : f[i]);
			i64 b = i + j < 10 ? f[j] : f19[j];
			t[(i + j) % 10] += a * b;
		}
	}
	carry(h, t);
}

// fe_tobytes writes the canonical little-endian encoding of h.
COLD static void fe_tobytes(u8 *s, const fe h) {
	i64 t[10];
	for (int i = 0; i < 10; i++) t[i] = h[i];
	i64 q = (19 * t[9] + (1LL << 24)) >> 25;
	for (int i = 0; i < 10; i++) q = (t[i] + q) >> (26 - (i & 1));
	t[0] += 19 * q; // h - q·p: q is the quotient, so this is h mod p
	u64 acc = 0;
	int bits = 0, k = 0;
	for (int i = 0; i < 10; i++) {
		int n = 26 - (i & 1);
		if (i < 9) t[i + 1] += t[i] >> n;
		acc |= (u64)(t[i] & ((1LL << n) - 1)) << bits;
		for (bits += n; bits >= 8; bits -= 8, acc >>= 8) s[k++] = (u8)acc;
	}
	s[31] = (u8)acc;
}

// fe_frombytes reads 255 bits of s, the top bit ignored (y >= p taken as
// y - p, as the decoders FORMAT.md describes).
COLD static void fe_frombytes(fe h, const u8 *s) {
	u64 acc = 0;
	int bits = 0, k = 0;
	for (int i = 0; i < 10; i++) {
		int n = 26 - (i & 1);
		for (; bits < n; bits += 8) acc |= (u64)s[k++] << bits;
		h[i] = (i32)(acc & ((1u << n) - 1));
		acc >>= n;
		bits -= n;
	}
}

COLD static int fe_iszero(const fe f) {
	u8 s[32];
	fe_tobytes(s, f);
	u8 r = 0;
	for (int i = 0; i < 32; i++) r |= s[i];
	return r == 0;
}
COLD static int fe_isneg(const fe f) {
	u8 s[32];
	fe_tobytes(s, f);
	return s[0] & 1;
}

// fe_pow2k sets h = f^(2^k), k >= 1.
COLD static void fe_pow2k(fe h, const fe f, int k) {
	fe_sq(h, f);
	while (--k) fe_sq(h, h);
}

// fe_pow22501 sets t1 = f^(2^250 - 1) and f11 = f^11, the common head of
// inversion and square root (ref10's addition chain).
COLD static void fe_pow22501(fe t1, fe f11, const fe f) {
	fe t0, t2, t3;
	fe_sq(t0, f);            // 2
	fe_pow2k(t1, t0, 2);     // 8
	fe_mul(t1, f, t1);       // 9
	fe_mul(f11, t0, t1);     // 11
	fe_sq(t0, f11);          // 22
	fe_mul(t1, t1, t0);      // 2^5 - 1
	fe_pow2k(t0, t1, 5);
	fe_mul(t1, t0, t1);      // 2^10 - 1
	fe_pow2k(t0, t1, 10);
	fe_mul(t2, t0, t1);      // 2^20 - 1
	fe_pow2k(t3, t2, 20);
	fe_mul(t2, t3, t2);      // 2^40 - 1
	fe_pow2k(t2, t2, 10);
	fe_mul(t1, t2, t1);      // 2^50 - 1
	fe_pow2k(t0, t1, 50);
	fe_mul(t2, t0, t1);      // 2^100 - 1
	fe_pow2k(t3, t2, 100);
	fe_mul(t2, t3, t2);      // 2^200 - 1
	fe_pow2k(t2, t2, 50);
	fe_mul(t1, t2, t1);      // 2^250 - 1
}


// fe_pow22523 sets h = f^((p-5)/8) = f^(2^252 - 3).
COLD static void fe_pow22523(fe h, const fe f) {
	fe t, f11;
	fe_pow22501(t, f11, f);
	fe_pow2k(t, t, 2);
	fe_mul(h, t, f);
}

// d = -121665/121666, 2d, and sqrt(-1), as limbs.
static const fe fe_d = {-10913610, 13857413, -15372611, 6949391, 114729, -8787816, -6275908, -3247719, -18696448, -12055116};
static const fe fe_d2 = {-21827239, -5839606, -30745221, 13898782, 229458, 15978800, -12551817, -6495438, 29715968, 9444199};
static const fe fe_sqrtm1 = {-32595792, -7943725, 9377950, 3500415, 12389472, -272473, -25146209, -2005654, 326686, 11406482};

// ---- points ----

typedef struct { fe X, Y, Z, T; } p3;          // x = X/Z, y = Y/Z, xy = T/Z
typedef struct { fe yplusx, yminusx, xy2d; } pre; // affine, ready to add

// madd sets r = p + q, or p - q if neg.
NOINLINE static void madd(p3 *r, const p3 *p, const pre *q, int neg) {
	fe a, b, c, d, e, f, g, h;
	fe_add(a, p->Y, p->X);
	fe_sub(b, p->Y, p->X);
	fe_mul(a, a, neg ? q->yminusx : q->yplusx);
	fe_mul(b, b, neg ? q->yplusx : q->yminusx);
	fe_mul(c, p->T, q->xy2d);
	fe_add(d, p->Z, p->Z);
	fe_sub(e, a, b);
	fe_add(h, a, b);
	if (neg) {
		fe_add(f, d, c);
		fe_sub(g, d, c);
	} else {
		fe_sub(f, d, c);
		fe_add(g, d, c);
	}
	fe_mul(r->X, e, f);
	fe_mul(r->Y, g, h);
	fe_mul(r->Z, f, g);
	fe_mul(r->T, e, h);
}

// ---- variable-time inversion ----

// fe_invert_var sets h = 1/f by Bernstein and Yang's safegcd ("Fast
// constant-time gcd computation and modular inversion", 2019), in the
// variable-time form of libsecp256k1's modinv32_var: batches of 30
// divsteps on the low bits, applied to 30-bit signed limbs with 64-bit
// products. It takes about a third of the time of f^(p-2), and f, the Z of
// a verify's result, is public.
typedef struct { i32 v[9]; } s30;

#define M30 ((i32)0x3fffffff)

// p = -19 + 2^15·2^240 in signed 30-bit limbs, and 1/p mod 2^30.
static const s30 p30 = {{-19, 0, 0, 0, 0, 0, 0, 0, 32768}};
#define PINV30 0x179435e5u

// divsteps runs 30 divsteps from eta on the low bits of f and g, and
// returns the new eta with the transition matrix u, v, q, r (scaled by
// 2^30) in t.
NOINLINE static i32 divsteps(i32 eta, u32 f, u32 g, i32 *t) {
	u32 u = 1, v = 0, q = 0, r = 1;
	int i = 30;
	for (;;) {
		int zeros = __builtin_ctz(g | (0xffffffffu << i));
		g >>= zeros, u <<= zeros, v <<= zeros;
		eta -= zeros, i -= zeros;
		if (i == 0) break;
		if (eta < 0) {
			u32 x;
			eta = -eta;
			x = f, f = g, g = -x;
			x = u, u = q, q = -x;
			x = v, v = r, r = -x;
		}
		int limit = eta + 1 > i ? i : eta + 1;
		u32 m = 0xffffffffu >> (32 - limit);
		// w = -g/f mod 2^limit cancels that many low bits of g.
		u32 inv = f;
		for (int k = 0; k < 4; k++) inv *= 2 - f * inv; // f odd: 3, 6, 12, 24, 48 bits
		u32 w = (g * -inv) & m;
		g += f * w, q += u * w, r += v * w;
	}
	t[0] = (i32)u, t[1] = (i32)v, t[2] = (i32)q, t[3] = (i32)r;
	return eta;
}

// update_de sets d, e = t·(d, e) / 2^30 mod p, keeping them in (-2p, p).
COLD static void update_de(s30 *d, s30 *e, const i32 *t) {
	i32 u = t[0], v = t[1], q = t[2], r = t[3];
	i32 sd = d->v[8] >> 31, se = e->v[8] >> 31;
	i32 md = (u & sd) + (v & se), me = (q & sd) + (r & se);
	i64 cd = (i64)u * d->v[0] + (i64)v * e->v[0];
	i64 ce = (i64)q * d->v[0] + (i64)r * e->v[0];
	md -= (i32)((PINV30 * (u32)cd + (u32)md) & M30);
	me -= (i32)((PINV30 * (u32)ce + (u32)me) & M30);
	cd += (i64)p30.v[0] * md;
	ce += (i64)p30.v[0] * me;
	cd >>= 30, ce >>= 30;
	for (int i = 1; i < 9; i++) {
		i32 di = d->v[i], ei = e->v[i];
		cd += (i64)u * di + (i64)v * ei + (i64)p30.v[i] * md;
		ce += (i64)q * di + (i64)r * ei + (i64)p30.v[i] * me;
		d->v[i - 1] = (i32)cd & M30, cd >>= 30;
		e->v[i - 1] = (i32)ce & M30, ce >>= 30;
	}
	d->v[8] = (i32)cd, e->v[8] = (i32)ce;
}

// update_fg sets f, g = t·(f, g) / 2^30, on their first n limbs.
COLD static void update_fg(int n, s30 *f, s30 *g, const i32 *t) {
	i32 u = t[0], v = t[1], q = t[2], r = t[3];
	i64 cf = (i64)u * f->v[0] + (i64)v * g->v[0];
	i64 cg = (i64)q * f->v[0] + (i64)r * g->v[0];
	cf >>= 30, cg >>= 30;
	for (int i = 1; i < n; i++) {
		i32 fi = f->v[i], gi = g->v[i];
		cf += (i64)u * fi + (i64)v * gi;
		cg += (i64)q * fi + (i64)r * gi;
		f->v[i - 1] = (i32)cf & M30, cf >>= 30;
		g->v[i - 1] = (i32)cg & M30, cg >>= 30;
	}
	f->v[n - 1] = (i32)cf, g->v[n - 1] = (i32)cg;
}

COLD static void fe_invert_var(fe h, const fe z) {
	u8 b[32];
	fe_tobytes(b, z);
	s30 d = {{0}}, e = {{1}}, f = p30, g;
	u64 acc = 0;
	int bits = 0, k = 0;
	for (int i = 0; i < 9; i++) {
		for (; bits < 30 && k < 32; bits += 8) acc |= (u64)b[k++] << bits;
		g.v[i] = (i32)(acc & M30);
		acc >>= 30, bits -= 30;
	}
	int n = 9;
	i32 eta = -1, t[4];
	for (;;) {
		eta = divsteps(eta, (u32)f.v[0], (u32)g.v[0], t);
		update_de(&d, &e, t);
		update_fg(n, &f, &g, t);
		if (g.v[0] == 0) {
			i32 any = 0;
			for (int j = 1; j < n; j++) any |= g.v[j];
			if (!any) break;
		}
		i32 fn = f.v[n - 1], gn = g.v[n - 1];
		i32 cond = (n - 2) >> 31;
		cond |= fn ^ (fn >> 31);
		cond |= gn ^ (gn >> 31);
		if (cond == 0) {
			f.v[n - 2] |= (i32)((u32)fn << 30);
			g.v[n - 2] |= (i32)((u32)gn << 30);
			n--;
		}
	}
	// f is now 1 or -1 and d = f/z: h = sum of d's limbs times 2^(30i),
	// as field elements (2^30 is 16 in limb 1), negated if f is -1.
	static const fe two30 = {0, 16};
	fe_0(h);
	for (int i = 8; i >= 0; i--) {
		fe_mul(h, h, two30);
		h[0] += d.v[i] & ((1 << 26) - 1);
		h[1] += d.v[i] >> 26;
	}
	if (f.v[n - 1] < 0) fe_neg(h, h);
}

COLD static void encode(u8 *s, const p3 *p) {
	fe zi, x, y;
	fe_invert_var(zi, p->Z);
	fe_mul(x, p->X, zi);
	fe_mul(y, p->Y, zi);
	fe_tobytes(s, y);
	s[31] ^= (u8)(fe_isneg(x) << 7);
}

// decode sets p to the point s encodes, with y >= p and x = 0 with the
// sign bit set accepted; it returns 0 if s is no point.
COLD static int decode(p3 *p, const u8 *s) {
	fe u, v, v3, vxx, chk;
	fe_frombytes(p->Y, s);
	fe_1(p->Z);
	fe_sq(u, p->Y);
	fe_mul(v, u, fe_d);
	fe_sub(u, u, p->Z); // y^2 - 1
	fe_add(v, v, p->Z); // d·y^2 + 1
	fe_sq(v3, v);
	fe_mul(v3, v3, v); // v^3
	fe_sq(p->X, v3);
	fe_mul(p->X, p->X, v);
	fe_mul(p->X, p->X, u); // u·v^7
	fe_pow22523(p->X, p->X);
	fe_mul(p->X, p->X, v3);
	fe_mul(p->X, p->X, u); // u·v^3·(u·v^7)^((p-5)/8)
	fe_sq(vxx, p->X);
	fe_mul(vxx, vxx, v);
	fe_sub(chk, vxx, u);
	if (!fe_iszero(chk)) {
		fe_add(chk, vxx, u);
		if (!fe_iszero(chk)) return 0;
		fe_mul(p->X, p->X, fe_sqrtm1);
	}
	if (fe_isneg(p->X) != (s[31] >> 7)) fe_neg(p->X, p->X);
	fe_mul(p->T, p->X, p->Y);
	return 1;
}


// ---- tables ----

// A table holds, for each window position i, the points j·2^(W·i)·P,
// 1 <= j <= NMUL, in affine form.
typedef pre table[NPOS][NMUL];

// affine sets e to p, with x and y its affine coordinates, for an addition.
COLD static void affine(pre *e, const fe x, const fe y) {
	fe_add(e->yplusx, y, x);
	fe_sub(e->yminusx, y, x);
	fe_mul(e->xy2d, x, y);
	fe_mul(e->xy2d, e->xy2d, fe_d2);
	fe_carry(e->yplusx);
	fe_carry(e->yminusx);
}

// tabulate fills t for P, an affine point (Z = 1). Each row is built by
// additions in projective coordinates and made affine with one inversion
// (Montgomery's trick).
COLD static void tabulate(table *t, p3 *P) {
	static p3 row[NMUL];
	static fe prod[NMUL];
	p3 q = *P;
	for (int i = 0; i < NPOS; i++) {
		pre qa;
		affine(&qa, q.X, q.Y);
		row[0] = q;
		for (int j = 1; j < NMUL; j++) madd(&row[j], &row[j - 1], &qa, 0);
		fe_copy(prod[0], row[0].Z);
		for (int j = 1; j < NMUL; j++) fe_mul(prod[j], prod[j - 1], row[j].Z);
		fe inv, zi;
		fe_invert_var(inv, prod[NMUL - 1]);
		for (int j = NMUL - 1; j >= 0; j--) {
			if (j > 0) {
				fe_mul(zi, inv, prod[j - 1]);
				fe_mul(inv, inv, row[j].Z);
			} else {
				fe_copy(zi, inv);
			}
			p3 *r = &row[j];
			fe_mul(r->X, r->X, zi);
			fe_mul(r->Y, r->Y, zi);
			affine(&(*t)[i][j], r->X, r->Y);
		}
		// The next row's point, 2^W·q, is twice the last of this row.
		p3 *last = &row[NMUL - 1];
		fe_1(last->Z);
		fe_mul(last->T, last->X, last->Y);
		madd(&q, last, &(*t)[i][NMUL - 1], 0);
		fe_invert_var(zi, q.Z);
		fe_mul(q.X, q.X, zi);
		fe_mul(q.Y, q.Y, zi);
		fe_1(q.Z);
		fe_mul(q.T, q.X, q.Y);
	}
}

// ---- scalars ----

// L, the order of B, little-endian.
static const u8 order[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
                             0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10};

// sc_reduce sets s[0..32) to the 64-byte little-endian x mod L.
COLD static void sc_reduce(u8 *s, const u8 *x) {
	// 21-bit limbs: 2^252 = 2^(21·12), and 2^252 = -c mod L with
	// c = L - 2^252, whose signed 21-bit limbs are -k below.
	static const i64 k[6] = {666643, 470296, 654183, -997805, 136657, -683901};
	i64 t[25];
	int pos = 0;
	for (int i = 0; i < 25; i++) {
		i64 v = 0;
		for (int b = 0; b < 21 && pos < 512; b++, pos++) v |= (i64)((x[pos >> 3] >> (pos & 7)) & 1) << b;
		t[i] = v;
	}
	// Fold limbs 24..12 down, one at a time, carrying below each, so no
	// sum outgrows 64 bits.
	for (int top = 24;; top--) {
		if (top < 12) {
			// carry out of limb 11; fold it again until nothing is left.
			i64 c = (t[11] + (1LL << 20)) >> 21;
			t[11] -= c * (1LL << 21);
			if (c == 0) break;
			t[12] = c;
			top = 12;
		}
		i64 v = t[top];
		t[top] = 0;
		for (int j = 0; j < 6; j++) t[top - 12 + j] += v * k[j];
		for (int i = top - 12; i < top - 1; i++) {
			i64 c = (t[i] + (1LL << 20)) >> 21;
			t[i + 1] += c;
			t[i] -= c * (1LL << 21);
		}
	}
	// Now |t[i]| <= 2^20 and the value is in (-2^252, 2^252): make every
	// limb but the top non-negative, and add L if the value is negative.
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 11; i++) {
			i64 c = t[i] >> 21;
			t[i + 1] += c;
			t[i] -= c * (1LL << 21);
		}
		if (t[11] >= 0) break;
		// add L = 2^252 + c: t[12] would get 1, i.e. t[11] += 2^21, and
		// c's limbs are -k.
		t[11] += 1LL << 21;
		for (int j = 0; j < 6; j++) t[j] -= k[j];
	}
	for (int i = 0; i < 32; i++) s[i] = 0;
	pos = 0;
	for (int i = 0; i < 12; i++)
		for (int b = 0; b < (i < 11 ? 21 : 25) && pos < 256; b++, pos++) s[pos >> 3] |= (u8)(((t[i] >> b) & 1) << (pos & 7));
}

// ---- SHA-512 (FIPS 180-4) ----

static const u64 K512[80] = {
    0x428a2f98d728ae22ULL, 0x7137449123ef65cdULL, 0xb5c0fbcfec4d3b2fULL, 0xe9b5dba58189dbbcULL, 0x3956c25bf348b538ULL,
    0x59f111f1b605d019ULL, 0x923f82a4af194f9bULL, 0xab1c5ed5da6d8118ULL, 0xd807aa98a3030242ULL, 0x12835b0145706fbeULL,
    0x243185be4ee4b28cULL, 0x550c7dc3d5ffb4e2ULL, 0x72be5d74f27b896fULL, 0x80deb1fe3b1696b1ULL, 0x9bdc06a725c71235ULL,
    0xc19bf174cf692694ULL, 0xe49b69c19ef14ad2ULL, 0xefbe4786384f25e3ULL, 0x0fc19dc68b8cd5b5ULL, 0x240ca1cc77ac9c65ULL,
    0x2de92c6f592b0275ULL, 0x4a7484aa6ea6e483ULL, 0x5cb0a9dcbd41fbd4ULL, 0x76f988da831153b5ULL, 0x983e5152ee66dfabULL,
    0xa831c66d2db43210ULL, 0xb00327c898fb213fULL, 0xbf597fc7beef0ee4ULL, 0xc6e00bf33da88fc2ULL, 0xd5a79147930aa725ULL,
    0x06ca6351e003826fULL, 0x142929670a0e6e70ULL, 0x27b70a8546d22ffcULL, 0x2e1b21385c26c926ULL, 0x4d2c6dfc5ac42aedULL,
    0x53380d139d95b3dfULL, 0x650a73548baf63deULL, 0x766a0abb3c77b2a8ULL, 0x81c2c92e47edaee6ULL, 0x92722c851482353bULL,
    0xa2bfe8a14cf10364ULL, 0xa81a664bbc423001ULL, 0xc24b8b70d0f89791ULL, 0xc76c51a30654be30ULL, 0xd192e819d6ef5218ULL,
    0xd69906245565a910ULL, 0xf40e35855771202aULL, 0x106aa07032bbd1b8ULL, 0x19a4c116b8d2d0c8ULL, 0x1e376c085141ab53ULL,
    0x2748774cdf8eeb99ULL, 0x34b0bcb5e19b48a8ULL, 0x391c0cb3c5c95a63ULL, 0x4ed8aa4ae3418acbULL, 0x5b9cca4f7763e373ULL,
    0x682e6ff3d6b2b8a3ULL, 0x748f82ee5defb2fcULL, 0x78a5636f43172f60ULL, 0x84c87814a1f0ab72ULL, 0x8cc702081a6439ecULL,
    0x90befffa23631e28ULL, 0xa4506cebde82bde9ULL, 0xbef9a3f7b2c67915ULL, 0xc67178f2e372532bULL, 0xca273eceea26619cULL,
    0xd186b8c721c0c207ULL, 0xeada7dd6cde0eb1eULL, 0xf57d4f7fee6ed178ULL, 0x06f067aa72176fbaULL, 0x0a637dc5a2c898a6ULL,
    0x113f9804bef90daeULL, 0x1b710b35131c471bULL, 0x28db77f523047d84ULL, 0x32caab7b40c72493ULL, 0x3c9ebe0a15c9bebcULL,
    0x431d67c49c100d4cULL, 0x4cc5d4becb3e42b6ULL, 0x597f299cfc657e2aULL, 0x5fcb6fab3ad6faecULL, 0x6c44198c4a475817ULL};

#define ROR(x, n) (((x) >> (n)) | ((x) << (64 - (n))))

NOINLINE static void sha512_block(u64 *h, const u8 *p) {
	u64 w[80];
	for (int i = 0; i < 16; i++) {
		u64 v = 0;
		for (int b = 0; b < 8; b++) v = (v << 8) | p[8 * i + b];
		w[i] = v;
	}
	for (int i = 16; i < 80; i++) {
		u64 s0 = ROR(w[i - 15], 1) ^ ROR(w[i - 15], 8) ^ (w[i - 15] >> 7);
		u64 s1 = ROR(w[i - 2], 19) ^ ROR(w[i - 2], 61) ^ (w[i - 2] >> 6);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	u64 a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
	for (int i = 0; i < 80; i++) {
		u64 t1 = hh + (ROR(e, 14) ^ ROR(e, 18) ^ ROR(e, 41)) + ((e & f) ^ (~e & g)) + K512[i] + w[i];
		u64 t2 = (ROR(a, 28) ^ ROR(a, 34) ^ ROR(a, 39)) + ((a & b) ^ (a & c) ^ (b & c));
		hh = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

// sha512 hashes r || a || m, r and a 32 bytes each.
COLD static void sha512(u8 *out, const u8 *r, const u8 *a, const u8 *m, u32 n) {
	u64 h[8] = {0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
	            0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL};
	u8 blk[128];
	u32 fill = 64;
	for (int i = 0; i < 32; i++) blk[i] = r[i], blk[32 + i] = a[i];
	for (u32 i = 0; i < n; i++) {
		blk[fill++] = m[i];
		if (fill == 128) sha512_block(h, blk), fill = 0;
	}
	blk[fill++] = 0x80;
	if (fill > 112) {
		while (fill < 128) blk[fill++] = 0;
		sha512_block(h, blk), fill = 0;
	}
	while (fill < 120) blk[fill++] = 0;
	u64 bits = ((u64)n + 64) * 8;
	for (int i = 0; i < 8; i++) blk[120 + i] = (u8)(bits >> (56 - 8 * i));
	sha512_block(h, blk);
	for (int i = 0; i < 64; i++) out[i] = (u8)(h[i >> 3] >> (56 - 8 * (i & 7)));
}

// canonical reports whether the little-endian s is less than L.
COLD static int canonical(const u8 *s) {
	for (int i = 31; i >= 0; i--) {
		if (s[i] < order[i]) return 1;
		if (s[i] > order[i]) return 0;
	}
	return 0;
}

// recode writes the signed digits of s < 2^253 in radix 2^W, each in
// [-2^(W-1), 2^(W-1)].
COLD static void recode(signed short *dg, const u8 *s) {
	u32 acc = 0;
	int bits = 0, k = 0, carry = 0;
	for (int i = 0; i < NPOS; i++) {
		for (; bits < W; bits += 8) acc |= (u32)(k < 32 ? s[k++] : 0) << bits;
		int v = (int)(acc & ((1u << W) - 1)) + carry;
		acc >>= W;
		bits -= W;
		carry = v > NMUL;
		dg[i] = (signed short)(carry ? v - 2 * NMUL : v);
	}
}

// ---- the exports ----

extern u8 __heap_base;
static u8 *brk;

COLD static void *alloc(u32 n) {
	if (!brk) brk = &__heap_base;
	brk = (u8 *)(((u32)brk + 15) & ~15u);
	u32 end = (u32)brk + n, have = __builtin_wasm_memory_size(0) << 16;
	if (end > have && __builtin_wasm_memory_grow(0, (end - have + 65535) >> 16) == (unsigned long)-1) return 0;
	void *p = brk;
	brk += n;
	return p;
}

typedef struct {
	u8 enc[32];
	table t; // of -A
} key;

static table *base;

// io is where JavaScript writes a key, or a signature and a message.
static u8 *io;
static u32 iocap;

// buffer returns room for n bytes of input, or 0 if memory is exhausted.
EXPORT(buffer) u8 *buffer(u32 n) {
	if (n > iocap) {
		io = alloc(n);
		iocap = io ? n : 0;
	}
	return io;
}

// mul_add encodes [a](-A) + [b]B into out, a and b < 2^253.
COLD static void mul_add(u8 *out, const key *k, const u8 *a, const u8 *b) {
	signed short da[NPOS], db[NPOS];
	recode(da, a);
	recode(db, b);
	p3 r;
	fe_0(r.X), fe_1(r.Y), fe_1(r.Z), fe_0(r.T);
	for (int i = 0; i < NPOS; i++) {
		if (da[i]) madd(&r, &r, &k->t[i][(da[i] < 0 ? -da[i] : da[i]) - 1], da[i] < 0);
		if (db[i]) madd(&r, &r, &(*base)[i][(db[i] < 0 ? -db[i] : db[i]) - 1], db[i] < 0);
	}
	encode(out, &r);
}

static const u8 base_enc[32] = {0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                                0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66};

// load_key decodes the 32 bytes at buffer(32) as a trusted key and builds
// its tables. It returns the key's handle (> 0), or: -1 not a point, -2 of
// small order, -3 of mixed order, -4 x = 0 with the sign bit set, -5 y not
// reduced, -6 out of memory; in that order of precedence (FORMAT.md 10.1).
COLD EXPORT(load_key) i32 load_key(void) {
	if (!base) {
		base = alloc(sizeof(table));
		if (!base) return -6;
		p3 b;
		decode(&b, base_enc);
		tabulate(base, &b);
	}
	p3 a;
	if (!io || !decode(&a, io)) return -1;
	key *k = alloc(sizeof(key));
	if (!k) return -6;
	u8 *enc = k->enc, canon[32], out[32], lm1[32];
	for (int i = 0; i < 32; i++) enc[i] = io[i], lm1[i] = order[i];
	lm1[0]--;
	p3 na = a;
	fe_neg(na.X, a.X);
	fe_neg(na.T, a.T);
	tabulate(&k->t, &na);
	i32 r = (i32)(u32)k;
	// [8](-A), in the table, is the identity (x = 0) exactly when A is of
	// small order; [L-1](-A) = A - [L]A is A exactly when [L]A is.
	static const u8 zero[32];
	mul_add(out, k, lm1, zero);
	encode(canon, &a);
	if (fe_iszero(k->t[0][7].xy2d)) r = -2;
	for (int i = 0; r > 0 && i < 32; i++)
		if (out[i] != canon[i]) r = -3;
	for (int i = 0; r > 0 && i < 32; i++)
		if (enc[i] != canon[i]) r = (i == 31 && (enc[31] ^ canon[31]) == 0x80) ? -4 : -5;
	if (r < 0) brk = (u8 *)k; // a refused key's tables are not kept
	return r;
}

// verify checks the signature R || S at buffer(64 + n), followed by the
// n-byte message, under the key h: S < L, and the encoding of [S]B - [k]A
// equal to R, k = SHA-512(R || A || message) mod L. It returns 1 or 0.
COLD EXPORT(verify) i32 verify(i32 h, u32 n) {
	const key *k = (const key *)(u32)h;
	u8 d[64], c[32], out[32];
	if (!canonical(io + 32)) return 0;
	sha512(d, io, k->enc, io + 64, n);
	sc_reduce(c, d);
	mul_add(out, k, c, io + 32);
	u8 diff = 0;
	for (int i = 0; i < 32; i++) diff |= out[i] ^ io[i];
	return diff == 0;
}
#ifdef TEST
// test_inv compares the two inversions on the field element at buffer(32):
// the Fermat one is the reference.
// fe_invert sets h = 1/f = f^(p-2) = f^(2^255 - 21).
COLD static void fe_invert(fe h, const fe f) {
	fe t, f11;
	fe_pow22501(t, f11, f);
	fe_pow2k(t, t, 5);
	fe_mul(h, t, f11);
}

EXPORT(test_inv) i32 test_inv(void) {
	fe z, a, b;
	u8 x[32], y[32];
	fe_frombytes(z, io);
	fe_invert(a, z);
	fe_invert_var(b, z);
	fe_tobytes(x, a);
	fe_tobytes(y, b);
	for (int i = 0; i < 32; i++)
		if (x[i] != y[i]) return 0;
	return 1;
}
#endif
