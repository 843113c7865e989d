package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/kgeval/kgeval/extract"
	"github.com/kgeval/kgeval/graph"
	"github.com/kgeval/kgeval/internal/fastgraph"
	"github.com/kgeval/kgeval/internal/pairs"
	"github.com/kgeval/kgeval/scorers"
)

// corpusSide describes one side's corpus graph.
type corpusSide struct {
	Documents int `json:"documents"`
	Nodes     int `json:"nodes"`
	Edges     int `json:"edges"`
}

// corpusReport is the output of score --corpus.
type corpusReport struct {
	Reference        corpusSide           `json:"reference"`
	Candidate        corpusSide           `json:"candidate"`
	MinCount         int                  `json:"min_count"`
	CountWeightedAMS bool                 `json:"count_weighted_ams"`
	Failed           int                  `json:"failed"`
	Scores           scorers.CorpusScores `json:"scores"`
}

// runScoreCorpus is score --corpus: one knowledge graph is built from all
// reference documents and one from all candidate documents (from --pairs
// through the extractor, or from --reference-graphs/--candidate-graphs),
// and the two are compared with a per-type coverage table.
func runScoreCorpus(ctx context.Context, sys *IO, opts *scoreOptions) error {
	graphsIn := opts.refGraphs != "" || opts.candGraphs != ""
	switch {
	case graphsIn && (opts.refGraphs == "" || opts.candGraphs == "" || opts.pairs != ""):
		return inputError("score --corpus: give --pairs, or --reference-graphs and --candidate-graphs")
	case !graphsIn && opts.pairs == "":
		return inputError("score --corpus: give --pairs, or --reference-graphs and --candidate-graphs")
	case opts.minCount < 1:
		return inputError("--min-count %d: want at least 1", opts.minCount)
	case opts.format != "table" && opts.format != "json":
		return inputError("score --corpus writes --format table or json, not %q", opts.format)
	case opts.theta <= 0 || opts.theta > 1:
		return inputError("--theta %v is outside (0, 1]", opts.theta)
	case opts.resume || opts.shard.String() != "":
		return inputError("--resume and --shard work with --pairs only, without --corpus")
	}
	o, err := opts.load()
	if err != nil {
		return err
	}
	refC, candC := scorers.NewCorpus("reference"), scorers.NewCorpus("candidate")
	failed := 0
	if graphsIn {
		if opts.inputFormat != "graph" && opts.inputFormat != "radgraph" {
			return inputError("unknown --input-format %q (want graph or radgraph)", opts.inputFormat)
		}
		anatomy, observation := radgraphTypes(o)
		var bad []error
		for _, side := range []struct {
			name string
			c    *scorers.Corpus
		}{{opts.refGraphs, refC}, {opts.candGraphs, candC}} {
			in, err := openInput(sys, side.name)
			if err != nil {
				return err
			}
			defer in.cleanup()
			f, err := in.open()
			if err != nil {
				return err
			}
			for l, err := range graph.Lines(f, in.name) {
				var g *graph.Graph
				if err == nil {
					if opts.inputFormat == "radgraph" {
						var rg *graph.RadGraph
						if rg, err = decodeRadGraph(l.Bytes); err == nil {
							g = graph.FromRadGraph(rg, anatomy, observation)
						}
					} else {
						g, err = fastgraph.Decode(l.Bytes, o)
					}
					if err != nil {
						err = &graph.LineError{File: in.name, Line: l.N, Err: err}
					}
				}
				if err != nil {
					bad = append(bad, err)
					if opts.skipInvalid {
						fmt.Fprintf(sys.Err, "kgeval: skipping %v\n", err)
					}
					continue
				}
				side.c.Add(g)
			}
			f.Close()
		}
		if len(bad) > 0 && !opts.skipInvalid {
			return inputError("%s", badInputMessage(bad))
		}
	} else {
		opts.llm.concurrency = opts.concurrency
		x, err := opts.build(ctx, sys, o)
		if err != nil {
			return err
		}
		in, format, _, err := opts.openPairs(sys)
		if err != nil {
			return err
		}
		defer in.cleanup()
		f, err := in.open()
		if err != nil {
			return err
		}
		defer f.Close()
		type extracted struct {
			id        string
			ref, cand *graph.Graph
			err       error
		}
		runErr := orderedMap(ctx, opts.workers(opts.concurrency, 0),
			func(yield func(pairs.Pair) bool) error {
				for p, err := range pairs.Read(f, in.name, format) {
					if err != nil {
						fmt.Fprintf(sys.Err, "kgeval: skipping %v\n", err)
						continue
					}
					if !yield(p) {
						return nil
					}
				}
				return nil
			},
			func(p pairs.Pair) extracted {
				e := extracted{id: p.ID}
				if e.ref, e.err = x.Extract(ctx, extract.Document{ID: p.ID, Text: p.Reference}); e.err != nil {
					e.err = fmt.Errorf("extract reference: %w", e.err)
					return e
				}
				if e.cand, e.err = x.Extract(ctx, extract.Document{ID: p.ID, Text: p.Candidate}); e.err != nil {
					e.err = fmt.Errorf("extract candidate: %w", e.err)
				}
				return e
			},
			func(e extracted) error {
				if e.err != nil {
					failed++
					fmt.Fprintf(sys.Err, "kgeval: pair %s left out of both corpora: %v\n", e.id, e.err)
					return nil
				}
				refC.Add(e.ref)
				candC.Add(e.cand)
				return nil
			})
		if runErr != nil {
			return opts.finish(sys, runErr)
		}
		if err := opts.finish(sys, nil); err != nil {
			return err
		}
	}

	refG, candG := refC.Graph(opts.minCount), candC.Graph(opts.minCount)
	scoring := scorers.Options{Ontology: o, Theta: opts.theta, UntypedAMS: opts.untypedAMS, CountWeightedAMS: opts.countWeighted}
	rep := corpusReport{
		Reference:        corpusSide{refC.Documents(), len(refG.Entities), len(refG.Relations)},
		Candidate:        corpusSide{candC.Documents(), len(candG.Entities), len(candG.Relations)},
		MinCount:         opts.minCount,
		CountWeightedAMS: opts.countWeighted,
		Failed:           failed,
		Scores:           scorers.CompareCorpora(refG, candG, scoring),
	}
	if opts.corpusGraphs != "" {
		if err := writeCorpusGraphs(opts.corpusGraphs, refG, candG); err != nil {
			return err
		}
	}
	out, err := createOutput(sys, opts.out)
	if err != nil {
		return err
	}
	if opts.format == "json" {
		enc := json.NewEncoder(out.w)
		enc.SetIndent("", "  ")
		err = enc.Encode(rep)
	} else {
		err = writeCorpusTable(out.w, &rep)
	}
	if cerr := out.commit(err == nil); err == nil {
		err = cerr
	}
	return err
}

