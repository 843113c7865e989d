package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// The secrets of TestSecretsNeverWritten: recognizable, and unlike anything
// else the commands print.
const (
	secretKey      = "sk-kgeval-FAKEKEY-7c1d9e2b4a5f"
	secretPassword = "pw-kgeval-FAKEPASS-93af27c1e8"
)

// TestSecretsNeverWritten runs the commands that use an API key or a Neo4j
// password (score and extract with the LLM extractor and judge, the Neo4j
// store, report, diff, check, a command that fails) with a fake key and
// password from the environment and from a config file, against an LLM
// server that echoes the key back in error bodies, and a Neo4j URI that
// also holds the password. It then searches every output stream and every
// file written (results, summary, usage, reports, the reply cache) for
// them.
func TestSecretsNeverWritten(t *testing.T) {
	f := newFakeLLM(t)
	var echoedExtract, echoedJudge atomic.Bool
	f.before = func(n int64, w http.ResponseWriter, r *http.Request) bool {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		judge := bytes.Contains(body, []byte("###Task Description"))
		// The first extraction request, and every judge request, so that
		// the judge's failure (and its message) reaches the records.
		if judge {
			echoedJudge.Store(true)
		}
		if judge || echoedExtract.CompareAndSwap(false, true) {
			// A proxy that echoes the request's credentials.
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprintf(w, `{"error":{"message":"debug: got Authorization %s"}}`, r.Header.Get("Authorization"))
			return true
		}
		return false
	}
	f.content = func(doc string) string {
		if doc == "" { // a judge prompt: no fenced document
			return `{"feedback": "Accurate.", "result": 4}`
		}
		// A reply that quotes the key as an entity (dropped, warned about).
		return strings.Replace(spotGraph(doc), `"entities":[`, `"entities":[{"id":"k","text":"Bearer `+secretKey+`","type":"disorder","assertion":"present","key":""},`, 1)
	}

	dir := t.TempDir()
	cache := filepath.Join(dir, "cache")
	config := filepath.Join(dir, "kgeval.yaml")
	os.WriteFile(config, []byte("api_key: "+secretKey+"\nneo4j:\n  password: "+secretPassword+"\n"), 0o600)
	// Neo4j: the environment's server when there is one (the password is
	// then sent to it), else nothing listening; the password is also in
	// the URI.
	neo4jURI := "bolt://neo4j:" + url.QueryEscape(secretPassword) + "@127.0.0.1:1"
	if u := os.Getenv("NEO4J_URI"); u != "" {
		neo4jURI = u
	}
	env := map[string]string{
		"OPENAI_BASE_URL": f.url(), "KGEVAL_MODEL": "fake-model", "KGEVAL_CACHE": cache,
		"OPENAI_API_KEY": secretKey, "NEO4J_URI": neo4jURI, "NEO4J_USER": "neo4j", "NEO4J_PASSWORD": secretPassword,
	}
	configEnv := map[string]string{"OPENAI_BASE_URL": f.url(), "KGEVAL_MODEL": "fake-model", "KGEVAL_CACHE": cache,
		"NEO4J_URI": "bolt://127.0.0.1:1"} // key and password from the config file
	p := func(name string) string { return filepath.Join(dir, name) }
	llm := []string{"--extractor", "llm", "--retries", "1", "--timeout", "5s"}
	commands := []struct {
		env  map[string]string
		args []string
	}{
		{env, append([]string{"score", "--pairs", "testdata/pairs.jsonl", "--judge", "llm", "--judge-retries", "1", "--format", "jsonl",
			"--out", p("scores.jsonl"), "--summary", p("summary.json"), "--usage-out", p("usage.json")}, llm...)},
		{env, append([]string{"extract", "--docs", "testdata/docs.jsonl", "--out", p("graphs.jsonl")}, llm...)},
		{env, append([]string{"score", "--pairs", "testdata/pairs.jsonl", "--store", "neo4j", "--run", "secrets-test", "--format", "jsonl"}, llm...)},
		{env, []string{"store", "push", "--graphs", p("graphs.jsonl"), "--run", "secrets-test"}},
		{env, []string{"store", "delete", "--run", "secrets-test"}},
		{env, []string{"report", "--results", p("scores.jsonl"), "--pairs", "testdata/pairs.jsonl", "--out", p("report.html")}},
		{env, []string{"diff", "--pairs", "testdata/pairs.jsonl", "--id", "same", "--format", "html", "--out", p("diff.html")}},
		{env, []string{"check", "--baseline", p("scores.jsonl"), "--results", p("scores.jsonl")}},
		{env, []string{"score", "--pairs", p("missing.jsonl"), "--extractor", "llm"}},
		{configEnv, append([]string{"--config", config, "score", "--pairs", "testdata/pairs.jsonl", "--judge", "llm", "--format", "jsonl",
			"--out", p("scores-config.jsonl")}, llm...)},
		{configEnv, []string{"--config", config, "store", "push", "--graphs", p("graphs.jsonl"), "--run", "secrets-test"}},
	}
	texts := map[string]string{}
	for i, c := range commands {
		out, errOut, code := runLLM(t, c.env, "", c.args...)
		t.Logf("%s: exit %d", strings.Join(c.args[:2], " "), code)
		texts[fmt.Sprintf("stdout of command %d (%s)", i, strings.Join(c.args, " "))] = out
		texts[fmt.Sprintf("stderr of command %d (%s)", i, strings.Join(c.args, " "))] = errOut
	}
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && path != config {
			b, _ := os.ReadFile(path)
			texts[path] = string(b)
		}
		return nil
	})

	// The secrets were used, and echoed, so the test exercises redaction.
	f.mu.Lock()
	auth := append([]string(nil), f.auth...)
	f.mu.Unlock()
	if len(auth) == 0 || auth[0] != "Bearer "+secretKey {
		t.Fatalf("the LLM server got Authorization %q, want the key", auth)
	}
	if !echoedExtract.Load() || !echoedJudge.Load() {
		t.Errorf("the server echoed the key to the extractor %v, to the judge %v: the test does not exercise both", echoedExtract.Load(), echoedJudge.Load())
	}
	var files int
	for name := range texts {
		if !strings.HasPrefix(name, "std") {
			files++
		}
	}
	if files < 8 {
		t.Errorf("only %d files written and searched", files)
	}
	for name, text := range texts {
		for _, secret := range []string{secretKey, secretPassword} {
			for _, form := range []string{secret, secret[len(secret)-12:], url.QueryEscape(secret)} {
				if i := strings.Index(text, form); i >= 0 {
					t.Errorf("%s holds a secret: ...%s...", name, text[max(0, i-100):min(len(text), i+len(form)+40)])
					break
				}
			}
		}
	}
}
