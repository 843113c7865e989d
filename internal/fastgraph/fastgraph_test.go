package fastgraph

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/kgeval/kgeval/graph"
	"github.com/kgeval/kgeval/ontology"
	"github.com/kgeval/kgeval/scorers"
	"github.com/kgeval/kgeval/scorers/scorerstest"
)

// same checks that Decode and graph.ParseGraph agree on a line: the same
// graph, or the same error.
func same(t *testing.T, line []byte, types graph.Types) {
	t.Helper()
	want, wantErr := graph.ParseGraph(line, types)
	got, gotErr := Decode(line, types)
	if (wantErr == nil) != (gotErr == nil) || wantErr != nil && wantErr.Error() != gotErr.Error() {
		t.Fatalf("line %q:\nParseGraph error %v\nDecode error     %v", line, wantErr, gotErr)
	}
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("line %q:\nParseGraph %#v\nDecode     %#v", line, want, got)
	}
	if wantErr == nil {
		if id, ok := peekSlow(line); ok && id != want.ID {
			t.Fatalf("line %q: peekSlow %q, id %q", line, id, want.ID)
		}
		// PeekID reads only a leading "id": a repeated one can differ.
		if id, ok := PeekID(line); ok && id != want.ID && bytes.Count(line, []byte(`"id"`)) == 1 {
			t.Fatalf("line %q: PeekID %q, id %q", line, id, want.ID)
		}
	}
}

func lines(t testing.TB, n int) [][]byte {
	o, err := ontology.Builtin("radiology")
	if err != nil {
		t.Fatal(err)
	}
	gen := scorerstest.New(o, 3)
	var out [][]byte
	for i := 0; i < n; i++ {
		r, c := gen.Pair("p" + strings.Repeat("x", i%3))
		for _, g := range []*graph.Graph{r, c} {
			var b bytes.Buffer
			graph.WriteGraph(&b, g)
			out = append(out, bytes.TrimSpace(b.Bytes()))
		}
	}
	return out
}

func TestDecodeAgrees(t *testing.T) {
	o, _ := ontology.Builtin("radiology")
	for _, l := range lines(t, 300) {
		same(t, l, o)
		same(t, l, nil)
	}
	for _, l := range []string{
		`{"id":"a","entities":[{"id":"e1","text":"Caf\u00e9 \"x\" \ud83d\ude00","type":"disorder","span":[0,3],"measure":{"values":[1.5,2e1],"unit":"mm"},"weight":0.5,"count":2}],"relations":[]}`,
		`{"id":"a","entities":null,"relations":null}`,
		`{"id":"a","entities":[{"id":"e1","text":"x","type":"t","span":null,"measure":null,"assertion":null}]}`,
		`{"ID":"a","entities":[]}`,           // case-insensitive key: slow path
		`{"id":"a","extra":1,"entities":[]}`, // unknown field: slow path
		`{"id":"a","id":"b","entities":[]}`,  // repeated key: last wins
		`{"id":"a","entities":[{"id":"e1","text":"x","type":"t","span":[1,2,3]}]}`,
		`{"id":"a","entities":[{"id":"e1","text":"x","type":"t","span":[1]}]}`,
		`{"id":"a","entities":[{"id":"e1","text":"x","type":"t","count":1.0}]}`,
		`{"id":"a","entities":[{"id":"e1","text":"\ud800","type":"t"}]}`,
		"{\"id\":\"a\",\"entities\":[{\"id\":\"e1\",\"text\":\"\xff\",\"type\":\"t\"}]}",
		`{"id":"a"} }`,
		`{"id":"a"} x`,
		`{"id":"a","entities":[{"id":"e1","text":"x","type":"t","count":99999999999999999999}]}`,
		`{"id":"a","entities":[{"id":"e1","text":"x","type":"t","weight":1e400}]}`,
		`{"id":"a","entities":[{"id":"e1","text":"x","type":"t","count":01}]}`,
		`[1,2]`, `null`, `"x"`, `{`, `{"id":}`, ``,
		`{"id":"a","entities":[{"id":"e1","text":"x","type":"t"},{"id":"e1","text":"y","type":"t"}]}`,
		`{"id":"a","entities":[{"id":"e1","text":"x","type":"t"}],"relations":[{"source":"e1","target":"e9","type":"r"}]}`,
	} {
		same(t, []byte(l), nil)
	}
}

