package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestProgressBar: a bar on standard error when it is a terminal, nothing
// when it is piped or when the records go to the same terminal.
func TestProgressBar(t *testing.T) {
	docs := filepath.Join(t.TempDir(), "docs.jsonl")
	var lines []string
	for _, id := range []string{"a", "b", "c"} {
		lines = append(lines, `{"id": "`+id+`", "text": "Small left pleural effusion. No pneumothorax."}`)
	}
	if err := os.WriteFile(docs, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name           string
		errTTY, outTTY bool
		args           []string
		want           bool
	}{
		{"score, stderr a terminal", true, false, []string{"score", "--pairs", "testdata/pairs.jsonl"}, true},
		{"score, piped", false, false, []string{"score", "--pairs", "testdata/pairs.jsonl"}, false},
		{"score, records to the terminal", true, true, []string{"score", "--pairs", "testdata/pairs.jsonl"}, false},
		{"extract, stderr a terminal", true, false, []string{"extract", "--docs", docs}, true},
		{"extract, piped", false, false, []string{"extract", "--docs", docs}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb strings.Builder
			sys := &IO{In: strings.NewReader(""), Out: &out, Err: &errb, ErrTTY: tt.errTTY, OutTTY: tt.outTTY, Getenv: func(string) string { return "" }}
			if code := Main(t.Context(), tt.args, sys); code != exitOK {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			got := strings.Contains(errb.String(), "/s)")
			if got != tt.want {
				t.Errorf("bar shown %v, want %v; stderr %q", got, tt.want, errb.String())
			}
			if strings.Contains(out.String(), "/s)") {
				t.Errorf("the bar went to standard output")
			}
		})
	}
}
