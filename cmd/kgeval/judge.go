package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/kgeval/kgeval/extract"
	"github.com/kgeval/kgeval/extract/rules"
	"github.com/kgeval/kgeval/graph"
	"github.com/kgeval/kgeval/internal/cache"
	"github.com/kgeval/kgeval/ontology"
	"github.com/kgeval/kgeval/scorers"
	"github.com/kgeval/kgeval/scorers/judge"
	"github.com/kgeval/kgeval/scorers/judge/agree"
)

// judgeFlags are the settings of a rubric judge, shared by kgeval judge
// (flag names as they are) and kgeval score (prefixed "judge-", beside the
// extractor's own LLM flags). The model and address may come from
// KGEVAL_MODEL and OPENAI_BASE_URL, the key from OPENAI_API_KEY.
type judgeFlags struct {
	prefix      string
	kind        string // off, rules, llm
	rubric      string
	samples     int
	aggregate   string
	temperature float64
	seed        int
	maxAttempts int
	maxTokens   int
	structured  string
	model       string
	baseURL     string
	timeout     time.Duration
	retries     int
	ground      bool
	noCache     bool
	cacheDir    string
}

func (f *judgeFlags) bind(cmd *cobra.Command, prefix, defKind string, defGround bool) {
	f.prefix = prefix
	fl := cmd.Flags()
	kinds := "off, rules (offline, from the graph diff) or llm (any OpenAI-compatible model)"
	if defKind != "off" {
		kinds = "rules (offline, from the graph diff) or llm (any OpenAI-compatible model)"
	}
	fl.StringVar(&f.kind, "judge", defKind, "rubric judge: "+kinds)
	fl.StringVar(&f.rubric, "rubric", "", "rubric: radiology, legal or a YAML file (default: the ontology's name)")
	fl.IntVar(&f.samples, prefix+"samples", 1, "LLM judge: samples per grade, aggregated with --"+prefix+"aggregate; the spread is reported")
	fl.StringVar(&f.aggregate, prefix+"aggregate", judge.Mean, "LLM judge: combine samples by mean or majority")
	fl.Float64Var(&f.temperature, prefix+"temperature", 0, "LLM judge: sampling temperature, always sent (use > 0 with several samples)")
	fl.IntVar(&f.seed, prefix+"seed", 0, "LLM judge: seed of the first sample, always sent; sample i uses seed+i")
	fl.IntVar(&f.maxAttempts, prefix+"max-attempts", 3, "LLM judge: replies asked per sample before an unparseable one is a failure")
	fl.IntVar(&f.maxTokens, prefix+"max-tokens", 1024, "LLM judge: cap on the tokens of one reply")
	fl.StringVar(&f.structured, prefix+"structured", judge.StructuredAuto, "LLM judge: structured output: auto (used where the server supports it), on, off ([RESULT] N form)")
	fl.StringVar(&f.model, prefix+"model", "", "LLM judge: model name (default $KGEVAL_MODEL)")
	fl.StringVar(&f.baseURL, prefix+"base-url", "", "LLM judge: OpenAI-compatible API root (default $OPENAI_BASE_URL, else OpenAI)")
	fl.DurationVar(&f.timeout, prefix+"timeout", 5*time.Minute, "LLM judge: time limit of one request")
	fl.IntVar(&f.retries, prefix+"retries", 2, "LLM judge: retries of a request that failed in transport (network, timeout, 429, 5xx)")
	ground := "ground"
	if prefix != "" {
		ground = prefix + "ground"
	}
	fl.BoolVar(&f.ground, ground, defGround, "LLM judge: show the graph diff to the judge as evidence")
	fl.BoolVar(&f.noCache, prefix+"no-cache", false, "LLM judge: ask the model even when its reply is cached, and cache nothing")
	fl.StringVar(&f.cacheDir, prefix+"cache-dir", "", "LLM judge: reply cache (default $KGEVAL_CACHE/replies, else the user cache folder's kgeval/replies)")
}

