// Command bench-score-gen writes random report-like graph pairs for
// scripts/bench-score: a reference graph file and a candidate graph file in
// the graph format, one line per document, with the same ids in the same
// order (or shuffled with -shuffle).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"

	"github.com/kgeval/kgeval/graph"
	"github.com/kgeval/kgeval/ontology"
	"github.com/kgeval/kgeval/scorers/scorerstest"
)

func main() {
	n := flag.Int("n", 10000, "number of pairs")
	maxNodes := flag.Int("max-nodes", 30, "largest reference graph")
	seed := flag.Uint64("seed", 1, "random seed")
	refPath := flag.String("ref", "ref.jsonl", "reference graphs file")
	candPath := flag.String("cand", "cand.jsonl", "candidate graphs file")
	shuffle := flag.Bool("shuffle", false, "write the candidates in another order")
	flag.Parse()
	o, err := ontology.Builtin("radiology")
	if err != nil {
		fail(err)
	}
	gen := scorerstest.New(o, *seed)
	gen.MaxNodes = *maxNodes
	rf, err := os.Create(*refPath)
	if err != nil {
		fail(err)
	}
	cf, err := os.Create(*candPath)
	if err != nil {
		fail(err)
	}
	rw, cw := bufio.NewWriterSize(rf, 1<<20), bufio.NewWriterSize(cf, 1<<20)
	var held []*graph.Graph
	for i := 0; i < *n; i++ {
		ref, cand := gen.Pair(fmt.Sprintf("p%07d", i))
		if err := graph.WriteGraph(rw, ref); err != nil {
			fail(err)
		}
		if *shuffle {
			held = append(held, cand)
			continue
		}
		if err := graph.WriteGraph(cw, cand); err != nil {
			fail(err)
		}
	}
	gen.Rand().Shuffle(len(held), func(i, j int) { held[i], held[j] = held[j], held[i] })
	for _, g := range held {
		if err := graph.WriteGraph(cw, g); err != nil {
			fail(err)
		}
	}
	for _, w := range []*bufio.Writer{rw, cw} {
		if err := w.Flush(); err != nil {
			fail(err)
		}
	}
	if err := rf.Close(); err != nil {
		fail(err)
	}
	if err := cf.Close(); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench-score-gen:", err)
	os.Exit(1)
}

// run executes args, passing its output through, and prints
// {"wall_s", "cpu_s", "max_rss_kb", "exit"} on standard error's last line.
