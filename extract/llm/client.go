package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Format is the response_format a request asks for.
type Format int

// The formats, from the strictest down. FormatAuto starts with JSON Schema
// and steps down when a server rejects a format.
const (
	FormatAuto             Format = iota
	FormatJSONSchema              // response_format json_schema, strict
	FormatJSONObjectSchema        // json_object with a "schema" (llama-cpp-python, Anyscale)
	FormatJSONObject              // JSON mode
	FormatText                    // no response_format: tolerant parsing only
)

var formatNames = []string{"auto", "json_schema", "json_object_schema", "json_object", "text"}

func (f Format) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	return "format(" + strconv.Itoa(int(f)) + ")"
}

// ParseFormat reads a format name as the --response-format flag takes it.
func ParseFormat(s string) (Format, error) {
	for i, n := range formatNames {
		if s == n {
			return Format(i), nil
		}
	}
	return 0, fmt.Errorf("unknown response format %q (want %s)", s, strings.Join(formatNames, ", "))
}

// callInfo travels in a request's context to the transport, which adds
// the extra body fields and records what the response said beyond its
// body.
type callInfo struct {
	extra      map[string]any // merged into the JSON body
	status     int
	retryAfter time.Duration
	hasRetry   bool
}

type callKey struct{}

// transport adds body fields that go-openai cannot express (a temperature
// of 0, a schema inside json_object) and captures Retry-After, which
// go-openai's errors do not carry.
type transport struct {
	base http.RoundTripper
	now  func() time.Time
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	info, _ := req.Context().Value(callKey{}).(*callInfo)
	if info == nil {
		return t.base.RoundTrip(req)
	}
	if len(info.extra) > 0 && req.Body != nil {
		body, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		if body, err = addFields(body, info.extra); err != nil {
			return nil, err
		}
		r2 := req.Clone(req.Context())
		r2.Body = io.NopCloser(bytes.NewReader(body))
		r2.ContentLength = int64(len(body))
		r2.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		req = r2
	}
	resp, err := t.base.RoundTrip(req)
	if resp != nil {
		info.status = resp.StatusCode
		info.retryAfter, info.hasRetry = retryAfter(resp.Header, t.now())
	}
	return resp, err
}

// addFields splices fields into a JSON object's text, at its start. The
// fields are ones go-openai leaves out of the body, so none is there yet;
// splicing avoids decoding and encoding the whole request again.
func addFields(body []byte, fields map[string]any) ([]byte, error) {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) < 2 || trimmed[0] != '{' {
		return nil, errors.New("llm: request body is not a JSON object")
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]byte, 0, len(body)+64)
	out = append(out, '{')
	for _, k := range keys {
		kb, _ := json.Marshal(k)
		vb, err := json.Marshal(fields[k])
		if err != nil {
			return nil, err
		}
		out = append(append(append(out, kb...), ':'), vb...)
		out = append(out, ',')
	}
	rest := bytes.TrimLeft(trimmed[1:], " \t\r\n")
	if rest[0] == '}' {
		out = out[:len(out)-1] // the object was empty: no comma
	}
	return append(out, rest...), nil
}

