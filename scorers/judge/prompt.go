package judge

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Absolute is one absolute grading task: a response to an instruction,
// graded on a rubric, with an optional reference answer (the response that
// earns 5) and optional evidence (the graph diff).
type Absolute struct {
	Instruction string
	Response    string
	Reference   string
	// Rubric is the score rubric; RubricText, when set, is shown instead
	// (a rubric block read verbatim from a Prometheus item).
	Rubric     *Rubric
	RubricText string
	Evidence   string
	// Verbatim, when set, is a complete prompt sent as it is (a
	// Prometheus item's own text, kgeval judge --verbatim).
	Verbatim string
}

// Relative is one relative grading task: two responses to the same
// instruction, compared on a rubric's criterion.
type Relative struct {
	Instruction          string
	ResponseA, ResponseB string
	Reference            string
	Rubric               *Rubric
	RubricText           string
	// EvidenceA and EvidenceB are the graph diffs of each response
	// against the reference.
	EvidenceA, EvidenceB string
}

// The section headers of the Prometheus prompt format. Prometheus-family
// models are trained on them, so they are kept exactly; the task
// description under the first header is this project's own wording.
const (
	hTask        = "###Task Description:"
	hInstruction = "###The instruction to evaluate:"
	hResponse    = "###Response to evaluate:"
	hReference   = "###Reference Answer (Score 5):"
	hRubrics     = "###Score Rubrics:"
	hFeedback    = "###Feedback: "
	// Relative grading (Prometheus 2).
	hRelInstruction = "###Instruction:"
	hResponseA      = "###Response A:"
	hResponseB      = "###Response B:"
	hRelReference   = "###Reference Answer:"
	hRelRubric      = "###Score Rubric:"
	// Grounding: kgeval's own section, placed before the rubric.
	hEvidence = "###Differences found by comparing knowledge graphs:"
)

func (a *Absolute) rubricText() string {
	if a.RubricText != "" {
		return a.RubricText
	}
	if a.Rubric == nil {
		return ""
	}
	return a.Rubric.Text()
}

// Prompt is the absolute grading prompt. With structured set, the reply
// asked for is the JSON object of the output schema instead of the
// "Feedback: ... [RESULT] N" line.
func (a *Absolute) Prompt(structured bool) string {
	if a.Verbatim != "" {
		return a.Verbatim
	}
	var b strings.Builder
	b.WriteString(hTask + "\n")
	given := "an instruction (which may contain an input), a response to it"
	if a.Reference != "" {
		given += ", a reference answer that earns a score of 5"
	}
	if a.Evidence != "" {
		given += ", the differences an automatic comparison found between the response and the reference"
	}
	fmt.Fprintf(&b, "You are given %s, and a score rubric with one evaluation criterion.\n", given)
	b.WriteString("1. Write feedback that assesses the response strictly against the score rubric, not its general quality.\n")
	b.WriteString("2. Then give the response a score, an integer from 1 to 5, using the descriptions of the rubric.\n")
	if structured {
		b.WriteString(`3. Reply with one JSON object with two fields: "feedback", your feedback as a string, and "result", the score as an integer from 1 to 5.` + "\n")
	} else {
		b.WriteString(`3. Reply in exactly this form: "Feedback: (your feedback) [RESULT] (an integer from 1 to 5)"` + "\n")
	}
	b.WriteString("4. Write nothing before or after it.\n")
	if a.Evidence != "" {
		b.WriteString("5. The differences are evidence extracted automatically and may contain mistakes: check them against the texts.\n")
	}
	section(&b, hInstruction, a.Instruction)
	section(&b, hResponse, a.Response)
	if a.Reference != "" {
		section(&b, hReference, a.Reference)
	}
	if a.Evidence != "" {
		section(&b, hEvidence, a.Evidence)
	}
	section(&b, hRubrics, a.rubricText())
	b.WriteString("\n" + hFeedback)
	return b.String()
}

// sectionStart is "###" at the start of a line: a body's are indented, so
// that a response cannot open a section (a forged rubric or reference).
var sectionStart = regexp.MustCompile(`(?m)^[ \t]*###`)

func section(b *strings.Builder, header, body string) {
	fmt.Fprintf(b, "\n%s\n%s\n", header, sectionStart.ReplaceAllString(strings.TrimSpace(body), " ###"))
}

// Swap returns the task with the two responses exchanged.
func (r *Relative) Swap() *Relative {
	s := *r
	s.ResponseA, s.ResponseB = r.ResponseB, r.ResponseA
	s.EvidenceA, s.EvidenceB = r.EvidenceB, r.EvidenceA
	return &s
}

