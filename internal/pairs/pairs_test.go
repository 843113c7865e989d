package pairs

import (
	"strings"
	"testing"
)

func collect(t *testing.T, in string, f Format) ([]Pair, []string) {
	t.Helper()
	var ps []Pair
	var errs []string
	for p, err := range Read(strings.NewReader(in), "f", f) {
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		ps = append(ps, p)
	}
	return ps, errs
}

func TestJSONL(t *testing.T) {
	in := `{"id":"a","reference":"r","candidate":"c","context":{"age":64}}
{"id":"b","reference":"r"}
{"id":"c","reference":"r","candidate":7}

{"id":"","reference":"r","candidate":"c"}
{"id":"a","reference":"r","candidate":"c"}
{"id":"d","reference":"r","candidate":"c","context":"x"}
[1]
`
	ps, errs := collect(t, in, Format{})
	if len(ps) != 1 || ps[0].ID != "a" || ps[0].Context["age"] != float64(64) || ps[0].Line != 1 {
		t.Errorf("pairs %+v", ps)
	}
	want := []string{
		`f:2: missing "candidate"`,
		`f:3: "candidate" must be a string`,
		`f:5: empty "id"`,
		`f:6: duplicate id "a" (first on line 1)`,
		`f:7: "context" must be an object`,
		`f:8: field ""`,
	}
	if len(errs) != len(want) {
		t.Fatalf("errors %q", errs)
	}
	for i := range want {
		if !strings.HasPrefix(errs[i], want[i]) {
			t.Errorf("error %d = %q, want prefix %q", i, errs[i], want[i])
		}
	}
}

func TestCSV(t *testing.T) {
	in := "study,report,generated\ns1,\"No effusion, no PTX.\",No effusion.\ns2,a\n\"s3,b,c\n"
	ps, errs := collect(t, in, Format{CSV: true, IDCol: "study", RefCol: "report", CandCol: "generated"})
	if len(ps) != 1 || ps[0].Reference != "No effusion, no PTX." || ps[0].Line != 2 {
		t.Errorf("pairs %+v", ps)
	}
	if len(errs) != 2 || !strings.HasPrefix(errs[0], "f:3: 2 fields, want at least 3") || !strings.HasPrefix(errs[1], "f:4:") {
		t.Errorf("errors %q", errs)
	}
	_, errs = collect(t, "id,text\n", Format{CSV: true})
	if len(errs) != 1 || !strings.Contains(errs[0], `no column "reference" in the header (have id, text)`) {
		t.Errorf("missing column: %q", errs)
	}
}

func TestDocuments(t *testing.T) {
	var errs []string
	n := 0
	for _, err := range ReadDocuments(strings.NewReader("{\"id\":\"d\",\"text\":\"x\"}\n{\"id\":\"e\"}\n"), "d.jsonl") {
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		n++
	}
	if n != 1 || len(errs) != 1 || errs[0] != `d.jsonl:2: missing "text"` {
		t.Errorf("%d docs, errors %q", n, errs)
	}
}
