package formats

import "fmt"

// Product is a two-letter product code, such as PC, stored upper-case.
type Product [2]byte

// ParseProduct accepts two ASCII letters in any case.
func ParseProduct(s string) (Product, error) {
	if len(s) != 2 || !isLetter(s[0]) || !isLetter(s[1]) {
		return Product{}, fmt.Errorf("product code %q: want two letters A-Z, such as PC", s)
	}
	return Product{upper(s[0]), upper(s[1])}, nil
}

// MustProduct is ParseProduct for constants; it panics on a bad code.
func MustProduct(s string) Product {
	p, err := ParseProduct(s)
	if err != nil {
		panic(err)
	}
	return p
}

func (p Product) String() string { return string(p[:]) }

// Valid reports whether p holds two upper-case letters.
func (p Product) Valid() bool { return p[0] >= 'A' && p[0] <= 'Z' && p[1] >= 'A' && p[1] <= 'Z' }

func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func upper(c byte) byte { return c &^ 0x20 }
