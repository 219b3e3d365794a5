// Package formats implements the licmint Registration Key, Activation Code
// and reset code encodings specified in FORMAT.md at the root of the module.
//
// Decoding is forgiving about how people type and paste codes (any case,
// whitespace, line breaks and hyphens between symbols, Crockford's aliases)
// and strict about the bits: every accepted spelling decodes to exactly one
// canonical code, and encoding always produces that canonical form.
package formats

//go:generate go run ./internal/genvectors
