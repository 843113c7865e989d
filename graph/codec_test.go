package graph

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

type vocab struct{}

func (vocab) HasEntityType(n string) bool   { return n == "disorder" || n == "anatomy" }
func (vocab) HasRelationType(n string) bool { return n == "located_at" }

func TestReadGraphsRoundTrip(t *testing.T) {
	in := `{"id":"d1","entities":[{"id":"e1","text":"left pleural effusion","type":"disorder","assertion":"present","key":"finding/pleural_effusion","span":[10,31]},{"id":"e2","text":"Pleura","type":"anatomy"}],"relations":[{"source":"e1","target":"e2","type":"located_at"}]}` + "\n\n" +
		`{"id":"d2","entities":[],"relations":[]}` + "\n"
	var out bytes.Buffer
	n := 0
	for g, err := range ReadGraphs(strings.NewReader(in), "g.jsonl", vocab{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if err := WriteGraph(&out, g); err != nil {
			t.Fatal(err)
		}
	}
	if n != 2 {
		t.Fatalf("%d graphs, want 2", n)
	}
	// Normalization filled the second entity's assertion and key.
	want := `{"id":"d1","entities":[{"id":"e1","text":"left pleural effusion","type":"disorder","assertion":"present","key":"finding/pleural_effusion","span":[10,31]},{"id":"e2","text":"Pleura","type":"anatomy","assertion":"present","key":"pleura"}],"relations":[{"source":"e1","target":"e2","type":"located_at"}]}` + "\n" +
		`{"id":"d2","entities":[],"relations":[]}` + "\n"
	if out.String() != want {
		t.Errorf("round trip:\n%s\nwant\n%s", out.String(), want)
	}
}

func TestGraphErrors(t *testing.T) {
	tests := []struct{ name, line, want string }{
		{"dangling", `{"id":"d","entities":[{"id":"e1","text":"x","type":"disorder"}],"relations":[{"source":"e1","target":"e9","type":"located_at"}]}`, `g.jsonl:1: graph d: relations[0].target: dangling relation: no entity "e9"`},
		{"unknown type", `{"id":"d","entities":[{"id":"e1","text":"x","type":"organ"}]}`, `graph d: entities[0].type: entity "e1" has unknown type "organ"`},
		{"unknown relation", `{"id":"d","entities":[{"id":"e1","text":"x","type":"disorder"}],"relations":[{"source":"e1","target":"e1","type":"causes"}]}`, `relations[0].type: unknown relation type "causes"`},
		{"empty key", `{"id":"d","entities":[{"id":"e1","text":"  ","type":"disorder"}]}`, `entities[0].key: entity "e1" has an empty key`},
		{"duplicate id", `{"id":"d","entities":[{"id":"e1","text":"x","type":"disorder"},{"id":"e1","text":"y","type":"disorder"}]}`, `entities[1].id: duplicate entity id "e1"`},
		{"bad assertion", `{"id":"d","entities":[{"id":"e1","text":"x","type":"disorder","assertion":"maybe"}]}`, `assertion "maybe"`},
		{"no id", `{"entities":[]}`, `graph (no id): id: missing document id`},
		{"bad json", `{"id":"d",`, `g.jsonl:1: invalid JSON`},
		{"wrong field type", `{"id":5}`, `field "id"`},
		{"two values", `{"id":"d"} {"id":"e"}`, `more than one value`},
		{"stray bracket", `{"id":"d"}}`, `more than one value`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got error
			for _, err := range ReadGraphs(strings.NewReader(tt.line), "g.jsonl", vocab{}) {
				got = err
			}
			if got == nil || !strings.Contains(got.Error(), tt.want) {
				t.Errorf("got %v, want it to contain %q", got, tt.want)
			}
			var le *LineError
			if !errors.As(got, &le) || le.Line != 1 {
				t.Errorf("want a *LineError on line 1, got %T", got)
			}
		})
	}
}