func (f *judgeFlags) check() error {
	switch f.kind {
	case "off", "rules", "llm":
	default:
		return inputError("--judge %q: want off, rules or llm", f.kind)
	}
	if f.samples < 1 {
		return inputError("--%ssamples %d: want at least 1", f.prefix, f.samples)
	}
	if f.aggregate != judge.Mean && f.aggregate != judge.Majority {
		return inputError("--%saggregate %q: want mean or majority", f.prefix, f.aggregate)
	}
	if f.maxAttempts < 1 {
		return inputError("--%smax-attempts %d: want at least 1", f.prefix, f.maxAttempts)
	}
	if f.temperature < 0 {
		return inputError("--%stemperature %v is negative", f.prefix, f.temperature)
	}
	switch f.structured {
	case judge.StructuredAuto, judge.StructuredOn, judge.StructuredOff:
	default:
		return inputError("--%sstructured %q: want auto, on or off", f.prefix, f.structured)
	}
	return nil
}

// loadRubric is --rubric, or the built-in rubric named like the ontology.
func (f *judgeFlags) loadRubric(o *ontology.Ontology) (*judge.Rubric, error) {
	name := f.rubric
	if name == "" {
		if o == nil {
			return nil, nil
		}
		name = o.Name
		if _, err := judge.BuiltinRubric(name); err != nil {
			return nil, inputError("no built-in rubric for ontology %q: give --rubric (radiology, legal or a YAML file)", o.Name)
		}
	}
	r, err := judge.ResolveRubric(name)
	if err != nil {
		return nil, inputError("%v", err)
	}
	return r, nil
}

// modelName is the judge's model: the flag, else $KGEVAL_MODEL.
func (f *judgeFlags) modelName(sys *IO) string {
	if f.model != "" {
		return f.model
	}
	return sys.Getenv("KGEVAL_MODEL")
}

// llm builds the LLM judge for a rubric (nil for items that carry their
// own).
func (f *judgeFlags) llm(sys *IO, r *judge.Rubric) (*judge.LLM, error) {
	base := f.baseURL
	if base == "" {
		base = sys.Getenv("OPENAI_BASE_URL")
	}
	retries := f.retries
	if retries == 0 {
		retries = -1 // the flag's 0 means none
	}
	c, err := judge.NewOpenAI(judge.OpenAIConfig{
		BaseURL: base, APIKey: sys.Getenv("OPENAI_API_KEY"), Model: f.modelName(sys),
		Structured: f.structured, Retries: retries, Timeout: f.timeout,
	})
	if err != nil {
		return nil, inputError("%v", err)
	}
	var client judge.Completer = c
	if !f.noCache {
		dir := f.cacheDir
		if dir == "" {
			dir = defaultReplyCache(sys)
		}
		if dir != "" {
			store, err := cache.Open(dir)
			if err != nil {
				return nil, inputError("--%scache-dir: %v", f.prefix, err)
			}
			client = &judge.Cached{Next: client, Cache: store, Model: c.Model()}
		}
	}
	return &judge.LLM{Client: client, Rubric: r, Ground: f.ground, Structured: f.structured != judge.StructuredOff,
		Options: judge.Options{Temperature: f.temperature, Seed: f.seed, Samples: f.samples, Aggregate: f.aggregate,
			MaxAttempts: f.maxAttempts, MaxTokens: f.maxTokens}}, nil
}

// grader builds the pair judge of kgeval score: nil when off. It also
// returns the name and model to record in the run header.
func (f *judgeFlags) grader(sys *IO, o *ontology.Ontology, scoring scorers.Options) (judge.Grader, string, string, error) {
	if err := f.check(); err != nil {
		return nil, "", "", err
	}
	if f.kind == "off" {
		return nil, "off", "", nil
	}
	r, err := f.loadRubric(o)
	if err != nil {
		return nil, "", "", err
	}
	name := f.kind + ":" + r.Name
	if f.kind == "rules" {
		j, err := judge.NewRules(o, r)
		if err != nil {
			return nil, "", "", inputError("%v", err)
		}
		j.Scoring = scoring
		return j, name, "", nil
	}
	j, err := f.llm(sys, r)
	if err != nil {
		return nil, "", "", err
	}
	return j, name, f.modelName(sys), nil
}

type judgeOptions struct {
	items       string
	mode        string
	ontology    string
	limit       int
	offset      int
	concurrency int
	format      string
	out         string
	verbatim    bool
	skipInvalid bool
	judgeFlags
}

