package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kgeval/kgeval/extract"
	"github.com/kgeval/kgeval/extract/rules"
	"github.com/kgeval/kgeval/internal/evaluate"
	"github.com/kgeval/kgeval/internal/pairs"
	"github.com/kgeval/kgeval/internal/progress"
	"github.com/kgeval/kgeval/internal/results"
	"github.com/kgeval/kgeval/ontology"
	"github.com/kgeval/kgeval/scorers"
)

// extractorFlags are the flags every command that extracts shares.
type extractorFlags struct {
	ontology  string
	extractor string
	llm       llmFlags // --extractor llm
}

func (f *extractorFlags) bind(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.ontology, "ontology", "radiology", "built-in ontology (radiology, legal) or path to a YAML ontology")
	cmd.Flags().StringVar(&f.extractor, "extractor", "rules", "extractor: rules (offline) or llm (any OpenAI-compatible server; docs/llm.md)")
	f.llm.bind(cmd)
}

func (f *extractorFlags) load() (*ontology.Ontology, error) {
	o, err := ontology.Resolve(f.ontology)
	if err != nil {
		return nil, inputError("%v", err)
	}
	return o, nil
}

func (f *extractorFlags) build(ctx context.Context, sys *IO, o *ontology.Ontology) (extract.Extractor, error) {
	switch f.extractor {
	case "rules":
		return rules.New(o), nil
	case "llm":
		return f.llm.build(ctx, sys, o)
	}
	return nil, inputError("unknown extractor %q (want rules or llm)", f.extractor)
}

type scoreOptions struct {
	pairs       string
	format      string
	out         string
	skipInvalid bool
	concurrency int
	theta       float64
	untypedAMS  bool
	idCol       string
	refCol      string
	candCol     string
	weights     scorers.Weights
	resume      bool
	shard       shardSpec
	store       string
	storeRun    string
	extractorFlags
	judge judgeFlags
	graphModes
}

