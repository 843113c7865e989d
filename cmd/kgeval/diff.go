package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kgeval/kgeval/extract"
	"github.com/kgeval/kgeval/internal/pairs"
	"github.com/kgeval/kgeval/internal/render"
	"github.com/kgeval/kgeval/scorers"
)

type diffOptions struct {
	pairs      string
	id         string
	format     string
	out        string
	theta      float64
	untypedAMS bool
	weights    scorers.Weights
	idCol      string
	refCol     string
	candCol    string
	extractorFlags
}

func newDiffCmd(sys *IO) *cobra.Command {
	opts := &diffOptions{}
	cmd := &cobra.Command{
		Use:   "diff --pairs FILE --id ID",
		Short: "Show what a candidate missed, invented and changed against its reference",
		Long: `Diff extracts the graphs of one pair and shows them item by item: matched,
missing (in the reference only), invented (in the candidate only) and changed
entities (assertion, concept, measure, attribute) and relations, with each entity's
clinical significance and weight, and the pair's scores.

Formats: text (coloured on a terminal, plain when piped or with NO_COLOR),
json, dot (Graphviz), svg (drawn here, no system binary) and html (a
standalone page with both graphs side by side and the source sentences with
the matched spans highlighted).`,
		Example: `  kgeval diff --pairs testdata/radiology/pairs.jsonl --id paraphrase-1
  kgeval diff --pairs pairs.jsonl --id p7 --format html --out p7.html
  kgeval diff --pairs pairs.jsonl --id p7 --format dot | dot -Tpng > p7.png`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.pairs == "" || opts.id == "" {
				return inputError("diff: --pairs and --id are required")
			}
			if !contains(render.Formats(), opts.format) {
				return inputError("unknown format %q (want %s)", opts.format, strings.Join(render.Formats(), ", "))
			}
			if opts.theta <= 0 || opts.theta > 1 {
				return inputError("--theta %v is outside (0, 1]", opts.theta)
			}
			if opts.weights == nil {
				opts.weights = scorers.DefaultWeights()
			}
			return runDiff(cmd.Context(), sys, opts)
		},
	}
	opts.extractorFlags.bind(cmd)
	f := cmd.Flags()
	f.StringVar(&opts.pairs, "pairs", "", "pairs file (JSON Lines or .csv; - for standard input)")
	f.StringVar(&opts.id, "id", "", "id of the pair to show")
	f.StringVar(&opts.format, "format", "text", "output format: "+strings.Join(render.Formats(), ", "))
	f.StringVar(&opts.out, "out", "", "write to this file instead of standard output")
	f.Float64Var(&opts.theta, "theta", scorers.DefaultTheta, "lexical similarity threshold for nodes with different keys")
	f.BoolVar(&opts.untypedAMS, "untyped-ams", false, "compare adjacency without relation types")
	f.Var(weightsFlag{&opts.weights}, "weights", "weights of overall, e.g. nsc=0.3,ams=0.15,scs=0.3 (default: docs/metrics.md)")
	f.StringVar(&opts.idCol, "id-col", "id", "CSV column with the pair id")
	f.StringVar(&opts.refCol, "ref-col", "reference", "CSV column with the reference text")
	f.StringVar(&opts.candCol, "cand-col", "candidate", "CSV column with the candidate text")
	return cmd
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func runDiff(ctx context.Context, sys *IO, opts *diffOptions) error {
	o, err := opts.load()
	if err != nil {
		return err
	}
	in, err := openInput(sys, opts.pairs)
	if err != nil {
		return err
	}
	defer in.cleanup()
	format := pairs.FormatFor(opts.pairs)
	format.IDCol, format.RefCol, format.CandCol = opts.idCol, opts.refCol, opts.candCol
	p, err := findPair(in, format, opts.id)
	if err != nil {
		return err
	}
	x, err := opts.build(ctx, sys, o)
	if err != nil {
		return err
	}
	d := &differ{x: x, ontology: o.Name, scoring: scorers.Options{Ontology: o, Theta: opts.theta, UntypedAMS: opts.untypedAMS}, weights: opts.weights}
	v, err := d.view(ctx, p)
	if err != nil {
		return opts.finish(sys, err)
	}
	out, err := createOutput(sys, opts.out)
	if err != nil {
		return err
	}
	color := opts.out == "" && sys.OutTTY && sys.Getenv("NO_COLOR") == ""
	err = render.Render(out.w, opts.format, v, render.Options{Color: color})
	if cerr := out.commit(err == nil); err == nil {
		err = cerr
	}
	return opts.finish(sys, err)
}

// findPair reads the pairs file for the pair with the given id. Bad lines
// elsewhere in the file do not matter unless the pair is not found.
func findPair(in *input, format pairs.Format, id string) (pairs.Pair, error) {
	f, err := in.open()
	if err != nil {
		return pairs.Pair{}, err
	}
	defer f.Close()
	var bad []error
	for p, err := range pairs.Read(f, in.name, format) {
		if err != nil {
			bad = append(bad, err)
			continue
		}
		if p.ID == id {
			return p, nil
		}
	}
	msg := fmt.Sprintf("no pair with id %q in %s", id, in.name)
	if len(bad) > 0 {
		msg += fmt.Sprintf(" (%d bad lines: the first is %v)", len(bad), bad[0])
	}
	return pairs.Pair{}, inputError("%s", msg)
}

// differ builds the diff view of a pair: both sides extracted, compared
// and scored.
type differ struct {
	x        extract.Extractor
	ontology string
	scoring  scorers.Options
	weights  scorers.Weights
}

func (d *differ) view(ctx context.Context, p pairs.Pair) (*render.View, error) {
	ref, err := d.x.Extract(ctx, extract.Document{ID: p.ID, Text: p.Reference})
	if err != nil {
		return nil, fmt.Errorf("extract reference of %s: %w", p.ID, err)
	}
	cand, err := d.x.Extract(ctx, extract.Document{ID: p.ID, Text: p.Candidate})
	if err != nil {
		return nil, fmt.Errorf("extract candidate of %s: %w", p.ID, err)
	}
	if ref == nil || cand == nil {
		return nil, errors.New("the extractor returned no graph")
	}
	// Spans are shown against the texts, which the extractor may not keep.
	if ref.Text == "" {
		ref.Text = p.Reference
	}
	if cand.Text == "" {
		cand.Text = p.Candidate
	}
	s := scorers.Compare(ref, cand, d.scoring)
	w := d.weights
	if w == nil {
		w = scorers.DefaultWeights()
	}
	comps := w.Overall(&s)
	return &render.View{ID: p.ID, Ontology: d.ontology, Reference: ref, Candidate: cand,
		Diff: scorers.ComputeDiff(ref, cand, d.scoring), Scores: &s, Components: comps}, nil
}
