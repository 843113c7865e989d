package results

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"text/tabwriter"

	"github.com/kgeval/kgeval/internal/stats"
	"github.com/kgeval/kgeval/scorers"
)

// collect keeps one record's scores for Stats.
func (s *Summary) collect(sc *scorers.Scores) {
	names := scorers.Names()
	if s.values == nil {
		s.values = make([][]float64, len(names))
	}
	for k, name := range names {
		v, ok := sc.Get(name)
		if !ok {
			v = math.NaN()
		}
		s.values[k] = append(s.values[k], v)
	}
}

// RunStats are the statistics of a run: counts, and for every score that
// some pair has, its mean, median and bootstrap interval of the mean.
type RunStats struct {
	Pairs       int                   `json:"pairs"`
	OK          int                   `json:"ok"`
	Errors      int                   `json:"errors"`
	JudgeFailed int                   `json:"judge_failed,omitempty"`
	Bootstrap   BootstrapInfo         `json:"bootstrap"`
	Scores      map[string]ScoreStats `json:"scores"`
	order       []string
}

// BootstrapInfo says how the intervals were computed.
type BootstrapInfo struct {
	Resamples int     `json:"resamples"`
	Level     float64 `json:"level"`
	Seed      uint64  `json:"seed"`
}

// ScoreStats describe one score over the pairs that have it.
type ScoreStats struct {
	N      int            `json:"n"`
	Mean   float64        `json:"mean"`
	Median float64        `json:"median"`
	CI     stats.Interval `json:"ci"`
}

// Stats computes the run statistics; the summary must have been built with
// Collect set for medians and intervals (without it, they are the mean). The
// intervals resample the pairs jointly for all scores.
func (s *Summary) Stats(b stats.Bootstrap) *RunStats {
	if b.Resamples <= 0 {
		b.Resamples = stats.DefaultResamples
	}
	if b.Level <= 0 || b.Level >= 1 {
		b.Level = stats.DefaultLevel
	}
	if b.Seed == 0 {
		b.Seed = stats.DefaultSeed
	}
	rs := &RunStats{Pairs: s.Pairs, OK: s.OK, Errors: s.Errors, JudgeFailed: s.JudgeFailed,
		Bootstrap: BootstrapInfo{b.Resamples, b.Level, b.Seed}, Scores: map[string]ScoreStats{}}
	names := scorers.Names()
	var cis []stats.Interval
	if s.values != nil {
		cis = b.MeanCIs(s.values)
	}
	for k, name := range names {
		mean, ok := s.Mean(name)
		if !ok {
			continue
		}
		st := ScoreStats{N: s.counts[name], Mean: mean, Median: mean, CI: stats.Interval{Low: mean, High: mean}}
		if s.values != nil {
			var present []float64
			for _, v := range s.values[k] {
				if !math.IsNaN(v) {
					present = append(present, v)
				}
			}
			st.Median, st.CI = stats.Median(present), cis[k]
		}
		rs.Scores[name] = st
		rs.order = append(rs.order, name)
	}
	return rs
}

// WriteJSON writes the statistics as one indented JSON object.
func (rs *RunStats) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(rs, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// WriteTable writes the statistics as an aligned table for people, one
// score a line.
func (rs *RunStats) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "SCORE\tN\tMEAN\tMEDIAN\t%g%% CI (bootstrap, %d resamples)\n", rs.Bootstrap.Level*100, rs.Bootstrap.Resamples)
	for _, name := range rs.order {
		st := rs.Scores[name]
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.3f\t[%.3f, %.3f]\n", name, st.N, st.Mean, st.Median, st.CI.Low, st.CI.High)
	}
	return tw.Flush()
}