func newScoreCmd(sys *IO) *cobra.Command {
	opts := &scoreOptions{}
	cmd := &cobra.Command{
		Use:   "score --pairs FILE",
		Short: "Score candidate documents against their references",
		Long: `Score reads reference/candidate pairs (JSON Lines, or CSV with a header),
extracts a graph from each side and writes one record per pair with NSC, AMS,
edge F1, SCS, the RadGraph rewards, the judge score and overall.

Every line is checked before any work is done: a bad line stops the run
with exit 2 unless --skip-invalid is given, which reports and skips it.`,
		Example: `  kgeval score --pairs testdata/radiology/pairs.jsonl
  kgeval score --pairs pairs.csv --ref-col report --cand-col generated --format csv --out scores.csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.refGraphs != "" || opts.candGraphs != "" || opts.corpus {
				return opts.graphModes.run(cmd, sys, opts)
			}
			if opts.pairs == "" {
				return inputError("score: --pairs is required")
			}
			if opts.format == "" {
				opts.format = "jsonl"
				if sys.OutTTY && opts.out == "" {
					opts.format = "table"
				}
			}
			if opts.resume && (opts.out == "" || opts.format != "jsonl") {
				return inputError("--resume needs --out FILE and the jsonl format")
			}
			if opts.weights == nil {
				opts.weights = scorers.DefaultWeights()
			}
			return runScore(cmd.Context(), sys, opts)
		},
	}
	opts.extractorFlags.bind(cmd)
	opts.judge.bind(cmd, "judge-", "off", true)
	f := cmd.Flags()
	f.StringVar(&opts.pairs, "pairs", "", "pairs file (JSON Lines or .csv; - for standard input)")
	f.StringVar(&opts.format, "format", "", "output format: table, jsonl, json, csv (default: table on a terminal, else jsonl)")
	f.StringVar(&opts.out, "out", "", "write results to this file instead of standard output")
	f.BoolVar(&opts.skipInvalid, "skip-invalid", false, "report bad input lines and score the rest")
	f.IntVar(&opts.concurrency, "concurrency", 0, "pairs scored at once, and LLM requests in flight (default: number of CPUs; 4 with --extractor llm)")
	f.Float64Var(&opts.theta, "theta", scorers.DefaultTheta, "lexical similarity threshold for nodes with different keys")
	f.BoolVar(&opts.untypedAMS, "untyped-ams", false, "compare adjacency without relation types")
	f.StringVar(&opts.idCol, "id-col", "id", "CSV column with the pair id")
	f.StringVar(&opts.refCol, "ref-col", "reference", "CSV column with the reference text")
	f.StringVar(&opts.candCol, "cand-col", "candidate", "CSV column with the candidate text")
	f.Var(weightsFlag{&opts.weights}, "weights", "weights of overall, e.g. nsc=0.3,ams=0.15,scs=0.3,judge=0.25 (default: docs/metrics.md)")
	f.BoolVar(&opts.resume, "resume", false, "continue an interrupted run whose --out file was left as FILE.partial")
	f.Var(&opts.shard, "shard", "score only shard i of n (i/n, 1-based): pair k goes to shard k mod n; combine with kgeval merge")
	f.StringVar(&opts.store, "store", "memory", "where extracted graphs live: memory, or neo4j (written as they are extracted; NEO4J_URI ...)")
	f.StringVar(&opts.storeRun, "run", "", "run id for the graphs written with --store neo4j")
	opts.graphModes.bind(cmd)
	return cmd
}

func runScore(ctx context.Context, sys *IO, opts *scoreOptions) error {
	if _, err := results.NewWriter(nil, opts.format); err != nil {
		return inputError("%v", err)
	}
	if opts.theta <= 0 || opts.theta > 1 {
		return inputError("--theta %v is outside (0, 1]", opts.theta)
	}
	o, err := opts.load()
	if err != nil {
		return err
	}
	opts.llm.concurrency = opts.concurrency
	x, err := opts.build(ctx, sys, o)
	if err != nil {
		return err
	}
	scoring := scorers.Options{Ontology: o, Theta: opts.theta, UntypedAMS: opts.untypedAMS}
	grader, judgeName, judgeModel, err := opts.judge.grader(sys, o, scoring)
	if err != nil {
		return err
	}
	in, format, valid, err := opts.openPairs(sys)
	if err != nil {
		return err
	}
	defer in.cleanup()

	cfg := &evaluate.Config{
		Extractor:   x,
		Scoring:     scorers.Options{Ontology: o, Theta: opts.theta, UntypedAMS: opts.untypedAMS},
		Weights:     opts.weights,
		Concurrency: opts.workers(opts.concurrency, 0),
		Judge:       grader,
	}
	switch opts.store {
	case "memory":
	case "neo4j":
		if opts.storeRun == "" {
			return inputError("--store neo4j needs --run RUN to name the run")
		}
		s, _, closeStore, err := openStore(ctx, sys, opts.ontology)
		if err != nil {
			return err
		}
		defer closeStore()
		cfg.OnGraphs = storeWriter(s, opts.storeRun)
	default:
		return inputError("unknown store %q (want memory or neo4j)", opts.store)
	}
	header := &results.Header{
		Version: version(), Ontology: o.Name, OntologyHash: o.Hash(), Extractor: opts.extractor, Model: opts.extractorModel(),
		Judge: judgeName, JudgeModel: judgeModel, Weights: opts.weights, Theta: opts.theta, UntypedAMS: opts.untypedAMS,
		Input: opts.pairs, Pairs: valid, Shard: opts.shard.String(),
	}
	return opts.finish(sys, writeRun(ctx, sys, opts, cfg, header, in, format))
}

// writeRun scores the pairs and writes the records: to standard output, or
// to a results file that a crash leaves resumable (see results.RunFile).
func writeRun(ctx context.Context, sys *IO, opts *scoreOptions, cfg *evaluate.Config, header *results.Header, in *input, format pairs.Format) error {
	var sink io.Writer = sys.Out
	var file *results.RunFile
	var done []string
	var err error
	switch {
	case opts.out == "":
	case opts.resume:
		file, done, err = results.Resume(opts.out, header)
		if errors.Is(err, results.ErrNothingToResume) {
			fmt.Fprintf(sys.Err, "kgeval: %v; starting a new run\n", err)
			file, err = results.Create(opts.out, header)
		}
	default:
		var h *results.Header
		if opts.format == "jsonl" {
			h = header
		}
		file, err = results.Create(opts.out, h)
	}
	if err != nil {
		return inputError("%v", err)
	}
	if file != nil {
		sink = file
	}
	if len(done) > 0 {
		fmt.Fprintf(sys.Err, "kgeval: resuming after %d finished pairs\n", len(done))
	}

	f, err := in.open()
	if err != nil {
		return err
	}
	defer f.Close()
	todo := resumeAfter(opts.shard.filter(pairs.Read(f, in.name, format)), done)

	w, _ := results.NewWriter(sink, opts.format)
	sum := results.Summary{Collect: opts.summary != "" || opts.format == "table"}
	skipped := 0
	// A progress bar on a terminal, unless the records go to the same
	// terminal; nothing when standard error is piped.
	total := header.Pairs
	if opts.shard.n > 1 {
		total = (total - opts.shard.i + opts.shard.n) / opts.shard.n
	}
	bar := progress.New(sys.Err, sys.ErrTTY && !(sys.OutTTY && opts.out == ""), total-len(done), "pairs")
	runErr := cfg.Run(ctx, todo,
		func(err error) error {
			var mismatch *resumeMismatch
			if errors.As(err, &mismatch) {
				return inputError("%v", err)
			}
			skipped++
			fmt.Fprintf(sys.Err, "kgeval: skipping %v\n", err)
			return nil
		},
		func(r *results.Record) error {
			sum.Add(r)
			bar.Add(1)
			return w.Write(r)
		})
	bar.Finish()
	if err := w.Close(&sum); runErr == nil {
		runErr = err
	}
	if file != nil {
		if runErr == nil {
			runErr = file.Finish()
		} else {
			file.Abort()
		}
	}
	if runErr == nil {
		runErr = writeSummary(opts.summary, &sum)
	}
	fmt.Fprintf(sys.Err, "kgeval: scored %d pairs: %d ok, %d error, %d skipped invalid\n", sum.Pairs, sum.OK, sum.Errors, skipped)
	if sum.JudgeFailed > 0 {
		fmt.Fprintf(sys.Err, "kgeval: the judge failed on %d pairs: their judge score is null, overall is computed without it, and each record's judge.error says why\n", sum.JudgeFailed)
	}
	if runErr != nil && ctx.Err() != nil {
		if file != nil && file.Resumable() {
			return fmt.Errorf("interrupted after %d pairs; finished results are kept in %s: run the same command with --resume to continue", len(done)+sum.Pairs, results.PartialPath(opts.out))
		}
		return fmt.Errorf("interrupted after %d pairs", sum.Pairs)
	}
	return runErr
}

// resumeMismatch reports that a partial results file does not belong to
// this input.
type resumeMismatch struct {
	n        int
	got, was string
}

func (e *resumeMismatch) Error() string {
	return fmt.Sprintf("cannot resume: pair %d of the input is %q but the partial results have %q there", e.n+1, e.got, e.was)
}

// resumeAfter skips the pairs whose records are already written, checking
// that they are the same pairs in the same order.
func resumeAfter(in iter.Seq2[pairs.Pair, error], done []string) iter.Seq2[pairs.Pair, error] {
	if len(done) == 0 {
		return in
	}
	return func(yield func(pairs.Pair, error) bool) {
		k := 0
		for p, err := range in {
			if err == nil && k < len(done) {
				if p.ID != done[k] {
					yield(p, &resumeMismatch{n: k, got: p.ID, was: done[k]})
					return
				}
				k++
				continue
			}
			if !yield(p, err) {
				return
			}
		}
	}
}

// openPairs opens the pairs input and checks every line before any work:
// bad lines stop the run unless --skip-invalid. It returns the number of
// valid pairs; the caller cleans the input up.
func (opts *scoreOptions) openPairs(sys *IO) (*input, pairs.Format, int, error) {
	in, err := openInput(sys, opts.pairs)
	if err != nil {
		return nil, pairs.Format{}, 0, err
	}
	format := pairs.FormatFor(opts.pairs)
	format.IDCol, format.RefCol, format.CandCol = opts.idCol, opts.refCol, opts.candCol
	valid, bad, err := validatePairs(in, format)
	if err == nil && len(bad) > 0 && !opts.skipInvalid {
		err = inputError("%s", badInputMessage(bad))
	}
	if err != nil {
		in.cleanup()
		return nil, pairs.Format{}, 0, err
	}
	return in, format, valid, nil
}

// validatePairs reads the whole input once, counting the valid pairs and
// returning every bad line.
func validatePairs(in *input, format pairs.Format) (int, []error, error) {
	f, err := in.open()
	if err != nil {
		return 0, nil, err
	}
	defer f.Close()
	var bad []error
	valid := 0
	for _, err := range pairs.Read(f, in.name, format) {
		if err != nil {
			bad = append(bad, err)
		} else {
			valid++
		}
	}
	return valid, bad, nil
}

// badInputMessage lists the first bad lines and how many there are.
func badInputMessage(bad []error) string {
	const show = 10
	var b strings.Builder
	fmt.Fprintf(&b, "%d invalid input line(s); fix them or pass --skip-invalid to score the rest:", len(bad))
	for i, err := range bad {
		if i == show {
			fmt.Fprintf(&b, "\n  ... and %d more", len(bad)-show)
			break
		}
		b.WriteString("\n  " + err.Error())
	}
	return b.String()
}