func newJudgeCmd(sys *IO) *cobra.Command {
	opts := &judgeOptions{}
	cmd := &cobra.Command{
		Use:   "judge --items FILE",
		Short: "Grade Prometheus-format items with a rubric judge",
		Long: `Judge grades evaluation items in the Prometheus format (a JSON array or JSON
Lines): absolute items carry a full grading prompt in "instruction" (or the
orig_instruction, orig_response, orig_reference_answer, orig_criteria and
orig_score1_description..orig_score5_description fields) and optionally the
scores of another grader in "gpt4_score"; relative items carry
"chosen_instruction" and "rejected_instruction" (or orig_response_A and
orig_response_B with "winner").

Absolute grading gives a score from 1 to 5 with feedback; relative grading
asks in both orders and reports a tie when they disagree. A reply that
cannot be parsed is retried, then reported as a failure with its raw text:
no score is ever made up. One JSON line per item goes to standard output;
the summary (parse rate, latency, agreement with the items' scores) to
standard error. docs/judge.md has the details.`,
		Example: `  eval "$(scripts/llm start)"
  kgeval judge --items ../shared/data/prometheus/vicuna_eval.json --limit 20
  kgeval judge --items hhh_alignment_eval.json --mode relative --samples 3 --temperature 0.7
  kgeval judge --items items.jsonl --judge rules --ontology radiology`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.items == "" {
				return inputError("judge: --items is required")
			}
			if opts.mode != "absolute" && opts.mode != "relative" {
				return inputError("--mode %q: want absolute or relative", opts.mode)
			}
			if opts.kind == "off" {
				return inputError("--judge off: kgeval judge needs rules or llm")
			}
			if err := opts.check(); err != nil {
				return err
			}
			if opts.limit < 0 || opts.offset < 0 {
				return inputError("--limit and --offset cannot be negative")
			}
			if opts.format == "" {
				opts.format = "jsonl"
				if sys.OutTTY && opts.out == "" {
					opts.format = "table"
				}
			}
			if opts.format != "jsonl" && opts.format != "table" {
				return inputError("--format %q: want jsonl or table", opts.format)
			}
			return runJudge(cmd.Context(), sys, opts)
		},
	}
	opts.judgeFlags.bind(cmd, "", "llm", false)
	f := cmd.Flags()
	f.StringVar(&opts.items, "items", "", "items file: a JSON array or JSON Lines of Prometheus-format items")
	f.StringVar(&opts.mode, "mode", "absolute", "absolute (a score from 1 to 5) or relative (A, B or tie)")
	f.StringVar(&opts.ontology, "ontology", "radiology", "ontology of the rules judge and of --ground: radiology, legal or a YAML file")
	f.IntVar(&opts.limit, "limit", 0, "judge at most this many items (0: all)")
	f.IntVar(&opts.offset, "offset", 0, "skip this many items first")
	f.IntVar(&opts.concurrency, "concurrency", 1, "items judged at once")
	f.StringVar(&opts.format, "format", "", "output: jsonl, or table (default: table on a terminal, else jsonl)")
	f.StringVar(&opts.out, "out", "", "write the records to this file instead of standard output")
	f.BoolVar(&opts.verbatim, "verbatim", false, "absolute items with a full prompt: send it exactly as written instead of rebuilding it")
	f.BoolVar(&opts.skipInvalid, "skip-invalid", false, "report bad items and judge the rest")
	return cmd
}

// judgeItem is one item to grade.
type judgeItem struct {
	ID       string
	Abs      *judge.Absolute
	Rel      *judge.Relative
	Expected []float64 // another grader's scores (gpt4_score)
	Winner   string    // the preferred response of a relative item
}

