package graph_test

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/kgeval/kgeval/graph"
	"github.com/kgeval/kgeval/ontology"
)

// The fuzz targets of the graph readers. Seeds are in testdata/fuzz/<name>
// and below; scripts/fuzz runs each for a while. The properties: no panic;
// every error is a *graph.LineError naming the file and a line of the input
// with a reason; every graph returned validates against the ontology, and
// writing it and reading it back gives the same graph.

const fuzzFile = "fuzz.jsonl"

var fuzzGraphSeeds = []string{
	`{"id":"d1","entities":[],"relations":[]}`,
	`{"id":"d1","text":"No effusion.","entities":[{"id":"e1","text":"effusion","type":"disorder","assertion":"absent","key":"finding/pleural_effusion","span":[3,11]}],"relations":[]}`,
	`{"id":"d1","entities":[{"id":"e1","text":"nodule","type":"disorder"},{"id":"e2","text":"lobe","type":"anatomy"}],"relations":[{"source":"e1","target":"e2","type":"located_at"}]}` + "\n" + `{"id":"d2","entities":[],"relations":[]}`,
	`{"id":"d1","entities":[{"id":"e1","text":"x","type":"nope"}],"relations":[]}`,
	`{"id":"d1","entities":[{"id":"e1","text":"x","type":"disorder","span":[5,2]}],"relations":[]}`,
	`{"id":"d1","entities":[{"id":"e1","text":"2 cm","type":"size","measure":{"values":[20],"unit":"mm"}}],"relations":[{"source":"e1","target":"e9","type":"modify"}]}`,
	`{"id":"d1","entities":[]} {"id":"d2"}`,
	"\n\n{\"id\":\"d1\",\"entities\":[],\"relations\":[]}\n\n{bad json\n",
	`{"id":"","entities":[],"relations":[]}`,
	`{"id":"d1","entities":[{"id":"e1","text":"x","type":"disorder","assertion":"maybe"}],"relations":[]}`,
	`{"id":"d1","entities":"none"}`,
	`[1,2,3]`,
	"\ufeff{\"id\":\"d1\",\"entities\":[],\"relations\":[]}",
}

func FuzzReadGraphs(f *testing.F) {
	for _, s := range fuzzGraphSeeds {
		f.Add([]byte(s))
	}
	o := radiologyOntology(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := bytes.Count(data, []byte("\n")) + 1
		for g, err := range graph.ReadGraphs(bytes.NewReader(data), fuzzFile, o) {
			if err != nil {
				checkLineError(t, err, lines)
				continue
			}
			if err := g.Validate(o); err != nil {
				t.Fatalf("a graph the reader returned does not validate: %v", err)
			}
			// Round trip: the written graph reads back the same.
			var buf bytes.Buffer
			if err := graph.WriteGraph(&buf, g); err != nil {
				t.Fatalf("write: %v", err)
			}
			back, err := graph.ParseGraph(bytes.TrimSpace(buf.Bytes()), o)
			if err != nil {
				t.Fatalf("a written graph does not read back: %v\n%s", err, buf.Bytes())
			}
			if !sameGraph(g, back) {
				t.Fatalf("round trip changed the graph:\n%+v\n%+v", g, back)
			}
		}
	})
}

func FuzzReadRadGraphs(f *testing.F) {
	for _, s := range []string{
		`{"id":"r1","text":"No effusion.","entities":{"1":{"tokens":"effusion","label":"OBS-DA","start_ix":1,"end_ix":1,"relations":[]}}}`,
		`{"id":"r1","text":"Right lobe opacity","entities":{"1":{"tokens":"lobe","label":"ANAT-DP","start_ix":1,"end_ix":1,"relations":[]},"2":{"tokens":"opacity","label":"OBS-DP","start_ix":2,"end_ix":2,"relations":[["located_at","1"]]}}}`,
		`{"id":"r1","entities":{"1":{"tokens":"x","label":"OBS-X"}}}`,
		`{"id":"r1","entities":{"1":{"tokens":"x","label":"OBS-U","relations":[["modify","7"]]}}}`,
		`{"id":"r1","entities":{"1":{"tokens":".","label":"OBS-DP"}}}`,
		`{"id":"r1","entities":{"a":{"tokens":"x","label":"OBS-DP"},"10":{"tokens":"y","label":"OBS-DP"},"2":{"tokens":"z","label":"ANAT-DP"}}}`,
		`{"id":"r1","entities":{"1":{"tokens":"x","label":"OBS-DP","relations":[["modify"]]}}}`,
		`{"id":"r1","entities":null}`,
		`{"entities":{}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := bytes.Count(data, []byte("\n")) + 1
		for rg, err := range graph.ReadRadGraphs(bytes.NewReader(data), fuzzFile) {
			if err != nil {
				checkLineError(t, err, lines)
				continue
			}
			if err := rg.Validate(); err != nil {
				t.Fatalf("an annotation the reader returned does not validate: %v", err)
			}
			// What score --reference-graphs does with it: a graph that
			// validates, whatever the tokens are.
			g := graph.FromRadGraph(rg, "anatomy", "disorder")
			g.Normalize()
			if err := g.Validate(nil); err != nil {
				t.Fatalf("FromRadGraph of a valid annotation is invalid: %v", err)
			}
			var buf bytes.Buffer
			if err := graph.WriteRadGraph(&buf, rg); err != nil {
				t.Fatalf("write: %v", err)
			}
			n := 0
			for back, err := range graph.ReadRadGraphs(&buf, fuzzFile) {
				n++
				if err != nil {
					t.Fatalf("a written annotation does not read back: %v\n%s", err, buf.Bytes())
				}
				if back.ID != rg.ID || len(back.Entities) != len(rg.Entities) {
					t.Fatalf("round trip changed the annotation: %+v vs %+v", rg, back)
				}
			}
			if n != 1 {
				t.Fatalf("the written annotation read back as %d records", n)
			}
		}
	})
}

// checkLineError checks that err is a clear error about one line of the
// input.
func checkLineError(t *testing.T, err error, lines int) {
	t.Helper()
	var le *graph.LineError
	if !errors.As(err, &le) {
		t.Fatalf("error %T is not a *graph.LineError: %v", err, err)
	}
	if le.File != fuzzFile || le.Line < 1 || le.Line > lines+1 {
		t.Fatalf("error names %s:%d, want %s and a line in 1..%d: %v", le.File, le.Line, fuzzFile, lines+1, err)
	}
	msg := err.Error()
	if le.Err == nil || strings.TrimSpace(le.Err.Error()) == "" || !strings.HasPrefix(msg, fuzzFile+":") {
		t.Fatalf("unclear error %q", msg)
	}
}

func sameGraph(a, b *graph.Graph) bool {
	norm := func(g *graph.Graph) *graph.Graph {
		c := g.Clone()
		if len(c.Entities) == 0 {
			c.Entities = nil
		}
		if len(c.Relations) == 0 {
			c.Relations = nil
		}
		for i := range c.Entities {
			if m := c.Entities[i].Measure; m != nil && len(m.Values) == 0 {
				m.Values = nil
			}
		}
		return c
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

func radiologyOntology(t testing.TB) *ontology.Ontology {
	t.Helper()
	o, err := ontology.Builtin("radiology")
	if err != nil {
		t.Fatal(err)
	}
	return o
}
