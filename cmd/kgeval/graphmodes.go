package main

import (
	"github.com/spf13/cobra"
)

// graphModes are the flags of score's graph-input and corpus modes, and
// --summary, which every mode writes.
type graphModes struct {
	refGraphs     string
	candGraphs    string
	inputFormat   string
	corpus        bool
	minCount      int
	countWeighted bool
	corpusGraphs  string
	summary       string
}

func (g *graphModes) bind(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&g.refGraphs, "reference-graphs", "", "score pre-extracted graphs: reference graphs, JSON Lines, paired with the candidates by id")
	f.StringVar(&g.candGraphs, "candidate-graphs", "", "candidate graphs, JSON Lines (with --reference-graphs)")
	f.StringVar(&g.inputFormat, "input-format", "graph", "format of --reference-graphs and --candidate-graphs: graph or radgraph (RadGraph annotations)")
	f.BoolVar(&g.corpus, "corpus", false, "build one knowledge graph per side from all documents and compare them (the ReXKG setting)")
	f.IntVar(&g.minCount, "min-count", 1, "with --corpus: keep concepts and relations found in at least this many documents")
	f.BoolVar(&g.countWeighted, "count-weighted", false, "with --corpus: weigh AMS by how many documents state each relation")
	f.StringVar(&g.corpusGraphs, "corpus-graphs", "", "with --corpus: also write the two corpus graphs (graph format, JSON Lines) to this file")
	f.StringVar(&g.summary, "summary", "", "write run statistics (mean, median, bootstrap 95% interval of every score) as JSON to this file")
}

// run dispatches the graph-input and corpus modes of score.
func (g *graphModes) run(cmd *cobra.Command, sys *IO, opts *scoreOptions) error {
	if g.corpus {
		if opts.format == "" {
			opts.format = "json"
			if sys.OutTTY && opts.out == "" {
				opts.format = "table"
			}
		}
		return runScoreCorpus(cmd.Context(), sys, opts)
	}
	if opts.format == "" {
		opts.format = "jsonl"
		if sys.OutTTY && opts.out == "" {
			opts.format = "table"
		}
	}
	return runScoreGraphs(cmd.Context(), sys, opts)
}