// judgeRecord is the output line of one item.
type judgeRecord struct {
	ID         string                 `json:"id"`
	Mode       string                 `json:"mode"`
	Status     string                 `json:"status"`
	Score      *float64               `json:"score,omitempty"`
	Samples    []int                  `json:"samples,omitempty"`
	Spread     *float64               `json:"spread,omitempty"`
	Penalty    *float64               `json:"penalty,omitempty"`
	Winner     string                 `json:"winner,omitempty"`
	Orders     *[2]judge.OrderVerdict `json:"orders,omitempty"`
	Consistent *bool                  `json:"consistent,omitempty"`
	Feedback   string                 `json:"feedback,omitempty"`
	Expected   any                    `json:"expected,omitempty"`
	Attempts   int                    `json:"attempts"`
	LatencyMS  int64                  `json:"latency_ms"`
	Error      string                 `json:"error,omitempty"`
	Raw        string                 `json:"raw,omitempty"`
	service    bool
}

func runJudge(ctx context.Context, sys *IO, opts *judgeOptions) error {
	items, bad, err := readJudgeItems(opts.items, opts.mode, opts.verbatim)
	if err != nil {
		return err
	}
	if len(bad) > 0 {
		if !opts.skipInvalid {
			return inputError("%s", badItemsMessage(bad))
		}
		for _, e := range bad {
			fmt.Fprintf(sys.Err, "kgeval: skipping %v\n", e)
		}
	}
	if opts.offset >= len(items) {
		items = nil
	} else {
		items = items[opts.offset:]
	}
	if opts.limit > 0 && len(items) > opts.limit {
		items = items[:opts.limit]
	}
	grade, model, err := opts.itemGrader(sys)
	if err != nil {
		return err
	}
	if opts.kind == "llm" && opts.samples > 1 && opts.temperature == 0 {
		fmt.Fprintln(sys.Err, "kgeval: note: several samples at temperature 0 will mostly agree; set --temperature")
	}
	out, err := createOutput(sys, opts.out)
	if err != nil {
		return err
	}
	recs := make([]*judgeRecord, len(items))
	done := make([]chan struct{}, len(items))
	for i := range done {
		done[i] = make(chan struct{})
	}
	n := max(opts.concurrency, 1)
	work := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < n; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				recs[i] = grade(ctx, &items[i])
				close(done[i])
			}
		}()
	}
	go func() {
		defer close(work)
		for i := range items {
			select {
			case work <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	enc := json.NewEncoder(out.w)
	enc.SetEscapeHTML(false)
	var written []*judgeRecord
	var writeErr error
	for i := range items {
		select {
		case <-done[i]:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		written = append(written, recs[i])
		if opts.format == "jsonl" && writeErr == nil {
			writeErr = enc.Encode(recs[i])
		}
	}
	if ctx.Err() == nil {
		wg.Wait()
	}
	if opts.format == "table" && writeErr == nil {
		writeErr = writeJudgeTable(out.w, written)
	}
	if err := out.commit(writeErr == nil && ctx.Err() == nil); err != nil && writeErr == nil {
		writeErr = err
	}
	sum := summarizeJudge(written, opts.mode)
	fmt.Fprintf(sys.Err, "kgeval: judge %s (%s) on %s:\n%s", opts.kind, model, opts.items, sum.text)
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted after %d items", len(written))
	}
	if writeErr != nil {
		return writeErr
	}
	if sum.service > 0 {
		return serviceError(fmt.Errorf("the judge's server failed on %d of %d items", sum.service, len(written)))
	}
	return nil
}

// itemGrader returns the function that grades one item, and the model
// (or "rules") for the summary.
func (opts *judgeOptions) itemGrader(sys *IO) (func(context.Context, *judgeItem) *judgeRecord, string, error) {
	var o *ontology.Ontology
	var x extract.Extractor
	if opts.kind == "rules" || opts.ground {
		var err error
		if o, err = ontology.Resolve(opts.ontology); err != nil {
			return nil, "", inputError("%v", err)
		}
		x = rules.New(o)
	}
	scoring := scorers.Options{Ontology: o, Theta: scorers.DefaultTheta}
	pair := func(ctx context.Context, ref, resp string) (*judge.Input, error) {
		if ref == "" {
			return nil, &judge.Failure{Reason: "the item has no reference answer to compare graphs with"}
		}
		rg, err := x.Extract(ctx, extract.Document{ID: "reference", Text: ref})
		if err != nil {
			return nil, err
		}
		cg, err := x.Extract(ctx, extract.Document{ID: "response", Text: resp})
		if err != nil {
			return nil, err
		}
		return &judge.Input{Reference: ref, Candidate: resp, RefGraph: rg, CandGraph: cg, Diff: scorers.ComputeDiff(rg, cg, scoring)}, nil
	}
	wrap := func(g func(context.Context, *judgeItem, *judgeRecord) error) func(context.Context, *judgeItem) *judgeRecord {
		return func(ctx context.Context, it *judgeItem) *judgeRecord {
			rec := &judgeRecord{ID: it.ID, Mode: opts.mode, Status: "ok"}
			if it.Expected != nil {
				rec.Expected = it.Expected
			} else if it.Winner != "" {
				rec.Expected = it.Winner
			}
			start := time.Now()
			err := g(ctx, it, rec)
			rec.LatencyMS = time.Since(start).Milliseconds()
			if err != nil {
				rec.Status, rec.Error = "error", err.Error()
				var f *judge.Failure
				if errors.As(err, &f) {
					rec.Raw, rec.Attempts = f.Raw, f.Attempts
				}
				rec.service = errors.Is(err, judge.ErrService)
			}
			return rec
		}
	}
	if opts.kind == "rules" {
		r, err := opts.loadRubric(o)
		if err != nil {
			return nil, "", err
		}
		j, err := judge.NewRules(o, r)
		if err != nil {
			return nil, "", inputError("%v", err)
		}
		j.Scoring = scoring
		return wrap(func(ctx context.Context, it *judgeItem, rec *judgeRecord) error {
			if it.Abs != nil {
				in, err := pair(ctx, it.Abs.Reference, it.Abs.Response)
				if err != nil {
					return err
				}
				v, err := j.Grade(ctx, in)
				if err != nil {
					return err
				}
				setVerdict(rec, v)
				return nil
			}
			a, err := pair(ctx, it.Rel.Reference, it.Rel.ResponseA)
			if err != nil {
				return err
			}
			b, err := pair(ctx, it.Rel.Reference, it.Rel.ResponseB)
			if err != nil {
				return err
			}
			p, err := j.Relative(ctx, a, b)
			if err != nil {
				return err
			}
			setPreference(rec, p)
			return nil
		}), "rules:" + r.Name, nil
	}
	var rubric *judge.Rubric
	if opts.rubric != "" {
		r, err := judge.ResolveRubric(opts.rubric)
		if err != nil {
			return nil, "", inputError("%v", err)
		}
		rubric = r
	}
	j, err := opts.llm(sys, rubric)
	if err != nil {
		return nil, "", err
	}
	return wrap(func(ctx context.Context, it *judgeItem, rec *judgeRecord) error {
		if it.Abs != nil {
			a := *it.Abs
			if rubric != nil { // --rubric replaces the item's own
				a.Rubric, a.RubricText, a.Verbatim = rubric, "", ""
			}
			if opts.ground && a.Reference != "" && a.Verbatim == "" {
				in, err := pair(ctx, a.Reference, a.Response)
				if err != nil {
					return err
				}
				a.Evidence = judge.RenderDiff(in.Diff, 12)
			}
			v, err := j.Absolute(ctx, &a)
			if v != nil {
				setVerdict(rec, v)
			}
			return err
		}
		r := *it.Rel
		if rubric != nil {
			r.Rubric, r.RubricText = rubric, ""
		}
		if opts.ground && r.Reference != "" {
			for _, side := range []struct {
				resp string
				dst  *string
			}{{r.ResponseA, &r.EvidenceA}, {r.ResponseB, &r.EvidenceB}} {
				in, err := pair(ctx, r.Reference, side.resp)
				if err != nil {
					return err
				}
				*side.dst = judge.RenderDiff(in.Diff, 12)
			}
		}
		p, err := j.Relative(ctx, &r)
		if p != nil {
			setPreference(rec, p)
		}
		return err
	}), opts.modelName(sys), nil
}

func setVerdict(rec *judgeRecord, v *judge.Verdict) {
	s, sp := v.Score, v.Spread
	rec.Score, rec.Spread, rec.Samples, rec.Feedback, rec.Attempts, rec.Penalty = &s, &sp, v.Samples, v.Feedback, v.Attempts, v.Penalty
}

func setPreference(rec *judgeRecord, p *judge.Preference) {
	c := p.Consistent
	orders := p.Orders
	rec.Winner, rec.Orders, rec.Consistent, rec.Feedback, rec.Attempts = p.Winner, &orders, &c, p.Feedback, p.Attempts
}

// readJudgeItems reads a JSON array or JSON Lines of items. Bad items are
// returned one by one (file and item number), not fatal here.
func readJudgeItems(path, mode string, verbatim bool) ([]judgeItem, []error, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, inputError("%v", err)
	}
	type raw struct {
		n   int
		obj map[string]json.RawMessage
		err error
	}
	var raws []raw
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var arr []json.RawMessage
		if err := json.Unmarshal(trimmed, &arr); err != nil {
			return nil, nil, inputError("%s: not a JSON array of items: %v", path, err)
		}
		for i, m := range arr {
			var obj map[string]json.RawMessage
			err := json.Unmarshal(m, &obj)
			raws = append(raws, raw{i + 1, obj, err})
		}
	} else {
		for line, err := range graph.Lines(bytes.NewReader(data), path) {
			if err != nil {
				return nil, nil, inputError("%v", err)
			}
			var obj map[string]json.RawMessage
			err := json.Unmarshal(line.Bytes, &obj)
			raws = append(raws, raw{line.N, obj, err})
		}
	}
	what := "item"
	if len(trimmed) == 0 || trimmed[0] != '[' {
		what = "line"
	}
	var items []judgeItem
	var bad []error
	for _, r := range raws {
		it, err := r.obj, r.err
		var item judgeItem
		if err == nil {
			item, err = parseJudgeItem(it, mode, verbatim)
		}
		if err != nil {
			bad = append(bad, fmt.Errorf("%s %s %d: %v", path, what, r.n, err))
			continue
		}
		if item.ID == "" {
			item.ID = "#" + strconv.Itoa(r.n)
		}
		items = append(items, item)
	}
	return items, bad, nil
}

