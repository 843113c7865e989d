package judge

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
)

func TestParseAbsolute(t *testing.T) {
	tests := []struct {
		name, reply  string
		wantScore    int
		wantFeedback string
	}{
		{"prometheus form", "Feedback: Accurate and complete. [RESULT] 5", 5, "Accurate and complete."},
		{"no feedback label", "Accurate. [RESULT] 4", 4, "Accurate."},
		{"colon and brackets", "Feedback: Fine. [RESULT]: (3).", 3, "Fine."},
		{"end token", "Feedback: Fine. [RESULT] 2</s>", 2, "Fine."},
		{"gemma end token", "Feedback: Fine.\n[RESULT] 1 <end_of_turn>", 1, "Fine."},
		{"json", `{"feedback": "Misses the effusion.", "result": 3}`, 3, "Misses the effusion."},
		{"json with space", " \n{\"feedback\":\"ok\",\"result\":5}\n", 5, "ok"},
		{"empty", "", 0, ""},
		{"no marker", "Score: 4", 0, ""},
		{"out of range", "Feedback: x [RESULT] 6", 0, ""},
		{"zero", "Feedback: x [RESULT] 0", 0, ""},
		{"two markers", "Feedback: x [RESULT] 4 [RESULT] 4", 0, ""},
		{"text after score", "Feedback: x [RESULT] 4 because it is good", 0, ""},
		{"fraction", "Feedback: x [RESULT] 4.5", 0, ""},
		{"out of five", "Feedback: x [RESULT] 4/5", 0, ""},
		{"word", "Feedback: x [RESULT] four", 0, ""},
		{"json string score", `{"feedback": "x", "result": "4"}`, 0, ""},
		{"json extra field", `{"feedback": "x", "result": 4, "confidence": 0.9}`, 0, ""},
		{"json missing feedback", `{"result": 4}`, 0, ""},
		{"json out of range", `{"feedback": "x", "result": 7}`, 0, ""},
		{"json fraction", `{"feedback": "x", "result": 4.0}`, 0, ""},
		{"broken json", `{"feedback": "x", "result": 4`, 0, ""},
		{"json placeholder", `{"feedback": "(your feedback)", "result": 1}`, 0, ""},
		{"placeholder", "Feedback: (your feedback) [RESULT] 3", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fb, score, err := ParseAbsolute(tt.reply)
			if tt.wantScore == 0 {
				if !errors.Is(err, ErrUnparseable) {
					t.Fatalf("want ErrUnparseable, got score %d, %v", score, err)
				}
				return
			}
			if err != nil || score != tt.wantScore || fb != tt.wantFeedback {
				t.Errorf("got %q, %d, %v; want %q, %d", fb, score, err, tt.wantFeedback, tt.wantScore)
			}
		})
	}
}

func TestParseRelative(t *testing.T) {
	for reply, want := range map[string]string{
		"Feedback: A is complete. [RESULT] A":       "A",
		"Feedback: B is complete. [RESULT] (B)":     "B",
		"Feedback: B. [RESULT] Response B":          "B",
		`{"feedback": "A is safer", "result": "A"}`: "A",
		"Feedback: both. [RESULT] tie":              "",
		"Feedback: both. [RESULT] A or B":           "",
		`{"feedback": "x", "result": "C"}`:          "",
		"Feedback: x [RESULT] a":                    "",
	} {
		_, w, err := ParseRelative(reply)
		if want == "" {
			if !errors.Is(err, ErrUnparseable) {
				t.Errorf("%q: want ErrUnparseable, got %q, %v", reply, w, err)
			}
			continue
		}
		if err != nil || w != want {
			t.Errorf("%q: got %q, %v; want %q", reply, w, err, want)
		}
	}
}

func TestAggregate(t *testing.T) {
	tests := []struct {
		samples  []int
		how      string
		want, sd float64
		wantErr  bool
	}{
		{[]int{4}, Mean, 4, 0, false},
		{[]int{3, 4, 4}, Mean, 11.0 / 3, math.Sqrt(2.0 / 9), false},
		{[]int{3, 4, 4}, Majority, 4, math.Sqrt(2.0 / 9), false},
		// 2 and 5 tie on count; the mean is 3.5, 2 is 1.5 away, 5 is 1.5 away:
		// the lower wins.
		{[]int{2, 5}, Majority, 2, 1.5, false},
		// 1, 1, 4, 4, 5: 1 and 4 tie on count; the mean 3 is nearer 4.
		{[]int{1, 1, 4, 4, 5}, Majority, 4, math.Sqrt((4 + 4 + 1 + 1 + 4) / 5.0), false},
		{nil, Mean, 0, 0, true},
		{[]int{3}, "median", 0, 0, true},
	}
	for _, tt := range tests {
		got, sd, err := Aggregate(tt.samples, tt.how)
		if (err != nil) != tt.wantErr || math.Abs(got-tt.want) > 1e-9 || math.Abs(sd-tt.sd) > 1e-9 {
			t.Errorf("Aggregate(%v, %s) = %v, %v, %v; want %v, %v", tt.samples, tt.how, got, sd, err, tt.want, tt.sd)
		}
	}
}

// A prompt in the Prometheus absolute format, written for this test.
const testItem = `###Task Description:
Grade the response.

###The instruction to evaluate:
Name three primary colours.

###Response to evaluate:
Red, green and blue.

###Reference Answer (Score 5):
Red, yellow and blue are the traditional primary colours.

###Score Rubrics:
[Is the answer factually correct?]
Score 1: Entirely wrong.
Score 2: Mostly wrong.
Score 3: Partly right.
Score 4: Mostly right.
Score 5: Entirely right.

###Feedback: `

