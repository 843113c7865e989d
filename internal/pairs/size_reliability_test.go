package pairs

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/kgeval/kgeval/graph"
)

// genReader yields n lines made by line(i) without holding them all: the
// readers see a large file that is never in memory.
type genReader struct {
	n, i int
	line func(i int) string
	buf  []byte
}

func (g *genReader) Read(p []byte) (int, error) {
	for len(g.buf) == 0 {
		if g.i == g.n {
			return 0, io.EOF
		}
		g.buf = []byte(g.line(g.i))
		g.i++
	}
	k := copy(p, g.buf)
	g.buf = g.buf[k:]
	return k, nil
}

// TestLineOverLimit: a line longer than graph.MaxLineBytes (64 MiB) ends
// reading with a clear error naming the line, instead of reading on into
// memory.
func TestLineOverLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 64 MiB")
	}
	huge := `{"id":"d2","text":"` + strings.Repeat("a", graph.MaxLineBytes) + `"}` + "\n"
	lines := []string{`{"id":"d1","text":"ok"}` + "\n", huge, `{"id":"d3","text":"never read"}` + "\n"}
	r := &genReader{n: len(lines), line: func(i int) string { return lines[i] }}
	var ids []string
	var errs []error
	for d, err := range ReadDocuments(r, "big.jsonl") {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ids = append(ids, d.ID)
	}
	if len(ids) != 1 || ids[0] != "d1" {
		t.Errorf("documents read: %v, want d1 only", ids)
	}
	var le *graph.LineError
	if len(errs) != 1 || !errors.As(errs[0], &le) || le.Line != 2 || !strings.Contains(errs[0].Error(), fmt.Sprintf("line longer than %d bytes", graph.MaxLineBytes)) {
		t.Errorf("errors %v, want one saying line 2 is longer than the limit", errs)
	}
}

// TestReadStreams reads 50,000 pairs from a file that is never in memory:
// every pair comes out, and the heap holds about the ids kept to find
// duplicates (tens of bytes a pair), not the texts (a kilobyte a pair).
func TestReadStreams(t *testing.T) {
	const n = 50000
	text := strings.Repeat("Small left pleural effusion. ", 35) // ~1 KB
	r := &genReader{n: n, line: func(i int) string {
		return fmt.Sprintf(`{"id":"p%07d","reference":%q,"candidate":%q}`+"\n", i, text, text)
	}}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	count, peak := 0, uint64(0)
	for p, err := range Read(r, "pairs.jsonl", Format{}) {
		if err != nil {
			t.Fatal(err)
		}
		if p.Line != count+1 {
			t.Fatalf("pair %s on line %d, want %d", p.ID, p.Line, count+1)
		}
		count++
		if count%5000 == 0 {
			runtime.GC()
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapAlloc)
		}
	}
	if count != n {
		t.Fatalf("%d pairs, want %d", count, n)
	}
	// 50,000 pairs of 2 KB of text are 100 MB; the ids are a few MB.
	if grown := int64(peak) - int64(before.HeapAlloc); grown > 32<<20 {
		t.Errorf("the heap grew by %d MB reading %d pairs: the reader holds what it read", grown>>20, n)
	}
}
