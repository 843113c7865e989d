package fastgraph

import (
	"math/rand/v2"
	"testing"
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
