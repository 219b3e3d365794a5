package ed25519v

import (
	"encoding/binary"
	"math/bits"
	"sync"

	"filippo.io/edwards25519"
)

// This file computes [c]P + [s]B with per-key precomputation, which
// edwards25519.Point.VarTimeDoubleScalarBaseMult cannot offer: it rebuilds
// the table for P on every call and always runs 256 doublings. Here each
// 253-bit scalar is split into four 64-bit quarters, c = c0 + 2^64·c1 +
// 2^128·c2 + 2^192·c3, and [ci](2^(64i)·P) is looked up in a table built
// once per key, so the main loop runs about 64 doublings instead of 256.
//
// The formulas are those of Hisil, Wong, Carter and Dawson, "Twisted Edwards
// Curves Revisited" (https://eprint.iacr.org/2008/522), in the
// representations used by ref10 and filippo.io/edwards25519. Everything is
// variable time, which is fine: verification handles only public data.

const (
	// aWidth is the NAF width for the per-key tables: 2^(aWidth-2) entries
	// each for -A, -2^64·A, -2^128·A and -2^192·A.
	aWidth = 6
	// bWidth is the NAF width for the shared base point tables.
	bWidth = 8
	// chunks is the number of parts a scalar is split into, of chunkBits
	// bits each.
	chunks    = 4
	chunkBits = 64
	// nafLen holds the NAF of a chunk, which may be one digit longer.
	nafLen = chunkBits + 1
)

// d = -121665/121666 is the curve constant, and d2 is 2·d.
var d, d2 = func() (fe, fe) {
	var d, d2, inv fe
	inv.Invert(new(fe).Mult32(new(fe).One(), 121666))
	d.Mult32(&inv, 121665)
	d.Negate(&d)
	return d, *d2.Add(&d, &d)
}()

// p3 is a point in extended coordinates: x = X/Z, y = Y/Z, xy = T/Z.
type p3 struct{ X, Y, Z, T fe }

// p2 is a point in projective coordinates: x = X/Z, y = Y/Z.
type p2 struct{ X, Y, Z fe }

// p1p1 is a point in completed coordinates: x = X/Z, y = Y/T.
type p1p1 struct{ X, Y, Z, T fe }

// cached is a point prepared as the second operand of an addition.
type cached struct{ YplusX, YminusX, Z, T2d fe }

func (v *p3) fromP1p1(p *p1p1) {
	v.X.Multiply(&p.X, &p.T)
	v.Y.Multiply(&p.Y, &p.Z)
	v.Z.Multiply(&p.Z, &p.T)
	v.T.Multiply(&p.X, &p.Y)
}

func (v *p2) fromP1p1(p *p1p1) {
	v.X.Multiply(&p.X, &p.T)
	v.Y.Multiply(&p.Y, &p.Z)
	v.Z.Multiply(&p.Z, &p.T)
}

func (v *cached) fromP3(p *p3) {
	v.YplusX.Add(&p.Y, &p.X)
	v.YminusX.Subtract(&p.Y, &p.X)
	v.Z.Set(&p.Z)
	v.T2d.Multiply(&p.T, &d2)
}

// double sets v = 2·p ("dbl-2008-hwcd").
func (v *p1p1) double(p *p2) {
	var xx, yy, zz2, xy2 fe
	xx.Square(&p.X)
	yy.Square(&p.Y)
	zz2.Square(&p.Z)
	zz2.Add(&zz2, &zz2)
	xy2.Add(&p.X, &p.Y)
	xy2.Square(&xy2)
	v.Y.Add(&yy, &xx)
	v.Z.Subtract(&yy, &xx)
	v.X.Subtract(&xy2, &v.Y)
	v.T.Subtract(&zz2, &v.Z)
}

// add sets v = p + q, or p - q if neg ("add-2008-hwcd-3").
func (v *p1p1) add(p *p3, q *cached, neg bool) {
	qp, qm := &q.YplusX, &q.YminusX
	if neg { // -(x, y) = (-x, y) swaps Y+X and Y-X and negates T.
		qp, qm = qm, qp
	}
	var ypx, ymx, pp, mm, tt2d, zz2 fe
	ypx.Add(&p.Y, &p.X)
	ymx.Subtract(&p.Y, &p.X)
	pp.Multiply(&ypx, qp)
	mm.Multiply(&ymx, qm)
	tt2d.Multiply(&p.T, &q.T2d)
	zz2.Multiply(&p.Z, &q.Z)
	zz2.Add(&zz2, &zz2)
	v.X.Subtract(&pp, &mm)
	v.Y.Add(&pp, &mm)
	if neg {
		v.Z.Subtract(&zz2, &tt2d)
		v.T.Add(&zz2, &tt2d)
	} else {
		v.Z.Add(&zz2, &tt2d)
		v.T.Subtract(&zz2, &tt2d)
	}
}

// fillOddMultiples sets t[i] = (2i+1)·p.
func fillOddMultiples(t []cached, p *p3) {
	var pp p2
	var r p1p1
	pp.X, pp.Y, pp.Z = p.X, p.Y, p.Z
	r.double(&pp)
	var twoP p3
	var twoPc cached
	twoP.fromP1p1(&r)
	twoPc.fromP3(&twoP)
	cur := *p
	for i := range t {
		t[i].fromP3(&cur)
		r.add(&cur, &twoPc, false)
		cur.fromP1p1(&r)
	}
}