func TestParsePrompt(t *testing.T) {
	a, err := ParsePrompt(testItem)
	if err != nil {
		t.Fatal(err)
	}
	if a.Instruction != "Name three primary colours." || a.Response != "Red, green and blue." ||
		!strings.HasPrefix(a.Reference, "Red, yellow") || a.Rubric.Criteria != "Is the answer factually correct?" ||
		a.Rubric.Descriptions[0] != "Entirely wrong." || a.Rubric.Descriptions[4] != "Entirely right." {
		t.Errorf("parsed %+v, rubric %+v", a, a.Rubric)
	}
	// Rebuilt in our wording, the prompt keeps every section.
	p := a.Prompt(false)
	for _, s := range []string{hInstruction + "\nName three", hResponse + "\nRed, green", hReference + "\nRed, yellow", hRubrics + "\n[Is the answer", "Score 5: Entirely right.", hFeedback} {
		if !strings.Contains(p, s) {
			t.Errorf("rebuilt prompt lacks %q:\n%s", s, p)
		}
	}
	// Without a reference answer (the HHH items) the section is optional.
	noRef := strings.Replace(testItem, "###Reference Answer (Score 5):\nRed, yellow and blue are the traditional primary colours.\n\n", "", 1)
	a, err = ParsePrompt(noRef)
	if err != nil || a.Reference != "" || a.Response != "Red, green and blue." {
		t.Errorf("without reference: %+v, %v", a, err)
	}
	if strings.Contains(a.Prompt(false), "Reference Answer") {
		t.Error("a prompt without reference answer should not have its section")
	}
	for name, bad := range map[string]string{
		"no feedback": strings.TrimSuffix(testItem, "###Feedback: "),
		"no response": strings.Replace(testItem, "###Response to evaluate:", "###Answer:", 1),
		"four scores": strings.Replace(testItem, "Score 3: Partly right.\n", "", 1),
	} {
		if _, err := ParsePrompt(bad); !errors.Is(err, ErrNotPrometheus) {
			t.Errorf("%s: want ErrNotPrometheus, got %v", name, err)
		}
	}
}

func TestRubrics(t *testing.T) {
	for _, name := range []string{"radiology", "legal"} {
		r, err := BuiltinRubric(name)
		if err != nil {
			t.Fatal(err)
		}
		if r.Name != name || r.Instruction == "" || !strings.HasPrefix(r.Text(), "[") || strings.Count(r.Text(), "\nScore ") != 5 {
			t.Errorf("%s: %+v", name, r)
		}
	}
	if _, err := ResolveRubric("cardiology"); err == nil || !strings.Contains(err.Error(), "legal, radiology") {
		t.Errorf("unknown rubric: %v", err)
	}
	user := "name: brevity\ncriteria: Is it short?\nscore1_description: a\nscore2_description: b\nscore3_description: c\nscore4_description: d\nscore5_description: e\n"
	r, err := ParseRubric(strings.NewReader(user), "brevity.yaml")
	if err != nil || r.Descriptions[4] != "e" || r.Rules != defaultLevels {
		t.Errorf("user rubric: %+v, %v", r, err)
	}
	for name, bad := range map[string]string{
		"misspelt field":   strings.Replace(user, "criteria:", "criterion:", 1),
		"missing score":    strings.Replace(user, "score3_description: c\n", "", 1),
		"three thresholds": user + "rules:\n  thresholds: [1, 2, 3]\n",
		"descending":       user + "rules:\n  thresholds: [4, 3, 2, 1]\n",
		"negative share":   user + "rules:\n  attribute_share: -1\n",
	} {
		if _, err := ParseRubric(strings.NewReader(bad), "bad.yaml"); err == nil || !strings.Contains(err.Error(), "bad.yaml") {
			t.Errorf("%s: want an error naming the file, got %v", name, err)
		}
	}
	lv := RulesLevels{Thresholds: [4]float64{0.4, 1.5, 3, 6}}
	for p, want := range map[float64]int{0: 5, 0.4: 5, 0.41: 4, 1.5: 4, 2: 3, 3: 3, 5: 2, 6: 2, 6.01: 1, 100: 1} {
		if got := lv.Level(p); got != want {
			t.Errorf("Level(%v) = %d, want %d", p, got, want)
		}
	}
}

// TestRecordedReplies parses replies recorded from the local model of
// scripts/llm (testdata/gemma3-270m.json): a structured reply that ran to
// the token limit, a [RESULT]-form request answered by echoing the prompt
// (whose format line has "[RESULT] (an integer from 1 to 5)": no score
// may be read from it), and a valid structured relative reply.
func TestRecordedReplies(t *testing.T) {
	b, err := os.ReadFile("testdata/gemma3-270m.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx struct {
		Replies []struct{ Name, Mode, Reply, Want string }
	}
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	if len(fx.Replies) == 0 {
		t.Fatal("no recorded replies")
	}
	for _, r := range fx.Replies {
		var got string
		var err error
		if r.Mode == "absolute" {
			var n int
			_, n, err = ParseAbsolute(r.Reply)
			got = fmt.Sprint(n)
		} else {
			_, got, err = ParseRelative(r.Reply)
		}
		if r.Want == "unparseable" {
			if !errors.Is(err, ErrUnparseable) {
				t.Errorf("%s: want unparseable, got %q, %v", r.Name, got, err)
			}
			continue
		}
		if err != nil || got != r.Want {
			t.Errorf("%s: got %q, %v; want %q", r.Name, got, err, r.Want)
		}
	}
}
