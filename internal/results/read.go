package results

import (
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"os"
	"sort"
	"strings"

	"github.com/kgeval/kgeval/graph"
)

// Header describes the run that produced a results file: what was used, so
// that two runs can be compared only when they measured the same way. It is
// the first line of a results file written with --out, as {"run": {...}};
// readers accept files without it.
type Header struct {
	Version      string             `json:"kgeval_version"`
	Ontology     string             `json:"ontology"`
	OntologyHash string             `json:"ontology_hash"`
	Extractor    string             `json:"extractor"`
	Model        string             `json:"model,omitempty"`
	Judge        string             `json:"judge"`
	JudgeModel   string             `json:"judge_model,omitempty"`
	Weights      map[string]float64 `json:"weights"`
	Theta        float64            `json:"theta"`
	UntypedAMS   bool               `json:"untyped_ams,omitempty"`
	Input        string             `json:"input,omitempty"`
	// Pairs is the number of valid pairs in the input (all shards).
	Pairs int `json:"pairs"`
	// Shard is "i/n" for one shard of a sharded run, empty otherwise.
	Shard string `json:"shard,omitempty"`
}

// headerLine is the JSON shape of the first line.
type headerLine struct {
	Run *Header `json:"run"`
}

// WriteHeader writes h as the first line of a results file.
func WriteHeader(w io.Writer, h *Header) error {
	b, err := json.Marshal(headerLine{Run: h})
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// Differences lists, field by field, how h differs from o in what changes
// the meaning of scores (the version and input do not); empty means the two
// runs are comparable.
func (h *Header) Differences(o *Header) []string {
	var d []string
	cmp := func(name string, a, b any) {
		if fmt.Sprint(a) != fmt.Sprint(b) {
			d = append(d, fmt.Sprintf("%s: %v vs %v", name, a, b))
		}
	}
	cmp("ontology", h.Ontology, o.Ontology)
	cmp("ontology_hash", h.OntologyHash, o.OntologyHash)
	cmp("extractor", h.Extractor, o.Extractor)
	cmp("model", h.Model, o.Model)
	cmp("judge", h.Judge, o.Judge)
	cmp("judge_model", h.JudgeModel, o.JudgeModel)
	cmp("weights", sortedWeights(h.Weights), sortedWeights(o.Weights))
	cmp("theta", h.Theta, o.Theta)
	cmp("untyped_ams", h.UntypedAMS, o.UntypedAMS)
	return d
}

func sortedWeights(w map[string]float64) string {
	keys := make([]string, 0, len(w))
	for k := range w {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%g ", k, w[k])
	}
	return strings.TrimSpace(b.String())
}

// Read yields the records of a JSON Lines results file and calls onHeader
// (when not nil) with the header line if the file has one. Each problem is
// a *graph.LineError.
func Read(r io.Reader, file string, onHeader func(*Header)) iter.Seq2[*Record, error] {
	return func(yield func(*Record, error) bool) {
		first := true
		for line, err := range graph.Lines(r, file) {
			if err != nil {
				yield(nil, err)
				return
			}
			if first {
				first = false
				var h headerLine
				if json.Unmarshal(line.Bytes, &h) == nil && h.Run != nil {
					if onHeader != nil {
						onHeader(h.Run)
					}
					continue
				}
			}
			var rec Record
			if err := graph.DecodeStrict(line.Bytes, &rec); err != nil {
				if !yield(nil, &graph.LineError{File: file, Line: line.N, Err: err}) {
					return
				}
				continue
			}
			if rec.ID == "" || (rec.Status != StatusOK && rec.Status != StatusError) {
				if !yield(nil, &graph.LineError{File: file, Line: line.N, Err: fmt.Errorf("not a result record (want id and status ok or error)")}) {
					return
				}
				continue
			}
			if !yield(&rec, nil) {
				return
			}
		}
	}
}

// ReadFile reads a whole results file: its header (nil when it has none)
// and its records, stopping at the first bad line.
func ReadFile(path string) (*Header, []*Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	var h *Header
	var recs []*Record
	for rec, err := range Read(f, path, func(x *Header) { h = x }) {
		if err != nil {
			return nil, nil, err
		}
		recs = append(recs, rec)
	}
	return h, recs, nil
}
