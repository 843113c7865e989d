// Package llm extracts document graphs with a large language model behind
// any OpenAI-compatible chat completions API (OpenAI, Azure, vLLM, Ollama,
// llama.cpp). One request per document (or per chunk of a long one) asks
// for the whole graph under the ontology: the prompt lists the types with
// their definitions, the relation rules with their direction, the
// assertion values and worked examples, and the reply is constrained by the
// ontology's JSON Schema where the server supports it. Every reply is
// validated; what is unambiguous is repaired, the rest dropped with a
// warning and the model asked once more. Replies are cached on disk by
// model, prompt version, ontology and text, so reruns cost nothing.
package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/kgeval/kgeval/extract"
	"github.com/kgeval/kgeval/graph"
	"github.com/kgeval/kgeval/internal/cache"
	"github.com/kgeval/kgeval/ontology"
)

// ErrService marks a failure of the LLM service itself (unreachable after
// retries, key refused, model unknown), as opposed to a bad reply.
var ErrService = errors.New("LLM service failed")

// Defaults of the zero Config fields.
const (
	DefaultConcurrency   = 4
	DefaultTimeout       = 2 * time.Minute
	DefaultRetries       = 4
	DefaultBackoff       = time.Second
	DefaultMaxBackoff    = 30 * time.Second
	DefaultMaxRetryAfter = 5 * time.Minute
	DefaultChunkChars    = 6000
	DefaultBaseURL       = "https://api.openai.com/v1"
	// rawInError is how much of a reply an error message carries.
	rawInError = 1000
)

// Config configures an Extractor. Zero values mean the documented
// defaults.
type Config struct {
	// BaseURL is the API's root, e.g. http://127.0.0.1:8081/v1; empty
	// means OpenAI's.
	BaseURL string
	// APIKey is sent as a bearer token and nowhere else: it is never
	// logged, cached or written, and is removed from error messages that
	// echo it. Local servers need none.
	APIKey string
	// Model is the model name the server knows. Required.
	Model string
	// Concurrency is the most requests in flight; 0 means 4.
	Concurrency int
	// RPM caps requests per minute, spaced evenly; 0 means no cap.
	RPM int
	// Timeout bounds each request; 0 means 2 minutes.
	Timeout time.Duration
	// Retries is how many times a failed request is retried; 0 means 4 and
	// a negative value means none.
	Retries int
	// Backoff is the first retry's base wait, doubled each time up to
	// MaxBackoff; 0 means 1 s and 30 s. MaxRetryAfter caps how long a
	// server's Retry-After is honoured; 0 means 5 minutes.
	Backoff, MaxBackoff, MaxRetryAfter time.Duration
	// Format is the response_format to use; FormatAuto (the zero value)
	// starts with JSON Schema and steps down when the server rejects it.
	Format Format
	// Temperature; nil means 0 (the most likely reply, which caching
	// assumes).
	Temperature *float32
	// Seed is sent when set, for servers that sample reproducibly.
	Seed *int
	// MaxTokens caps each reply; 0 leaves it to the server.
	MaxTokens int
	// ChunkChars is the longest text sent in one request; longer documents
	// are split by section and sentence with overlap. 0 means 6000, a
	// negative value never splits.
	ChunkChars int
	// Cache stores raw replies; nil caches nothing.
	Cache *cache.Cache
	// Price is the model's price; nil means cost is not computed.
	Price *Price
	// HTTPClient sends the requests; nil means one tuned for Concurrency.
	// Its transport is wrapped, not replaced.
	HTTPClient *http.Client
	// Warn receives warnings (dropped entities, retries, corrupt cache
	// entries) with the document id, "" when not about one document; nil
	// discards them. It may be called concurrently.
	Warn func(docID, msg string)
}

