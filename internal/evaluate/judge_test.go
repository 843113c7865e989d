package evaluate

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/kgeval/kgeval/internal/pairs"
	"github.com/kgeval/kgeval/internal/results"
	"github.com/kgeval/kgeval/scorers/judge"
)

// stubJudge returns a fixed verdict or error and keeps what it was given.
type stubJudge struct {
	v   *judge.Verdict
	err error
	in  *judge.Input
}

func (s *stubJudge) Grade(_ context.Context, in *judge.Input) (*judge.Verdict, error) {
	s.in = in
	return s.v, s.err
}

func TestPairJudge(t *testing.T) {
	p := pairs.Pair{ID: "p", Reference: report, Candidate: report, Context: map[string]any{"age": 80.0}}

	t.Run("verdict", func(t *testing.T) {
		c := radiology(t)
		stub := &stubJudge{v: &judge.Verdict{Score: 4, Feedback: "minor", Samples: []int{4, 4}}}
		c.Judge = stub
		rec := c.Pair(context.Background(), p)
		// Rubric 4 maps to (4 - 1) / 4 = 0.75.
		if rec.Scores.Judge == nil || *rec.Scores.Judge != 0.75 || rec.Judge == nil || *rec.Judge.Score != 4 || rec.Judge.Feedback != "minor" {
			t.Fatalf("record %+v, judge %+v", rec.Scores, rec.Judge)
		}
		if strings.Join(rec.Components, ",") != "nsc,ams,scs,judge" {
			t.Errorf("components %v, want the judge among them", rec.Components)
		}
		// The judge saw the pair, its context, both graphs and the diff.
		if stub.in.ID != "p" || stub.in.Context["age"] != 80.0 || stub.in.RefGraph == nil || stub.in.CandGraph == nil || stub.in.Diff == nil {
			t.Errorf("judge input %+v", stub.in)
		}
	})
	t.Run("failure", func(t *testing.T) {
		c := radiology(t)
		c.Judge = &stubJudge{err: &judge.Failure{Reason: "unparseable judge reply: no [RESULT] marker", Raw: "I like it.", Attempts: 3}}
		rec := c.Pair(context.Background(), p)
		if rec.Status != results.StatusOK || rec.Scores.Judge != nil {
			t.Fatalf("a judge failure keeps the graph scores and a null judge: %+v", rec)
		}
		if rec.Judge == nil || rec.Judge.Score != nil || !strings.Contains(rec.Judge.Error, "no [RESULT] marker") || rec.Judge.Raw != "I like it." || rec.Judge.Attempts != 3 {
			t.Errorf("judge object %+v", rec.Judge)
		}
		if strings.Join(rec.Components, ",") != "nsc,ams,scs" {
			t.Errorf("components %v: the failed judge must drop out", rec.Components)
		}
		var sum results.Summary
		sum.Add(rec)
		if sum.JudgeFailed != 1 || sum.OK != 1 {
			t.Errorf("summary %+v", sum)
		}
	})
	t.Run("service error", func(t *testing.T) {
		c := radiology(t)
		c.Judge = &stubJudge{err: errors.Join(judge.ErrService, errors.New("connection refused"))}
		rec := c.Pair(context.Background(), p)
		if rec.Scores.Judge != nil || rec.Judge == nil || !strings.Contains(rec.Judge.Error, "connection refused") {
			t.Errorf("record %+v, judge %+v", rec.Scores, rec.Judge)
		}
	})
	t.Run("rules judge", func(t *testing.T) {
		c := radiology(t)
		r, err := judge.BuiltinRubric("radiology")
		if err != nil {
			t.Fatal(err)
		}
		j, err := judge.NewRules(c.Scoring.Ontology, r)
		if err != nil {
			t.Fatal(err)
		}
		c.Judge = j
		same := c.Pair(context.Background(), p)
		// Dropping the effusion, actionable (2), costs level 3: (3-1)/4.
		drop := c.Pair(context.Background(), pairs.Pair{ID: "q", Reference: report, Candidate: "No pneumothorax. Mild cardiomegaly. ETT tip 4 cm above the carina."})
		if *same.Scores.Judge != 1 || *drop.Scores.Judge != 0.5 || *drop.Judge.Penalty != 2 {
			t.Errorf("identical %v, effusion dropped %v (%s)", *same.Scores.Judge, *drop.Scores.Judge, drop.Judge.Feedback)
		}
	})
}