// TestDecodeMutations breaks valid lines at random (a byte changed,
// removed or repeated) and checks that both decoders still agree.
func TestDecodeMutations(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	alphabet := []byte(`{}[]":,.-+eE0123456789 \ntnulfasXx` + "\xff\x00")
	for _, l := range lines(t, 200) {
		for k := 0; k < 10; k++ {
			m := append([]byte(nil), l...)
			i := rng.IntN(len(m))
			switch rng.IntN(3) {
			case 0:
				m[i] = alphabet[rng.IntN(len(alphabet))]
			case 1:
				m = append(m[:i], m[i+1:]...)
			default:
				m = append(m[:i+1], m[i:]...)
			}
			same(t, bytes.TrimSpace(m), nil)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, l := range lines(f, 5) {
		f.Add(l)
	}
	f.Add([]byte(`{"id":"a","entities":[{"id":"e1","text":"\u00e9","type":"t","span":[1,2]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		same(t, bytes.TrimSpace(b), nil)
	})
}

func BenchmarkDecode(b *testing.B) {
	ls := lines(b, 500)
	o, _ := ontology.Builtin("radiology")
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		l := ls[i%len(ls)]
		n += len(l)
		if _, err := Decode(l, o); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(n / b.N))
}

func BenchmarkParseGraph(b *testing.B) {
	ls := lines(b, 500)
	o, _ := ontology.Builtin("radiology")
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		l := ls[i%len(ls)]
		n += len(l)
		if _, err := graph.ParseGraph(l, o); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(n / b.N))
}

// sameRadGraph checks DecodeRadGraph against graph.DecodeStrict followed
// by Validate.
func sameRadGraph(t *testing.T, line []byte) {
	t.Helper()
	var want *graph.RadGraph
	var rg graph.RadGraph
	wantErr := graph.DecodeStrict(line, &rg)
	if wantErr == nil {
		if wantErr = rg.Validate(); wantErr == nil {
			want = &rg
		}
	}
	got, gotErr := DecodeRadGraph(line)
	if (wantErr == nil) != (gotErr == nil) || wantErr != nil && wantErr.Error() != gotErr.Error() {
		t.Fatalf("line %q:\nslow error %v\nfast error %v", line, wantErr, gotErr)
	}
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("line %q:\nslow %#v\nfast %#v", line, want, got)
	}
}

func TestDecodeRadGraphAgrees(t *testing.T) {
	o, _ := ontology.Builtin("radiology")
	rng := rand.New(rand.NewPCG(2, 2))
	var ls [][]byte
	for _, l := range lines(t, 100) {
		g, err := graph.ParseGraph(l, o)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		graph.WriteRadGraph(&b, graph.ToRadGraph(g, o.IsAnatomy))
		ls = append(ls, bytes.TrimSpace(b.Bytes()))
	}
	ls = append(ls,
		[]byte(`{"id":"a","text":"x","entities":{}}`),
		[]byte(`{"id":"a","entities":null}`),
		[]byte(`{"id":"a","entities":{"1":{"tokens":"x","label":"OBS-DP","relations":null}}}`),
		[]byte(`{"id":"a","entities":{"1":{"tokens":"x","label":"OBS-DP","relations":[["modify","1","extra"]]}}}`),
		[]byte(`{"id":"a","entities":{"1":{"tokens":"x","label":"OBS-DP","relations":[["modify"]]}}}`),
		[]byte(`{"id":"a","entities":{"1":{"tokens":"x","label":"OBS-DP"},"1":{"tokens":"y","label":"OBS-DA"}}}`),
		[]byte(`{"id":"a","entities":{"1":{"tokens":"x","label":"NOPE"}}}`),
		[]byte(`{"id":"a","entities":{"1":{"tokens":"x","label":"OBS-DP","relations":[["modify","9"]]}}}`),
		[]byte(`{"id":"a","entities":{"\u0031":{"tokens":"\u00c9","label":"OBS-DP","start_ix":1.5}}}`),
	)
	for _, l := range ls {
		sameRadGraph(t, l)
		for k := 0; k < 5; k++ {
			m := append([]byte(nil), l...)
			i := rng.IntN(len(m))
			m[i] = `{}[]":,0x`[rng.IntN(9)]
			sameRadGraph(t, bytes.TrimSpace(m))
		}
	}
}

// TestDecodeRadGraphSetAgrees checks that the rewards from
// DecodeRadGraphSet equal those of the decoded annotations, and that both
// decoders reject the same lines with the same message.
func TestDecodeRadGraphSetAgrees(t *testing.T) {
	o, _ := ontology.Builtin("radiology")
	rng := rand.New(rand.NewPCG(4, 4))
	var ls [][]byte
	for _, l := range lines(t, 60) {
		g, _ := graph.ParseGraph(l, o)
		var b bytes.Buffer
		graph.WriteRadGraph(&b, graph.ToRadGraph(g, o.IsAnatomy))
		ls = append(ls, bytes.TrimSpace(b.Bytes()))
	}
	ls = append(ls, []byte(`{"id":"a","text":null,"entities":{"x":{"tokens":"Y","label":"OBS-DP","relations":[["modify","x"]]}}}`),
		[]byte(`{"id":"a","text":"\q","entities":{}}`),
		// Repeated ids, numeric and not: the last one counts.
		[]byte(`{"id":"a","entities":{"1":{"tokens":"x","label":"OBS-DP","relations":[]},"2":{"tokens":"z","label":"OBS-DP","relations":[["modify","1"]]},"1":{"tokens":"y","label":"ANAT-DP","relations":[]}}}`),
		[]byte(`{"id":"a","entities":{"a":{"tokens":"x","label":"OBS-DP","relations":[]},"b":{"tokens":"z","label":"OBS-DP","relations":[["modify","a"]]},"a":{"tokens":"y","label":"ANAT-DP","relations":[]}}}`),
		[]byte(`{"id":"a","entities":{"1":{"tokens":"y","label":"ANAT-DP","relations":[]},"2":{"tokens":"z","label":"OBS-DP","relations":[["modify","1"]]}}}`))
	var mutated [][]byte
	for _, l := range ls {
		mutated = append(mutated, l)
		for k := 0; k < 4; k++ {
			m := append([]byte(nil), l...)
			m[rng.IntN(len(m))] = `{}[]":,0x\`[rng.IntN(10)]
			mutated = append(mutated, bytes.TrimSpace(m))
		}
	}
	for i := 1; i < len(mutated); i++ {
		sameRadGraphSet(t, mutated[i-1], mutated[i])
	}
}

// sameRadGraphSet checks the reward-set decoders on two lines, h as a view
// and r copied: they fail as DecodeRadGraph does, with the same message,
// and the two sets score as the decoded annotations do.
func sameRadGraphSet(t *testing.T, h, r []byte) {
	t.Helper()
	var a, b scorers.RadGraphSet
	idH, errH := DecodeRadGraphSetView(h, &a) // the lines stay unchanged: views are safe
	idR, errR := DecodeRadGraphSet(r, &b)
	ah, wantH := DecodeRadGraph(h)
	ar, wantR := DecodeRadGraph(r)
	if fmt.Sprint(errH) != fmt.Sprint(wantH) || fmt.Sprint(errR) != fmt.Sprint(wantR) {
		t.Fatalf("errors differ: %v / %v and %v / %v", errH, wantH, errR, wantR)
	}
	if errH != nil || errR != nil {
		return
	}
	if idH != ah.ID || idR != ar.ID {
		t.Fatalf("lines %q / %q: ids %q and %q, want %q and %q", h, r, idH, idR, ah.ID, ar.ID)
	}
	if got, want := scorers.RadGraphSetF1(&a, &b, nil), scorers.RadGraphF1(ah, ar); got != want {
		t.Fatalf("lines %q / %q: %+v, want %+v", h, r, got, want)
	}
}

// FuzzDecodeRadGraphSet: the reward-set decoder (view and copy) accepts and
// rejects what DecodeRadGraph does, with the same message, and a decoded
// set scores against a second line as the decoded annotations do.
func FuzzDecodeRadGraphSet(f *testing.F) {
	f.Add([]byte(`{"id":"a","text":"x","entities":{"1":{"tokens":"Effusion","label":"OBS-DP","start_ix":0,"end_ix":0,"relations":[["located_at","2"]]},"2":{"tokens":"left","label":"ANAT-DP","relations":[]}}}`),
		[]byte(`{"id":"b","entities":{"1":{"tokens":"effusion","label":"OBS-DP","relations":[["located_at","2"]]},"2":{"tokens":"LEFT","label":"ANAT-DP"}}}`))
	f.Add([]byte(`{"id":"a","entities":{}}`), []byte(`{"id":"a","text":null,"entities":{"x":{"tokens":"\u00c9","label":"OBS-U","relations":[["modify","x"]]}}}`))
	f.Fuzz(sameRadGraphSet)
}
