package portal_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

// historyLayout is what the history table of the console's license page
// looks like in the browser: the cells of the short columns (#, When,
// Who, What) that wrap onto more than one line, whether its box scrolls
// sideways, and the page's width.
type historyLayout struct {
	Wrapped   []string `json:"wrapped"`
	Scrolls   bool     `json:"scrolls"`
	PageWidth int      `json:"pageWidth"`
}

const historyLayoutJS = `(() => {
	const t = document.querySelector("table.history");
	const box = t.closest(".scroll") || t;
	const wrapped = [];
	for (const tr of t.querySelectorAll("tbody tr")) {
		[...tr.cells].slice(0, 4).forEach(td => {
			const r = document.createRange();
			r.selectNodeContents(td);
			const tops = new Set([...r.getClientRects()].map(x => Math.round(x.top)));
			if (tops.size > 1) wrapped.push(td.textContent);
		});
	}
	return {wrapped, scrolls: box.scrollWidth > box.clientWidth, pageWidth: document.documentElement.scrollWidth};
})()`

// checkHistoryLayout loads the console page at path at 1280 px, where the
// history must fit with no cell of a short column wrapped, and at 390 px,
// where it must scroll inside its box rather than squash or widen the
// page.
func checkHistoryLayout(t *testing.T, ctx context.Context, shots *shooter, url string) {
	t.Helper()
	for _, w := range []int64{1280, 390} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, 900), chromedp.Navigate(url),
			chromedp.WaitVisible(chromedp.CSS("table.history")), chromedp.ScrollIntoView(chromedp.CSS("table.history"))); err != nil {
			t.Fatalf("history at %d px: %v", w, err)
		}
		shots.shot(ctx, fmt.Sprintf("console-history-%d", w))
		got, err := chromedp.Run(ctx, chromedp.Evaluate[historyLayout](historyLayoutJS))
		if err != nil {
			t.Fatalf("history at %d px: %v", w, err)
		}
		if len(got.Wrapped) > 0 {
			t.Errorf("at %d px the history wraps %q", w, got.Wrapped)
		}
		if got.PageWidth > int(w) {
			t.Errorf("at %d px the page is %d px wide", w, got.PageWidth)
		}
		if w == 1280 && got.Scrolls {
			t.Errorf("at 1280 px the history scrolls sideways")
		}
	}
}
