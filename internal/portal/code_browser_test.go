package portal_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/licmint/licmint/internal/portal"
	"github.com/licmint/licmint/ledger"
)

// codeLayoutJS measures every Activation Code on the page as laid out:
// the groups drawn over two line boxes (none may be), and the most lines
// a code takes.
const codeLayoutJS = `(() => {
  const split = [];
  let lines = 0;
  document.querySelectorAll("[data-activation-code], code.old").forEach((code) => {
    const tops = new Set();
    code.querySelectorAll(".group").forEach((g) => {
      const boxes = g.getClientRects();
      if (boxes.length !== 1) split.push(g.textContent);
      for (const b of boxes) tops.add(Math.round(b.top));
    });
    lines = Math.max(lines, tops.size);
  });
  return {split: split, lines: lines, groups: document.querySelectorAll("[data-activation-code] .group").length};
})()`

type codeLayout struct {
	Split  []string `json:"split"`
	Lines  int      `json:"lines"`
	Groups int      `json:"groups"`
}

// checkCodeLayout fails the test if a group of a code on the page is
// broken over two lines, or if a code at width px does not wrap as that
// width needs (more than one line at 390 px, fewer at 1280 px).
func checkCodeLayout(t *testing.T, ctx context.Context, shots *shooter, page string, px int) {
	t.Helper()
	l, err := chromedp.Run(ctx, chromedp.Evaluate[codeLayout](codeLayoutJS))
	if err != nil {
		t.Fatal(err)
	}
	shots.shot(ctx, page+"-code-"+map[bool]string{true: "390", false: "1280"}[px == 390])
	if l.Groups != 29 || len(l.Split) != 0 {
		t.Errorf("%s at %d px: %d groups, split over lines: %q", page, px, l.Groups, l.Split)
	}
	if (px == 390 && l.Lines < 3) || (px == 1280 && l.Lines > 3) {
		t.Errorf("%s at %d px: a code on %d lines", page, px, l.Lines)
	}
	if w, err := chromedp.Run(ctx, chromedp.Evaluate[int]("document.documentElement.scrollWidth")); err != nil || w > px {
		t.Errorf("%s at %d px is %d px wide (%v)", page, px, w, err)
	}
}

// TestBrowserCode shows a customer's Activation Code at a phone's width
// and a desktop's: lines break between groups only; Copy, the text file
// and the QR code give the code as shown.
func TestBrowserCode(t *testing.T) {
	ctx := chrome(t)
	e := newEnv(t)
	key := e.mint(1, false, ledger.PurposeLicense)[0]
	shots := newShooter(t)
	bs := &browserSession{t: t, ctx: ctx, shots: shots}
	bs.typeSignup(e, "ann@example.com", "correct horse battery")
	bs.do("register", chromedp.Navigate(e.url("/register")), chromedp.SendKeys(chromedp.CSS("#rk"), key.String()),
		chromedp.Click(chromedp.CSS("main form button")), chromedp.WaitVisible(chromedp.CSS("[data-activation-code]")))
	code := bs.text("[data-activation-code]")
	if _, err := e.product(nil).Verify(code); err != nil {
		t.Fatalf("the page's code %q: %v", code, err)
	}
	// Just issued: the QR code shows at once, with no JavaScript, and
	// scans to the code.
	bs.do("qr", chromedp.WaitVisible(chromedp.CSS(".code svg.qr")))
	svg, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS(".code svg.qr")))
	if err != nil {
		t.Fatal(err)
	}
	if label, text := portal.ScanQRSVG(t, svg); label == "" || text != code {
		t.Fatalf("the QR code, %q, holds %q", label, text)
	}

	for _, px := range []int{390, 1280} {
		bs.do("resize", chromedp.EmulateViewport(int64(px), 844))
		for _, page := range []string{"/register", "/licenses"} {
			if page == "/register" {
				// The page the code was issued on, again.
				bs.do("register", chromedp.Navigate(e.url("/register")), chromedp.SendKeys(chromedp.CSS("#rk"), key.String()),
					chromedp.Click(chromedp.CSS("main form button")), chromedp.WaitVisible(chromedp.CSS("[data-activation-code]")))
			} else {
				bs.do(page, chromedp.Navigate(e.url(page)), chromedp.WaitVisible(chromedp.CSS("[data-activation-code]")))
			}
			checkCodeLayout(t, ctx, shots, strings.TrimPrefix(page, "/"), px)
		}
	}

	// The text file the link downloads (fetched by an HTTP client logged
	// in as Ann: the page's policy lets no script fetch): the code on one
	// line.
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("[data-code-download]").getAttribute("href")`))
	if err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.login("ann@example.com", "correct horse battery")
	if file := b.get(href); b.code != 200 || file != code+"\n" {
		t.Fatalf("the download of %s: %d %q", href, b.code, file)
	}
	// Copy, with JavaScript, copies the code.
	bs.do("copy", chromedp.WaitVisible(chromedp.CSS("[data-copy]")), chromedp.Click(chromedp.CSS("[data-copy]")))
	// The clipboard answers asynchronously.
	said, err := chromedp.Run(ctx, chromedp.Poll[string](`document.querySelector("[data-copy]").textContent !== "Copy" && document.querySelector("[data-copy]").textContent`,
		chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil || said != "Copied" {
		t.Fatalf("after Copy the button says %q (%v)", said, err)
	}
	// Renewed: the new code, shown as text with Copy, as a file and as a
	// QR code, open at once.
	renewal := e.mint(1, false, ledger.PurposeRenewal)[0]
	bs.do("renew", chromedp.Navigate(e.url("/renew")), chromedp.SendKeys(chromedp.CSS("#rk"), renewal.String()),
		chromedp.Click(chromedp.CSS(`form[action="/renew"]:not([enctype]) button`)), chromedp.WaitVisible(chromedp.CSS(".code svg.qr")))
	renewed := bs.text("[data-activation-code]")
	if svg, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS(".code svg.qr"))); err != nil {
		t.Fatal(err)
	} else if _, text := portal.ScanQRSVG(t, svg); renewed == code || text != renewed {
		t.Fatalf("renewed from %q to %q, the QR code holds %q", code, renewed, text)
	}
	checkCodeLayout(t, ctx, shots, "renewed", 1280)
	bs.do("licenses", chromedp.Navigate(e.url("/licenses")), chromedp.WaitVisible(chromedp.CSS("[data-activation-code]")))

	// The QR code on My licenses is behind a disclosure that works with
	// no JavaScript, and has an accessible name.
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('.license details.qr-box svg.qr[role="img"][aria-label] title').length`))
	if err != nil || n != 1 {
		t.Fatalf("QR codes on My licenses: %d, %v", n, err)
	}
}
