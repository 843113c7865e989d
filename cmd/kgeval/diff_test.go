package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kgeval/kgeval/internal/render"
)

func TestDiffCommand(t *testing.T) {
	// The flip pair: "No pneumothorax" against "Pneumothorax".
	out, errOut, code := run(t, "", "diff", "--pairs", "testdata/pairs.jsonl", "--id", "flip")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"pair flip", "scores     overall", "pneumothorax", "assertion absent → present"} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Errorf("colours when the output is not a terminal")
	}

	out, _, code = run(t, "", "diff", "--pairs", "testdata/pairs.jsonl", "--id", "flip", "--format", "json")
	var doc render.Document
	if code != exitOK || json.Unmarshal([]byte(out), &doc) != nil || doc.ID != "flip" || doc.Scores == nil || doc.Reference == nil || len(doc.Changed) == 0 {
		t.Errorf("json: exit %d, %+v", code, doc)
	}

	dir := t.TempDir()
	page := filepath.Join(dir, "flip.html")
	if _, errOut, code := run(t, "", "diff", "--pairs", "testdata/pairs.jsonl", "--id", "flip", "--format", "html", "--out", page); code != exitOK {
		t.Fatalf("html: exit %d: %s", code, errOut)
	}
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<svg", `id="reference-text"`, `<mark class="changed"`, "Pneumothorax"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("html page lacks %q", want)
		}
	}
	for _, f := range []string{"dot", "svg"} {
		out, _, code := run(t, "", "diff", "--pairs", "testdata/pairs.jsonl", "--id", "side", "--format", f)
		if code != exitOK || !strings.Contains(out, "lower lobe") {
			t.Errorf("%s: exit %d:\n%s", f, code, out)
		}
	}
}

func TestDiffColorOnTerminal(t *testing.T) {
	var out, errb strings.Builder
	sys := &IO{In: strings.NewReader(""), Out: &out, Err: &errb, OutTTY: true, Getenv: func(string) string { return "" }}
	if code := Main(t.Context(), []string{"diff", "--pairs", "testdata/pairs.jsonl", "--id", "flip"}, sys); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "\x1b[") {
		t.Errorf("no colours on a terminal")
	}
	out.Reset()
	sys.Getenv = func(k string) string {
		if k == "NO_COLOR" {
			return "1"
		}
		return ""
	}
	Main(t.Context(), []string{"diff", "--pairs", "testdata/pairs.jsonl", "--id", "flip"}, sys)
	if strings.Contains(out.String(), "\x1b[") {
		t.Errorf("colours with NO_COLOR set")
	}
}

func TestDiffErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		msg  string
	}{
		{"no id", []string{"diff", "--pairs", "testdata/pairs.jsonl"}, "--pairs and --id are required"},
		{"unknown id", []string{"diff", "--pairs", "testdata/pairs.jsonl", "--id", "nope"}, `no pair with id "nope"`},
		{"bad format", []string{"diff", "--pairs", "testdata/pairs.jsonl", "--id", "flip", "--format", "pdf"}, `unknown format "pdf"`},
		{"missing file", []string{"diff", "--pairs", "testdata/none.jsonl", "--id", "flip"}, "no such file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := run(t, "", tt.args...)
			if code != exitInput || !strings.Contains(errOut, tt.msg) {
				t.Errorf("exit %d, stderr %q; want exit 2 and %q", code, errOut, tt.msg)
			}
		})
	}
}
