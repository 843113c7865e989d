package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kgeval/kgeval/graph"
	"github.com/kgeval/kgeval/internal/results"
	"github.com/kgeval/kgeval/scorers"
	"github.com/kgeval/kgeval/scorers/judge/agree"
)

type metaOptions struct {
	results    string
	human      string
	bootstrap  int
	seed       uint64
	level      float64
	format     string
	fit        bool
	fitOut     string
	components string
}

func newMetaCmd(sys *IO) *cobra.Command {
	opts := &metaOptions{}
	cmd := &cobra.Command{
		Use:   "meta --results FILE --human FILE",
		Short: "Check scores against human ratings: correlations with bootstrap intervals, weight fitting",
		Long: `Meta joins a results file (kgeval score --format jsonl) with human ratings,
{"id": "p1", "rating": 4} per line, by pair id, and reports for every score
and for overall: Pearson's r, Spearman's rho and Kendall's tau-b (corrected
for ties), each with a percentile bootstrap interval over resampled pairs.

With --fit it also fits non-negative weights of the components to the
ratings (least squares with an intercept) and writes them as a kgeval.yaml
fragment (weights: ...), to --fit-out or after the table.`,
		Example: `  kgeval meta --results results.jsonl --human ratings.jsonl
  kgeval meta --results results.jsonl --human ratings.jsonl --fit --fit-out kgeval.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.results == "" || opts.human == "" {
				return inputError("meta: --results and --human are required")
			}
			if opts.bootstrap < 0 {
				return inputError("--bootstrap %d is negative", opts.bootstrap)
			}
			if opts.level <= 0 || opts.level >= 1 {
				return inputError("--level %v: want a number between 0 and 1, e.g. 0.95", opts.level)
			}
			if opts.format != "table" && opts.format != "json" {
				return inputError("--format %q: want table or json", opts.format)
			}
			if opts.fitOut != "" {
				opts.fit = true
			}
			return runMeta(sys, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.results, "results", "", "results file of kgeval score (JSON Lines)")
	f.StringVar(&opts.human, "human", "", `human ratings, JSON Lines: {"id": "p1", "rating": 4}`)
	f.IntVar(&opts.bootstrap, "bootstrap", 1000, "bootstrap resamples for the intervals (0: no intervals)")
	f.Uint64Var(&opts.seed, "seed", 1, "seed of the bootstrap")
	f.Float64Var(&opts.level, "level", 0.95, "confidence level of the intervals")
	f.StringVar(&opts.format, "format", "table", "output: table or json")
	f.BoolVar(&opts.fit, "fit", false, "fit non-negative component weights to the ratings")
	f.StringVar(&opts.fitOut, "fit-out", "", "write the fitted weights to this YAML file (implies --fit)")
	f.StringVar(&opts.components, "components", "nsc,ams,scs,judge", "components whose weights --fit fits")
	return cmd
}

// readRatings reads {"id", "rating"} lines; every bad line is an error
// naming file and line.
func readRatings(path string) (map[string]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, inputError("%v", err)
	}
	defer f.Close()
	out := map[string]float64{}
	var bad []error
	for line, err := range graph.Lines(f, path) {
		if err != nil {
			return nil, inputError("%v", err)
		}
		var r struct {
			ID     *string  `json:"id"`
			Rating *float64 `json:"rating"`
		}
		switch err := json.Unmarshal(line.Bytes, &r); {
		case err != nil:
			bad = append(bad, &graph.LineError{File: path, Line: line.N, Err: err})
		case r.ID == nil || *r.ID == "" || r.Rating == nil:
			bad = append(bad, &graph.LineError{File: path, Line: line.N, Err: errors.New(`want {"id": "...", "rating": NUMBER}`)})
		case math.IsNaN(*r.Rating) || math.IsInf(*r.Rating, 0):
			bad = append(bad, &graph.LineError{File: path, Line: line.N, Err: errors.New("rating is not a finite number")})
		default:
			if _, dup := out[*r.ID]; dup {
				bad = append(bad, &graph.LineError{File: path, Line: line.N, Err: fmt.Errorf("duplicate id %q", *r.ID)})
				continue
			}
			out[*r.ID] = *r.Rating
		}
	}
	if len(bad) > 0 {
		msgs := make([]string, 0, len(bad))
		for i, e := range bad {
			if i == 10 {
				msgs = append(msgs, fmt.Sprintf("... and %d more", len(bad)-10))
				break
			}
			msgs = append(msgs, e.Error())
		}
		return nil, inputError("%d invalid rating line(s):\n  %s", len(bad), strings.Join(msgs, "\n  "))
	}
	return out, nil
}

// metaCorrelation is one statistic with its interval.
type metaCorrelation struct {
	Value *float64 `json:"value"`
	Lo    *float64 `json:"lo,omitempty"`
	Hi    *float64 `json:"hi,omitempty"`
}

type metaRow struct {
	Score    string          `json:"score"`
	N        int             `json:"n"`
	Pearson  metaCorrelation `json:"pearson"`
	Spearman metaCorrelation `json:"spearman"`
	Kendall  metaCorrelation `json:"kendall_tau_b"`
}

type metaFit struct {
	Components []string           `json:"components"`
	Weights    map[string]float64 `json:"weights"`
	Intercept  float64            `json:"intercept"`
	Scale      float64            `json:"scale"`
	N          int                `json:"n"`
	// Pearson of the fitted overall with the ratings, in sample and
	// leave-one-out, and of the results' own overall.
	PearsonFit      *float64 `json:"pearson_fit"`
	PearsonLOO      *float64 `json:"pearson_leave_one_out"`
	PearsonOverall  *float64 `json:"pearson_results_overall"`
	WeightsFlag     string   `json:"weights_flag"`
	fragment        string
	droppedNoValues int
}

type metaReport struct {
	Results     string    `json:"results"`
	Human       string    `json:"human"`
	Joined      int       `json:"joined"`
	NoRating    int       `json:"results_without_rating"`
	NoResult    int       `json:"ratings_without_result"`
	ErrorRecord int       `json:"error_records"`
	Bootstrap   int       `json:"bootstrap"`
	Level       float64   `json:"level"`
	Scores      []metaRow `json:"scores"`
	Fit         *metaFit  `json:"fit,omitempty"`
}

func runMeta(sys *IO, opts *metaOptions) error {
	_, recs, err := results.ReadFile(opts.results)
	if err != nil {
		return inputError("%v", err)
	}
	ratings, err := readRatings(opts.human)
	if err != nil {
		return err
	}
	rep := &metaReport{Results: opts.results, Human: opts.human, Bootstrap: opts.bootstrap, Level: opts.level}
	var joined []*results.Record
	var human []float64
	seen := map[string]bool{}
	for _, r := range recs {
		seen[r.ID] = true
		h, ok := ratings[r.ID]
		switch {
		case !ok:
			rep.NoRating++
		case r.Status != results.StatusOK || r.Scores == nil:
			rep.ErrorRecord++
		default:
			joined = append(joined, r)
			human = append(human, h)
		}
	}
	for id := range ratings {
		if !seen[id] {
			rep.NoResult++
		}
	}
	rep.Joined = len(joined)
	if len(joined) < 3 {
		return inputError("meta: only %d pairs have both a score and a rating; need at least 3", len(joined))
	}
	rng := rand.New(rand.NewPCG(opts.seed, 0x6b676576616c)) // "kgeval"
	for _, name := range scorers.Names() {
		var x, y []float64
		for i, r := range joined {
			if v, ok := r.Scores.Get(name); ok {
				x, y = append(x, v), append(y, human[i])
			}
		}
		if len(x) == 0 {
			continue
		}
		row := metaRow{Score: name, N: len(x)}
		for _, c := range []struct {
			dst  *metaCorrelation
			stat agree.Stat
		}{{&row.Pearson, agree.Pearson}, {&row.Spearman, agree.Spearman}, {&row.Kendall, agree.KendallTauB}} {
			if v, ok := c.stat(x, y); ok {
				c.dst.Value = &v
			}
			if opts.bootstrap > 0 {
				if iv, ok := agree.Bootstrap(x, y, c.stat, opts.bootstrap, opts.level, rng); ok {
					lo, hi := iv.Lo, iv.Hi
					c.dst.Lo, c.dst.Hi = &lo, &hi
				}
			}
		}
		rep.Scores = append(rep.Scores, row)
	}
	if opts.fit {
		fit, err := fitWeights(joined, human, opts)
		if err != nil {
			return err
		}
		rep.Fit = fit
	}
	if opts.format == "json" {
		enc := json.NewEncoder(sys.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else if err := writeMetaTable(sys.Out, rep); err != nil {
		return err
	}
	if rep.Fit != nil {
		if opts.fitOut != "" {
			if err := os.WriteFile(opts.fitOut, []byte(rep.Fit.fragment), 0o644); err != nil {
				return inputError("write %s: %v", opts.fitOut, err)
			}
			fmt.Fprintf(sys.Err, "kgeval: wrote the fitted weights to %s\n", opts.fitOut)
		} else if opts.format == "table" {
			fmt.Fprintf(sys.Out, "\n%s", rep.Fit.fragment)
		}
	}
	fmt.Fprintf(sys.Err, "kgeval: %d pairs with scores and ratings; %d results without rating, %d ratings without result, %d error records left out\n",
		rep.Joined, rep.NoRating, rep.NoResult, rep.ErrorRecord)
	return nil
}

// fitWeights fits rating ≈ c + Σ beta_j x_j, beta >= 0, over the pairs
// where every component has a value, and normalizes beta to weights that
// sum to 1 (overall is a weighted mean, so only the proportions matter).
func fitWeights(joined []*results.Record, human []float64, opts *metaOptions) (*metaFit, error) {
	var comps []string
	for _, c := range strings.Split(opts.components, ",") {
		if c = strings.TrimSpace(c); c != "" {
			comps = append(comps, c)
		}
	}
	probe := scorers.Scores{Judge: new(float64)}
	for _, c := range comps {
		if _, ok := probe.Get(c); !ok || c == "overall" {
			return nil, inputError("--components: %q is not a component score", c)
		}
	}
	if len(comps) == 0 {
		return nil, inputError("--components is empty")
	}
	fit := &metaFit{Components: comps, Weights: map[string]float64{}}
	var x [][]float64
	var y, overall []float64
	for i, r := range joined {
		row := make([]float64, len(comps))
		ok := true
		for j, c := range comps {
			if row[j], ok = r.Scores.Get(c); !ok {
				break
			}
		}
		if !ok {
			fit.droppedNoValues++
			continue
		}
		x, y, overall = append(x, row), append(y, human[i]), append(overall, r.Scores.Overall)
	}
	fit.N = len(x)
	if fit.N < len(comps)+2 {
		return nil, inputError("--fit: %d pairs have every component (%s); need at least %d", fit.N, strings.Join(comps, ", "), len(comps)+2)
	}
	beta, c, err := agree.Fit(x, y)
	if errors.Is(err, agree.ErrNoFit) {
		return nil, inputError("--fit: %v: every component falls as the ratings rise", err)
	}
	if err != nil {
		return nil, inputError("--fit: %v", err)
	}
	sum := 0.0
	for _, b := range beta {
		sum += b
	}
	fit.Intercept, fit.Scale = c, sum
	predict := func(beta []float64, c float64, row []float64) float64 {
		p := c
		for j, b := range beta {
			p += b * row[j]
		}
		return p
	}
	var fitted []float64
	for _, row := range x {
		fitted = append(fitted, predict(beta, c, row))
	}
	if v, ok := agree.Pearson(fitted, y); ok {
		fit.PearsonFit = &v
	}
	if v, ok := agree.Pearson(overall, y); ok {
		fit.PearsonOverall = &v
	}
	// Leave-one-out: each pair predicted by weights fitted without it.
	var loo, looY []float64
	for i := range x {
		xs := append(append([][]float64{}, x[:i]...), x[i+1:]...)
		ys := append(append([]float64{}, y[:i]...), y[i+1:]...)
		if b, c2, err := agree.Fit(xs, ys); err == nil {
			loo, looY = append(loo, predict(b, c2, x[i])), append(looY, y[i])
		}
	}
	if v, ok := agree.Pearson(loo, looY); ok && len(loo) == len(x) {
		fit.PearsonLOO = &v
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Weights of overall fitted by kgeval meta --fit to %d human ratings (%s)\n", fit.N, opts.human)
	fmt.Fprintf(&b, "# from %s: non-negative least squares with an intercept, normalized to sum 1.\n", opts.results)
	fmt.Fprintf(&b, "# Pearson with the ratings: fitted %s (leave-one-out %s); the results' own overall %s.\n",
		fmtPtr(fit.PearsonFit), fmtPtr(fit.PearsonLOO), fmtPtr(fit.PearsonOverall))
	if fit.droppedNoValues > 0 {
		fmt.Fprintf(&b, "# %d pairs without every component (a failed judge) were left out of the fit.\n", fit.droppedNoValues)
	}
	b.WriteString("weights:\n")
	var flag []string
	for j, comp := range comps {
		w := math.Round(beta[j]/sum*1e4) / 1e4
		fit.Weights[comp] = w
		fmt.Fprintf(&b, "  %s: %s\n", comp, strconv.FormatFloat(w, 'f', -1, 64))
		if w > 0 {
			flag = append(flag, comp+"="+strconv.FormatFloat(w, 'f', -1, 64))
		}
	}
	fit.WeightsFlag = strings.Join(flag, ",")
	fmt.Fprintf(&b, "# the same on the command line: kgeval score --weights %s\n", fit.WeightsFlag)
	fit.fragment = b.String()
	return fit, nil
}

func fmtPtr(v *float64) string {
	if v == nil {
		return "undefined"
	}
	return strconv.FormatFloat(*v, 'f', 3, 64)
}

func writeMetaTable(w io.Writer, rep *metaReport) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	ci := fmt.Sprintf("%.0f%% CI", rep.Level*100)
	fmt.Fprintf(tw, "SCORE\tN\tPEARSON\t%s\tSPEARMAN\t%s\tKENDALL_TAU_B\t%s\n", ci, ci, ci)
	cell := func(c metaCorrelation) string {
		v := "-"
		if c.Value != nil {
			v = strconv.FormatFloat(*c.Value, 'f', 3, 64)
		}
		iv := "-"
		if c.Lo != nil {
			iv = fmt.Sprintf("[%.3f, %.3f]", *c.Lo, *c.Hi)
		}
		return v + "\t" + iv
	}
	for _, r := range rep.Scores {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", r.Score, r.N, cell(r.Pearson), cell(r.Spearman), cell(r.Kendall))
	}
	return tw.Flush()
}