func (c *Config) concurrency() int { return orDefault(c.Concurrency, DefaultConcurrency) }
func (c *Config) timeout() time.Duration {
	return orDefault(c.Timeout, DefaultTimeout)
}
func (c *Config) backoff() time.Duration    { return orDefault(c.Backoff, DefaultBackoff) }
func (c *Config) maxBackoff() time.Duration { return orDefault(c.MaxBackoff, DefaultMaxBackoff) }
func (c *Config) maxRetryAfter() time.Duration {
	return orDefault(c.MaxRetryAfter, DefaultMaxRetryAfter)
}
func (c *Config) baseURL() string {
	return strings.TrimRight(orDefault(c.BaseURL, DefaultBaseURL), "/")
}
func (c *Config) retries() int {
	switch {
	case c.Retries < 0:
		return 0
	case c.Retries == 0:
		return DefaultRetries
	}
	return c.Retries
}
func (c *Config) chunkChars() int { return orDefault(c.ChunkChars, DefaultChunkChars) }

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Extractor is the LLM extractor for one ontology and one model. It is safe
// for concurrent use; Concurrency bounds the requests in flight across all
// calls.
type Extractor struct {
	cfg      Config
	ont      *ontology.Ontology
	val      *validator
	client   *openai.Client
	system   string
	examples []example
	schema   json.RawMessage
	headings []string
	sem      chan struct{}
	limit    *limiter
	format   atomic.Int32
	fatal    atomic.Pointer[error]
	stats    stats
	// writes are the cache writes queued or in progress: they run off the
	// path of the next request, and Close waits for them.
	writes sync.WaitGroup
	queue  writeQueue
	// turns orders the first requests of announced documents (Announce).
	turns turns
}

// writeQueue hands cache writes to one goroutine at a time, started when
// there is work and gone when there is none. A write to a slow disk can
// block, and a goroutine blocked in a system call holds one of the
// GOMAXPROCS processors for a while: with a writer per reply, a burst of
// writes could hold them all and delay the replies waiting to be read. One
// writer leaves the rest to the requests.
type writeQueue struct {
	mu      sync.Mutex
	pending []func()
	running bool
}

// add queues f and starts the writer if it is not running.
func (q *writeQueue) add(f func()) {
	q.mu.Lock()
	q.pending = append(q.pending, f)
	start := !q.running
	q.running = true
	q.mu.Unlock()
	if start {
		go q.drain()
	}
}

func (q *writeQueue) drain() {
	for f := q.next(true); f != nil; f = q.next(true) {
		f()
	}
}

// next takes the oldest pending write, or returns nil when none is left;
// for the writer (stopping), that also marks it stopped.
func (q *writeQueue) next(stopping bool) func() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.pending) == 0 {
		if stopping {
			q.running = false
		}
		return nil
	}
	f := q.pending[0]
	q.pending[0] = nil
	q.pending = q.pending[1:]
	return f
}

// help runs pending writes beside the writer until none is left: for when
// nothing else needs the processors.
func (q *writeQueue) help() {
	for f := q.next(false); f != nil; f = q.next(false) {
		f()
	}
}

var _ extract.Extractor = (*Extractor)(nil)

// New builds an extractor. It sends nothing: a wrong address or key shows
// on the first document.
func New(o *ontology.Ontology, cfg Config) (*Extractor, error) {
	if o == nil {
		return nil, errors.New("llm: no ontology")
	}
	if strings.TrimSpace(cfg.Model) == "" {
		return nil, errors.New("llm: no model given (--model or KGEVAL_MODEL)")
	}
	if cfg.Concurrency < 0 || cfg.RPM < 0 || cfg.Timeout < 0 || cfg.MaxTokens < 0 {
		return nil, errors.New("llm: concurrency, rpm, timeout and max tokens must not be negative")
	}
	x := &Extractor{cfg: cfg, ont: o, val: newValidator(o), headings: o.Rules["sections"]}
	// The lexicon index is needed when the first reply is in: build it
	// while the first requests are out.
	go x.val.termsOnce.Do(x.val.buildTerms)
	x.system = systemPrompt(o)
	x.examples = examplesFor(o, x.val)
	x.schema = replySchema(o)
	x.sem = make(chan struct{}, cfg.concurrency())
	x.limit = newLimiter(cfg.RPM)
	x.format.Store(int32(FormatJSONSchema))

	hc := cfg.HTTPClient
	if hc == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = cfg.concurrency() + 2
		hc = &http.Client{Transport: t}
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	wrapped := *hc
	wrapped.Transport = &transport{base: base, now: time.Now}
	oc := openai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = cfg.baseURL()
	oc.HTTPClient = &wrapped
	x.client = openai.NewClientWithConfig(oc)
	return x, nil
}