func badItemsMessage(bad []error) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d invalid item(s); fix them or pass --skip-invalid to judge the rest:", len(bad))
	for i, err := range bad {
		if i == 10 {
			fmt.Fprintf(&b, "\n  ... and %d more", len(bad)-10)
			break
		}
		b.WriteString("\n  " + err.Error())
	}
	return b.String()
}

func str(obj map[string]json.RawMessage, key string) (string, bool) {
	v, ok := obj[key]
	if !ok {
		return "", false
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		return "", false
	}
	return s, true
}

// itemID is "id", else "idx" with the response source when present.
func itemID(obj map[string]json.RawMessage) string {
	for _, k := range []string{"id", "idx"} {
		if v, ok := obj[k]; ok {
			id := strings.Trim(string(v), `"`)
			if src, ok := str(obj, "response_source"); ok && k == "idx" {
				id += "/" + src
			}
			return id
		}
	}
	return ""
}

func parseJudgeItem(obj map[string]json.RawMessage, mode string, verbatim bool) (judgeItem, error) {
	it := judgeItem{ID: itemID(obj)}
	_, hasChosen := obj["chosen_instruction"]
	_, hasA := obj["orig_response_A"]
	relative := hasChosen || hasA
	if mode == "absolute" && relative {
		return it, errors.New("a relative item (two responses): use --mode relative")
	}
	if mode == "relative" && !relative {
		return it, errors.New("an absolute item (one response): use --mode absolute, or give chosen_instruction and rejected_instruction")
	}
	if !relative {
		if p, ok := str(obj, "instruction"); ok && strings.Contains(p, "###") {
			a, err := judge.ParsePrompt(p)
			if err != nil {
				return it, err
			}
			if verbatim {
				a.Verbatim = p
			}
			it.Abs = a
		} else {
			a, err := origFields(obj, "orig_response")
			if err != nil {
				return it, err
			}
			it.Abs = a
		}
		exp, err := expectedScores(obj)
		if err != nil {
			return it, err
		}
		it.Expected = exp
		return it, nil
	}
	if hasChosen {
		c, okc := str(obj, "chosen_instruction")
		r, okr := str(obj, "rejected_instruction")
		if !okc || !okr {
			return it, errors.New("chosen_instruction and rejected_instruction must both be strings")
		}
		a, err := judge.ParsePrompt(c)
		if err != nil {
			return it, fmt.Errorf("chosen_instruction: %w", err)
		}
		b, err := judge.ParsePrompt(r)
		if err != nil {
			return it, fmt.Errorf("rejected_instruction: %w", err)
		}
		if a.Instruction != b.Instruction {
			return it, errors.New("chosen and rejected prompts have different instructions")
		}
		it.Rel = &judge.Relative{Instruction: a.Instruction, ResponseA: a.Response, ResponseB: b.Response, Reference: a.Reference, RubricText: relativeRubric(a)}
		it.Winner = judge.WinnerA
		return it, nil
	}
	a, err := origFields(obj, "orig_response_A")
	if err != nil {
		return it, err
	}
	b, ok := str(obj, "orig_response_B")
	if !ok {
		return it, errors.New(`missing "orig_response_B"`)
	}
	it.Rel = &judge.Relative{Instruction: a.Instruction, ResponseA: a.Response, ResponseB: b, Reference: a.Reference, Rubric: a.Rubric}
	if w, ok := str(obj, "winner"); ok {
		if w != judge.WinnerA && w != judge.WinnerB {
			return it, fmt.Errorf("winner %q: want A or B", w)
		}
		it.Winner = w
	}
	return it, nil
}

