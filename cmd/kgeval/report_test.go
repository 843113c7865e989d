package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// scoredRun scores testdata/pairs.jsonl into a results file with a header.
func scoredRun(t *testing.T) string {
	t.Helper()
	res := filepath.Join(t.TempDir(), "results.jsonl")
	if _, errOut, code := run(t, "", "score", "--pairs", "testdata/pairs.jsonl", "--out", res); code != exitOK {
		t.Fatalf("score: exit %d: %s", code, errOut)
	}
	return res
}

func TestReportCommand(t *testing.T) {
	res := scoredRun(t)
	out := filepath.Join(t.TempDir(), "report.html")
	_, errOut, code := run(t, "", "report", "--results", res, "--pairs", "testdata/pairs.jsonl", "--out", out)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, want := range []string{"kgeval run report", `<svg class="chart"`, "<summary>empty", `class="doc reference-text"`, "carina</mark>", "radiology", "(devel)"} {
		if !strings.Contains(page, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

func TestReportErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	os.WriteFile(bad, []byte("{\"id\": \"x\"}\n"), 0o644)
	for _, tt := range []struct {
		name string
		args []string
		msg  string
	}{
		{"no out", []string{"report", "--results", "x.jsonl"}, "--results and --out are required"},
		{"missing file", []string{"report", "--results", "none.jsonl", "--out", "r.html"}, "no such file"},
		{"not results", []string{"report", "--results", bad, "--out", filepath.Join(t.TempDir(), "r.html")}, "not a result record"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := run(t, "", tt.args...)
			if code != exitInput || !strings.Contains(errOut, tt.msg) {
				t.Errorf("exit %d, stderr %q; want exit 2 and %q", code, errOut, tt.msg)
			}
		})
	}
}