// shift returns 2^chunkBits·p.
func shift(p *p3) p3 {
	var acc p2
	var r p1p1
	acc.X, acc.Y, acc.Z = p.X, p.Y, p.Z
	for i := range chunkBits {
		r.double(&acc)
		if i < chunkBits-1 {
			acc.fromP1p1(&r)
		}
	}
	var out p3
	out.fromP1p1(&r)
	return out
}

func fromPoint(p *edwards25519.Point) p3 {
	X, Y, Z, T := p.ExtendedCoordinates()
	return p3{feFrom(X), feFrom(Y), feFrom(Z), feFrom(T)}
}

// baseTables holds odd multiples of 2^(64i)·B, i < chunks, shared by all
// keys.
type baseTables [chunks][1 << (bWidth - 2)]cached

// getBaseTables builds the base point tables on first use, so importing the
// package costs nothing.
var getBaseTables = sync.OnceValue(func() *baseTables {
	t := new(baseTables)
	b := fromPoint(edwards25519.NewGeneratorPoint())
	for i := range t {
		if i > 0 {
			b = shift(&b)
		}
		fillOddMultiples(t[i][:], &b)
	}
	return t
})

// keyTables holds odd multiples of 2^(64i)·(-A), i < chunks.
type keyTables [chunks][1 << (aWidth - 2)]cached

func (t *keyTables) init(negA *edwards25519.Point) {
	a := fromPoint(negA)
	for i := range t {
		if i > 0 {
			a = shift(&a)
		}
		fillOddMultiples(t[i][:], &a)
	}
}

// naf sets out to the width-w non-adjacent form of the 64-bit
// little-endian value b: each digit is zero or odd with |d| < 2^(w-1), so
// table index |d|/2 holds |d|·P. It returns the highest nonzero index, or -1.
func naf(out *[nafLen]int8, b []byte, w uint) int {
	x0 := binary.LittleEndian.Uint64(b[:8])
	var x1 uint64 // carry out of bit 63 after subtracting a negative digit
	top := -1
	for i := 0; x0|x1 != 0; i++ {
		if x0&1 != 0 {
			d := int64(x0 & (1<<w - 1))
			if d >= 1<<(w-1) {
				d -= 1 << w
			}
			out[i] = int8(d)
			top = i
			// x -= d clears the low w bits.
			var c uint64
			if d > 0 {
				x0, c = bits.Sub64(x0, uint64(d), 0)
				x1 -= c
			} else {
				x0, c = bits.Add64(x0, uint64(-d), 0)
				x1 += c
			}
		}
		x0 = x0>>1 | x1<<63
		x1 >>= 1
	}
	return top
}

// mulAdd sets out to the encoding of [c]·(-A) + [s]·B for 32-byte canonical
// little-endian scalars c and s. It reports false only if the result is not
// a curve point, which would mean an arithmetic bug.
func (k *PublicKey) mulAdd(out *[32]byte, c, s []byte) bool {
	var nafs [2 * chunks][nafLen]int8
	var tabs [2 * chunks][]cached
	top := -1
	for i := range chunks {
		top = max(top,
			naf(&nafs[i], c[8*i:8*i+8], aWidth),
			naf(&nafs[chunks+i], s[8*i:8*i+8], bWidth))
		tabs[i], tabs[chunks+i] = k.tables[i][:], k.base[i][:]
	}
	if top < 0 {
		*out = [32]byte{1} // the identity, (0, 1)
		return true
	}

	var acc p2
	acc.Y.One()
	acc.Z.One()
	var r p1p1
	var tmp p3
	for i := top; ; i-- {
		r.double(&acc)
		for j := range nafs {
			if d := nafs[j][i]; d > 0 {
				tmp.fromP1p1(&r)
				r.add(&tmp, &tabs[j][d/2], false)
			} else if d < 0 {
				tmp.fromP1p1(&r)
				r.add(&tmp, &tabs[j][-d/2], true)
			}
		}
		if i == 0 {
			break
		}
		acc.fromP1p1(&r)
	}
	tmp.fromP1p1(&r)
	return tmp.encode(out)
}

// encode sets out to p's encoding (RFC 8032, section 5.1.2) and reports
// whether p is on the curve, as edwards25519.Point.SetExtendedCoordinates
// checks, so that the whole computation stays in fe.
func (p *p3) encode(out *[32]byte) bool {
	var zInv, x, y, t, xx, yy, lhs, rhs fe
	zInv.Invert(&p.Z) // 0 for Z = 0, which then fails the check
	x.Multiply(&p.X, &zInv)
	y.Multiply(&p.Y, &zInv)
	t.Multiply(&p.T, &zInv)
	// -x² + y² = 1 + d·x²·y², and t = x·y.
	xx.Square(&x)
	yy.Square(&y)
	lhs.Subtract(&yy, &xx)
	rhs.Multiply(&xx, &yy)
	rhs.Multiply(&rhs, &d)
	rhs.Add(&rhs, new(fe).One())
	if lhs.Equal(&rhs) != 1 || t.Equal(new(fe).Multiply(&x, &y)) != 1 {
		return false
	}
	copy(out[:], y.Bytes())
	out[31] |= byte(x.IsNegative() << 7)
	return true
}
