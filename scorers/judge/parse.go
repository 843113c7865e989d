package judge

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// ErrUnparseable is wrapped by every parse error: the reply holds no
// score that can be read without guessing.
var ErrUnparseable = errors.New("unparseable judge reply")

// resultMarker is the Prometheus marker that precedes the score.
const resultMarker = "[RESULT]"

// endTokens are end-of-sequence markers some servers leave in the text.
var endTokens = []string{"</s>", "<eos>", "<end_of_turn>", "<|eot_id|>", "<|im_end|>", "<|end|>", "<|endoftext|>"}

var (
	// After the marker: the score and nothing else but an optional colon,
	// brackets around it and a full stop.
	absoluteTail = regexp.MustCompile(`^:?\s*[(\[]?\s*([1-5])\s*[)\]]?\s*\.?$`)
	relativeTail = regexp.MustCompile(`^:?\s*[(\["']?\s*(?:Response\s+)?([AB])\s*[)\]"']?\s*\.?$`)
	feedbackHead = regexp.MustCompile(`(?i)^\s*(?:###\s*)?feedback\s*:\s*`)
)

// ParseAbsolute reads an absolute grading reply: either the JSON object of
// the output schema, {"feedback": "...", "result": N}, exactly, or the
// Prometheus form "Feedback: ... [RESULT] N". It is strict: one marker,
// and after it only the integer from 1 to 5 (optionally after a colon,
// in brackets, with a full stop). Anything else is an error wrapping
// ErrUnparseable; it never guesses a score.
func ParseAbsolute(reply string) (feedback string, score int, err error) {
	feedback, res, err := parseReply(reply, absoluteTail)
	if err != nil {
		return "", 0, err
	}
	return feedback, int(res[0] - '0'), nil
}

// ParseRelative reads a relative grading reply, {"feedback": "...",
// "result": "A"} or "Feedback: ... [RESULT] A", as strictly as
// ParseAbsolute. The winner is "A" or "B".
func ParseRelative(reply string) (feedback, winner string, err error) {
	return parseReply(reply, relativeTail)
}

func parseReply(reply string, tail *regexp.Regexp) (feedback, result string, err error) {
	t := trimEnd(reply)
	if t == "" {
		return "", "", fmt.Errorf("%w: empty reply", ErrUnparseable)
	}
	if strings.HasPrefix(t, "{") {
		return parseJSONReply(t, tail) // structured output, or an attempt at it
	}
	n := strings.Count(t, resultMarker)
	switch {
	case n == 0:
		return "", "", fmt.Errorf("%w: no %s marker", ErrUnparseable, resultMarker)
	case n > 1:
		return "", "", fmt.Errorf("%w: %d %s markers", ErrUnparseable, n, resultMarker)
	}
	i := strings.Index(t, resultMarker)
	after := strings.TrimSpace(t[i+len(resultMarker):])
	m := tail.FindStringSubmatch(after)
	if m == nil {
		return "", "", fmt.Errorf("%w: %q after %s", ErrUnparseable, clip(after, 40), resultMarker)
	}
	feedback = strings.TrimSpace(feedbackHead.ReplaceAllString(t[:i], ""))
	if isPlaceholder(feedback) {
		return "", "", fmt.Errorf("%w: the feedback is the format's placeholder", ErrUnparseable)
	}
	return feedback, m[1], nil
}

// isPlaceholder recognizes feedback copied from the output format of the
// prompt ("(your feedback)"): a reply that fills in the template instead
// of judging is not a judgement.
func isPlaceholder(feedback string) bool {
	f := strings.ToLower(strings.Trim(strings.TrimSpace(feedback), `()"'.`))
	return f == "your feedback" || f == "write a feedback for criteria" || f == "write feedback"
}

// parseJSONReply decodes the structured-output object: exactly the fields
// feedback (a string) and result (an integer 1..5, or "A"/"B").
func parseJSONReply(t string, tail *regexp.Regexp) (string, string, error) {
	var obj struct {
		Feedback *string         `json:"feedback"`
		Result   json.RawMessage `json:"result"`
	}
	dec := json.NewDecoder(strings.NewReader(t))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&obj); err != nil {
		return "", "", fmt.Errorf("%w: JSON reply: %v", ErrUnparseable, err)
	}
	if dec.More() {
		return "", "", fmt.Errorf("%w: JSON reply has trailing data", ErrUnparseable)
	}
	if obj.Feedback == nil || obj.Result == nil {
		return "", "", fmt.Errorf("%w: JSON reply needs feedback and result", ErrUnparseable)
	}
	res := string(bytes.TrimSpace(obj.Result))
	var s string
	if json.Unmarshal(obj.Result, &s) == nil {
		res = s // "A", "B"; a quoted number is not accepted below for scores
		if tail == absoluteTail {
			return "", "", fmt.Errorf("%w: JSON result %s is a string, want an integer", ErrUnparseable, obj.Result)
		}
	}
	m := tail.FindStringSubmatch(res)
	if m == nil || m[1] != res {
		return "", "", fmt.Errorf("%w: JSON result %s out of range", ErrUnparseable, clip(string(obj.Result), 40))
	}
	if isPlaceholder(*obj.Feedback) {
		return "", "", fmt.Errorf("%w: the feedback is the format's placeholder", ErrUnparseable)
	}
	return strings.TrimSpace(*obj.Feedback), m[1], nil
}

// trimEnd removes surrounding space and trailing end-of-sequence tokens.
func trimEnd(s string) string {
	s = strings.TrimSpace(s)
	for {
		cut := false
		for _, tok := range endTokens {
			if strings.HasSuffix(s, tok) {
				s = strings.TrimSpace(strings.TrimSuffix(s, tok))
				cut = true
			}
		}
		if !cut {
			return s
		}
	}
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "..."
}
