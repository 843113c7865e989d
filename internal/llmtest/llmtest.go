// Package llmtest is what the integration tests against a real
// OpenAI-compatible server share: finding the server, and keeping their
// measurements.
package llmtest

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Server returns the base URL and model of the real LLM server the
// integration tests use: OPENAI_BASE_URL and KGEVAL_MODEL, as
// `eval "$(scripts/llm start)"` sets them. The tests run when
// KGEVAL_LLM_TEST=1 or KGEVAL_LLM_REQUIRED=1; with KGEVAL_LLM_REQUIRED=1 a
// missing or unreachable server FAILS the test instead of skipping it, so
// that a broken start in CI cannot pass as a run without tests.
func Server(t testing.TB) (baseURL, model string) {
	t.Helper()
	required := os.Getenv("KGEVAL_LLM_REQUIRED") == "1"
	if !required && os.Getenv("KGEVAL_LLM_TEST") != "1" {
		t.Skip("real LLM server tests: set KGEVAL_LLM_TEST=1 (or KGEVAL_LLM_REQUIRED=1) and OPENAI_BASE_URL, KGEVAL_MODEL; see docs/llm.md")
	}
	unavailable := t.Skipf
	if required {
		unavailable = t.Fatalf
	}
	baseURL, model = os.Getenv("OPENAI_BASE_URL"), os.Getenv("KGEVAL_MODEL")
	if baseURL == "" || model == "" {
		unavailable("OPENAI_BASE_URL and KGEVAL_MODEL must be set (eval \"$(scripts/llm start)\")")
	}
	// llama-cpp-python answers /models only between completions: wait.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(baseURL, "/")+"/models", nil)
	if err != nil {
		unavailable("OPENAI_BASE_URL %q: %v", baseURL, err)
	}
	if key := os.Getenv("OPENAI_API_KEY"); key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		unavailable("LLM server %s unreachable: %v", baseURL, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		unavailable("LLM server %s: GET /models answered %s", baseURL, resp.Status)
	}
	return baseURL, model
}

// Record logs a measurement and, when KGEVAL_ARTIFACTS names a folder (as
// in .ci/run), appends it to llm-integration.log there, so that latency
// and tokens are kept without go test -v.
func Record(t testing.TB, format string, args ...any) {
	t.Helper()
	t.Logf(format, args...)
	dir := os.Getenv("KGEVAL_ARTIFACTS")
	if dir == "" {
		return
	}
	f, err := os.OpenFile(filepath.Join(dir, "llm-integration.log"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Logf("artifacts: %v", err)
		return
	}
	defer f.Close()
	fmt.Fprintf(f, "%s %s: "+format+"\n", append([]any{time.Now().Format(time.RFC3339), t.Name()}, args...)...)
}