func TestRadGraphRoundTrip(t *testing.T) {
	g := &Graph{ID: "r1", Text: "Small left pleural effusion. No pneumothorax.", Entities: []Entity{
		{ID: "a", Text: "pleural effusion", Type: "disorder", Assertion: Present, Key: "k1", Span: &Span{11, 27}},
		{ID: "b", Text: "pleural", Type: "anatomy", Assertion: Present, Key: "k2"},
		{ID: "c", Text: "pneumothorax", Type: "disorder", Assertion: Absent, Key: "k3", Span: &Span{32, 44}},
	}, Relations: []Relation{{Source: "a", Target: "b", Type: "located_at"}}}
	rg := ToRadGraph(g, func(t string) bool { return t == "anatomy" })
	want := map[string]RadGraphEntity{
		// "Small left" precedes the effusion: token index 2, two tokens.
		"1": {Tokens: "pleural effusion", Label: "OBS-DP", StartIx: 2, EndIx: 3, Relations: [][2]string{{"located_at", "2"}}},
		"2": {Tokens: "pleural", Label: "ANAT-DP", StartIx: -1, EndIx: -1, Relations: [][2]string{}},
		"3": {Tokens: "pneumothorax", Label: "OBS-DA", StartIx: 5, EndIx: 5, Relations: [][2]string{}},
	}
	for id, w := range want {
		got := rg.Entities[id]
		if got.Tokens != w.Tokens || got.Label != w.Label || got.StartIx != w.StartIx || got.EndIx != w.EndIx || len(got.Relations) != len(w.Relations) {
			t.Errorf("entity %s = %+v, want %+v", id, got, w)
		}
	}
	var buf bytes.Buffer
	if err := WriteRadGraph(&buf, rg); err != nil {
		t.Fatal(err)
	}
	var back *RadGraph
	for r, err := range ReadRadGraphs(&buf, "r.jsonl") {
		if err != nil {
			t.Fatal(err)
		}
		back = r
	}
	g2 := FromRadGraph(back, "anatomy", "disorder")
	if len(g2.Entities) != 3 || g2.Entities[2].Assertion != Absent || len(g2.Relations) != 1 || g2.Relations[0].Target != "2" {
		t.Errorf("FromRadGraph: %+v", g2)
	}
	if err := g2.Validate(nil); err != nil {
		t.Error(err)
	}
}

func TestRadGraphErrors(t *testing.T) {
	for _, tt := range []struct{ line, want string }{
		{`{"id":"r","text":"x","entities":{"1":{"tokens":"x","label":"OBS-XX","start_ix":0,"end_ix":0,"relations":[]}}}`, `unknown RadGraph label "OBS-XX"`},
		{`{"id":"r","text":"x","entities":{"1":{"tokens":"x","label":"OBS-DP","start_ix":0,"end_ix":0,"relations":[["modify","7"]]}}}`, `dangling relation: no entity "7"`},
	} {
		var got error
		for _, err := range ReadRadGraphs(strings.NewReader(tt.line), "r.jsonl") {
			got = err
		}
		if got == nil || !strings.Contains(got.Error(), tt.want) {
			t.Errorf("got %v, want %q", got, tt.want)
		}
	}
}

func TestMulti(t *testing.T) {
	g := &Graph{ID: "d", Entities: []Entity{{ID: "a"}, {ID: "b"}}, Relations: []Relation{
		{Source: "a", Target: "b", Type: "modify"}, {Source: "a", Target: "b", Type: "located_at"}, {Source: "a", Target: "zz", Type: "x"},
	}}
	m := NewMulti(g)
	a, _ := m.NodeID("a")
	b, _ := m.NodeID("b")
	if got := m.LineTypes(a, b); strings.Join(got, ",") != "located_at,modify" {
		t.Errorf("line types %v, want both parallel lines", got)
	}
	if got := m.SortedSuccessors(a); len(got) != 1 || got[0] != b {
		t.Errorf("successors %v", got)
	}
	if m.Entity(b).ID != "b" {
		t.Error("Entity(node id) must return the entity")
	}
}

func TestLinesTooLong(t *testing.T) {
	long := strings.Repeat("x", MaxLineBytes+1)
	var got error
	for _, err := range Lines(strings.NewReader(long), "big.jsonl") {
		got = err
	}
	if got == nil || !strings.Contains(got.Error(), "big.jsonl:1: line longer than") {
		t.Errorf("got %v", got)
	}
}

// TestLineReader: the reader skips blank lines, numbers lines as they are in
// the file (blank ones counted), hands each line without its surrounding
// space, and ends with the error of a line that is too long, numbered.
func TestLineReader(t *testing.T) {
	in := "{\"a\":1}\n\n  \t\n {\"b\":2} \r\n{\"c\":3}" + "\n" + strings.Repeat("x", MaxLineBytes+1)
	lr := NewLineReader(strings.NewReader(in), "in.jsonl")
	var got []string
	for {
		l, ok := lr.Next()
		if !ok {
			break
		}
		got = append(got, fmt.Sprintf("%d:%s", l.N, l.Bytes))
	}
	if want := []string{`1:{"a":1}`, `4:{"b":2}`, `5:{"c":3}`}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("lines %v, want %v", got, want)
	}
	if err := lr.Err(); err == nil || err.Error() != fmt.Sprintf("in.jsonl:6: line longer than %d bytes", MaxLineBytes) {
		t.Errorf("error %v, want the sixth line too long", err)
	}
	if err := NewLineReader(strings.NewReader("{}\n"), "ok.jsonl").Err(); err != nil {
		t.Errorf("error %v before reading", err)
	}
}
