package portal

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/piglig/go-qr"
)

// qrQuiet is the light margin around a QR code, in modules: the 4 that
// ISO/IEC 18004 asks for, so that a phone finds the code on any page.
const qrQuiet = 4

// qrSVG draws text as a QR code in SVG, for a page to show with no
// JavaScript: one <path> of the dark modules on a light square, the quiet
// zone included, named by label for screen readers. Medium error
// correction keeps a 168-character Activation Code at version 9, small
// enough for a phone held at arm's length.
func qrSVG(text, label string) (template.HTML, error) {
	code, err := go_qr.EncodeText(text, go_qr.Medium)
	if err != nil {
		return "", fmt.Errorf("portal: QR code of %d characters: %w", len(text), err)
	}
	n := code.Size()
	side := n + 2*qrQuiet
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="qr" role="img" aria-label="%s" viewBox="0 0 %d %d" shape-rendering="crispEdges">`,
		template.HTMLEscapeString(label), side, side)
	fmt.Fprintf(&b, `<title>%s</title><rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, template.HTMLEscapeString(label), side, side)
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			if !code.Module(x, y) {
				continue
			}
			// A run of dark modules on a row is one rectangle.
			run := 1
			for x+run < n && code.Module(x+run, y) {
				run++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", x+qrQuiet, y+qrQuiet, run, run)
			x += run - 1
		}
	}
	b.WriteString(`"/></svg>`)
	return template.HTML(b.String()), nil
}

// codeGroups splits an Activation Code into its groups, each but the last
// keeping its hyphen, so that a page can let lines break only between
// groups.
func codeGroups(code string) []string {
	return strings.SplitAfter(code, "-")
}

// mailCodeWidth is the widest line of an Activation Code in mail: under
// the 78 characters RFC 5322 recommends, and whole groups only, so that
// no mail client breaks a group and a copied code stays intact once the
// line ends are taken out.
const mailCodeWidth = 72

// wrapCode breaks an Activation Code into lines of at most mailCodeWidth
// characters, between groups only (after a hyphen).
func wrapCode(code string) string {
	var b strings.Builder
	line := 0
	for _, g := range codeGroups(code) {
		if line > 0 && line+len(g) > mailCodeWidth {
			b.WriteByte('\n')
			line = 0
		}
		b.WriteString(g)
		line += len(g)
	}
	return b.String()
}
