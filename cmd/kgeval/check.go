package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kgeval/kgeval/internal/regress"
	"github.com/kgeval/kgeval/internal/results"
)

type checkOptions struct {
	results    string
	baseline   string
	maxDrop    float64
	min        minFlag
	scores     []string
	junit      string
	junitPairs bool
	markdown   string
	force      bool
	showPairs  int
}

func newCheckCmd(sys *IO) *cobra.Command {
	opts := &checkOptions{min: minFlag{}}
	cmd := &cobra.Command{
		Use:   "check --results FILE --baseline FILE",
		Short: "Fail (exit 1) when a run regressed against a baseline",
		Long: `Check compares a results file with a baseline results file of the same pairs.
A score regresses when its mean drops by more than --max-drop and a paired
bootstrap puts the whole 95% interval of the change below zero, so noise is
not reported as a regression. Thresholds (--min overall=0.7) apply to the
run's means. Pairs that failed in the run, or that the run lacks, fail the
check too. Runs that measured differently (another ontology, extractor,
judge or weights) are refused unless --force.`,
		Example: `  kgeval check --results results.jsonl --baseline baseline.jsonl --max-drop 0.02 --min overall=0.7 --junit check.xml --markdown check.md`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.results == "" || opts.baseline == "" {
				return inputError("check: --results and --baseline are required")
			}
			if opts.maxDrop < 0 {
				return inputError("--max-drop %v must not be negative", opts.maxDrop)
			}
			return runCheck(sys, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.results, "results", "", "results of the run to check (JSON Lines)")
	f.StringVar(&opts.baseline, "baseline", "", "results of the baseline run (JSON Lines)")
	f.Float64Var(&opts.maxDrop, "max-drop", 0.02, "largest tolerated drop of a score's mean")
	f.Var(opts.min, "min", "threshold on a score's mean, SCORE=VALUE (repeatable)")
	f.StringSliceVar(&opts.scores, "scores", nil, "scores to check for drops (default: overall, nsc, ams, edge_f1, scs, and judge when present)")
	f.StringVar(&opts.junit, "junit", "", "write a JUnit XML report to this file")
	f.BoolVar(&opts.junitPairs, "junit-pairs", false, "add one JUnit test case per pair whose overall dropped")
	f.StringVar(&opts.markdown, "markdown", "", "write a Markdown summary (for a pull-request comment) to this file")
	f.BoolVar(&opts.force, "force", false, "compare runs even when their configurations differ")
	f.IntVar(&opts.showPairs, "show-pairs", 10, "pairs with the largest drops to list")
	return cmd
}

func runCheck(sys *IO, opts *checkOptions) error {
	rh, run, err := results.ReadFile(opts.results)
	if err != nil {
		return inputError("%v", err)
	}
	bh, base, err := results.ReadFile(opts.baseline)
	if err != nil {
		return inputError("%v", err)
	}
	switch {
	case rh != nil && bh != nil:
		if d := bh.Differences(rh); len(d) > 0 {
			if !opts.force {
				return inputError("the runs are not comparable (baseline vs run): %s; pass --force to compare anyway", strings.Join(d, "; "))
			}
			fmt.Fprintf(sys.Err, "kgeval: warning: comparing runs that differ: %s\n", strings.Join(d, "; "))
		}
	default:
		fmt.Fprintln(sys.Err, "kgeval: warning: a results file has no run header, so the configurations cannot be compared")
	}
	rep, err := regress.Check(run, base, regress.Options{MaxDrop: opts.maxDrop, Min: opts.min, Scores: opts.scores})
	if err != nil {
		return inputError("%v", err)
	}
	if err := regress.WriteText(sys.Out, rep, opts.showPairs); err != nil {
		return err
	}
	if opts.junit != "" {
		if err := writeFileWith(sys, opts.junit, func(w io.Writer) error { return regress.WriteJUnit(w, rep, opts.junitPairs) }); err != nil {
			return err
		}
	}
	if opts.markdown != "" {
		if err := writeFileWith(sys, opts.markdown, func(w io.Writer) error { return regress.WriteMarkdown(w, rep) }); err != nil {
			return err
		}
	}
	if rep.Failed() {
		return checkFailed("check failed")
	}
	return nil
}

// writeFileWith writes a file through fn, atomically (see createOutput).
func writeFileWith(sys *IO, path string, fn func(io.Writer) error) error {
	out, err := createOutput(sys, path)
	if err != nil {
		return err
	}
	err = fn(out.w)
	if cerr := out.commit(err == nil); err == nil {
		err = cerr
	}
	return err
}

// minFlag collects repeatable SCORE=VALUE thresholds.
type minFlag map[string]float64

func (m minFlag) String() string {
	var parts []string
	for k, v := range m {
		parts = append(parts, k+"="+strconv.FormatFloat(v, 'g', -1, 64))
	}
	return strings.Join(parts, ",")
}

func (m minFlag) Set(s string) error {
	for _, part := range strings.Split(s, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		v, err := strconv.ParseFloat(val, 64)
		if !ok || err != nil || name == "" {
			return fmt.Errorf("%q: want SCORE=VALUE, e.g. overall=0.7", part)
		}
		if v < 0 || v > 1 {
			return fmt.Errorf("%q: thresholds are in [0, 1]", part)
		}
		m[name] = v
	}
	return nil
}

func (minFlag) Type() string { return "SCORE=VALUE" }
