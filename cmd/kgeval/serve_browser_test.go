package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath is the browser the end-to-end test drives: Debian's
// chromium (scripts/chromium installs it), or KGEVAL_CHROMIUM.
func chromiumPath() string {
	if p := os.Getenv("KGEVAL_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// TestServeBrowser starts `kgeval serve`, drives headless Chromium from the
// list to a pair's diff, checks what the page shows and saves screenshots
// in the test's temporary folder and, when KGEVAL_ARTIFACTS is set, there.
// Without Chromium it skips, or fails when KGEVAL_BROWSER_REQUIRED=1.
func TestServeBrowser(t *testing.T) {
	path := chromiumPath()
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("KGEVAL_BROWSER_REQUIRED") == "1" {
			t.Fatalf("KGEVAL_BROWSER_REQUIRED=1 but there is no browser at %s (run scripts/chromium): %v", path, err)
		}
		t.Skipf("no browser at %s (scripts/chromium installs it; KGEVAL_BROWSER_REQUIRED=1 makes this a failure)", path)
	}
	url, stop := startServe(t, "--results", scoredRun(t), "--pairs", "testdata/pairs.jsonl", "--addr", "127.0.0.1:0")
	defer stop()

	// The browser's own flags: nothing fetched from outside, no sandbox
	// (CI runs as root), a profile that dies with the test. chromedp only
	// runs the browser it is given; it never downloads one.
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1000),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	defer cancelBrowser()

	shots := t.TempDir()
	save := func(name string, png []byte) {
		t.Helper()
		if len(png) < 8 || !bytes.Equal(png[:8], []byte("\x89PNG\r\n\x1a\n")) {
			t.Errorf("%s is not a PNG (%d bytes)", name, len(png))
			return
		}
		dirs := []string{shots}
		if a := os.Getenv("KGEVAL_ARTIFACTS"); a != "" {
			if err := os.MkdirAll(a, 0o755); err != nil {
				t.Errorf("KGEVAL_ARTIFACTS: %v", err)
			} else {
				dirs = append(dirs, a)
			}
		}
		for _, d := range dirs {
			if err := os.WriteFile(filepath.Join(d, name), png, 0o644); err != nil {
				t.Error(err)
			}
		}
		t.Logf("screenshot %s (%d bytes) in %s", name, len(png), strings.Join(dirs, " and "))
	}

	// run runs one action and fails the test on an error.
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(bctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(bctx, chromedp.Text(css(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	shot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		save(name, png)
	}

	// The list: every pair, lowest overall first.
	do("list page", chromedp.Navigate(url), chromedp.WaitVisible(css(`#pairs`)))
	listText := text(`#pairs`)
	for _, id := range []string{"same", "flip", "side", "empty"} {
		if !strings.Contains(listText, id) {
			t.Errorf("the list lacks pair %s:\n%s", id, listText)
		}
	}
	shot("list.png")

	// Filter by a finding: only the pairs whose diff mentions it stay.
	do("filter",
		chromedp.SendKeys(css(`input[name="q"]`), "pneumothorax"),
		chromedp.Submit(css(`input[name="q"]`)),
		chromedp.Sleep(300*time.Millisecond),
		chromedp.WaitVisible(css(`#shown`)),
	)
	if filtered := text(`#pairs`); !strings.Contains(filtered, "flip") || strings.Contains(filtered, "side") {
		t.Errorf("filtered by pneumothorax:\n%s", filtered)
	}

	// Click through to the pair's diff.
	do("pair page", chromedp.Click(css(`a[data-id="flip"]`)), chromedp.WaitVisible(css(`#pair-title`)))
	if title := text(`#pair-title`); !strings.Contains(title, "flip") {
		t.Errorf("pair page title %q", title)
	}
	body := text(`body`)
	for _, want := range []string{"assertion absent → present", "scored as missing and invented", "Source text", "Both graphs", "Pneumothorax", "← all pairs"} {
		if !strings.Contains(body, want) {
			t.Errorf("the pair page lacks %q", want)
		}
	}
	boxes, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll("svg.kg-diff g.ent").length`))
	if err != nil || boxes < 4 {
		t.Errorf("the drawing has %d entity boxes (%v)", boxes, err)
	}
	shot("pair-flip.png")

	// Back to the list, with the filter kept.
	do("back", chromedp.Click(css(`a.back`)), chromedp.WaitVisible(css(`#pairs`)))
	back, err := chromedp.Run(bctx, chromedp.Value(css(`input[name="q"]`)))
	if err != nil {
		t.Fatalf("back: %v", err)
	}
	if back != "pneumothorax" {
		t.Errorf("back to the list, the filter is %q", back)
	}
}