// relativeRubric is the criterion of an absolute item's rubric: relative
// grading (Prometheus 2) shows the criterion alone.
func relativeRubric(a *judge.Absolute) string {
	return "[" + a.Rubric.Criteria + "]"
}

// origFields reads the orig_* form of an item.
func origFields(obj map[string]json.RawMessage, responseKey string) (*judge.Absolute, error) {
	a := &judge.Absolute{Rubric: &judge.Rubric{}}
	var ok bool
	if a.Instruction, ok = str(obj, "orig_instruction"); !ok {
		return nil, errors.New(`want "instruction" holding a Prometheus prompt, or "orig_instruction" and the other orig_ fields`)
	}
	if a.Response, ok = str(obj, responseKey); !ok {
		return nil, fmt.Errorf("missing %q", responseKey)
	}
	a.Reference, _ = str(obj, "orig_reference_answer")
	if a.Rubric.Criteria, ok = str(obj, "orig_criteria"); !ok {
		return nil, errors.New(`missing "orig_criteria"`)
	}
	for i := range a.Rubric.Descriptions {
		k := fmt.Sprintf("orig_score%d_description", i+1)
		if a.Rubric.Descriptions[i], ok = str(obj, k); !ok {
			return nil, fmt.Errorf("missing %q", k)
		}
	}
	return a, nil
}

