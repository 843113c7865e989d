package judge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
)

// Message is one chat message.
type Message struct {
	Role    string `json:"role"` // system, user or assistant
	Content string `json:"content"`
}

// Request is one chat completion request. Temperature and Seed are always
// sent, so that a run can be repeated.
type Request struct {
	Messages    []Message `json:"messages"`
	Temperature float64   `json:"temperature"`
	Seed        int       `json:"seed"`
	MaxTokens   int       `json:"max_tokens"`
	// Schema, when set, asks for structured output under this JSON Schema
	// (named SchemaName); a client may fall back to plain text on a server
	// that does not support it.
	Schema     json.RawMessage `json:"schema,omitempty"`
	SchemaName string          `json:"schema_name,omitempty"`
}

// Reply is a model's answer.
type Reply struct {
	Text string `json:"text"`
	// Structured reports that the server was asked for, and accepted,
	// structured output.
	Structured bool `json:"structured"`
	// Truncated reports that the reply stopped at the token limit.
	Truncated bool `json:"truncated,omitempty"`
}

// Completer sends one chat request to a model. Implementations retry
// transport failures themselves and wrap what remains in ErrService.
type Completer interface {
	Complete(ctx context.Context, req *Request) (*Reply, error)
}

// Options are the sampling settings of the LLM judge. The zero value asks
// for one greedy sample (temperature 0, seed 0), three attempts per sample
// and the mean.
type Options struct {
	Temperature float64
	// Seed of the first sample; sample i uses Seed+i.
	Seed int
	// Samples per grade (0 means 1); with more than one, use a
	// temperature above 0 or they will agree trivially.
	Samples int
	// Aggregate is Mean (default) or Majority.
	Aggregate string
	// MaxAttempts bounds the replies requested per sample: the first and
	// the retries of unparseable ones (0 means 3).
	MaxAttempts int
	// MaxTokens bounds each reply (0 means 1024).
	MaxTokens int
}

// LLM is the LLM judge: Prometheus-format prompts to any OpenAI-compatible
// model, strict parsing, bounded retries, k samples, both orders for
// relative grading.
type LLM struct {
	Client Completer
	Rubric *Rubric
	// Ground adds the graph diff of each pair to the prompt as evidence.
	Ground bool
	// Structured asks for JSON Schema output (the client falls back to
	// the [RESULT] form on servers without it).
	Structured bool
	Options    Options
}

var _ Grader = (*LLM)(nil)

// systemPrompt is the judge's role, in this project's words.
const systemPrompt = "You are an impartial evaluator. You judge responses only by the score rubric you are given, and you answer in exactly the output format you are asked for."

var (
	absoluteSchema = json.RawMessage(`{"type":"object","properties":{"feedback":{"type":"string"},"result":{"type":"integer","enum":[1,2,3,4,5]}},"required":["feedback","result"],"additionalProperties":false}`)
	relativeSchema = json.RawMessage(`{"type":"object","properties":{"feedback":{"type":"string"},"result":{"type":"string","enum":["A","B"]}},"required":["feedback","result"],"additionalProperties":false}`)
)

func (j *LLM) samples() int {
	if j.Options.Samples < 1 {
		return 1
	}
	return j.Options.Samples
}

// Grade grades a scored pair: the candidate as the response, the
// reference as the answer that earns 5, the pair's context with the
// instruction and, when Ground is set, the graph diff as evidence.
func (j *LLM) Grade(ctx context.Context, in *Input) (*Verdict, error) {
	if j.Rubric == nil {
		return nil, &Failure{Reason: "no rubric"}
	}
	a := &Absolute{
		Instruction: instructionFor(in, j.Rubric),
		Response:    in.Candidate,
		Reference:   in.Reference,
		Rubric:      j.Rubric,
	}
	if j.Ground && in.Diff != nil {
		a.Evidence = RenderDiff(in.Diff, 12)
	}
	return j.Absolute(ctx, a)
}

// instructionFor is the pair's instruction, or the rubric's, followed by
// the pair's context.
func instructionFor(in *Input, r *Rubric) string {
	s := in.Instruction
	if s == "" && r != nil {
		s = r.Instruction
	}
	if len(in.Context) == 0 {
		return s
	}
	keys := make([]string, 0, len(in.Context))
	for k := range in.Context {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s: %v", k, in.Context[k]))
	}
	return s + "\n\nContext: " + strings.Join(parts, "; ")
}

// Absolute grades one response: k samples, each parsed strictly and
// retried when unparseable, then aggregated. Any sample that stays
// unparseable fails the whole grade with a *Failure holding its raw text.
func (j *LLM) Absolute(ctx context.Context, a *Absolute) (*Verdict, error) {
	v := &Verdict{}
	var feedbacks []string
	for i := 0; i < j.samples(); i++ {
		fb, res, n, err := j.sample(ctx, a.Prompt, j.Options.Seed+i, absoluteSchema, "prometheus_absolute", absoluteCorrection, parseAbsoluteText)
		v.Attempts += n
		if err != nil {
			return nil, sampleErr(err, i, j.samples(), v.Attempts)
		}
		v.Samples = append(v.Samples, int(res[0]-'0'))
		feedbacks = append(feedbacks, fb)
	}
	var err error
	v.Score, v.Spread, err = Aggregate(v.Samples, j.Options.Aggregate)
	if err != nil {
		return nil, err
	}
	// The feedback of the sample nearest the aggregate.
	best := 0
	for i, s := range v.Samples {
		if math.Abs(float64(s)-v.Score) < math.Abs(float64(v.Samples[best])-v.Score) {
			best = i
		}
	}
	v.Feedback = feedbacks[best]
	return v, nil
}

