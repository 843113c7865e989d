// Command radgraph-compare-gen serves scripts/radgraph-compare. By default
// it writes random RadGraph annotation pairs: a reference file and a
// hypothesis file (JSON Lines, the same ids in the same order) whose
// entities mix cases, accents and Greek capitals, share tokens, repeat
// relations and are sometimes empty, so that every rule of the reward
// definitions is exercised. With -rewards it reads such files and writes
// kgeval's three rewards per pair (scorers.RadGraphF1) with the time they
// took, for the side-by-side comparison with the reference implementation.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/kgeval/kgeval/graph"
	"github.com/kgeval/kgeval/internal/fastgraph"
	"github.com/kgeval/kgeval/scorers"
)

var (
	words = []string{"effusion", "Effusion", "EFFUSION", "pleural", "Pleural", "pneumothorax", "opacity", "opacities",
		"lung", "lungs", "left", "right", "Right", "lower", "lobe", "base", "bases", "heart", "cardiac", "silhouette",
		"tube", "catheter", "PICC", "ETT", "enlarged", "mild", "moderate", "small", "consolidation", "atelectasis",
		"édème", "Édème", "ΟΔΟΣ", "ΣΑ", "İleum", "straße", "STRASSE", "1.5", "cm", "x", "."}
	labels    = []string{graph.LabelAnatomy, graph.LabelObservationPres, graph.LabelObservationUncer, graph.LabelObservationAbs}
	relations = []string{"located_at", "modify", "suggestive_of"}
)

