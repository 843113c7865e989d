package graph

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestNormalizeKeyASCIIPath: the one-pass ASCII path gives what the
// Unicode path (ToLower, split, trim dots, join) gives, on hand-picked and
// random text.
func TestNormalizeKeyASCIIPath(t *testing.T) {
	cases := map[string]string{
		"":                          "",
		"Pleural Effusion":          "pleural effusion",
		"  small   LEFT effusion. ": "small left effusion",
		"pleural_effusion":          "pleural effusion",
		"...":                       "",
		"e.g. 4.5 cm":               "e.g 4.5 cm",
		"already normal":            "already normal",
		"ETT-tip (4 cm)":            "ett tip 4 cm",
		"Café  au-lait":             "café au lait",
		strings.Repeat("Ab ", 100):  strings.TrimSpace(strings.Repeat("ab ", 100)),
	}
	for in, want := range cases {
		if got := NormalizeKey(in); got != want {
			t.Errorf("NormalizeKey(%q) = %q, want %q", in, got, want)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	const alphabet = "aZz09. -_,;()/\\t\\nQ."
	for range 20000 {
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		s := string(b)
		if got, want := NormalizeKey(s), normalizeKeyUnicode(s); got != want {
			t.Fatalf("NormalizeKey(%q) = %q, the Unicode path gives %q", s, got, want)
		}
	}
}

func BenchmarkNormalizeKey(b *testing.B) {
	for _, s := range []string{"Small left pleural effusion.", "pleural effusion"} {
		b.Run(s, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				NormalizeKey(s)
			}
		})
	}
}

// TestValidateSmallAndLarge: duplicate ids and dangling relations are
// found both by the scan small graphs use and by the map of large ones.
func TestValidateSmallAndLarge(t *testing.T) {
	for _, n := range []int{3, 32, 33, 80} {
		g := &Graph{ID: "d"}
		for i := range n {
			id := fmt.Sprint("e", i)
			g.Entities = append(g.Entities, Entity{ID: id, Text: id, Type: "t", Assertion: Present, Key: id})
		}
		g.Relations = []Relation{{Source: "e0", Target: fmt.Sprint("e", n-1), Type: "r"}}
		if err := g.Validate(nil); err != nil {
			t.Fatalf("%d entities: %v", n, err)
		}
		g.Relations[0].Target = "missing"
		if err := g.Validate(nil); err == nil || !strings.Contains(err.Error(), `no entity "missing"`) {
			t.Errorf("%d entities, dangling target: %v", n, err)
		}
		g.Relations = nil
		g.Entities[n-1].ID = "e0"
		if err := g.Validate(nil); err == nil || !strings.Contains(err.Error(), `duplicate entity id "e0"`) {
			t.Errorf("%d entities, repeated id: %v", n, err)
		}
	}
}
