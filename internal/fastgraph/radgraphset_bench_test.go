package fastgraph

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
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

// BenchmarkRadGraphPairRewards decodes the annotation pairs of the files
// named by $KGEVAL_RADGRAPH_REF and $KGEVAL_RADGRAPH_HYP (as
// scripts/radgraph-compare writes them) and computes their rewards, as
// the comparison's streaming pass does; or skips.
func BenchmarkRadGraphPairRewards(b *testing.B) {
	refs, hyps := benchLines(b, "KGEVAL_RADGRAPH_REF"), benchLines(b, "KGEVAL_RADGRAPH_HYP")
	if len(refs) != len(hyps) {
		b.Fatal("the files have different numbers of lines")
	}
	var ref, hyp scorers.RadGraphSet
	var scratch scorers.RadGraphScratch
	b.ResetTimer()
	for i := range b.N {
		k := i % len(refs)
		if _, err := DecodeRadGraphSetView(refs[k], &ref); err != nil {
			b.Fatal(err)
		}
		if _, err := DecodeRadGraphSetView(hyps[k], &hyp); err != nil {
			b.Fatal(err)
		}
		scorers.RadGraphSetF1(&hyp, &ref, &scratch)
	}
}

func benchLines(b *testing.B, env string) [][]byte {
	path := os.Getenv(env)
	if path == "" {
		b.Skip("set " + env + " to an annotation file")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	var lines [][]byte
	for l := range bytes.Lines(data) {
		lines = append(lines, bytes.TrimSuffix(l, []byte("\n")))
	}
	return lines
}

// BenchmarkRadGraphSetF1 is BenchmarkRadGraphPairRewards without the
// decoding: the annotations are decoded once, then scored.
func BenchmarkRadGraphSetF1(b *testing.B) {
	refs, hyps := benchLines(b, "KGEVAL_RADGRAPH_REF"), benchLines(b, "KGEVAL_RADGRAPH_HYP")
	n := min(len(refs), len(hyps), benchPairs())
	ref, hyp := make([]scorers.RadGraphSet, n), make([]scorers.RadGraphSet, n)
	for k := range n {
		if _, err := DecodeRadGraphSetView(refs[k], &ref[k]); err != nil {
			b.Fatal(err)
		}
		if _, err := DecodeRadGraphSetView(hyps[k], &hyp[k]); err != nil {
			b.Fatal(err)
		}
	}
	var scratch scorers.RadGraphScratch
	b.ResetTimer()
	for i := range b.N {
		k := i % n
		scorers.RadGraphSetF1(&hyp[k], &ref[k], &scratch)
	}
}

// benchPairs is how many pairs BenchmarkRadGraphSetF1 cycles through:
// $KGEVAL_RADGRAPH_PAIRS, else 2000 (1 keeps one pair in the cache).
func benchPairs() int {
	if n, err := strconv.Atoi(os.Getenv("KGEVAL_RADGRAPH_PAIRS")); err == nil && n > 0 {
		return n
	}
	return 2000
}
