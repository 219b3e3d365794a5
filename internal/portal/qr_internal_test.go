package portal

import (
	"image"
	"image/color"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/piglig/go-qr"

	"github.com/licmint/licmint/formats"
)

// exampleCode is an Activation Code the portal issued in a test.
const exampleCode = "PC-2081-0018W-0Q9D9-PVSYG-TGJ0T-ARCNR-Y0P9G-KTH26-993ND-WDJ66-PC30B-BAX0P-AKKVQ-XVWXS-ZT9SF-JK96N-M7RHK-GHJKC-VKHQN-2FKJC-J9ZBR-JTGP0-S5R8G-QVF2T-T7JHP-4FGQD-J0RXG-97J0"

var (
	svgHeadRE = regexp.MustCompile(`^<svg xmlns="http://www.w3.org/2000/svg" class="qr" role="img" aria-label="([^"]*)" viewBox="0 0 (\d+) (\d+)" shape-rendering="crispEdges"><title>([^<]*)</title><rect width="(\d+)" height="(\d+)" fill="#fff"(?:/>|></rect>)<path fill="#000" d="([^"]*)"(?:/>|></path>)</svg>$`)
	svgRunRE  = regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-(\d+)z`)
)

// readSVG reads back the modules qrSVG drew: the picture a browser shows,
// module by module, quiet zone included. The SVG is as qrSVG wrote it or
// as a browser's DOM gives it back (empty elements closed by end tags).
func readSVG(t testing.TB, svg string) (label string, m [][]bool) {
	t.Helper()
	head := svgHeadRE.FindStringSubmatch(svg)
	if head == nil {
		t.Fatalf("not the SVG qrSVG draws:\n%s", svg)
	}
	if head[1] != head[4] || head[2] != head[3] || head[2] != head[5] || head[2] != head[6] {
		t.Fatalf("label %q, title %q, view box %sx%s, background %sx%s", head[1], head[4], head[2], head[3], head[5], head[6])
	}
	side, _ := strconv.Atoi(head[2])
	m = make([][]bool, side)
	for y := range m {
		m[y] = make([]bool, side)
	}
	d := head[7]
	if rest := svgRunRE.ReplaceAllString(d, ""); rest != "" {
		t.Fatalf("the path has more than runs of modules: %q", rest)
	}
	for _, r := range svgRunRE.FindAllStringSubmatch(d, -1) {
		x, _ := strconv.Atoi(r[1])
		y, _ := strconv.Atoi(r[2])
		n, _ := strconv.Atoi(r[3])
		if r[3] != r[4] || n < 1 || y >= side || x+n > side {
			t.Fatalf("run %q is outside the %d-module square", r[0], side)
		}
		for i := x; i < x+n; i++ {
			if m[y][i] {
				t.Fatalf("module %d,%d is drawn twice", i, y)
			}
			m[y][i] = true
		}
	}
	return head[1], m
}

// scanSVG reads a QR code's SVG as a phone does: drawn at 4 pixels a
// module, then scanned by the library's reader. It returns the SVG's
// accessible name and the text scanned.
func scanSVG(t testing.TB, svg string) (label, text string) {
	t.Helper()
	label, m := readSVG(t, svg)
	const px = 4
	img := image.NewGray(image.Rect(0, 0, len(m)*px, len(m)*px))
	for y := range img.Bounds().Dy() {
		for x := range img.Bounds().Dx() {
			c := color.Gray{Y: 255}
			if m[y/px][x/px] {
				c.Y = 0
			}
			img.SetGray(x, y, c)
		}
	}
	text, err := go_qr.Decode(img)
	if err != nil {
		t.Fatalf("the QR code does not scan: %v", err)
	}
	return label, text
}

// TestQRSVG decodes the SVG of an Activation Code and of an authenticator
// link: the modules drawn are the library's, inside a light quiet zone of
// 4 modules, and scanning a picture of them gives the text back.
func TestQRSVG(t *testing.T) {
	otpauth := "otpauth://totp/licmint%20console:agent@example.com?algorithm=SHA1&digits=6&issuer=licmint%20console&period=30&secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	for _, text := range []string{exampleCode, otpauth, "x"} {
		svg, err := qrSVG(text, `QR code of "<this>" & that`)
		if err != nil {
			t.Fatal(err)
		}
		label, m := readSVG(t, string(svg))
		if label != "QR code of &#34;&lt;this&gt;&#34; &amp; that" {
			t.Errorf("accessible name %q", label)
		}
		want, err := go_qr.EncodeText(text, go_qr.Medium)
		if err != nil {
			t.Fatal(err)
		}
		n := want.Size()
		if len(m) != n+2*qrQuiet {
			t.Fatalf("%d modules a side for a %d-module code", len(m), n)
		}
		for y := range m {
			for x := range m[y] {
				in := x >= qrQuiet && y >= qrQuiet && x < qrQuiet+n && y < qrQuiet+n
				if got := m[y][x]; (!in && got) || (in && got != want.Module(x-qrQuiet, y-qrQuiet)) {
					t.Fatalf("module %d,%d is %v, not the library's", x, y, got)
				}
			}
		}
		if _, got := scanSVG(t, string(svg)); got != text {
			t.Fatalf("scanned %q; want %q", got, text)
		}
	}
	if _, err := qrSVG(strings.Repeat("é", 3000), "too long"); err == nil || strings.Contains(err.Error(), "é") {
		t.Fatalf("a text too long for a QR code: %v", err)
	}
}

// TestWrapCode breaks a code in mail between groups only, in lines a mail
// client leaves alone, and the product reads the code back as it is.
func TestWrapCode(t *testing.T) {
	wrapped := wrapCode(exampleCode)
	lines := strings.Split(wrapped, "\n")
	if len(lines) < 3 {
		t.Fatalf("168 characters on %d lines:\n%s", len(lines), wrapped)
	}
	for i, l := range lines {
		if len(l) > mailCodeWidth || (i < len(lines)-1 && !strings.HasSuffix(l, "-")) {
			t.Fatalf("line %d breaks a group or is too long: %q", i+1, l)
		}
	}
	if strings.ReplaceAll(wrapped, "\n", "") != exampleCode {
		t.Fatalf("the lines joined are not the code:\n%s", wrapped)
	}
	want, err := formats.ParseActivationCode(exampleCode)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := formats.ParseActivationCode(wrapped); err != nil || got != want {
		t.Fatalf("the wrapped code reads as %v, %v", got, err)
	}
	for _, name := range []string{"registered", "renewed", "stolen", "replaced", "resent"} {
		body := mailText(name, mailData{RK: "PC-1", Kind: "Activation Code", Code: exampleCode, Support: "support"})
		if !strings.Contains(body, wrapped) {
			t.Errorf("mail %s lacks the wrapped code:\n%s", name, body)
		}
	}
	if wrapCode("") != "" || wrapCode("SHORT") != "SHORT" {
		t.Fatal("short text is changed")
	}
}