// retryAfter reads Retry-After (seconds or an HTTP date) or the
// retry-after-ms header some servers send.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if ms := h.Get("Retry-After-Ms"); ms != "" {
		if v, err := strconv.ParseFloat(ms, 64); err == nil && v >= 0 {
			return time.Duration(v * float64(time.Millisecond)), true
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
		return time.Duration(s * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// limiter spaces requests evenly to stay under a requests-per-minute cap.
type limiter struct {
	mu       sync.Mutex
	interval time.Duration
	next     time.Time
}

func newLimiter(rpm int) *limiter {
	if rpm <= 0 {
		return nil
	}
	return &limiter{interval: time.Minute / time.Duration(rpm)}
}

func (l *limiter) wait(ctx context.Context) error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	now := time.Now()
	at := l.next
	if at.Before(now) {
		at = now
	}
	l.next = at.Add(l.interval)
	l.mu.Unlock()
	return sleep(ctx, at.Sub(now))
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// reply is one completed chat request.
type reply struct {
	content      string
	finishReason string
	usage        openai.Usage
	latency      time.Duration
}

// failure classifies a failed attempt.
type failure struct {
	err       error
	retry     bool          // worth another attempt
	wait      time.Duration // the server's Retry-After, when it sent one
	hasWait   bool
	fatal     bool // no later request can succeed (bad key, unknown model)
	downgrade bool // the server rejected the response format
}

// complete sends one chat request with retries: exponential backoff with
// jitter, Retry-After honoured on 429 and 503, a timeout per attempt, and
// the response format stepped down when the server rejects it.
func (x *Extractor) complete(ctx context.Context, docID string, msgs []openai.ChatCompletionMessage) (*reply, error) {
	if err := x.fatalErr(); err != nil {
		return nil, err
	}
	var last error
	for attempt := 0; ; attempt++ {
		format := x.currentFormat()
		rep, f := x.attempt(ctx, msgs, format)
		if f == nil {
			return rep, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if f.downgrade && format < FormatText && x.cfg.Format == FormatAuto {
			x.stepDown(format, f.err)
			attempt-- // a format the server cannot take is no failed try
			continue
		}
		last = f.err
		if f.fatal {
			x.setFatal(f.err)
			return nil, f.err
		}
		if !f.retry {
			return nil, f.err
		}
		if attempt >= x.cfg.retries() {
			return nil, fmt.Errorf("%w after %d attempts: %v", ErrService, attempt+1, last)
		}
		d := x.backoff(attempt)
		if f.hasWait {
			d = min(f.wait, x.cfg.maxRetryAfter())
		}
		x.stats.retry()
		x.warn(docID, fmt.Sprintf("retrying in %s (attempt %d of %d): %v", d.Round(time.Millisecond), attempt+2, x.cfg.retries()+1, f.err))
		if err := sleep(ctx, d); err != nil {
			return nil, err
		}
	}
}

// backoff is the wait before retry n (0-based): the base doubled n times,
// capped, with "equal jitter" (half fixed, half random) so that many
// clients that failed together do not retry together.
func (x *Extractor) backoff(n int) time.Duration {
	d := x.cfg.backoff()
	for i := 0; i < n && d < x.cfg.maxBackoff(); i++ {
		d *= 2
	}
	d = min(d, x.cfg.maxBackoff())
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(half)+1))
}

// attempt is one request under the concurrency limit, the rate limit and
// the per-request timeout.
func (x *Extractor) attempt(ctx context.Context, msgs []openai.ChatCompletionMessage, format Format) (*reply, *failure) {
	t := x.turnOf(ctx)
	if t != nil {
		// An announced document's first request waits for the documents
		// announced before it to send theirs.
		if err := t.wait(ctx); err != nil {
			return nil, &failure{err: err}
		}
	}
	if err := x.limit.wait(ctx); err != nil {
		return nil, &failure{err: err}
	}
	select {
	case x.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, &failure{err: ctx.Err()}
	}
	defer func() { <-x.sem }()
	if t != nil {
		t.leave()
	}

	req := openai.ChatCompletionRequest{Model: x.cfg.Model, Messages: msgs, Seed: x.cfg.Seed}
	info := &callInfo{extra: map[string]any{}}
	if x.cfg.Temperature == nil || *x.cfg.Temperature == 0 {
		info.extra["temperature"] = 0 // go-openai leaves a zero temperature out
	} else {
		req.Temperature = *x.cfg.Temperature
	}
	if x.cfg.MaxTokens > 0 {
		// max_tokens, not OpenAI's newer max_completion_tokens: it is the
		// one that llama.cpp, Ollama and vLLM read.
		req.MaxTokens = x.cfg.MaxTokens
	}
	switch format {
	case FormatJSONSchema, FormatAuto:
		req.ResponseFormat = &openai.ChatCompletionResponseFormat{
			Type: openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{
				Name: "knowledge_graph", Schema: x.schema, Strict: true,
			},
		}
	case FormatJSONObjectSchema:
		info.extra["response_format"] = map[string]any{"type": "json_object", "schema": x.schema}
	case FormatJSONObject:
		req.ResponseFormat = &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeJSONObject}
	}
	actx, cancel := context.WithTimeout(context.WithValue(ctx, callKey{}, info), x.cfg.timeout())
	defer cancel()
	start := time.Now()
	x.stats.request()
	resp, err := x.client.CreateChatCompletion(actx, req)
	latency := time.Since(start)
	if err != nil {
		return nil, x.classify(ctx, actx, err, info)
	}
	x.stats.usage(resp.Usage, latency)
	if len(resp.Choices) == 0 {
		return nil, &failure{err: errors.New("the server sent a reply with no choices"), retry: true}
	}
	c := resp.Choices[0]
	return &reply{content: c.Message.Content, finishReason: string(c.FinishReason), usage: resp.Usage, latency: latency}, nil
}

