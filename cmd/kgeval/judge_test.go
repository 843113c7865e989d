package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// runEnv is run with an environment.
func runEnv(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, code exitCode) {
	t.Helper()
	var out, errb bytes.Buffer
	sys := &IO{In: strings.NewReader(""), Out: &out, Err: &errb, Getenv: func(k string) string { return env[k] }}
	code = Main(context.Background(), args, sys)
	return out.String(), errb.String(), code
}

// judgeServer answers chat completions with reply(prompt) and counts
// the requests.
func judgeServer(t *testing.T, reply func(prompt string) string) (map[string]string, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		var req struct {
			Messages []struct{ Role, Content string }
		}
		json.NewDecoder(r.Body).Decode(&req)
		prompt := req.Messages[1].Content
		if len(req.Messages) > 2 { // a retry: the prompt is still the first user message
			prompt += "\n#retry"
		}
		json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"index": 0,
			"message": map[string]any{"role": "assistant", "content": reply(prompt)}}}})
	}))
	t.Cleanup(srv.Close)
	return map[string]string{"OPENAI_BASE_URL": srv.URL + "/v1", "KGEVAL_MODEL": "stub-judge"}, &n
}

// promptItem is a Prometheus absolute grading prompt written for tests.
func promptItem(response string) string {
	return "###Task Description:\nGrade it.\n\n###The instruction to evaluate:\nReport the chest radiograph.\n\n###Response to evaluate:\n" + response +
		"\n\n###Reference Answer (Score 5):\nSmall left pleural effusion. No pneumothorax.\n\n###Score Rubrics:\n[Is it accurate?]\n" +
		"Score 1: No.\nScore 2: Barely.\nScore 3: Partly.\nScore 4: Mostly.\nScore 5: Fully.\n\n###Feedback: "
}

func writeItems(t *testing.T, items ...map[string]any) string {
	t.Helper()
	b, _ := json.Marshal(items)
	path := filepath.Join(t.TempDir(), "items.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestJudgeCommandAbsolute(t *testing.T) {
	items := writeItems(t,
		map[string]any{"idx": 1, "response_source": "a", "instruction": promptItem("Small left pleural effusion."), "gpt4_score": []int{4, 4, 5}},
		map[string]any{"idx": 2, "response_source": "b", "instruction": promptItem("Large right pneumothorax."), "gpt4_score": []int{1, 1, 2}},
		map[string]any{"idx": 3, "response_source": "c", "instruction": promptItem("Unreadable case."), "gpt4_score": []int{3}},
	)
	env, n := judgeServer(t, func(p string) string {
		switch {
		case strings.Contains(p, "Unreadable"):
			return "I think this deserves a four."
		case strings.Contains(p, "pneumothorax.\n\n###Reference"):
			return "Feedback: Invents a pneumothorax. [RESULT] 1"
		}
		return "Feedback: Omits the absent pneumothorax. [RESULT] 4"
	})
	out, stderr, code := runEnv(t, env, "judge", "--items", items, "--structured", "off")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var recs []judgeRecord
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var r judgeRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		recs = append(recs, r)
	}
	if len(recs) != 3 || recs[0].ID != "1/a" || *recs[0].Score != 4 || *recs[1].Score != 1 {
		t.Fatalf("records %+v", recs)
	}
	// The unreadable item: three attempts, then a failure with the raw
	// reply and no score.
	if recs[2].Status != "error" || recs[2].Score != nil || recs[2].Raw != "I think this deserves a four." || recs[2].Attempts != 3 {
		t.Errorf("failed item %+v", recs[2])
	}
	if n.Load() != 5 {
		t.Errorf("%d requests, want 1 + 1 + 3", n.Load())
	}
	for _, want := range []string{
		"items 3: 2 graded, 1 unparseable after retries, 0 service errors",
		"parse success 66.7% of items (2/3)",
		// Scores 4 and 1 against means 13/3 and 4/3: both round to the same,
		// both within 1; Pearson of two points is 1.
		"exact (rounded) 100%, within 1 100%",
		"Pearson 1.000",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("summary lacks %q:\n%s", want, stderr)
		}
	}
	// --limit and --offset pick the second item only.
	out, _, _ = runEnv(t, env, "judge", "--items", items, "--offset", "1", "--limit", "1", "--structured", "off")
	if strings.Count(out, "\n") != 1 || !strings.Contains(out, `"id":"2/b"`) {
		t.Errorf("offset/limit output %q", out)
	}
}

func TestJudgeCommandRelative(t *testing.T) {
	items := writeItems(t, map[string]any{"source": "harmless",
		"chosen_instruction":   promptItem("Small left pleural effusion. No pneumothorax."),
		"rejected_instruction": promptItem("Large right pneumothorax.")})
	// A judge that always prefers the first response: the orders disagree.
	env, n := judgeServer(t, func(string) string { return "Feedback: The first is better. [RESULT] A" })
	out, stderr, code := runEnv(t, env, "judge", "--items", items, "--mode", "relative", "--structured", "off")
	if code != exitOK || n.Load() != 2 {
		t.Fatalf("exit %d after %d requests: %s", code, n.Load(), stderr)
	}
	var r judgeRecord
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Winner != "tie" || r.Consistent == nil || *r.Consistent || r.Expected != "A" {
		t.Errorf("record %+v", r)
	}
	if !strings.Contains(stderr, "ties 1 of 1, orders disagreeing 1, agreement with the preferred response 0% (0/1") {
		t.Errorf("summary:\n%s", stderr)
	}
	// Absolute items in relative mode are input errors naming the item.
	abs := writeItems(t, map[string]any{"instruction": promptItem("x")})
	if _, stderr, code := runEnv(t, env, "judge", "--items", abs, "--mode", "relative"); code != exitInput || !strings.Contains(stderr, "item 1: an absolute item") {
		t.Errorf("exit %d: %s", code, stderr)
	}
}