// Extract builds the document's graph: from the cache when every chunk's
// reply is there, else by asking the model. A reply that cannot be used
// even after one re-ask is an error carrying the reason and the reply.
func (x *Extractor) Extract(ctx context.Context, doc extract.Document) (*graph.Graph, error) {
	if t := x.turnOf(ctx); t != nil {
		defer t.leave() // in case no request was sent
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if strings.TrimSpace(doc.Text) == "" {
		// Nothing to ask about: the empty graph is the answer.
		x.stats.done(0)
		return &graph.Graph{ID: doc.ID, Text: doc.Text, Entities: []graph.Entity{}, Relations: []graph.Relation{}}, nil
	}
	start := time.Now()
	chunks := split(doc.Text, x.headings, x.cfg.chunkChars(), x.cfg.chunkChars()/10)
	parts := make([]*result, len(chunks))
	errs := make([]error, len(chunks))
	if len(chunks) == 1 {
		parts[0], errs[0] = x.chunk(ctx, doc.ID, chunks[0])
	} else {
		var wg sync.WaitGroup
		for i, c := range chunks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				parts[i], errs[i] = x.chunk(ctx, doc.ID, c)
			}()
		}
		wg.Wait()
	}
	for i, err := range errs {
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			x.stats.failed()
			if errors.Is(err, ErrService) {
				x.stats.serviceErr()
			}
			if len(chunks) > 1 {
				return nil, fmt.Errorf("chunk %d of %d (bytes %d-%d): %w", i+1, len(chunks), chunks[i].Start, chunks[i].Start+len(chunks[i].Text), err)
			}
			return nil, err
		}
	}
	g := merge(doc.ID, doc.Text, parts)
	g.Normalize()
	if err := g.Validate(x.ont); err != nil {
		// The validator should make this impossible; never pass on a bad graph.
		x.stats.failed()
		return nil, fmt.Errorf("llm: internal error, merged graph is invalid: %w", err)
	}
	x.stats.done(time.Since(start))
	return g, nil
}

// chunk extracts one chunk: cached reply, else a request and at most one
// re-ask.
func (x *Extractor) chunk(ctx context.Context, docID string, c chunk) (*result, error) {
	key := cache.Key(x.cfg.Model, PromptVersion, x.ont.Hash(), c.Text)
	if raw, ok, err := x.cfg.Cache.Get(key); err != nil {
		x.stats.corrupt()
		x.warn(docID, fmt.Sprintf("cache entry unreadable, fetching again: %v", err))
	} else if ok {
		res := x.val.interpret(string(raw), c.Text, c.Start)
		if res.usable() {
			x.stats.cached()
			x.report(docID, res)
			x.val.resolveKeys(res)
			return res, nil
		}
		x.stats.corrupt()
		x.warn(docID, fmt.Sprintf("cached reply unusable (%s), fetching again", reasonOf(res)))
	}

	msgs := x.messages(c.Text)
	first, err := x.ask(ctx, docID, msgs, c)
	if err != nil {
		return nil, err
	}
	best := first
	if !first.usable() || len(first.problems()) > 0 {
		x.stats.reask()
		follow := append(msgs[:len(msgs):len(msgs)],
			openai.ChatCompletionMessage{Role: openai.ChatMessageRoleAssistant, Content: first.raw},
			openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: reask(reasonsFor(first))},
		)
		second, err := x.ask(ctx, docID, follow, c)
		if err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			if !first.usable() {
				return nil, x.replyError(first, fmt.Errorf("and the re-ask failed: %w", err))
			}
			x.warn(docID, fmt.Sprintf("re-ask failed (%v); keeping the first reply", err))
		} else if second.usable() && (!first.usable() || len(second.problems()) <= len(first.problems())) {
			best = second
		}
	}
	if !best.usable() {
		return nil, x.replyError(best, nil)
	}
	x.report(docID, best)
	x.val.resolveKeys(best)
	if x.cfg.Cache != nil {
		raw := []byte(x.redact(best.raw))
		x.writes.Add(1)
		x.queue.add(func() {
			defer x.writes.Done()
			if err := x.cfg.Cache.Put(key, raw); err != nil {
				x.warn(docID, fmt.Sprintf("cannot cache the reply: %v", err))
			}
		})
	}
	return best, nil
}

