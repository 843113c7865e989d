package graph

import (
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
