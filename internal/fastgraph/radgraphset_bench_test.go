package fastgraph

import (
	"bufio"
	"os"
	"testing"

	"github.com/kgeval/kgeval/scorers"
)

// BenchmarkDecodeRadGraphSetView decodes the annotation lines in the file
// named by $KGEVAL_RADGRAPH_LINES (scripts/radgraph-compare writes such
// files), or skips.
func BenchmarkDecodeRadGraphSetView(b *testing.B) {
	path := os.Getenv("KGEVAL_RADGRAPH_LINES")
	if path == "" {
		b.Skip("set KGEVAL_RADGRAPH_LINES to an annotation file")
	}
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var lines [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() && len(lines) < 2000 {
		lines = append(lines, append([]byte(nil), sc.Bytes()...))
	}
	var s scorers.RadGraphSet
	n := 0
	b.ResetTimer()
	for i := range b.N {
		l := lines[i%len(lines)]
		n += len(l)
		if _, err := DecodeRadGraphSetView(l, &s); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(n / b.N))
}