func TestJudgeCommandRules(t *testing.T) {
	dir := t.TempDir()
	items := filepath.Join(dir, "items.jsonl")
	lines := []map[string]any{
		{"id": "same", "orig_instruction": "Report.", "orig_response": "Small left pleural effusion.", "orig_reference_answer": "Small left pleural effusion.",
			"orig_criteria": "Accurate?", "orig_score1_description": "a", "orig_score2_description": "b", "orig_score3_description": "c", "orig_score4_description": "d", "orig_score5_description": "e"},
		{"id": "ptx", "orig_instruction": "Report.", "orig_response": "Large right pneumothorax.", "orig_reference_answer": "Small left pleural effusion.",
			"orig_criteria": "Accurate?", "orig_score1_description": "a", "orig_score2_description": "b", "orig_score3_description": "c", "orig_score4_description": "d", "orig_score5_description": "e"},
	}
	var b bytes.Buffer
	for _, l := range lines {
		json.NewEncoder(&b).Encode(l)
	}
	os.WriteFile(items, b.Bytes(), 0o644)
	out, stderr, code := runEnv(t, nil, "judge", "--items", items, "--judge", "rules")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// Identical: 5. Effusion missed (2) and pneumothorax invented (4): 6, level 2.
	if !strings.Contains(out, `"id":"same","mode":"absolute","status":"ok","score":5`) || !strings.Contains(out, `"id":"ptx","mode":"absolute","status":"ok","score":2`) {
		t.Errorf("output:\n%s", out)
	}
	// A bad item stops the run before any work, unless skipped.
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, append(b.Bytes(), []byte("{\"id\": \"x\"}\n")...), 0o644)
	if _, stderr, code := runEnv(t, nil, "judge", "--items", bad, "--judge", "rules"); code != exitInput || !strings.Contains(stderr, "bad.jsonl line 3") {
		t.Errorf("exit %d: %s", code, stderr)
	}
	if out, _, code := runEnv(t, nil, "judge", "--items", bad, "--judge", "rules", "--skip-invalid"); code != exitOK || strings.Count(out, "\n") != 2 {
		t.Errorf("skip-invalid: exit %d, %q", code, out)
	}
}

func TestJudgeCommandServiceDown(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	items := writeItems(t, map[string]any{"instruction": promptItem("x")})
	_, stderr, code := runEnv(t, map[string]string{"OPENAI_BASE_URL": url + "/v1", "KGEVAL_MODEL": "m"}, "judge", "--items", items, "--retries", "0")
	if code != exitService || !strings.Contains(stderr, "1 service errors") {
		t.Errorf("exit %d: %s", code, stderr)
	}
	if _, stderr, code := runEnv(t, nil, "judge", "--items", items); code != exitInput || !strings.Contains(stderr, "KGEVAL_MODEL") {
		t.Errorf("no model: exit %d: %s", code, stderr)
	}
}

func TestScoreWithJudge(t *testing.T) {
	t.Run("rules", func(t *testing.T) {
		out, stderr, code := run(t, "", "score", "--pairs", "testdata/pairs.jsonl", "--format", "jsonl", "--judge", "rules")
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var rec struct {
				ID         string
				Scores     struct{ Judge *float64 }
				Components []string
				Judge      *struct {
					Score    *float64
					Feedback string
				}
			}
			json.Unmarshal([]byte(line), &rec)
			if rec.Scores.Judge == nil || rec.Judge == nil || rec.Judge.Score == nil || rec.Judge.Feedback == "" ||
				*rec.Scores.Judge != (*rec.Judge.Score-1)/4 || !strings.Contains(strings.Join(rec.Components, ","), "judge") {
				t.Errorf("%s: %s", rec.ID, line)
			}
		}
	})
	t.Run("llm failure is visible", func(t *testing.T) {
		env, _ := judgeServer(t, func(string) string { return "Looks fine to me." })
		dir := t.TempDir()
		outFile := filepath.Join(dir, "r.jsonl")
		_, stderr, code := runEnv(t, env, "score", "--pairs", "testdata/pairs.jsonl", "--judge", "llm", "--judge-structured", "off", "--judge-max-attempts", "2", "--out", outFile)
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if !strings.Contains(stderr, "the judge failed on 4 pairs") {
			t.Errorf("stderr: %s", stderr)
		}
		b, _ := os.ReadFile(outFile)
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if !strings.Contains(lines[0], `"judge":"llm:radiology","judge_model":"stub-judge"`) {
			t.Errorf("header %s", lines[0])
		}
		for _, line := range lines[1:] {
			if !strings.Contains(line, `"judge":null`) || !strings.Contains(line, `"raw":"Looks fine to me."`) || !strings.Contains(line, `"attempts":2`) ||
				!strings.Contains(line, "no [RESULT] marker") || strings.Contains(line, `"components":["nsc","ams","scs","judge"]`) {
				t.Errorf("record %s", line)
			}
		}
	})
	t.Run("bad flags", func(t *testing.T) {
		for _, args := range [][]string{
			{"--judge", "gpt"},
			{"--judge", "llm", "--judge-samples", "0"},
			{"--judge", "rules", "--rubric", "cardiology"},
		} {
			_, stderr, code := run(t, "", append([]string{"score", "--pairs", "testdata/pairs.jsonl"}, args...)...)
			if code != exitInput {
				t.Errorf("%v: exit %d: %s", args, code, stderr)
			}
		}
	})
}