// Close waits until the replies received so far are in the cache. The
// extractor stays usable.
func (x *Extractor) Close() error {
	// No request waits now: help the writer with what is left.
	var help sync.WaitGroup
	for range 3 {
		help.Go(x.queue.help)
	}
	help.Wait()
	x.writes.Wait()
	return nil
}

// ask sends a request and interprets the reply; a cut-off reply is
// reported as such.
func (x *Extractor) ask(ctx context.Context, docID string, msgs []openai.ChatCompletionMessage, c chunk) (*result, error) {
	rep, err := x.complete(ctx, docID, msgs)
	if err != nil {
		return nil, err
	}
	res := x.val.interpret(rep.content, c.Text, c.Start)
	if rep.finishReason == string(openai.FinishReasonLength) && res.err != nil {
		res.err = fmt.Errorf("the reply was cut off at the token limit (finish_reason length): %w", res.err)
	}
	return res, nil
}

// reasonsFor lists what the model is told on a re-ask.
func reasonsFor(r *result) []string {
	if r.err != nil {
		return []string{r.err.Error()}
	}
	if r.replyEntities > 0 && len(r.entities) == 0 {
		return append([]string{"no entity of the reply could be used"}, r.drops...)
	}
	return r.drops
}

func reasonOf(r *result) string {
	if r.err != nil {
		return r.err.Error()
	}
	return fmt.Sprintf("all %d entities dropped: %s", r.replyEntities, strings.Join(r.drops, "; "))
}

// ReplyError is a reply that could not be turned into a graph, even after
// the re-ask. Raw is the reply, truncated; the API key is never in it.
type ReplyError struct {
	Reason string
	Raw    string
}

func (e *ReplyError) Error() string {
	return fmt.Sprintf("unusable LLM reply: %s; reply: %q", e.Reason, e.Raw)
}

func (x *Extractor) replyError(r *result, extra error) error {
	reason := reasonOf(r)
	if len(reason) > 600 {
		reason = truncate(reason, 600)
	}
	if extra != nil {
		reason += " " + extra.Error()
	}
	x.stats.badReply()
	return &ReplyError{Reason: x.redact(reason), Raw: x.redact(truncate(r.raw, rawInError))}
}

// report passes a result's drops and lost relations on as warnings and
// counts repairs.
func (x *Extractor) report(docID string, r *result) {
	x.stats.problems(len(r.repairs), len(r.drops)+len(r.cascade))
	for _, d := range r.drops {
		x.warn(docID, "dropped "+d)
	}
	for _, d := range r.cascade {
		x.warn(docID, d)
	}
	if r.replyEntities == 0 {
		x.warn(docID, "the reply has no entities")
	}
}

func (x *Extractor) warn(docID, msg string) {
	if x.cfg.Warn != nil {
		x.cfg.Warn(docID, x.redact(msg))
	}
}

// Model is the model name requests use.
func (x *Extractor) Model() string { return x.cfg.Model }
