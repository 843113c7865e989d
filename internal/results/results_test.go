package results

import (
	"bytes"
	"strings"
	"testing"

	"github.com/kgeval/kgeval/scorers"
)

func records() []*Record {
	j := 0.75
	return []*Record{
		{ID: "a", Scores: &scorers.Scores{NSC: 1, AMS: 0.5, SCS: 0.25, Judge: &j, Overall: 0.6}, Components: []string{"nsc"}, Status: StatusOK},
		{ID: "b", Components: []string{}, Status: StatusError, Error: "extract candidate: timeout"},
	}
}

func write(t *testing.T, format string) string {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, format)
	if err != nil {
		t.Fatal(err)
	}
	var s Summary
	for _, r := range records() {
		s.Add(r)
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(&s); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestWriters(t *testing.T) {
	jsonl := write(t, "jsonl")
	if !strings.Contains(jsonl, `{"id":"b","scores":null,"components":[],"status":"error","error":"extract candidate: timeout"}`) {
		t.Errorf("jsonl error record: %s", jsonl)
	}
	csv := write(t, "csv")
	wantCSV := "id,nsc,ams,edge_f1,scs,radgraph_simple,radgraph_partial,radgraph_complete,judge,overall,components,status,error\n" +
		"a,1,0.5,0,0.25,0,0,0,0.75,0.6,nsc,ok,\n" +
		"b,,,,,,,,,,,error,extract candidate: timeout\n"
	if csv != wantCSV {
		t.Errorf("csv:\n%s\nwant\n%s", csv, wantCSV)
	}
	table := write(t, "table")
	// The mean covers the one scored record; the error is counted.
	if !strings.Contains(table, "MEAN") || !strings.Contains(table, "1 ok, 1 error") || !strings.Contains(table, "error: extract candidate: timeout") {
		t.Errorf("table:\n%s", table)
	}
	var empty bytes.Buffer
	w, _ := NewWriter(&empty, "json")
	w.Close(&Summary{})
	if empty.String() != "[\n]\n" {
		t.Errorf("empty json %q", empty.String())
	}
	if _, err := NewWriter(&empty, "xml"); err == nil {
		t.Error("unknown format accepted")
	}
}

func TestReadWithHeader(t *testing.T) {
	var buf bytes.Buffer
	h := &Header{Version: "v1", Ontology: "radiology", OntologyHash: "abc", Extractor: "rules", Judge: "off", Weights: scorers.DefaultWeights(), Theta: 0.5}
	WriteHeader(&buf, h)
	buf.WriteString(write(t, "jsonl"))
	buf.WriteString("{\"foo\": 1}\n")
	var got *Header
	var ids []string
	var errs []string
	for r, err := range Read(&buf, "r.jsonl", func(x *Header) { got = x }) {
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		ids = append(ids, r.ID)
	}
	if got == nil || got.OntologyHash != "abc" {
		t.Errorf("header %+v", got)
	}
	if strings.Join(ids, ",") != "a,b" || len(errs) != 1 || !strings.HasPrefix(errs[0], "r.jsonl:4:") {
		t.Errorf("ids %v errors %v", ids, errs)
	}
	other := *h
	other.Version = "v2"
	if d := h.Differences(&other); len(d) != 0 {
		t.Errorf("a version change alone must not make runs incomparable: %v", d)
	}
	other.OntologyHash = "def"
	other.Weights = scorers.Weights{"nsc": 1}
	if d := h.Differences(&other); len(d) != 2 || !strings.HasPrefix(d[0], "ontology_hash: abc vs def") {
		t.Errorf("differences %v", d)
	}
}
