package ed25519v

import "filippo.io/edwards25519/field"

// fe is the field the curve code computes in: field.Element, with 64-bit
// limbs.
type fe = field.Element

func feFrom(e *field.Element) fe { return *e }