// parseAbsoluteText adapts ParseAbsolute to the sampler.
func parseAbsoluteText(reply string) (string, string, error) {
	fb, n, err := ParseAbsolute(reply)
	if err != nil {
		return "", "", err
	}
	return fb, string(rune('0' + n)), nil
}

// Relative compares two responses in both orders, k samples each. Each
// order's majority is its verdict; the winner stands only when both orders
// name it, and any disagreement (position bias) is a tie.
func (j *LLM) Relative(ctx context.Context, r *Relative) (*Preference, error) {
	p := &Preference{}
	for o, task := range []*Relative{r, r.Swap()} {
		ov := OrderVerdict{}
		for i := 0; i < j.samples(); i++ {
			fb, res, n, err := j.sample(ctx, task.Prompt, j.Options.Seed+i, relativeSchema, "prometheus_relative", relativeCorrection, ParseRelative)
			p.Attempts += n
			if err != nil {
				return nil, sampleErr(err, i, j.samples(), p.Attempts)
			}
			if o == 1 { // undo the swap
				res = map[string]string{WinnerA: WinnerB, WinnerB: WinnerA}[res]
			}
			ov.Votes = append(ov.Votes, res)
			if ov.Feedback == "" {
				ov.Feedback = fb
			}
		}
		ov.Winner = majorityVote(ov.Votes)
		p.Orders[o] = ov
	}
	combineOrders(p)
	return p, nil
}

func sampleErr(err error, i, k, attempts int) error {
	var f *Failure
	if errors.As(err, &f) {
		g := *f
		if k > 1 {
			g.Reason = fmt.Sprintf("sample %d of %d: %s", i+1, k, f.Reason)
		}
		g.Attempts = attempts
		return &g
	}
	return err
}

// Corrections sent after an unparseable reply, in the form asked for:
// [0] the [RESULT] form, [1] structured output.
var (
	absoluteCorrection = [2]string{
		`Your reply could not be read: %s. Write short feedback (a few sentences), then the score, in exactly this form: "Feedback: (your feedback) [RESULT] (an integer from 1 to 5)"`,
		`Your reply could not be read: %s. Answer again with one complete JSON object: "feedback", two or three sentences, and "result", an integer from 1 to 5.`,
	}
	relativeCorrection = [2]string{
		`Your reply could not be read: %s. Write short feedback (a few sentences), then your choice, in exactly this form: "Feedback: (your feedback) [RESULT] (A or B)"`,
		`Your reply could not be read: %s. Answer again with one complete JSON object: "feedback", two or three sentences, and "result", "A" or "B".`,
	}
)

// sample asks for one reply and parses it; an unparseable reply is shown
// back to the model with the parse error and the format, up to
// MaxAttempts replies in all. It returns the feedback, the result and the
// number of replies requested.
func (j *LLM) sample(ctx context.Context, prompt func(structured bool) string, seed int, schema json.RawMessage, schemaName string, correction [2]string, parse func(string) (string, string, error)) (string, string, int, error) {
	maxAttempts := j.Options.MaxAttempts
	if maxAttempts < 1 {
		maxAttempts = 3
	}
	maxTokens := j.Options.MaxTokens
	if maxTokens < 1 {
		maxTokens = 1024
	}
	structured := j.Structured
	if sr, ok := j.Client.(interface{ StructuredOutput() bool }); ok && !sr.StructuredOutput() {
		structured = false // the server refused it: ask for the [RESULT] form
	}
	base := []Message{{Role: "system", Content: systemPrompt}, {Role: "user", Content: prompt(structured)}}
	msgs := base
	var raw string
	var lastErr error
	for a := 1; a <= maxAttempts; a++ {
		req := &Request{Messages: msgs, Temperature: j.Options.Temperature, Seed: seed, MaxTokens: maxTokens}
		if structured {
			req.Schema, req.SchemaName = schema, schemaName
		}
		rep, err := j.Client.Complete(ctx, req)
		if err != nil {
			return "", "", a, fmt.Errorf("judge request: %w", err)
		}
		raw = rep.Text
		fb, res, err := parse(raw)
		if err == nil {
			return fb, res, a, nil
		}
		if rep.Truncated {
			err = fmt.Errorf("%w; the reply was cut off at the token limit (%d)", err, maxTokens)
		}
		lastErr = err
		reason := strings.TrimPrefix(err.Error(), ErrUnparseable.Error()+": ")
		form := 0
		if structured {
			form = 1
		}
		msgs = append(append([]Message{}, base...),
			Message{Role: "assistant", Content: raw},
			Message{Role: "user", Content: fmt.Sprintf(correction[form], reason)})
	}
	return "", "", maxAttempts, &Failure{Reason: lastErr.Error(), Raw: raw, Attempts: maxAttempts}
}