// expectedScores reads gpt4_score (a number or a list of numbers), else
// orig_score.
func expectedScores(obj map[string]json.RawMessage) ([]float64, error) {
	for _, k := range []string{"gpt4_score", "orig_score"} {
		v, ok := obj[k]
		if !ok || string(v) == "null" {
			continue
		}
		var list []float64
		if json.Unmarshal(v, &list) == nil {
			return list, nil
		}
		var one float64
		if json.Unmarshal(v, &one) == nil {
			return []float64{one}, nil
		}
		var s string
		if json.Unmarshal(v, &s) == nil {
			if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
				return []float64{f}, nil
			}
		}
		return nil, fmt.Errorf("%s: want a number or a list of numbers", k)
	}
	return nil, nil
}

type judgeSummary struct {
	text    string
	service int
}

// summarizeJudge reports how many items were graded, how the failures
// split, the latency, and the agreement with the items' own scores or
// preferences.
func summarizeJudge(recs []*judgeRecord, mode string) judgeSummary {
	var s judgeSummary
	var b strings.Builder
	ok, unparseable, other, attempts := 0, 0, 0, 0
	var lat []float64
	for _, r := range recs {
		lat = append(lat, float64(r.LatencyMS))
		attempts += r.Attempts
		switch {
		case r.Status == "ok":
			ok++
		case r.service:
			s.service++
		case strings.Contains(r.Error, judge.ErrUnparseable.Error()):
			unparseable++
		default:
			other++
		}
	}
	n := len(recs)
	fmt.Fprintf(&b, "  items %d: %d graded, %d unparseable after retries, %d service errors, %d other errors\n", n, ok, unparseable, s.service, other)
	if parsed := ok + unparseable; parsed > 0 && attempts > 0 {
		fmt.Fprintf(&b, "  parse success %.1f%% of items (%d/%d), %d replies asked in all\n", 100*float64(ok)/float64(parsed), ok, parsed, attempts)
	}
	if len(lat) > 0 {
		sort.Float64s(lat)
		mean := 0.0
		for _, v := range lat {
			mean += v
		}
		mean /= float64(len(lat))
		fmt.Fprintf(&b, "  latency per item: mean %.0f ms, median %.0f ms, max %.0f ms\n", mean, lat[len(lat)/2], lat[len(lat)-1])
	}
	if mode == "absolute" {
		var got, want []float64
		exact, within1 := 0, 0
		mae := 0.0
		for _, r := range recs {
			exp, _ := r.Expected.([]float64)
			if r.Score == nil || len(exp) == 0 {
				continue
			}
			m := 0.0
			for _, v := range exp {
				m += v
			}
			m /= float64(len(exp))
			got, want = append(got, *r.Score), append(want, m)
			d := math.Abs(*r.Score - m)
			mae += d
			if math.Round(*r.Score) == math.Round(m) {
				exact++
			}
			if d <= 1 {
				within1++
			}
		}
		if len(got) > 0 {
			k := float64(len(got))
			fmt.Fprintf(&b, "  agreement with the items' scores (mean of %s) on %d items: exact (rounded) %.0f%%, within 1 %.0f%%, mean absolute error %.2f",
				"gpt4_score", len(got), 100*float64(exact)/k, 100*float64(within1)/k, mae/k)
			for _, c := range []struct {
				name string
				f    agree.Stat
			}{{"Pearson", agree.Pearson}, {"Spearman", agree.Spearman}, {"Kendall tau-b", agree.KendallTauB}} {
				if v, ok := c.f(got, want); ok {
					fmt.Fprintf(&b, ", %s %.3f", c.name, v)
				} else {
					fmt.Fprintf(&b, ", %s undefined", c.name)
				}
			}
			b.WriteString("\n")
		}
	} else {
		judged, right, ties, inconsistent := 0, 0, 0, 0
		for _, r := range recs {
			if r.Status != "ok" {
				continue
			}
			if r.Consistent != nil && !*r.Consistent {
				inconsistent++
			}
			if r.Winner == judge.WinnerTie {
				ties++
			}
			if w, _ := r.Expected.(string); w != "" {
				judged++
				if r.Winner == w {
					right++
				}
			}
		}
		if ok > 0 {
			fmt.Fprintf(&b, "  ties %d of %d, orders disagreeing %d", ties, ok, inconsistent)
			if judged > 0 {
				fmt.Fprintf(&b, ", agreement with the preferred response %.0f%% (%d/%d, ties count as wrong)", 100*float64(right)/float64(judged), right, judged)
			}
			b.WriteString("\n")
		}
	}
	s.text = b.String()
	return s
}

func writeJudgeTable(w io.Writer, recs []*judgeRecord) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tRESULT\tSAMPLES\tEXPECTED\tATTEMPTS\tMS\tSTATUS")
	for _, r := range recs {
		res := "-"
		switch {
		case r.Score != nil:
			res = strconv.FormatFloat(*r.Score, 'f', -1, 64)
		case r.Winner != "":
			res = r.Winner
		}
		samples := "-"
		if len(r.Samples) > 0 {
			samples = strings.Trim(fmt.Sprint(r.Samples), "[]")
		} else if r.Orders != nil {
			samples = strings.Join(r.Orders[0].Votes, " ") + " | " + strings.Join(r.Orders[1].Votes, " ")
		}
		exp := "-"
		if r.Expected != nil {
			exp = strings.Trim(fmt.Sprint(r.Expected), "[]")
		}
		status := r.Status
		if r.Error != "" {
			status += ": " + r.Error
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\n", r.ID, res, samples, exp, r.Attempts, r.LatencyMS, status)
	}
	return tw.Flush()
}
