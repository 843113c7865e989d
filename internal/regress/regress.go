// Package regress decides whether a run regressed against a baseline run of
// the same pairs: per score, the paired mean difference with a bootstrap
// interval, so that a drop counts only when it is larger than the allowed
// drop and larger than noise; plus absolute thresholds and the pairs that
// dropped most.
package regress

import (
	"fmt"
	"sort"

	"github.com/kgeval/kgeval/internal/results"
	"github.com/kgeval/kgeval/internal/stats"
)

// Options configure a check. Zero values: no allowed drop, no thresholds,
// 2000 resamples, seed 1, a 95% interval, pairs listed when overall dropped
// by more than 0.1.
type Options struct {
	// MaxDrop is the largest mean drop of a score that is tolerated.
	MaxDrop float64
	// Min are thresholds on the mean of a score in the run.
	Min map[string]float64
	// Scores to check for drops; empty means overall, nsc, ams, edge_f1,
	// scs, and judge when both runs have it.
	Scores []string
	// Resamples and Seed of the paired bootstrap (internal/stats); 0 means
	// its defaults, 2000 and 1.
	Resamples int
	Seed      uint64
	// PairDrop lists pairs whose overall dropped by more than this; 0
	// means 0.1.
	PairDrop float64
}

// ScoreCheck is the verdict on one score's mean difference.
type ScoreCheck struct {
	Score    string  `json:"score"`
	N        int     `json:"n"`
	Baseline float64 `json:"baseline"`
	Run      float64 `json:"run"`
	Diff     float64 `json:"diff"`
	Low      float64 `json:"ci_low"`
	High     float64 `json:"ci_high"`
	// Regressed: the drop exceeds MaxDrop and the interval lies below 0.
	Regressed bool   `json:"regressed"`
	Reason    string `json:"reason"`
}

// ThresholdCheck is the verdict on one threshold.
type ThresholdCheck struct {
	Score  string  `json:"score"`
	Min    float64 `json:"min"`
	Mean   float64 `json:"mean"`
	Failed bool    `json:"failed"`
	Reason string  `json:"reason"`
}

// PairDrop is a pair whose overall score fell.
type PairDrop struct {
	ID       string  `json:"id"`
	Baseline float64 `json:"baseline"`
	Run      float64 `json:"run"`
	Drop     float64 `json:"drop"`
}

// Report is the outcome of a check.
type Report struct {
	Scores     []ScoreCheck     `json:"scores"`
	Thresholds []ThresholdCheck `json:"thresholds"`
	Drops      []PairDrop       `json:"pair_drops"`
	// Errors are pairs that failed in the run: no score can stand for them.
	Errors []string `json:"errors"`
	// Missing are baseline pairs the run does not have.
	Missing []string `json:"missing"`
	Paired  int      `json:"paired"`
}

// Failed reports whether anything in the report fails the check.
func (r *Report) Failed() bool {
	for _, s := range r.Scores {
		if s.Regressed {
			return true
		}
	}
	for _, t := range r.Thresholds {
		if t.Failed {
			return true
		}
	}
	return len(r.Errors) > 0 || len(r.Missing) > 0
}

// Check compares run with baseline, pairing records by id.
func Check(run, baseline []*results.Record, opt Options) (*Report, error) {
	if opt.PairDrop <= 0 {
		opt.PairDrop = 0.1
	}
	rep := &Report{Scores: []ScoreCheck{}, Thresholds: []ThresholdCheck{}, Drops: []PairDrop{}, Errors: []string{}, Missing: []string{}}
	byID := make(map[string]*results.Record, len(run))
	for _, r := range run {
		byID[r.ID] = r
		if r.Status != results.StatusOK || r.Scores == nil {
			rep.Errors = append(rep.Errors, r.ID)
		}
	}
	var pairs [][2]*results.Record
	for _, b := range baseline {
		r, ok := byID[b.ID]
		switch {
		case !ok:
			rep.Missing = append(rep.Missing, b.ID)
		case r.Scores != nil && b.Scores != nil:
			pairs = append(pairs, [2]*results.Record{r, b})
		}
	}
	rep.Paired = len(pairs)
	scores := opt.Scores
	if len(scores) == 0 {
		scores = []string{"overall", "nsc", "ams", "edge_f1", "scs", "judge"}
	}
	boot := stats.Bootstrap{Resamples: opt.Resamples, Seed: opt.Seed}
	for _, name := range scores {
		var diffs []float64
		var sumR, sumB float64
		for _, p := range pairs {
			rv, ok1 := p[0].Scores.Get(name)
			bv, ok2 := p[1].Scores.Get(name)
			if ok1 && ok2 {
				diffs = append(diffs, rv-bv)
				sumR += rv
				sumB += bv
			}
		}
		if len(diffs) == 0 {
			if len(opt.Scores) > 0 {
				return nil, fmt.Errorf("score %q: no pair has it in both runs", name)
			}
			continue // judge off in either run
		}
		n := float64(len(diffs))
		c := ScoreCheck{Score: name, N: len(diffs), Run: sumR / n, Baseline: sumB / n}
		c.Diff = c.Run - c.Baseline
		ci := boot.MeanCI(diffs)
		c.Low, c.High = ci.Low, ci.High
		switch {
		case -c.Diff <= opt.MaxDrop:
			c.Reason = fmt.Sprintf("mean change %+.4f within the allowed drop %.4f", c.Diff, opt.MaxDrop)
		case c.High >= 0:
			c.Reason = fmt.Sprintf("mean change %+.4f, but the 95%% interval [%+.4f, %+.4f] includes 0: noise", c.Diff, c.Low, c.High)
		default:
			c.Regressed = true
			c.Reason = fmt.Sprintf("mean dropped %.4f > %.4f, 95%% interval [%+.4f, %+.4f]", -c.Diff, opt.MaxDrop, c.Low, c.High)
		}
		rep.Scores = append(rep.Scores, c)
	}
	names := make([]string, 0, len(opt.Min))
	for n := range opt.Min {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		sum, cnt := 0.0, 0
		for _, r := range run {
			if r.Scores == nil {
				continue
			}
			if v, ok := r.Scores.Get(name); ok {
				sum += v
				cnt++
			}
		}
		t := ThresholdCheck{Score: name, Min: opt.Min[name]}
		if cnt == 0 {
			t.Failed, t.Reason = true, "no pair has this score"
		} else {
			t.Mean = sum / float64(cnt)
			t.Failed = t.Mean < t.Min
			t.Reason = fmt.Sprintf("mean %.4f %s minimum %.4f", t.Mean, map[bool]string{true: "<", false: ">="}[t.Failed], t.Min)
		}
		rep.Thresholds = append(rep.Thresholds, t)
	}
	for _, p := range pairs {
		d := p[1].Scores.Overall - p[0].Scores.Overall
		if d > opt.PairDrop {
			rep.Drops = append(rep.Drops, PairDrop{ID: p[0].ID, Baseline: p[1].Scores.Overall, Run: p[0].Scores.Overall, Drop: d})
		}
	}
	sort.SliceStable(rep.Drops, func(i, j int) bool { return rep.Drops[i].Drop > rep.Drops[j].Drop })
	return rep, nil
}