func writeCorpusGraphs(path string, gs ...*graph.Graph) error {
	f, err := os.Create(path)
	if err != nil {
		return inputError("--corpus-graphs: %v", err)
	}
	for _, g := range gs {
		if err := graph.WriteGraph(f, g); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

func writeCorpusTable(w io.Writer, r *corpusReport) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "CORPUS\tDOCUMENTS\tNODES\tEDGES\n")
	fmt.Fprintf(tw, "reference\t%d\t%d\t%d\n", r.Reference.Documents, r.Reference.Nodes, r.Reference.Edges)
	fmt.Fprintf(tw, "candidate\t%d\t%d\t%d\n", r.Candidate.Documents, r.Candidate.Nodes, r.Candidate.Edges)
	tw.Flush()
	weighting := ""
	if r.CountWeightedAMS {
		weighting = ", AMS weighted by counts"
	}
	matching := "exact matching"
	if !r.Scores.Exact {
		matching = "greedy matching"
	}
	fmt.Fprintf(w, "\nmin count %d%s, %s; %d pairs failed to extract\n", r.MinCount, weighting, matching, r.Failed)
	fmt.Fprintf(w, "NSC %.3f  AMS %.3f  EDGE_F1 %.3f  SCS %.3f\n\n", r.Scores.NSC, r.Scores.AMS, r.Scores.EdgeF1, r.Scores.SCS)
	fmt.Fprintf(tw, "TYPE\tREF CONCEPTS\tCOVERED\tSHARE\tREF COUNT\tCOVERED COUNT\tCOUNT SHARE\n")
	for _, c := range append(r.Scores.Coverage, r.Scores.Total) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.3f\t%d\t%d\t%.3f\n", c.Type, c.ReferenceConcepts, c.CoveredConcepts, c.ConceptShare, c.ReferenceCount, c.CoveredCount, c.CountShare)
	}
	return tw.Flush()
}
