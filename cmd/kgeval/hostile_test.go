package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHostileTextInertEndToEnd puts script tags and an attribute breakout
// in the documents and the pair id, and checks that the diff page, the
// report and the viewer show them as text, never as markup.
func TestHostileTextInertEndToEnd(t *testing.T) {
	const h1, h2 = `<script>alert(1)</script>`, `"><img src=x onerror=alert(1)>`
	dir := t.TempDir()
	pairsFile := filepath.Join(dir, "pairs.jsonl")
	var lines []string
	for _, p := range []map[string]string{
		{"id": "evil" + h1, "reference": "Small left pleural effusion " + h1 + ". No pneumothorax.", "candidate": "Pneumothorax " + h2 + ". " + h1},
		{"id": "evil2" + h2, "reference": h2 + " Right lower lobe opacity.", "candidate": "Left lower lobe opacity " + h1},
	} {
		b, _ := json.Marshal(p)
		lines = append(lines, string(b))
	}
	os.WriteFile(pairsFile, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	inert := func(what, page string) {
		t.Helper()
		low := strings.ToLower(page)
		for _, bad := range []string{"<script", "<img", h1, h2} {
			if i := strings.Index(low, strings.ToLower(bad)); i >= 0 {
				t.Errorf("%s holds %q unescaped: ...%s...", what, bad, page[max(0, i-80):min(len(page), i+80)])
			}
		}
		if !strings.Contains(page, "&lt;script&gt;") {
			t.Errorf("%s does not show the hostile text escaped", what)
		}
	}

	page := filepath.Join(dir, "diff.html")
	if _, errOut, code := run(t, "", "diff", "--pairs", pairsFile, "--id", "evil"+h1, "--format", "html", "--out", page); code != exitOK {
		t.Fatalf("diff: exit %d: %s", code, errOut)
	}
	b, _ := os.ReadFile(page)
	inert("the diff page", string(b))

	res := filepath.Join(dir, "results.jsonl")
	if _, errOut, code := run(t, "", "score", "--pairs", pairsFile, "--out", res); code != exitOK {
		t.Fatalf("score: exit %d: %s", code, errOut)
	}
	rep := filepath.Join(dir, "report.html")
	if _, errOut, code := run(t, "", "report", "--results", res, "--pairs", pairsFile, "--out", rep); code != exitOK {
		t.Fatalf("report: exit %d: %s", code, errOut)
	}
	b, _ = os.ReadFile(rep)
	inert("the report", string(b))

	base, stop := startServe(t, "--results", res, "--pairs", pairsFile, "--addr", "127.0.0.1:0")
	defer stop()
	for _, path := range []string{"", "?q=" + url.QueryEscape(h1), "pair?id=" + url.QueryEscape("evil"+h1), "pair?id=" + url.QueryEscape("evil2"+h2)} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("/%s: %d", path, resp.StatusCode)
		}
		inert("viewer /"+path, string(b))
	}
}