// classify turns a request error into a failure, its message free of the
// API key and of long bodies.
func (x *Extractor) classify(ctx, actx context.Context, err error, info *callInfo) *failure {
	if ctx.Err() != nil {
		return &failure{err: ctx.Err()}
	}
	if actx.Err() == context.DeadlineExceeded || errors.Is(err, context.DeadlineExceeded) {
		return &failure{err: fmt.Errorf("no reply within the %s timeout", x.cfg.timeout()), retry: true}
	}
	status, msg := 0, ""
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case errors.As(err, &apiErr):
		status, msg = apiErr.HTTPStatusCode, apiErr.Message
	case errors.As(err, &reqErr):
		status = reqErr.HTTPStatusCode
		msg = strings.TrimSpace(string(reqErr.Body))
		if msg == "" && reqErr.Err != nil {
			msg = reqErr.Err.Error()
		}
	}
	if status == 0 && info.status >= 400 {
		status = info.status
	}
	msg = x.redact(truncate(strings.Join(strings.Fields(msg), " "), 300))
	f := &failure{wait: info.retryAfter, hasWait: info.hasRetry}
	switch {
	case status == 0:
		var ne net.Error
		if errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || isConnErr(err) {
			f.err = fmt.Errorf("cannot reach %s: %s", x.cfg.baseURL(), x.redact(rootCause(err)))
		} else {
			// A 200 whose body is not a chat completion (a proxy's page).
			f.err = fmt.Errorf("unreadable response from %s: %s", x.cfg.baseURL(), x.redact(truncate(rootCause(err), 200)))
		}
		f.retry = true
		f.hasWait = false
		return f
	case (status == http.StatusBadRequest || status == http.StatusUnprocessableEntity || status == http.StatusInternalServerError) && formatRejected(msg):
		// llama-cpp-python answers an unknown response_format with a 500.
		f.downgrade = true
	case status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable:
		f.retry = true
	case status >= 500 || status == http.StatusRequestTimeout || status == http.StatusConflict:
		f.retry = true
		f.hasWait = false // Retry-After is honoured on 429 and 503
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		f.fatal = true
		f.err = fmt.Errorf("%w: %s refused the API key (HTTP %d): %s; check OPENAI_API_KEY", ErrService, x.cfg.baseURL(), status, msg)
		return f
	case status == http.StatusNotFound:
		f.fatal = true
		f.err = fmt.Errorf("%w: HTTP 404 from %s (model %q): %s; check --base-url (it usually ends in /v1) and --model", ErrService, x.cfg.baseURL(), x.cfg.Model, msg)
		return f
	case strings.Contains(strings.ToLower(msg), "context") && (strings.Contains(strings.ToLower(msg), "length") || strings.Contains(strings.ToLower(msg), "window") || strings.Contains(strings.ToLower(msg), "exceed")):
		f.err = fmt.Errorf("the request does not fit the model's context (HTTP %d): %s; lower --chunk-chars", status, msg)
		return f
	}
	if f.err == nil {
		f.err = fmt.Errorf("HTTP %d from %s: %s", status, x.cfg.baseURL(), msg)
	}
	return f
}

// formatRejected reports whether a 400 or 422 is about the response
// format rather than the request as a whole.
func formatRejected(msg string) bool {
	m := strings.ToLower(msg)
	for _, s := range []string{"response_format", "json_schema", "json_object", "schema", "structured output", "grammar"} {
		if strings.Contains(m, s) {
			return true
		}
	}
	return false
}

func isConnErr(err error) bool {
	s := err.Error()
	for _, p := range []string{"connection refused", "connection reset", "broken pipe", "no such host", "EOF"} {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

// rootCause is the innermost error's message.
func rootCause(err error) string {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err.Error()
		}
		err = u
	}
}

func (x *Extractor) currentFormat() Format {
	if x.cfg.Format != FormatAuto {
		return x.cfg.Format
	}
	return Format(x.format.Load())
}

// stepDown moves the shared format one step down from from, once.
func (x *Extractor) stepDown(from Format, err error) {
	if from == FormatAuto {
		from = FormatJSONSchema
	}
	if x.format.CompareAndSwap(int32(from), int32(from+1)) {
		x.warn("", fmt.Sprintf("the server does not take response format %s (%v); using %s", from, err, from+1))
	}
}

func (x *Extractor) fatalErr() error {
	if p := x.fatal.Load(); p != nil {
		return *p
	}
	return nil
}

func (x *Extractor) setFatal(err error) { x.fatal.CompareAndSwap(nil, &err) }

// redact removes the API key from a message that may echo request data.
func (x *Extractor) redact(s string) string {
	if x.cfg.APIKey == "" || len(x.cfg.APIKey) < 4 {
		return s
	}
	return strings.ReplaceAll(s, x.cfg.APIKey, "[redacted]")
}
