package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kgeval/kgeval/internal/pairs"
	"github.com/kgeval/kgeval/internal/report"
	"github.com/kgeval/kgeval/internal/results"
)

type reportOptions struct {
	results string
	out     string
	pairs   string
	worst   int
	idCol   string
	refCol  string
	candCol string
}

func newReportCmd(sys *IO) *cobra.Command {
	opts := &reportOptions{}
	cmd := &cobra.Command{
		Use:   "report --results FILE --out report.html",
		Short: "Write a self-contained HTML report of a scoring run",
		Long: `Report reads a results file (kgeval score --format jsonl) and writes one HTML
file that opens offline: the run summary with bootstrap confidence intervals,
the score distributions and per-type coverage as charts, the concepts missed
and invented most often, the worst pairs with their diffs (with --pairs, their
texts too), and the run's configuration and versions.`,
		Example: `  kgeval score --pairs pairs.jsonl --out results.jsonl
  kgeval report --results results.jsonl --pairs pairs.jsonl --out report.html`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.results == "" || opts.out == "" {
				return inputError("report: --results and --out are required")
			}
			if opts.worst < 0 {
				return inputError("--worst %d is negative", opts.worst)
			}
			return runReport(cmd.Context(), sys, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.results, "results", "", "results file (JSON Lines, as written by kgeval score --out)")
	f.StringVar(&opts.out, "out", "", "HTML file to write (- for standard output)")
	f.StringVar(&opts.pairs, "pairs", "", "the pairs file of the run, to show the worst pairs' texts")
	f.IntVar(&opts.worst, "worst", 10, "how many of the lowest-scoring pairs to show")
	f.StringVar(&opts.idCol, "id-col", "id", "CSV column with the pair id")
	f.StringVar(&opts.refCol, "ref-col", "reference", "CSV column with the reference text")
	f.StringVar(&opts.candCol, "cand-col", "candidate", "CSV column with the candidate text")
	return cmd
}

func runReport(ctx context.Context, sys *IO, opts *reportOptions) error {
	h, recs, err := results.ReadFile(opts.results)
	if err != nil {
		return inputError("%v", err)
	}
	in := &report.Input{Source: opts.results, Header: h, Records: recs, Version: version(), Worst: opts.worst}
	if opts.pairs != "" {
		want := map[string]bool{}
		for _, r := range report.Worst(recs, opts.worst) {
			want[r.ID] = true
		}
		if in.Pairs, err = loadPairs(sys, opts.pairs, pairFormat(opts.pairs, opts.idCol, opts.refCol, opts.candCol), want); err != nil {
			return err
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	out, err := createOutput(sys, opts.out)
	if err != nil {
		return err
	}
	err = report.Write(out.w, in)
	if cerr := out.commit(err == nil); err == nil {
		err = cerr
	}
	if err == nil && opts.out != "-" {
		fmt.Fprintf(sys.Err, "kgeval: wrote %s (%d records)\n", opts.out, len(recs))
	}
	return err
}

func pairFormat(name, idCol, refCol, candCol string) pairs.Format {
	f := pairs.FormatFor(name)
	f.IDCol, f.RefCol, f.CandCol = idCol, refCol, candCol
	return f
}

// loadPairs reads the pairs whose ids are in want (all of them when want is
// nil). Bad lines are skipped: the texts only illustrate.
func loadPairs(sys *IO, name string, format pairs.Format, want map[string]bool) (map[string]pairs.Pair, error) {
	in, err := openInput(sys, name)
	if err != nil {
		return nil, err
	}
	defer in.cleanup()
	f, err := in.open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]pairs.Pair{}
	bad := 0
	for p, err := range pairs.Read(f, in.name, format) {
		if err != nil {
			bad++
			continue
		}
		if want == nil || want[p.ID] {
			out[p.ID] = p
		}
	}
	if bad > 0 {
		fmt.Fprintf(sys.Err, "kgeval: %s: %d bad lines skipped\n", in.name, bad)
	}
	return out, nil
}
