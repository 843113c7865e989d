package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestCompareCommand(t *testing.T) {
	dir := t.TempDir()
	base := writeResults(t, dir, "base.jsonl", 100, 0.7, "radiology")
	same := writeResults(t, dir, "same.jsonl", 100, 0.7, "radiology")
	worse := writeResults(t, dir, "worse.jsonl", 100, 0.6, "radiology")
	other := writeResults(t, dir, "other.jsonl", 100, 0.7, "legal")

	out, errOut, code := run(t, "", "compare", base, worse, "--format", "json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var c comparison
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatal(err)
	}
	// Every pair drops by exactly 0.1: the interval is the point −0.1 and
	// the permutation test finds no sign assignment as extreme as all
	// negative but the mirror image: p = (1 + hits) / (1 + rounds), small.
	o := c.Scores["overall"]
	if c.Paired != 100 || !near(o.MeanDiff, -0.1) || !near(o.CI.Low, -0.1) || !near(o.CI.High, -0.1) || o.P > 0.001 {
		t.Errorf("overall %+v (paired %d)", o, c.Paired)
	}
	out, _, code = run(t, "", "compare", base, same, "--format", "table")
	if code != exitOK || !strings.Contains(out, "100 pairs in both runs") || !strings.Contains(out, "1.0000") {
		t.Errorf("identical runs: exit %d\n%s", code, out)
	}
	_, errOut, code = run(t, "", "compare", base, other)
	if code != exitInput || !strings.Contains(errOut, "ontology: radiology vs legal") || !strings.Contains(errOut, "--force") {
		t.Errorf("runs of other ontologies must be refused: exit %d %s", code, errOut)
	}
	if _, _, code = run(t, "", "compare", base, other, "--force", "--format", "json"); code != exitOK {
		t.Errorf("--force: exit %d", code)
	}
}
