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
	// schema is what is known of the server's structured output:
	// 0 unknown, 1 supported, 2 refused.
	schema atomic.Int32
}

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
	oc.HTTPClient = explicitTemperature{hc}
	return &OpenAI{c: openai.NewClientWithConfig(oc), cfg: cfg}, nil
}

// StructuredOutput reports whether structured output may be asked for:
// false when it is off, or when the server refused it in auto mode.
func (o *OpenAI) StructuredOutput() bool {
	return o.cfg.Structured != StructuredOff && o.schema.Load() != 2
}

// Model is the model the client asks.
func (o *OpenAI) Model() string { return o.cfg.Model }

// Complete sends one chat completion request. Structured output is asked
// for when req has a schema and the mode allows it; in auto mode a server
// that rejects the request with it is asked again without it, and is not
// asked again once the plain request succeeded. Transport failures are
// retried with backoff; what remains wraps ErrService.
func (o *OpenAI) Complete(ctx context.Context, req *Request) (*Reply, error) {
	useSchema := req.Schema != nil && o.cfg.Structured != StructuredOff && o.schema.Load() != 2
	rep, err := o.send(ctx, req, useSchema)
	if err != nil && useSchema && o.cfg.Structured == StructuredAuto && isRejection(err) {
		rep, err2 := o.send(ctx, req, false)
		if err2 == nil {
			o.schema.Store(2)
			return rep, nil
		}
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	if useSchema {
		o.schema.CompareAndSwap(0, 1)
	}
	return rep, nil
}

func (o *OpenAI) send(ctx context.Context, req *Request, useSchema bool) (*Reply, error) {
	cr := openai.ChatCompletionRequest{
		Model:       o.cfg.Model,
		Temperature: float32(req.Temperature), // 0 is restored by explicitTemperature
		Seed:        &req.Seed,
		MaxTokens:   req.MaxTokens,
	}
	for _, m := range req.Messages {
		cr.Messages = append(cr.Messages, openai.ChatCompletionMessage{Role: m.Role, Content: m.Content})
	}
	if useSchema {
		name := req.SchemaName
		if name == "" {
			name = "judgement"
		}
		cr.ResponseFormat = &openai.ChatCompletionResponseFormat{
			Type:       openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{Name: name, Schema: req.Schema, Strict: true},
		}
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
			return &Reply{Text: resp.Choices[0].Message.Content, Structured: useSchema}, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		lastErr = err
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

// explicitTemperature puts "temperature": 0 into chat requests that lack
// it. go-openai drops a zero temperature (omitempty), and servers then use
// their own default (llama.cpp: 0.8), so a greedy run would silently
// sample.
type explicitTemperature struct{ next openai.HTTPDoer }

func (d explicitTemperature) Do(r *http.Request) (*http.Response, error) {
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
		if _, ok := m["temperature"]; !ok {
			m["temperature"] = json.RawMessage("0")
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
