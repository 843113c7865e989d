// Package judge grades a generated document against its reference with a
// rubric, in the manner of Prometheus (Kim et al. 2023): a criterion and
// five score descriptions give a score from 1 to 5 with written feedback
// (absolute grading), or a preference between two responses (relative
// grading).
//
// Two judges implement it. Rules is offline: its rubric levels are
// weighted counts of the graph diff (scorers.ComputeDiff), with clinical or
// legal significance from the ontology and patient context from the pair.
// LLM asks any OpenAI-compatible model in the published Prometheus prompt
// format, grounded by default in the same diff, and parses its reply
// strictly: structured output where the server supports it, else the
// "[RESULT] N" form. An unparseable reply is retried a bounded number of
// times and then reported as a *Failure carrying the raw text; no judge in
// this package ever substitutes a default score.
package judge

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/kgeval/kgeval/graph"
	"github.com/kgeval/kgeval/scorers"
)

// Input is what a judge sees of one scored pair. The graphs and the diff
// are optional for the LLM judge (without them it grades the texts alone)
// and required by the rules judge (which computes the diff from the graphs
// when Diff is nil).
type Input struct {
	ID string
	// Instruction is the task the candidate answered; empty means the
	// rubric's own instruction.
	Instruction          string
	Reference, Candidate string
	// Context (age, indication, ...) is shown to the LLM judge and feeds
	// the ontology's context rules in the rules judge.
	Context             map[string]any
	RefGraph, CandGraph *graph.Graph
	Diff                *scorers.Diff
}

// Grader grades one pair on its rubric.
type Grader interface {
	Grade(ctx context.Context, in *Input) (*Verdict, error)
}

// Verdict is an absolute grade: a rubric score from 1 to 5 aggregated over
// one or more samples, with the feedback that goes with it.
type Verdict struct {
	// Score is the aggregate of Samples (mean or majority), in [1, 5].
	Score    float64 `json:"score"`
	Feedback string  `json:"feedback"`
	Samples  []int   `json:"samples"`
	// Spread is the population standard deviation of Samples (0 for one).
	Spread float64 `json:"spread"`
	// Attempts is the number of replies requested in all, retries
	// included (0 for the rules judge).
	Attempts int `json:"attempts,omitempty"`
	// Penalty is the rules judge's weighted error behind the level.
	Penalty *float64 `json:"penalty,omitempty"`
}

// Normalized maps the rubric score to [0, 1]: (score - 1) / 4, the judge
// component of scorers.Scores.
func (v *Verdict) Normalized() float64 { return (v.Score - 1) / 4 }

// Winner values of relative grading.
const (
	WinnerA   = "A"
	WinnerB   = "B"
	WinnerTie = "tie"
)

// Preference is a relative grade. Responses are graded in both orders; a
// winner stands only when both orders agree, any disagreement is a tie.
type Preference struct {
	Winner   string `json:"winner"`
	Feedback string `json:"feedback"`
	// Orders holds the verdict of each order, in the original labels:
	// Orders[0] with A shown first, Orders[1] with B shown first.
	Orders [2]OrderVerdict `json:"orders"`
	// Consistent is false when the two orders disagreed.
	Consistent bool `json:"consistent"`
	Attempts   int  `json:"attempts,omitempty"`
}

// OrderVerdict is one presentation order's outcome: the votes of its
// samples ("A" or "B" in the original labels) and their majority ("tie"
// on equal votes).
type OrderVerdict struct {
	Votes    []string `json:"votes"`
	Winner   string   `json:"winner"`
	Feedback string   `json:"feedback"`
}

// Failure is a judge that could not produce a grade: every reply of a
// sample was unparseable, or the input cannot be graded. Raw is the last
// reply as received.
type Failure struct {
	Reason   string
	Raw      string
	Attempts int
}

func (f *Failure) Error() string {
	if f.Attempts > 0 {
		return fmt.Sprintf("judge: %s (after %d attempts)", f.Reason, f.Attempts)
	}
	return "judge: " + f.Reason
}

// ErrService marks a failure of the judge's server after retries
// (connection refused, timeouts, 5xx): the command line turns it into exit
// status 3.
var ErrService = errors.New("judge service failed")

// Aggregation names.
const (
	Mean     = "mean"
	Majority = "majority"
)

// Aggregate combines sample scores into one: the mean, or the majority
// (the most frequent score; on a tie between frequencies, the tied score
// nearest the mean, then the lower). It also returns the population
// standard deviation of the samples.
func Aggregate(samples []int, how string) (score, spread float64, err error) {
	if len(samples) == 0 {
		return 0, 0, errors.New("judge: no samples to aggregate")
	}
	mean := 0.0
	for _, s := range samples {
		mean += float64(s)
	}
	mean /= float64(len(samples))
	for _, s := range samples {
		d := float64(s) - mean
		spread += d * d
	}
	spread = math.Sqrt(spread / float64(len(samples)))
	switch how {
	case "", Mean:
		return mean, spread, nil
	case Majority:
		count := map[int]int{}
		for _, s := range samples {
			count[s]++
		}
		vals := make([]int, 0, len(count))
		for v := range count {
			vals = append(vals, v)
		}
		sort.Slice(vals, func(i, j int) bool {
			a, b := vals[i], vals[j]
			if count[a] != count[b] {
				return count[a] > count[b]
			}
			da, db := math.Abs(float64(a)-mean), math.Abs(float64(b)-mean)
			if da != db {
				return da < db
			}
			return a < b
		})
		return float64(vals[0]), spread, nil
	}
	return 0, 0, fmt.Errorf("judge: unknown aggregation %q (want mean or majority)", how)
}

// majorityVote is the winner of votes for "A" and "B"; equal counts tie.
func majorityVote(votes []string) string {
	a, b := 0, 0
	for _, v := range votes {
		switch v {
		case WinnerA:
			a++
		case WinnerB:
			b++
		}
	}
	switch {
	case a > b:
		return WinnerA
	case b > a:
		return WinnerB
	}
	return WinnerTie
}

// combineOrders is the final preference of two orders: their common
// winner, or a tie when they disagree or either is a tie.
func combineOrders(p *Preference) {
	w0, w1 := p.Orders[0].Winner, p.Orders[1].Winner
	p.Consistent = w0 == w1
	if w0 == w1 && w0 != WinnerTie {
		p.Winner = w0
	} else {
		p.Winner = WinnerTie
	}
	p.Feedback = p.Orders[0].Feedback
	if p.Winner != WinnerTie && p.Orders[0].Winner != p.Winner {
		p.Feedback = p.Orders[1].Feedback
	}
}
