package results

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kgeval/kgeval/graph"
)

var resultSeeds = []string{
	`{"run":{"kgeval_version":"dev","ontology":"radiology","ontology_hash":"ab","extractor":"rules","judge":"off","weights":{"nsc":1},"theta":0.8,"pairs":2}}` + "\n" +
		`{"id":"p1","status":"ok","scores":{"nsc":1,"ams":0.5,"edge_f1":0.5,"scs":1,"overall":0.9},"components":["nsc"]}` + "\n" +
		`{"id":"p2","status":"error","error":"extract reference: boom","components":[]}` + "\n",
	`{"id":"p1","status":"ok"}`,
	`{"id":"p1","status":"maybe"}`,
	`{"run":null}` + "\n" + `{"id":"p1","status":"ok"}`,
	`{"id":"p1","status":"ok","scores":{"nsc":"x"}}`,
	`{"id":"p1","status":"ok"} {"id":"p2","status":"ok"}`,
	"{\"id\":\"p1\",\"status\":\"ok\"}\n{\"id\":\"p2\",\"sta",
	"not json\n\n",
}

// FuzzRead: a results file (a baseline handed to kgeval check, a shard
// handed to merge) may be anything. The reader never panics; every error
// is a *graph.LineError naming the file and a line; every record it
// returns has an id and the status ok or error.
func FuzzRead(f *testing.F) {
	for _, s := range resultSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := bytes.Count(data, []byte("\n")) + 1
		headers := 0
		for rec, err := range Read(bytes.NewReader(data), "fuzz.jsonl", func(*Header) { headers++ }) {
			if err != nil {
				var le *graph.LineError
				if !errors.As(err, &le) || le.File != "fuzz.jsonl" || le.Line < 1 || le.Line > lines+1 || le.Err == nil || le.Err.Error() == "" {
					t.Fatalf("unclear error: %v", err)
				}
				continue
			}
			if rec.ID == "" || (rec.Status != StatusOK && rec.Status != StatusError) {
				t.Fatalf("record %+v has no id or an unknown status", rec)
			}
		}
		if headers > 1 {
			t.Fatalf("%d headers", headers)
		}
	})
}

// FuzzResume: a partial results file left by a crash may end anywhere, or
// have been edited. Resume never panics, and either refuses with a message
// naming the partial file or returns the ids of the finished records, with
// the file cut back to its last complete line.
func FuzzResume(f *testing.F) {
	for _, s := range resultSeeds {
		f.Add([]byte(s))
	}
	h := &Header{Version: "dev", Ontology: "radiology", OntologyHash: "ab", Extractor: "rules", Judge: "off",
		Weights: map[string]float64{"nsc": 1}, Theta: 0.8, Pairs: 2}
	var head bytes.Buffer
	if err := WriteHeader(&head, h); err != nil {
		f.Fatal(err)
	}
	f.Add(append(head.Bytes(), `{"id":"p1","status":"ok"}`+"\n"+`{"id":"p2","sta`...))
	// One file, rewritten for each input: a fresh folder each time is slow.
	path := filepath.Join(f.TempDir(), "r.jsonl")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(PartialPath(path), data, 0o644); err != nil {
			t.Fatal(err)
		}
		rf, ids, err := Resume(path, h)
		if err != nil {
			if !strings.Contains(err.Error(), PartialPath(path)) {
				t.Fatalf("error does not name the partial file: %v", err)
			}
			return
		}
		if err := rf.Abort(); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(PartialPath(path))
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > 0 && b[len(b)-1] != '\n' {
			t.Fatalf("resumed file does not end with a complete line: %q", b)
		}
		if n := bytes.Count(b, []byte("\n")); n != len(ids)+1 {
			t.Fatalf("%d lines kept for %d finished records and the header", n, len(ids))
		}
		for _, id := range ids {
			if id == "" {
				t.Fatal("an empty id was taken as finished")
			}
		}
	})
}
