package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeResults writes a results file with a header and n records whose
// overall is base plus a small deterministic wobble.
func writeResults(t *testing.T, dir, name string, n int, base float64, ontology string) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, `{"run":{"kgeval_version":"t","ontology":%q,"ontology_hash":"h","extractor":"rules","judge":"off","weights":{"nsc":1},"theta":0.5,"pairs":%d}}`+"\n", ontology, n)
	for i := 0; i < n; i++ {
		v := base + 0.03*float64((i*7)%5-2)/2
		fmt.Fprintf(&b, `{"id":"p%d","scores":{"nsc":%g,"ams":%g,"edge_f1":%g,"scs":%g,"radgraph_simple":0,"radgraph_partial":0,"radgraph_complete":0,"judge":null,"overall":%g},"components":["nsc"],"status":"ok"}`+"\n", i, v, v, v, v, v)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCheckCommand(t *testing.T) {
	dir := t.TempDir()
	base := writeResults(t, dir, "base.jsonl", 100, 0.7, "radiology")
	same := writeResults(t, dir, "same.jsonl", 100, 0.7, "radiology")
	worse := writeResults(t, dir, "worse.jsonl", 100, 0.6, "radiology")
	other := writeResults(t, dir, "other.jsonl", 100, 0.7, "legal")
	junit := filepath.Join(dir, "check.xml")
	md := filepath.Join(dir, "check.md")

	out, errOut, code := run(t, "", "check", "--results", same, "--baseline", base, "--junit", junit)
	if code != exitOK || !strings.HasPrefix(out, "PASS") {
		t.Errorf("unchanged run: exit %d\n%s%s", code, out, errOut)
	}
	out, _, code = run(t, "", "check", "--results", worse, "--baseline", base, "--junit", junit, "--markdown", md, "--min", "overall=0.65")
	if code != exitCheck || !strings.HasPrefix(out, "FAIL") || !strings.Contains(out, "mean dropped 0.1000") {
		t.Errorf("a 0.1 drop must exit 1: exit %d\n%s", code, out)
	}
	x, _ := os.ReadFile(junit)
	if !strings.Contains(string(x), `<testcase name="overall" classname="kgeval.score">`) || !strings.Contains(string(x), "<failure") {
		t.Errorf("JUnit lacks the failing case:\n%s", x)
	}
	if m, _ := os.ReadFile(md); !strings.Contains(string(m), "❌ regression") {
		t.Errorf("markdown:\n%s", m)
	}
	_, errOut, code = run(t, "", "check", "--results", other, "--baseline", base)
	if code != exitInput || !strings.Contains(errOut, "ontology: radiology vs legal") {
		t.Errorf("incompatible runs must be refused: exit %d %s", code, errOut)
	}
	_, errOut, code = run(t, "", "check", "--results", same, "--baseline", base, "--min", "overall")
	if code != exitInput || !strings.Contains(errOut, "want SCORE=VALUE") {
		t.Errorf("bad --min: exit %d %s", code, errOut)
	}
}