// Prompt is the relative grading prompt (the Prometheus 2 format).
func (r *Relative) Prompt(structured bool) string {
	var b strings.Builder
	b.WriteString(hTask + "\n")
	given := "an instruction (which may contain an input), two responses to it (Response A and Response B)"
	if r.Reference != "" {
		given += ", a reference answer"
	}
	if r.EvidenceA != "" || r.EvidenceB != "" {
		given += ", the differences an automatic comparison found between each response and the reference"
	}
	fmt.Fprintf(&b, "You are given %s, and a score rubric with one evaluation criterion.\n", given)
	b.WriteString("1. Write feedback that compares the two responses strictly against the score rubric, not their general quality.\n")
	b.WriteString("2. Then choose the better response, A or B, using the rubric.\n")
	if structured {
		b.WriteString(`3. Reply with one JSON object with two fields: "feedback", your feedback as a string, and "result", the better response as "A" or "B".` + "\n")
	} else {
		b.WriteString(`3. Reply in exactly this form: "Feedback: (your feedback) [RESULT] (A or B)"` + "\n")
	}
	b.WriteString("4. Write nothing before or after it.\n")
	section(&b, hRelInstruction, r.Instruction)
	section(&b, hResponseA, r.ResponseA)
	section(&b, hResponseB, r.ResponseB)
	if r.Reference != "" {
		section(&b, hRelReference, r.Reference)
	}
	if r.EvidenceA != "" || r.EvidenceB != "" {
		section(&b, hEvidence, "Response A:\n"+orNone(r.EvidenceA)+"\n\nResponse B:\n"+orNone(r.EvidenceB))
	}
	rubric := r.RubricText
	if rubric == "" && r.Rubric != nil {
		rubric = r.Rubric.Text()
	}
	section(&b, hRelRubric, rubric)
	b.WriteString("\n" + hFeedback)
	return b.String()
}

func orNone(s string) string {
	if strings.TrimSpace(s) == "" {
		return "(none)"
	}
	return s
}

// ErrNotPrometheus is returned by ParsePrompt for text that is not an
// absolute grading prompt in the Prometheus format.
var ErrNotPrometheus = errors.New("not a Prometheus absolute grading prompt")

var scoreLine = regexp.MustCompile(`(?m)^Score ([1-5]):[ \t]*`)

// ParsePrompt splits a Prometheus absolute grading prompt (the
// "instruction" of the published evaluation sets) into its parts: the
// instruction, the response, the reference answer when present, and the
// rubric, kept verbatim in RubricText and also parsed into Rubric.
func ParsePrompt(text string) (*Absolute, error) {
	type part struct {
		header string
		need   bool
		dst    *string
	}
	a := &Absolute{}
	var rubric string
	parts := []part{
		{hInstruction, true, &a.Instruction},
		{hResponse, true, &a.Response},
		{hReference, false, &a.Reference},
		{hRubrics, true, &rubric},
	}
	end := strings.LastIndex(text, strings.TrimSpace(hFeedback))
	if end < 0 {
		return nil, fmt.Errorf("%w: no %q section", ErrNotPrometheus, strings.TrimSpace(hFeedback))
	}
	// Each section runs from its header to the next header present; the
	// headers must come in order.
	pos := make([]int, len(parts))
	from := 0
	for i, p := range parts {
		j := strings.Index(text[from:end], p.header)
		if j < 0 {
			if p.need {
				return nil, fmt.Errorf("%w: no %q section", ErrNotPrometheus, p.header)
			}
			pos[i] = -1
			continue
		}
		pos[i] = from + j
		from = pos[i] + len(p.header)
	}
	for i, p := range parts {
		if pos[i] < 0 {
			continue
		}
		stop := end
		for k := i + 1; k < len(parts); k++ {
			if pos[k] >= 0 {
				stop = pos[k]
				break
			}
		}
		*p.dst = strings.TrimSpace(text[pos[i]+len(p.header) : stop])
	}
	a.RubricText = rubric
	ru, err := parseRubricText(rubric)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotPrometheus, err)
	}
	a.Rubric = ru
	return a, nil
}

// parseRubricText reads "[criterion]\nScore 1: ...\n...Score 5: ...".
func parseRubricText(s string) (*Rubric, error) {
	locs := scoreLine.FindAllStringSubmatchIndex(s, -1)
	if len(locs) != 5 {
		return nil, fmt.Errorf("rubric has %d score lines, want 5", len(locs))
	}
	r := &Rubric{Rules: defaultLevels}
	r.Criteria = strings.TrimSpace(s[:locs[0][0]])
	r.Criteria = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(r.Criteria, "["), "]"))
	for i, l := range locs {
		n := int(s[l[2]] - '0')
		if n != i+1 {
			return nil, fmt.Errorf("rubric score lines out of order: Score %d at position %d", n, i+1)
		}
		stop := len(s)
		if i+1 < len(locs) {
			stop = locs[i+1][0]
		}
		r.Descriptions[i] = strings.TrimSpace(s[l[1]:stop])
	}
	return r, nil
}
