package main

import (
	"image"
	"image/color"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/piglig/go-qr"
)

// TestTermQR reads the modules back from the drawing and compares them
// with the code's: the light ones drawn, two rows a line, the quiet zone
// around, and a plain renewal link within 80 columns. A picture of the
// terminal, light text on dark, scans back to the link.
func TestTermQR(t *testing.T) {
	link := "https://licenses.example.com/renew#request=" + strings.Repeat("-----BEGIN%20LICMINT%20RENEWAL%20REQUEST", 8)[:319]
	var b strings.Builder
	if err := writeTermQR(&b, link); err != nil {
		t.Fatal(err)
	}
	code, err := go_qr.EncodeText(link, go_qr.Low)
	if err != nil {
		t.Fatal(err)
	}
	n := code.Size()
	side := n + 2*termQRQuiet
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != (side+1)/2 || side > 80 {
		t.Fatalf("%d lines for %d modules a side", len(lines), side)
	}
	const px = 4
	img := image.NewGray(image.Rect(0, 0, side*px, side*px))
	for row, line := range lines {
		if utf8.RuneCountInString(line) != side {
			t.Fatalf("line %d is %d columns, want %d", row, utf8.RuneCountInString(line), side)
		}
		for x, r := range []rune(line) {
			top := strings.ContainsRune("█▀", r)
			bottom := strings.ContainsRune("█▄", r)
			for dy, got := range []bool{top, bottom} {
				y := 2*row + dy
				if y >= side {
					continue
				}
				mx, my := x-termQRQuiet, y-termQRQuiet
				want := mx < 0 || my < 0 || mx >= n || my >= n || !code.Module(mx, my)
				if got != want {
					t.Fatalf("module %d,%d is drawn light=%v, want %v", x, y, got, want)
				}
				c := color.Gray{}
				if got {
					c.Y = 255
				}
				for i := range px * px {
					img.SetGray(x*px+i%px, y*px+i/px, c)
				}
			}
		}
	}
	if text, err := go_qr.Decode(img); err != nil || text != link {
		t.Fatalf("the terminal's QR code scans as %q, %v", text, err)
	}
}
