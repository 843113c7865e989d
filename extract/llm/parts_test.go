package llm

import (
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kgeval/kgeval/ontology"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func TestParseReply(t *testing.T) {
	const g = `{"entities":[{"id":"e1"}],"relations":[]}`
	for _, tc := range []struct {
		name, raw string
		err       string // "" when it parses
	}{
		{"plain", g, ""},
		{"fenced", "```json\n" + g + "\n```", ""},
		{"fenced no language", "```\n" + g + "\n```", ""},
		{"prose around", "Sure! Here is the graph: " + g + " Hope this helps {really}.", ""},
		{"trailing second object", g + "\n" + g, ""},
		{"nested", `{"graph": ` + g + `}`, ""},
		{"double encoded", `"{\"entities\":[],\"relations\":[]}"`, ""},
		{"unclosed fence", "```json\n" + g, ""},
		{"byte order mark", "\ufeff" + g, ""},
		{"reasoning first", "<think>The schema wants {entities} and {relations}...</think>\n" + g, ""},
		{"brace in prose first", "Use {entities} like this: " + g, ""},
		{"empty", "  ", "empty"},
		{"prose", "I cannot help with that.", "not JSON"},
		{"truncated", g[:25], "cut off"},
		{"no entities", `{"nodes":[]}`, `no "entities"`},
		{"two nested candidates: the first", `{"a":` + g + `,"b":` + g + `}`, ""},
		{"array", `[{"id":"e1"}]`, `no "entities"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := parseReply(tc.raw)
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("error %v", err)
			case tc.err == "" && m["entities"] == nil:
				t.Fatalf("no entities in %v", m)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("error %v, want %q", err, tc.err)
			}
		})
	}
}

func TestInterpretRepairs(t *testing.T) {
	const doc = "FINDINGS: Small left pleural effusion. Heart size is normal.\nNo  pneumothorax."
	v := newValidator(radiology(t))
	for _, tc := range []struct {
		name   string
		entity string // one entity object
		want   string // text/type/assertion after repair, "" when dropped
		repair string // a substring of the repair note
		drop   string // a substring of the drop note
	}{
		{"exact", `{"id":"e1","text":"pleural effusion","type":"disorder","assertion":"present"}`, "pleural effusion/disorder/present", "", ""},
		{"type case", `{"id":"e1","text":"pleural effusion","type":"Disorder","assertion":"present"}`, "pleural effusion/disorder/present", `type "Disorder" read as disorder`, ""},
		{"type synonym", `{"id":"e1","text":"pleural effusion","type":"finding","assertion":"present"}`, "pleural effusion/disorder/present", `type "finding" read as disorder`, ""},
		{"type plural and spaces", `{"id":"e1","text":"pleural effusion","type":" Disorders ","assertion":"present"}`, "pleural effusion/disorder/present", "read as disorder", ""},
		{"radgraph label", `{"id":"e1","text":"Heart","type":"ANAT-DP","assertion":"present"}`, "Heart/anatomy/present", "read as anatomy", ""},
		{"assertion synonym", `{"id":"e1","text":"pneumothorax","type":"disorder","assertion":"Negated"}`, "pneumothorax/disorder/absent", `assertion "Negated" read as absent`, ""},
		{"no assertion", `{"id":"e1","text":"pneumothorax","type":"disorder"}`, "pneumothorax/disorder/present", "no assertion", ""},
		{"text case", `{"id":"e1","text":"PLEURAL EFFUSION","type":"disorder","assertion":"present"}`, "pleural effusion/disorder/present", "ignoring case and spacing", ""},
		{"text spacing", `{"id":"e1","text":"no pneumothorax","type":"disorder","assertion":"absent"}`, "No  pneumothorax/disorder/absent", "ignoring case and spacing", ""},
		{"text punctuation", `{"id":"e1","text":"\"pleural effusion\"","type":"disorder","assertion":"present"}`, "pleural effusion/disorder/present", "without punctuation", ""},
		{"numeric id", `{"id":7,"text":"pleural effusion","type":"disorder","assertion":"present"}`, "pleural effusion/disorder/present", "", ""},
		{"unknown type", `{"id":"e1","text":"pleural effusion","type":"lesion","assertion":"present"}`, "", "", `unknown type "lesion"`},
		{"no type", `{"id":"e1","text":"pleural effusion","assertion":"present"}`, "", "", "no type"},
		{"unknown assertion", `{"id":"e1","text":"pleural effusion","type":"disorder","assertion":"historical"}`, "", "", `assertion "historical"`},
		{"text not in document", `{"id":"e1","text":"cardiomegaly","type":"disorder","assertion":"present"}`, "", "", "is not in the document"},
		{"empty text", `{"id":"e1","text":" ","type":"disorder","assertion":"present"}`, "", "", "empty text"},
		{"not an object", `"pleural effusion"`, "", "", "want an object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := v.interpret(`{"entities":[`+tc.entity+`],"relations":[]}`, doc, 0)
			if res.err != nil {
				t.Fatal(res.err)
			}
			got := ""
			if len(res.entities) == 1 {
				e := res.entities[0]
				got = e.Text + "/" + e.Type + "/" + string(e.Assertion)
				if doc[e.Span[0]:e.Span[1]] != e.Text {
					t.Errorf("span %v is %q", *e.Span, doc[e.Span[0]:e.Span[1]])
				}
			}
			if got != tc.want {
				t.Errorf("entity %q, want %q", got, tc.want)
			}
			if tc.repair != "" && !strings.Contains(strings.Join(res.repairs, "\n"), tc.repair) {
				t.Errorf("repairs %q lack %q", res.repairs, tc.repair)
			}
			if tc.repair == "" && tc.drop == "" && len(res.repairs) > 0 {
				t.Errorf("unexpected repairs %q", res.repairs)
			}
			if tc.drop != "" && !strings.Contains(strings.Join(res.drops, "\n"), tc.drop) {
				t.Errorf("drops %q lack %q", res.drops, tc.drop)
			}
			if tc.drop == "" && len(res.drops) > 0 {
				t.Errorf("unexpected drops %q", res.drops)
			}
		})
	}
}

func TestInterpretRelations(t *testing.T) {
	const doc = "Small left pleural effusion at the lung base."
	ents := `{"id":"e1","text":"Small","type":"concept","assertion":"present"},
		{"id":"e2","text":"pleural effusion","type":"disorder","assertion":"present"},
		{"id":"e3","text":"lung base","type":"anatomy","assertion":"present"}`
	v := newValidator(radiology(t))
	for _, tc := range []struct {
		name, rel string
		want      string // source>type>target after repair, "" when dropped
		note      string // a substring of the repair or drop
	}{
		{"valid", `{"source":"e2","target":"e3","type":"located_at"}`, "e2>located_at>e3", ""},
		{"reversed", `{"source":"e3","target":"e2","type":"located_at"}`, "e2>located_at>e3", "reversed"},
		{"type synonym", `{"source":"e2","target":"e3","type":"located in"}`, "e2>located_at>e3", "read as located_at"},
		{"ends by text", `{"source":"pleural effusion","target":"lung base","type":"located_at"}`, "e2>located_at>e3", "ends named by text"},
		{"dangling", `{"source":"e2","target":"e9","type":"located_at"}`, "", `no entity with id "e9"`},
		{"unknown type", `{"source":"e2","target":"e3","type":"causes"}`, "", `unknown relation type "causes"`},
		{"not allowed either way", `{"source":"e2","target":"e2","type":"located_at"}`, "", "itself"},
		{"wrong endpoints", `{"source":"e1","target":"e3","type":"suggestive_of"}`, "", "suggestive_of cannot go from concept to anatomy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := v.interpret(`{"entities":[`+ents+`],"relations":[`+tc.rel+`]}`, doc, 0)
			got := ""
			if len(res.relations) == 1 {
				r := res.relations[0]
				got = r.Source + ">" + r.Type + ">" + r.Target
			}
			if got != tc.want {
				t.Errorf("relation %q, want %q (drops %q)", got, tc.want, res.drops)
			}
			notes := strings.Join(append(res.repairs, res.drops...), "\n")
			if tc.note != "" && !strings.Contains(notes, tc.note) {
				t.Errorf("notes %q lack %q", notes, tc.note)
			}
		})
	}
}

func TestInterpretMentionsAndKeys(t *testing.T) {
	const doc = "Left effusion. Right effusion, and a cleft lip on the left."
	v := newValidator(radiology(t))
	res := v.interpret(`{"entities":[
		{"id":"e1","text":"effusion","type":"disorder","assertion":"present"},
		{"id":"e2","text":"effusion","type":"disorder","assertion":"present"},
		{"id":"e3","text":"left","type":"concept","assertion":"present"},
		{"id":"e4","text":"Left effusion","type":"disorder","assertion":"present","key":"made/up"},
		{"id":"e5","text":"cleft lip","type":"disorder","assertion":"present","key":"finding/cleft_lip"}],"relations":[]}`, doc, 100)
	v.resolveKeys(res)
	if len(res.entities) != 5 {
		t.Fatalf("entities %v, drops %v", res.entities, res.drops)
	}
	spans := [][2]int{}
	for _, e := range res.entities {
		spans = append(spans, [2]int{e.Span[0] - 100, e.Span[1] - 100})
	}
	// Two mentions of one text get two places; "left" is the word, not the
	// inside of "cleft".
	want := [][2]int{{5, 13}, {21, 29}, {54, 58}, {0, 13}, {37, 46}}
	for i := range want {
		if spans[i] != want[i] {
			t.Errorf("entity %d span %v, want %v", i+1, spans[i], want[i])
		}
	}
	// Keys: the lexicon's concept for the whole text or the longest term of
	// the type inside it, else the model's, else the normalized text.
	keys := []string{"finding/pleural_effusion", "finding/pleural_effusion", "laterality/left", "finding/pleural_effusion", "finding/cleft_lip"}
	for i, e := range res.entities {
		if e.Key != keys[i] {
			t.Errorf("entity %d %q key %q, want %q", i+1, e.Text, e.Key, keys[i])
		}
	}
}

func TestDuplicateIDs(t *testing.T) {
	const doc = "Pneumothorax. Effusion."
	v := newValidator(radiology(t))
	res := v.interpret(`{"entities":[
		{"id":"e1","text":"Pneumothorax","type":"disorder","assertion":"present"},
		{"id":"e1","text":"Pneumothorax","type":"disorder","assertion":"present"},
		{"id":"e1","text":"Effusion","type":"disorder","assertion":"present"}],"relations":[]}`, doc, 0)
	if len(res.entities) != 1 {
		t.Errorf("entities %v", res.entities)
	}
	if !strings.Contains(strings.Join(res.repairs, "\n"), "listed twice") {
		t.Errorf("an identical repeat should be merged: %q", res.repairs)
	}
	if !strings.Contains(strings.Join(res.drops, "\n"), `duplicate id "e1"`) {
		t.Errorf("a different entity with the same id should be dropped: %q", res.drops)
	}
}

func TestBuiltinExamplesAreValid(t *testing.T) {
	for _, name := range ontology.Builtins() {
		o, err := ontology.Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		exs := builtinExamples[name]
		if len(exs) < 2 {
			t.Errorf("%s: %d worked examples, want 2 or 3", name, len(exs))
		}
		for i, ex := range exs {
			if !exampleValid(newValidator(o), ex) {
				raw, _ := json.Marshal(ex.Reply)
				res := newValidator(o).interpret(string(raw), ex.Text, 0)
				t.Errorf("%s example %d is not valid under the ontology: %v %q %q", name, i+1, res.err, res.drops, res.repairs)
			}
		}
		if got := examplesFor(o, newValidator(o)); len(got) != len(exs) {
			t.Errorf("%s: %d examples used, want all %d", name, len(got), len(exs))
		}
	}
}

func TestGeneratedExampleForUserOntology(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "o.yaml"), []byte(`name: cardiology
version: "1"
entity_types:
  - {name: finding, description: A cardiac finding.}
  - {name: chamber, description: A heart chamber.}
relation_types:
  - {name: in_chamber, description: The finding is in the chamber., from: [finding], to: [chamber]}
lexicon:
  - {key: finding/thrombus, type: finding, terms: [thrombus]}
  - {key: finding/dilation, type: finding, terms: [dilation]}
  - {key: chamber/left_ventricle, type: chamber, terms: [left ventricle]}
`), 0o644)
	o, err := ontology.LoadFile(filepath.Join(dir, "o.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	exs := examplesFor(o, newValidator(o))
	if len(exs) != 1 {
		t.Fatalf("%d examples", len(exs))
	}
	if !strings.Contains(exs[0].Text, "thrombus") || len(exs[0].Reply.Relations) != 1 || len(exs[0].Reply.Entities) != 3 {
		t.Errorf("example %+v", exs[0])
	}
	if s := systemPrompt(o); !strings.Contains(s, "in_chamber: finding -> chamber") {
		t.Errorf("system prompt:\n%s", s)
	}
}

func TestSchema(t *testing.T) {
	o := radiology(t)
	var s map[string]any
	if err := json.Unmarshal(replySchema(o), &s); err != nil {
		t.Fatal(err)
	}
	ent := s["properties"].(map[string]any)["entities"].(map[string]any)["items"].(map[string]any)
	typ := ent["properties"].(map[string]any)["type"].(map[string]any)
	if got := len(typ["enum"].([]any)); got != len(o.EntityTypes) {
		t.Errorf("type enum has %d names, want %d", got, len(o.EntityTypes))
	}
	if ent["additionalProperties"] != false || len(ent["required"].([]any)) != 5 {
		t.Errorf("entity schema not strict: %v", ent)
	}
	// Properties are in the order the model should write them.
	raw := string(replySchema(o))
	if strings.Index(raw, `"id"`) > strings.Index(raw, `"text"`) || strings.Index(raw, `"entities"`) > strings.Index(raw, `"relations"`) {
		t.Errorf("property order: %s", raw)
	}
}

func TestSplit(t *testing.T) {
	headings := []string{"findings", "impression"}
	var b strings.Builder
	b.WriteString("FINDINGS: ")
	for i := 0; i < 20; i++ {
		b.WriteString("The lungs are clear without focal consolidation. ")
	}
	b.WriteString("IMPRESSION: ")
	for i := 0; i < 5; i++ {
		b.WriteString("No acute process. ")
	}
	b.WriteString(strings.Repeat("x", 700) + " tail")
	text := b.String()
	chunks := split(text, headings, 300, 60)
	if len(chunks) < 5 {
		t.Fatalf("%d chunks", len(chunks))
	}
	covered := 0
	for i, c := range chunks {
		if text[c.Start:c.Start+len(c.Text)] != c.Text {
			t.Fatalf("chunk %d is not the document at %d", i, c.Start)
		}
		if len(c.Text) > 300 {
			t.Errorf("chunk %d has %d bytes", i, len(c.Text))
		}
		if c.Start > covered {
			t.Errorf("gap before chunk %d: bytes %d-%d", i, covered, c.Start)
		}
		// Within a section, a chunk repeats the end of the previous one; a
		// new section, or a piece too long to share, starts afresh.
		fresh := strings.HasPrefix(strings.TrimSpace(c.Text), "IMPRESSION") || strings.HasPrefix(strings.TrimSpace(c.Text), "x")
		if i > 0 && !fresh && c.Start >= chunks[i-1].Start+len(chunks[i-1].Text) {
			t.Errorf("chunk %d does not overlap the previous one", i)
		}
		covered = max(covered, c.Start+len(c.Text))
	}
	if covered != len(text) {
		t.Errorf("chunks cover %d of %d bytes", covered, len(text))
	}
	// The section heading starts a chunk.
	found := false
	for _, c := range chunks {
		if strings.HasPrefix(strings.TrimSpace(c.Text), "IMPRESSION:") {
			found = true
		}
	}
	if !found {
		t.Error("no chunk starts at the IMPRESSION heading")
	}
	if got := split("short", headings, 300, 60); len(got) != 1 || got[0].Text != "short" {
		t.Errorf("short text: %v", got)
	}
	if got := split(text, headings, -1, 0); len(got) != 1 {
		t.Errorf("negative max splits: %d chunks", len(got))
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		h    map[string]string
		want time.Duration
		ok   bool
	}{
		{map[string]string{"Retry-After": "3"}, 3 * time.Second, true},
		{map[string]string{"Retry-After": "0.5"}, 500 * time.Millisecond, true},
		{map[string]string{"Retry-After": "Thu, 01 Jan 2026 12:00:10 GMT"}, 10 * time.Second, true},
		{map[string]string{"Retry-After": "Thu, 01 Jan 2026 11:00:00 GMT"}, 0, true},
		{map[string]string{"Retry-After-Ms": "250", "Retry-After": "9"}, 250 * time.Millisecond, true},
		{map[string]string{"Retry-After": "soon"}, 0, false},
		{map[string]string{}, 0, false},
	} {
		h := http.Header{}
		for k, v := range tc.h {
			h.Set(k, v)
		}
		got, ok := retryAfter(h, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%v: %s %v, want %s %v", tc.h, got, ok, tc.want, tc.ok)
		}
	}
}

func TestPriceTable(t *testing.T) {
	table, err := ReadPriceTable(strings.NewReader("gpt-4o-mini: {input: 0.15, output: 0.60}\ngpt-4o: {input: 2.5, output: 10}\n"))
	if err != nil {
		t.Fatal(err)
	}
	p, ok := table.Lookup("gpt-4o-mini-2024-07-18")
	if !ok || p.Input != 0.15 {
		t.Errorf("dated snapshot priced %v %v, want gpt-4o-mini's", p, ok)
	}
	// 1M prompt tokens at $0.15 and 200k completion tokens at $0.60.
	if c := p.Cost(1_000_000, 200_000); c < 0.2699 || c > 0.2701 {
		t.Errorf("cost %v, want 0.27", c)
	}
	if _, ok := table.Lookup("llama3"); ok {
		t.Error("an unknown model has a price")
	}
	if _, err := ReadPriceTable(strings.NewReader("m: {input: 1, outptu: 2}")); err == nil {
		t.Error("a misspelt field was accepted")
	}
	if _, err := ReadPriceTable(strings.NewReader(`{"m": {"input": -1, "output": 2}}`)); err == nil {
		t.Error("a negative price was accepted")
	}
}

// TestPromptGolden keeps the prompt under review: a change to it shows
// here, and must come with a new PromptVersion so that cached replies to
// the old prompt are not reused. The ontologies are frozen copies under
// testdata/, so that growing the built-in ones does not touch the golden
// files.
func TestPromptGolden(t *testing.T) {
	for _, name := range []string{"radiology-frozen", "cardiology"} {
		o, err := ontology.LoadFile(filepath.Join("testdata", name+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		x, err := New(o, Config{Model: "m"})
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		b.WriteString("prompt version: " + PromptVersion + "\n")
		for _, m := range x.messages("<the document>") {
			b.WriteString("=== " + m.Role + "\n" + m.Content + "\n")
		}
		b.WriteString("=== schema\n" + string(x.schema) + "\n")
		path := filepath.Join("testdata", "prompt-"+name+".golden")
		if *update {
			os.WriteFile(path, []byte(b.String()), 0o644)
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go test ./extract/llm -update)", err)
		}
		if b.String() != string(want) {
			t.Errorf("the prompt for %s changed: bump PromptVersion in prompt.go, then go test ./extract/llm -update\n--- got\n%s", name, b.String())
		}
	}
}

func TestAddFields(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{`{"model":"m"}`, `{"a":1,"temperature":0,"model":"m"}`},
		{` { "model":"m"}`, `{"a":1,"temperature":0,"model":"m"}`},
		{`{}`, `{"a":1,"temperature":0}`},
	} {
		got, err := addFields([]byte(tc.body), map[string]any{"temperature": 0, "a": 1})
		if err != nil || string(got) != tc.want {
			t.Errorf("%s: %s %v, want %s", tc.body, got, err, tc.want)
		}
		var v map[string]any
		if err := json.Unmarshal(got, &v); err != nil {
			t.Errorf("%s: invalid JSON %s", tc.body, got)
		}
	}
	if _, err := addFields([]byte(`[1]`), map[string]any{"a": 1}); err == nil {
		t.Error("a non-object body was accepted")
	}
}
