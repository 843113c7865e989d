package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// run executes the command line as main would, with captured streams.
func run(t *testing.T, stdin string, args ...string) (stdout, stderr string, code exitCode) {
	t.Helper()
	var out, errb bytes.Buffer
	sys := &IO{In: strings.NewReader(stdin), Out: &out, Err: &errb, Getenv: func(string) string { return "" }}
	code = Main(context.Background(), args, sys)
	return out.String(), errb.String(), code
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/kgeval -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test ./cmd/kgeval -update to accept):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestGolden(t *testing.T) {
	tests := []struct {
		name   string
		stdin  string
		args   []string
		code   exitCode
		stderr string // a substring of standard error
	}{
		{"score.jsonl.golden", "", []string{"score", "--pairs", "testdata/pairs.jsonl", "--format", "jsonl"}, exitOK, "scored 4 pairs: 4 ok"},
		{"score.table.golden", "", []string{"score", "--pairs", "testdata/pairs.jsonl", "--format", "table"}, exitOK, ""},
		{"score.csv.golden", "", []string{"score", "--pairs", "testdata/pairs.jsonl", "--format", "csv"}, exitOK, ""},
		{"score.stdin.golden", `{"id":"s","reference":"No effusion.","candidate":"No pleural effusion."}`, []string{"score", "--pairs", "-"}, exitOK, ""},
		{"skip-invalid.golden", "", []string{"score", "--pairs", "testdata/bad.jsonl", "--skip-invalid"}, exitOK, `testdata/bad.jsonl:2: missing "candidate"`},
		{"extract.graph.golden", "", []string{"extract", "--docs", "testdata/docs.jsonl"}, exitOK, "extracted 1 documents"},
		{"extract.radgraph.golden", "", []string{"extract", "--docs", "testdata/docs.jsonl", "--format", "radgraph"}, exitOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := run(t, tt.stdin, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.code, errOut)
			}
			if !strings.Contains(errOut, tt.stderr) {
				t.Errorf("stderr %q does not contain %q", errOut, tt.stderr)
			}
			golden(t, tt.name, out)
		})
	}
}

func TestInputErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string // substrings of standard error
	}{
		{"bad lines", []string{"score", "--pairs", "testdata/bad.jsonl"}, []string{
			"3 invalid input line(s)",
			`testdata/bad.jsonl:2: missing "candidate"`,
			"testdata/bad.jsonl:3: invalid JSON",
			`testdata/bad.jsonl:4: duplicate id "ok" (first on line 1)`,
			"--skip-invalid",
		}},
		{"no pairs flag", []string{"score"}, []string{"--pairs is required"}},
		{"missing file", []string{"score", "--pairs", "testdata/nope.jsonl"}, []string{"nope.jsonl", "no such file"}},
		{"unknown ontology", []string{"score", "--pairs", "testdata/pairs.jsonl", "--ontology", "cardiology"}, []string{`unknown ontology "cardiology"`}},
		{"unknown format", []string{"score", "--pairs", "testdata/pairs.jsonl", "--format", "xml"}, []string{`unknown format "xml"`}},
		{"unknown flag", []string{"score", "--bogus"}, []string{"unknown flag"}},
		{"bad extract format", []string{"extract", "--docs", "testdata/docs.jsonl", "--format", "xml"}, []string{`unknown format "xml"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := run(t, "", tt.args...)
			if code != exitInput {
				t.Errorf("exit %d, want %d", code, exitInput)
			}
			if out != "" {
				t.Errorf("nothing should reach standard output on an input error, got %q", out)
			}
			for _, w := range tt.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr %q does not contain %q", errOut, w)
				}
			}
		})
	}
}

// TestOutFileHasHeaderAndEveryField: --out writes the run header first and
// every score of the command-line contract for each pair.
func TestOutFileHasHeaderAndEveryField(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.jsonl")
	if _, errOut, code := run(t, "", "score", "--pairs", "testdata/pairs.jsonl", "--out", path); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], `{"run":{"kgeval_version"`) {
		t.Fatalf("want a header and 4 records, got:\n%s", b)
	}
	for _, field := range []string{`"nsc":`, `"ams":`, `"edge_f1":`, `"scs":`, `"radgraph_simple":`, `"radgraph_partial":`, `"radgraph_complete":`, `"judge":null`, `"overall":`, `"components":[`, `"status":"ok"`} {
		for _, l := range lines[1:] {
			if !strings.Contains(l, field) {
				t.Errorf("record %s lacks %s", l, field)
			}
		}
	}
}

func TestVersion(t *testing.T) {
	out, _, code := run(t, "", "version")
	if code != exitOK || !strings.HasPrefix(out, "kgeval ") {
		t.Errorf("version: exit %d, output %q", code, out)
	}
}