func main() {
	n := flag.Int("n", 10000, "number of pairs")
	seed := flag.Uint64("seed", 1, "random seed")
	refPath := flag.String("ref", "ref.jsonl", "reference annotations")
	hypPath := flag.String("hyp", "hyp.jsonl", "hypothesis annotations")
	rewards := flag.Bool("rewards", false, "read -ref and -hyp and write kgeval's rewards to standard output")
	profile := flag.String("cpuprofile", "", "with -rewards, write a CPU profile to this `file`")
	flag.Parse()
	if *rewards {
		if *profile != "" {
			f, err := os.Create(*profile)
			if err != nil {
				fail(err)
			}
			pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
		if err := score(*refPath, *hypPath); err != nil {
			fail(err)
		}
		return
	}
	rng := rand.New(rand.NewPCG(*seed, 7))
	rf, hf := create(*refPath), create(*hypPath)
	rw, hw := bufio.NewWriterSize(rf, 1<<20), bufio.NewWriterSize(hf, 1<<20)
	for i := 0; i < *n; i++ {
		id := fmt.Sprintf("r%07d", i)
		ref := annotation(rng, id)
		var hyp *graph.RadGraph
		if rng.IntN(5) == 0 {
			hyp = annotation(rng, id)
		} else {
			hyp = perturb(rng, ref)
		}
		if err := graph.WriteRadGraph(rw, ref); err != nil {
			fail(err)
		}
		if err := graph.WriteRadGraph(hw, hyp); err != nil {
			fail(err)
		}
	}
	for _, w := range []*bufio.Writer{rw, hw} {
		if err := w.Flush(); err != nil {
			fail(err)
		}
	}
	closeFile(rf)
	closeFile(hf)
}

func annotation(rng *rand.Rand, id string) *graph.RadGraph {
	k := rng.IntN(26)
	if rng.IntN(12) == 0 {
		k = 0
	}
	a := &graph.RadGraph{ID: id, Entities: map[string]graph.RadGraphEntity{}}
	var text []string
	for e := 1; e <= k; e++ {
		toks := words[rng.IntN(len(words))]
		if rng.IntN(3) == 0 {
			toks += " " + words[rng.IntN(len(words))]
		}
		text = append(text, toks)
		a.Entities[strconv.Itoa(e)] = graph.RadGraphEntity{Tokens: toks, Label: labels[rng.IntN(len(labels))],
			StartIx: e, EndIx: e, Relations: [][2]string{}}
	}
	for e := 1; e <= k; e++ {
		ent := a.Entities[strconv.Itoa(e)]
		for r := rng.IntN(4) - 1; r > 0; r-- {
			ent.Relations = append(ent.Relations, [2]string{relations[rng.IntN(len(relations))], strconv.Itoa(1 + rng.IntN(k))})
		}
		if len(ent.Relations) > 0 && rng.IntN(6) == 0 {
			ent.Relations = append(ent.Relations, ent.Relations[0]) // a repeated relation
		}
		a.Entities[strconv.Itoa(e)] = ent
	}
	a.Text = strings.Join(text, " ")
	return a
}

// perturb derives a hypothesis: entities dropped, relabelled, re-cased,
// relations dropped or added.
func perturb(rng *rand.Rand, ref *graph.RadGraph) *graph.RadGraph {
	h := &graph.RadGraph{ID: ref.ID, Text: ref.Text, Entities: map[string]graph.RadGraphEntity{}}
	// Entities are visited in id order, not map order, so that a seed
	// always makes the same files.
	for _, id := range slices.Sorted(maps.Keys(ref.Entities)) {
		e := ref.Entities[id]
		if rng.IntN(8) == 0 {
			continue
		}
		e.Relations = append([][2]string{}, e.Relations...)
		switch rng.IntN(10) {
		case 0:
			e.Label = labels[rng.IntN(len(labels))]
		case 1:
			e.Tokens = strings.ToUpper(e.Tokens)
		case 2:
			e.Tokens = strings.ToLower(e.Tokens)
		case 3:
			e.Relations = nil
		}
		h.Entities[id] = e
	}
	ids := slices.Sorted(maps.Keys(h.Entities))
	for _, id := range ids {
		e := h.Entities[id]
		kept := e.Relations[:0]
		for _, r := range e.Relations {
			if _, ok := h.Entities[r[1]]; ok {
				kept = append(kept, r)
			}
		}
		if len(ids) > 0 && rng.IntN(5) == 0 {
			kept = append(kept, [2]string{relations[rng.IntN(len(relations))], ids[rng.IntN(len(ids))]})
		}
		e.Relations = kept
		if e.Relations == nil {
			e.Relations = [][2]string{}
		}
		h.Entities[id] = e
	}
	return h
}

// score writes {"id", "simple", "partial", "complete"} per pair and, on
// standard error, the timings of one streaming pass over both files, each
// annotation decoded straight into a reward set
// (fastgraph.DecodeRadGraphSetView) and the pair scored while its lines
// are at hand: the whole pass (wall and CPU), and the reward computations
// alone (wall, summed per pair from the monotonic clock, which costs tens
// of nanoseconds a reading; a CPU clock would take a system call each).
func score(refPath, hypPath string) error {
	// The ids are kept in one arena, so that the results hold no pointers
	// for the garbage collector to follow (Python's side keeps its ids as
	// they were decoded).
	type result struct {
		end int // the id is ids[previous end:end]
		r   scorers.RadGraphRewards
	}
	var out []result
	var ids []byte
	var ref, hyp scorers.RadGraphSet
	var scratch scorers.RadGraphScratch
	var rewards time.Duration
	start, cpu := time.Now(), cpuTime()
	err := pairLines(refPath, hypPath, func(rl, hl graph.Line) error {
		id, err := decodePair(refPath, hypPath, rl, hl, &ref, &hyp)
		if err != nil {
			return err
		}
		t0 := time.Now()
		r := scorers.RadGraphSetF1(&hyp, &ref, &scratch)
		rewards += time.Since(t0)
		ids = append(ids, id...)
		out = append(out, result{len(ids), r})
		return nil
	})
	if err != nil {
		return err
	}
	streamed, streamedCPU := time.Since(start), cpuTime()-cpu
	w := bufio.NewWriter(os.Stdout)
	from := 0
	for _, o := range out {
		id := string(ids[from:o.end])
		from = o.end
		b, _ := json.Marshal(map[string]any{"id": id, "simple": o.r.Simple, "partial": o.r.Partial, "complete": o.r.Complete})
		w.Write(append(b, '\n'))
	}
	fmt.Fprintf(os.Stderr, `{"read_rewards_s": %g, "read_rewards_cpu_s": %g, "rewards_s": %g, "pairs": %d}`+"\n",
		streamed.Seconds(), streamedCPU.Seconds(), rewards.Seconds(), len(out))
	return w.Flush()
}

// pairLines reads the two files in step and hands each pair of lines to f;
// the lines are valid until f returns.
func pairLines(refPath, hypPath string, f func(rl, hl graph.Line) error) error {
	rf, err := os.Open(refPath)
	if err != nil {
		return err
	}
	defer rf.Close()
	hf, err := os.Open(hypPath)
	if err != nil {
		return err
	}
	defer hf.Close()
	refLines, hypLines := graph.NewLineReader(rf, refPath), graph.NewLineReader(hf, hypPath)
	for {
		rl, rok := refLines.Next()
		hl, hok := hypLines.Next()
		if err := errors.Join(refLines.Err(), hypLines.Err()); err != nil {
			return err
		}
		if !rok || !hok {
			if rok != hok {
				return fmt.Errorf("the files have different numbers of lines")
			}
			return nil
		}
		if err := f(rl, hl); err != nil {
			return err
		}
	}
}

// decodePair decodes a reference and a hypothesis line into views (the
// sets share the lines' memory) and checks that they name the same id.
func decodePair(refPath, hypPath string, rl, hl graph.Line, ref, hyp *scorers.RadGraphSet) (string, error) {
	id, err := fastgraph.DecodeRadGraphSetView(rl.Bytes, ref)
	if err != nil {
		return "", &graph.LineError{File: refPath, Line: rl.N, Err: err}
	}
	hid, err := fastgraph.DecodeRadGraphSetView(hl.Bytes, hyp)
	if err != nil {
		return "", &graph.LineError{File: hypPath, Line: hl.N, Err: err}
	}
	if hid != id {
		return "", fmt.Errorf("line %d: reference %q, hypothesis %q: the files must list the same ids in order", rl.N, id, hid)
	}
	return id, nil
}

// cpuTime is the process's CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func create(path string) *os.File {
	f, err := os.Create(path)
	if err != nil {
		fail(err)
	}
	return f
}

func closeFile(f *os.File) {
	if err := f.Close(); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "radgraph-compare-gen:", err)
	os.Exit(1)
}
