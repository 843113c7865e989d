package judge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Structured-output modes of OpenAIConfig.
const (
	StructuredAuto = "auto" // ask; fall back to plain text when refused
	StructuredOn   = "on"   // ask; a refusal is an error
	StructuredOff  = "off"  // never ask
)

// OpenAIConfig configures the OpenAI-compatible client (OpenAI, Azure's
// OpenAI-compatible endpoint, vLLM, Ollama, llama.cpp).
type OpenAIConfig struct {
	// BaseURL of the API, e.g. http://127.0.0.1:8080/v1; empty means
	// OpenAI's.
	BaseURL string
	// APIKey is sent as a bearer token; local servers accept any value.
	APIKey string
	Model  string
	// Structured is StructuredAuto (the default), StructuredOn or
	// StructuredOff.
	Structured string
	// Retries of a request that failed in transport (network error,
	// timeout, 408, 429, 5xx); 0 means 2, negative means none.
	Retries int
	// Backoff is the wait before the first retry, doubled after each; 0
	// means 500ms.
	Backoff time.Duration
	// Timeout of one request; 0 means 5 minutes.
	Timeout time.Duration
	// HTTPClient, when set, sends the requests (tests, proxies).
	HTTPClient *http.Client
}

// OpenAI is a Completer for any OpenAI-compatible chat completions
// endpoint. It is safe for concurrent use.
type OpenAI struct {
	c   *openai.Client
	cfg OpenAIConfig
	// format is the structured-output form in use: one of the format*
	// constants, only ever stepping down.
	format atomic.Int32
}

// Structured-output forms, tried in this order in auto mode.
const (
	// formatJSONSchema: response_format {"type": "json_schema", ...}, the
	// OpenAI form (OpenAI, vLLM, Ollama, llama.cpp's own server).
	formatJSONSchema int32 = iota
	// formatJSONObjectSchema: {"type": "json_object", "schema": ...}, the
	// form of llama-cpp-python's server, which rejects json_schema.
	formatJSONObjectSchema
	// formatNone: no structured output; the [RESULT] form.
	formatNone
)

var _ Completer = (*OpenAI)(nil)

