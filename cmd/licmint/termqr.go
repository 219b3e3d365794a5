package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/piglig/go-qr"
)

// termQRQuiet is the light margin around a terminal QR code, in modules:
// the 4 that ISO/IEC 18004 asks for.
const termQRQuiet = 4

// writeTermQR draws text as a QR code in a terminal: each character is
// one module wide and two high (Unicode half blocks), and the light
// modules are the ones drawn, so that a terminal with light text on a
// dark background shows dark modules on light, as phones read best. Low
// error correction keeps a plain renewal link within 80 columns.
func writeTermQR(w io.Writer, text string) error {
	code, err := go_qr.EncodeText(text, go_qr.Low)
	if err != nil {
		return fmt.Errorf("QR code of %d bytes: %w", len(text), err)
	}
	n := code.Size()
	light := func(x, y int) bool {
		x, y = x-termQRQuiet, y-termQRQuiet
		return x < 0 || y < 0 || x >= n || y >= n || !code.Module(x, y)
	}
	side := n + 2*termQRQuiet
	var b strings.Builder
	for y := 0; y < side; y += 2 {
		for x := 0; x < side; x++ {
			top, bottom := light(x, y), y+1 < side && light(x, y+1)
			switch {
			case top && bottom:
				b.WriteString("█")
			case top:
				b.WriteString("▀")
			case bottom:
				b.WriteString("▄")
			default:
				b.WriteByte(' ')
			}
		}
		b.WriteByte('\n')
	}
	_, err = io.WriteString(w, b.String())
	return err
}
