package fastgraph

import (
	"math/rand/v2"
	"testing"

	"github.com/kgeval/kgeval/scorers"
)

// naiveStringStop is stringStop a byte at a time.
func naiveStringStop(b []byte, i int) (int, bool) {
	ascii := true
	for ; i < len(b); i++ {
		c := b[i]
		if c == '"' || c == '\\' || c < 0x20 {
			break
		}
		if c >= 0x80 {
			ascii = false
		}
	}
	return i, ascii
}

// TestStringStop compares the word-at-a-time scan with the byte-at-a-time
// one on random strings drawn mostly from the bytes that matter (stops,
// their neighbours, high bytes) at every start and length.
func TestStringStop(t *testing.T) {
	alphabet := []byte{'"', '\\', 0x00, 0x1f, 0x20, 0x21, 0x23, 0x5b, 0x5d, 0x7f, 0x80, 0xa2, 0xdc, 0xff, 'a', 'Z', ' '}
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 20000; trial++ {
		b := make([]byte, rng.IntN(40))
		stops := rng.IntN(4) // how rare stops are
		for i := range b {
			c := alphabet[rng.IntN(len(alphabet))]
			for stops > 0 && (c == '"' || c == '\\' || c < 0x20) && rng.IntN(stops+1) > 0 {
				c = alphabet[rng.IntN(len(alphabet))]
			}
			b[i] = c
		}
		for start := 0; start <= len(b); start++ {
			gotStop, gotASCII := stringStop(b, start)
			wantStop, wantASCII := naiveStringStop(b, start)
			if gotStop != wantStop || gotASCII != wantASCII {
				t.Fatalf("stringStop(%q, %d) = %d, %v; want %d, %v", b, start, gotStop, gotASCII, wantStop, wantASCII)
			}
		}
	}
}

// TestControlAt compares the word-at-a-time search for a control
// character with a byte-at-a-time one, on random strings of the bytes
// around the boundary, high bytes included, at every start.
func TestControlAt(t *testing.T) {
	alphabet := []byte{0x00, 0x01, 0x1f, 0x20, 0x21, 0x7f, 0x80, 0x9f, 0xa0, 0xff, 'a', '"', '\\'}
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 20000; trial++ {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			if b[i] = alphabet[rng.IntN(len(alphabet))]; b[i] < 0x20 && rng.IntN(3) > 0 {
				b[i] = 'x' // control characters rarer
			}
		}
		for start := 0; start <= len(b); start++ {
			want := -1
			for i, c := range b[start:] {
				if c < 0x20 {
					want = i
					break
				}
			}
			if got := controlAt(b[start:]); got != want {
				t.Fatalf("controlAt(%q) = %d, want %d", b[start:], got, want)
			}
		}
	}
}

// TestCompactLine: lines in the written layout take the fast path, with
// every RadGraph label and relation type, relations at the very end of the
// line (where fewer than 32 bytes are left to compare), numeric and other
// ids; they decode to what DecodeRadGraph makes of them. Lines the fast
// path must refuse (another layout, an unknown label or type, a label cut
// short) are refused, and the general reader still agrees with
// DecodeRadGraph on them.
func TestCompactLine(t *testing.T) {
	take := []string{
		`{"id":"a","text":"x","entities":{}}`,
		`{"id":"a","text":"Left \"effusion\"\n","entities":{"1":{"tokens":"effusion","label":"OBS-DP","start_ix":0,"end_ix":0,"relations":[["located_at","2"]]},"2":{"tokens":"left","label":"ANAT-DP","start_ix":1,"end_ix":1,"relations":[]},"10":{"tokens":"maybe","label":"OBS-U","start_ix":12,"end_ix":13,"relations":[["modify","1"],["suggestive_of","2"]]},"11":{"tokens":"no","label":"OBS-DA","start_ix":2,"end_ix":2,"relations":[["modify","1"]]}}}`,
		`{"id":"a","text":"","entities":{"1":{"tokens":"Édème","label":"OBS-DP","start_ix":0,"end_ix":0,"relations":[["suggestive_of","1"]]}}}`,
		`{"id":"a","text":"","entities":{"x":{"tokens":"a","label":"ANAT-DP","start_ix":0,"end_ix":0,"relations":[["modify","01"]]},"01":{"tokens":"b","label":"OBS-DA","start_ix":0,"end_ix":0,"relations":[["modify","x"]]}}}`,
		`{"id":"a","text":"","entities":{"4095":{"tokens":"a","label":"ANAT-DP","start_ix":0,"end_ix":0,"relations":[["modify","4096"]]},"4096":{"tokens":"b","label":"OBS-DA","start_ix":0,"end_ix":0,"relations":[["modify","4095"]]}}}`,
	}
	refuse := []string{
		`{"id":"a", "text":"x","entities":{}}`,
		`{"id":"a","entities":{}}`,
		`{"id":"a","text":"","entities":{"1":{"tokens":"a","label":"OBS-X","start_ix":0,"end_ix":0,"relations":[]}}}`,
		`{"id":"a","text":"","entities":{"1":{"tokens":"a","label":"OBS-DP","start_ix":0,"end_ix":0,"relations":[["modifies","1"]]}}}`,
		`{"id":"a","text":"","entities":{"1":{"tokens":"a","label":"OBS-D","start_ix":0,"end_ix":0,"relations":[]}}}`,
		`{"id":"a","text":"","entities":{"1":{"tokens":"a","label":"OBS-DP","start_ix":0,"end_ix":0,"relations":[["modify","2"]]}}}`,
		`{"id":"a","text":"","entities":{"1":{"tokens":"a","label":"OBS-DP","start_ix":0,"end_ix":0,"relations":[["modify","1"]]}}`,
		`{"id":"a","text":"","entities":{"1":{"tokens":"a","label":"OBS-DP","start_ix":0,"end_ix":0,"relations":[["modify","1"]`,
		// Cut right after an opening quote: no view may start past the end.
		`{"id":"a","text":"","entities":{"`,
		`{"id":"a","text":"","entities":{"1":{"tokens":"a","label":"OBS-DP","start_ix":0,"end_ix":0,"relations":[["modify","`,
		`{"id":"`,
	}
	for _, l := range take {
		var s scorers.RadGraphSet
		if id, ok := compactLine([]byte(l), &s); !ok || id != "a" {
			t.Errorf("%s: refused (id %q), want the fast path", l, id)
		}
	}
	for _, l := range refuse {
		var s scorers.RadGraphSet
		if _, ok := compactLine([]byte(l), &s); ok {
			t.Errorf("%s: taken, want refused", l)
		}
	}
	for _, h := range append(take, refuse...) {
		for _, r := range take {
			sameRadGraphSet(t, []byte(h), []byte(r))
		}
	}
}
