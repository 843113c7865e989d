package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kgeval/kgeval/internal/results"
	"github.com/kgeval/kgeval/internal/stats"
	"github.com/kgeval/kgeval/scorers"
)

type compareOptions struct {
	format    string
	force     bool
	resamples int
	rounds    int
	seed      uint64
	level     float64
	out       string
}

func newCompareCmd(sys *IO) *cobra.Command {
	opts := &compareOptions{}
	cmd := &cobra.Command{
		Use:   "compare A.jsonl B.jsonl",
		Short: "Compare two runs on the same pairs: paired differences with intervals and p-values",
		Long: `Compare reads two results files (kgeval score --format jsonl) and, for every
score, pairs the records of the same id that both runs scored: the mean of
each run, the mean difference B − A with a paired bootstrap interval, and the
two-sided p-value of a paired permutation (sign-flip) test.

Runs whose headers differ in what changes scores (ontology, extractor, model,
judge, weights, θ, typed AMS) measure different things and are refused unless
--force is given. Records missing from one run, or failed in either, are
counted and left out.`,
		Example: `  kgeval compare baseline.jsonl candidate.jsonl
  kgeval compare a.jsonl b.jsonl --format json --resamples 5000`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.format == "" {
				opts.format = "json"
				if sys.OutTTY && opts.out == "" {
					opts.format = "table"
				}
			}
			if opts.format != "table" && opts.format != "json" {
				return inputError("unknown format %q (want table or json)", opts.format)
			}
			if opts.level <= 0 || opts.level >= 1 {
				return inputError("--level %v is outside (0, 1)", opts.level)
			}
			return runCompare(sys, opts, args[0], args[1])
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.format, "format", "", "output format: table or json (default: table on a terminal, else json)")
	f.StringVar(&opts.out, "out", "", "write the comparison to this file instead of standard output")
	f.BoolVar(&opts.force, "force", false, "compare runs whose headers differ in what changes scores")
	f.IntVar(&opts.resamples, "resamples", stats.DefaultResamples, "bootstrap resamples")
	f.IntVar(&opts.rounds, "rounds", stats.DefaultRounds, "permutation test rounds (every sign assignment when 2^n is not more)")
	f.Uint64Var(&opts.seed, "seed", stats.DefaultSeed, "seed of the bootstrap and permutation draws")
	f.Float64Var(&opts.level, "level", stats.DefaultLevel, "confidence level of the intervals")
	return cmd
}

// comparison is the output of kgeval compare.
type comparison struct {
	A           string                  `json:"a"`
	B           string                  `json:"b"`
	Paired      int                     `json:"paired"`
	OnlyA       int                     `json:"only_a"`
	OnlyB       int                     `json:"only_b"`
	Failed      int                     `json:"failed"`
	Duplicates  int                     `json:"duplicates"`
	Differences []string                `json:"header_differences,omitempty"`
	Bootstrap   results.BootstrapInfo   `json:"bootstrap"`
	Rounds      int                     `json:"permutation_rounds"`
	Scores      map[string]stats.Paired `json:"scores"`
	order       []string
}

func runCompare(sys *IO, opts *compareOptions, pathA, pathB string) error {
	ha, recsA, err := results.ReadFile(pathA)
	if err != nil {
		return inputError("%v", err)
	}
	hb, recsB, err := results.ReadFile(pathB)
	if err != nil {
		return inputError("%v", err)
	}
	c := &comparison{A: pathA, B: pathB, Scores: map[string]stats.Paired{}, Rounds: opts.rounds,
		Bootstrap: results.BootstrapInfo{Resamples: opts.resamples, Level: opts.level, Seed: opts.seed}}
	switch {
	case ha != nil && hb != nil:
		c.Differences = ha.Differences(hb)
		if len(c.Differences) > 0 && !opts.force {
			return inputError("%s and %s come from runs that score differently:\n  %s\npass --force to compare them anyway",
				pathA, pathB, strings.Join(c.Differences, "\n  "))
		}
	case ha == nil || hb == nil:
		missing := pathA
		if ha != nil {
			missing = pathB
		}
		fmt.Fprintf(sys.Err, "kgeval: %s has no run header (written without --out?): cannot check that the runs are comparable\n", missing)
	}
	byID := make(map[string]*results.Record, len(recsB))
	for _, r := range recsB {
		if _, dup := byID[r.ID]; dup {
			c.Duplicates++
			continue
		}
		byID[r.ID] = r
	}
	seen := make(map[string]bool, len(recsA))
	var pa, pb []*scorers.Scores
	for _, a := range recsA {
		if seen[a.ID] {
			c.Duplicates++
			continue
		}
		seen[a.ID] = true
		b, ok := byID[a.ID]
		switch {
		case !ok:
			c.OnlyA++
		case a.Status != results.StatusOK || b.Status != results.StatusOK || a.Scores == nil || b.Scores == nil:
			c.Failed++
		default:
			pa, pb = append(pa, a.Scores), append(pb, b.Scores)
		}
	}
	for id := range byID {
		if !seen[id] {
			c.OnlyB++
		}
	}
	c.Paired = len(pa)
	boot := stats.Bootstrap{Resamples: opts.resamples, Level: opts.level, Seed: opts.seed}
	perm := stats.Permutation{Rounds: opts.rounds, Seed: opts.seed}
	for _, name := range scorers.Names() {
		var xa, xb []float64
		for i := range pa {
			va, okA := pa[i].Get(name)
			vb, okB := pb[i].Get(name)
			if okA && okB {
				xa, xb = append(xa, va), append(xb, vb)
			}
		}
		if len(xa) == 0 {
			continue
		}
		c.Scores[name] = stats.Compare(xa, xb, boot, perm)
		c.order = append(c.order, name)
	}
	if c.Paired == 0 {
		fmt.Fprintf(sys.Err, "kgeval: no pair was scored in both runs\n")
	}
	out, err := createOutput(sys, opts.out)
	if err != nil {
		return err
	}
	if opts.format == "json" {
		enc := json.NewEncoder(out.w)
		enc.SetIndent("", "  ")
		err = enc.Encode(c)
	} else {
		err = c.writeTable(out.w)
	}
	if cerr := out.commit(err == nil); err == nil {
		err = cerr
	}
	return err
}

func (c *comparison) writeTable(w io.Writer) error {
	fmt.Fprintf(w, "A: %s\nB: %s\n%d pairs in both runs; %d only in A, %d only in B, %d failed in either, %d repeated ids ignored\n",
		c.A, c.B, c.Paired, c.OnlyA, c.OnlyB, c.Failed, c.Duplicates)
	if len(c.Differences) > 0 {
		fmt.Fprintf(w, "compared with --force although the runs differ: %s\n", strings.Join(c.Differences, "; "))
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "SCORE\tN\tMEAN A\tMEAN B\tB − A\t%g%% CI\tP\n", c.Bootstrap.Level*100)
	for _, name := range c.order {
		s := c.Scores[name]
		p := fmt.Sprintf("%.4f", s.P)
		if !s.Exact && s.P <= 1/float64(1+c.Rounds)+1e-15 {
			p = fmt.Sprintf("< %.4f", 2/float64(1+c.Rounds))
		}
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.3f\t%+.3f\t[%+.3f, %+.3f]\t%s\n", name, s.N, s.MeanA, s.MeanB, s.MeanDiff, s.CI.Low, s.CI.High, p)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nintervals: paired bootstrap, %d resamples; p: two-sided paired permutation test, %d rounds (exact when 2^n ≤ rounds)\n", c.Bootstrap.Resamples, c.Rounds)
	return nil
}