// NewOpenAI returns a client for cfg.
func NewOpenAI(cfg OpenAIConfig) (*OpenAI, error) {
	if cfg.Model == "" {
		return nil, errors.New("judge: no model named (set KGEVAL_MODEL or --model)")
	}
	switch cfg.Structured {
	case "":
		cfg.Structured = StructuredAuto
	case StructuredAuto, StructuredOn, StructuredOff:
	default:
		return nil, fmt.Errorf("judge: structured output %q: want auto, on or off", cfg.Structured)
	}
	if cfg.Retries == 0 {
		cfg.Retries = 2
	}
	if cfg.Backoff == 0 {
		cfg.Backoff = 500 * time.Millisecond
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Minute
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	oc := openai.DefaultConfig(cfg.APIKey)
	if cfg.BaseURL != "" {
		oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	}
	oc.HTTPClient = bodyFixer{hc}
	o := &OpenAI{c: openai.NewClientWithConfig(oc), cfg: cfg}
	if cfg.Structured == StructuredOff {
		o.format.Store(formatNone)
	}
	return o, nil
}

// StructuredOutput reports whether structured output may be asked for:
// false when it is off, or when the server refused every form of it in
// auto mode.
func (o *OpenAI) StructuredOutput() bool { return o.format.Load() != formatNone }

// Model is the model the client asks.
func (o *OpenAI) Model() string { return o.cfg.Model }

// Complete sends one chat completion request. Structured output is asked
// for when req has a schema and the mode allows it. In auto mode a server
// that rejects the request for its response_format is asked again in the
// next form (json_schema, then json_object with a schema, then plain
// text), and the form it took is kept for later requests. Transport
// failures are retried with backoff; what remains wraps ErrService. The
// API key never appears in an error, even when a server or proxy echoes
// the request's Authorization header in its error body.
func (o *OpenAI) Complete(ctx context.Context, req *Request) (*Reply, error) {
	rep, err := o.complete(ctx, req)
	if err != nil && len(o.cfg.APIKey) >= 4 && strings.Contains(err.Error(), o.cfg.APIKey) {
		err = &redactedError{strings.ReplaceAll(err.Error(), o.cfg.APIKey, "[redacted]"), err}
	}
	return rep, err
}

// redactedError shows msg and keeps err for errors.Is (ErrService).
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func (o *OpenAI) complete(ctx context.Context, req *Request) (*Reply, error) {
	for {
		form := o.format.Load()
		if req.Schema == nil {
			form = formatNone
		}
		rep, err := o.send(ctx, req, form)
		if err == nil {
			return rep, nil
		}
		if form == formatNone || o.cfg.Structured != StructuredAuto || !isFormatRejection(err) {
			return nil, err
		}
		o.format.CompareAndSwap(form, form+1)
	}
}

// schemaKey carries the schema of a json_object request to bodyFixer.
type schemaKey struct{}

func (o *OpenAI) send(ctx context.Context, req *Request, form int32) (*Reply, error) {
	cr := openai.ChatCompletionRequest{
		Model:       o.cfg.Model,
		Temperature: float32(req.Temperature), // 0 is restored by bodyFixer
		Seed:        &req.Seed,
		MaxTokens:   req.MaxTokens,
	}
	for _, m := range req.Messages {
		cr.Messages = append(cr.Messages, openai.ChatCompletionMessage{Role: m.Role, Content: m.Content})
	}
	switch form {
	case formatJSONSchema:
		name := req.SchemaName
		if name == "" {
			name = "judgement"
		}
		cr.ResponseFormat = &openai.ChatCompletionResponseFormat{
			Type:       openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{Name: name, Schema: req.Schema, Strict: true},
		}
	case formatJSONObjectSchema:
		cr.ResponseFormat = &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeJSONObject}
		ctx = context.WithValue(ctx, schemaKey{}, req.Schema)
	}
	wait := o.cfg.Backoff
	var lastErr error
	for attempt := 0; ; attempt++ {
		rctx, cancel := context.WithTimeout(ctx, o.cfg.Timeout)
		resp, err := o.c.CreateChatCompletion(rctx, cr)
		cancel()
		if err == nil {
			if len(resp.Choices) == 0 {
				return nil, fmt.Errorf("%w: %s: reply without choices", ErrService, o.cfg.Model)
			}
			ch := resp.Choices[0]
			return &Reply{Text: ch.Message.Content, Structured: form != formatNone, Truncated: ch.FinishReason == openai.FinishReasonLength}, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		lastErr = err
		if form != formatNone && isFormatRejection(err) {
			return nil, fmt.Errorf("%s: %w", o.cfg.Model, err)
		}
		if !retryable(err) {
			if isRejection(err) {
				return nil, fmt.Errorf("%s: %w", o.cfg.Model, err)
			}
			return nil, fmt.Errorf("%w: %s: %v", ErrService, o.cfg.Model, err)
		}
		if o.cfg.Retries < 0 || attempt >= o.cfg.Retries {
			break
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		wait *= 2
	}
	return nil, fmt.Errorf("%w: %s: after %d attempts: %v", ErrService, o.cfg.Model, max(o.cfg.Retries, 0)+1, lastErr)
}

func errMessage(err error) string {
	var ae *openai.APIError
	if errors.As(err, &ae) {
		return ae.Message
	}
	var re *openai.RequestError
	if errors.As(err, &re) {
		return string(re.Body)
	}
	return ""
}

// isFormatRejection: the server refused the request's response_format.
// OpenAI and vLLM answer 400 naming it; llama-cpp-python answers 500 with
// a validation error on body.response_format.
func isFormatRejection(err error) bool {
	s := statusOf(err)
	if s == http.StatusUnprocessableEntity || s == http.StatusNotImplemented {
		return true
	}
	if s != http.StatusBadRequest && s != http.StatusInternalServerError {
		return false
	}
	msg := strings.ToLower(errMessage(err))
	return strings.Contains(msg, "response_format") || strings.Contains(msg, "json_schema") || strings.Contains(msg, "json_object")
}

func statusOf(err error) int {
	var ae *openai.APIError
	if errors.As(err, &ae) {
		return ae.HTTPStatusCode
	}
	var re *openai.RequestError
	if errors.As(err, &re) {
		return re.HTTPStatusCode
	}
	return 0
}

// retryable: transport failures and overloaded or failing servers.
func retryable(err error) bool {
	switch s := statusOf(err); {
	case s == 0:
		return true // no HTTP answer: connection refused, reset, timeout
	case s == http.StatusRequestTimeout, s == http.StatusTooManyRequests, s >= 500 && s != http.StatusNotImplemented:
		return true
	}
	return false
}

// isRejection: the server understood the request and refused it (a bad
// parameter such as an unsupported response_format).
func isRejection(err error) bool {
	s := statusOf(err)
	return s == http.StatusBadRequest || s == http.StatusUnprocessableEntity || s == http.StatusNotImplemented
}

// bodyFixer edits chat requests on their way out: it puts "temperature":
// 0 into requests that lack it (go-openai drops a zero temperature as
// omitempty, and servers then use their own default, llama.cpp's 0.8, so
// a greedy run would silently sample), and adds the schema to a
// json_object response_format (llama-cpp-python's form, which go-openai
// cannot express).
type bodyFixer struct{ next openai.HTTPDoer }

func (d bodyFixer) Do(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodPost || r.Body == nil || !strings.HasSuffix(r.URL.Path, "/chat/completions") {
		return d.next.Do(r)
	}
	body, err := io.ReadAll(r.Body)
	r.Body.Close()
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) == nil {
		changed := false
		if _, ok := m["temperature"]; !ok {
			m["temperature"] = json.RawMessage("0")
			changed = true
		}
		if schema, ok := r.Context().Value(schemaKey{}).(json.RawMessage); ok && schema != nil {
			rf, _ := json.Marshal(map[string]json.RawMessage{"type": json.RawMessage(`"json_object"`), "schema": schema})
			m["response_format"] = rf
			changed = true
		}
		if changed {
			if b, err := json.Marshal(m); err == nil {
				body = b
			}
		}
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return d.next.Do(r)
}
