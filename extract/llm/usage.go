package llm

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"
	"go.yaml.in/yaml/v3"
)

// Usage is what a run cost: requests, tokens as the API reported them, and
// the cost when the model's price is known.
type Usage struct {
	Model            string        `json:"model"`
	Documents        int           `json:"documents"`       // extracted
	Failed           int           `json:"failed"`          // ended in an error
	ServiceErrors    int           `json:"service_errors"`  // of which the service failed after retries
	Requests         int           `json:"requests"`        // HTTP requests sent, retries and re-asks included
	Replies          int           `json:"replies"`         // requests that got a reply
	Retries          int           `json:"retries"`         // requests repeated after a failure
	Reasks           int           `json:"reasks"`          // replies sent back with their validation errors
	BadReplies       int           `json:"bad_replies"`     // chunks whose replies stayed unusable
	CacheHits        int           `json:"cache_hits"`      // chunks served from the cache
	CacheRefetched   int           `json:"cache_refetched"` // corrupt or unusable entries fetched again
	Repairs          int           `json:"repairs"`         // fixes made without asking
	Dropped          int           `json:"dropped"`         // entities and relations dropped with a warning
	PromptTokens     int           `json:"prompt_tokens"`   // from the API's usage fields
	CompletionTokens int           `json:"completion_tokens"`
	TotalTokens      int           `json:"total_tokens"`
	RequestTime      time.Duration `json:"request_time_ns"`    // summed over successful requests
	MaxLatency       time.Duration `json:"max_latency_ns"`     // slowest successful request
	Cost             *float64      `json:"cost_usd,omitempty"` // nil when the price is unknown
}

// MeanLatency is the mean time of a successful request.
func (u Usage) MeanLatency() time.Duration {
	if u.Replies <= 0 {
		return 0
	}
	return u.RequestTime / time.Duration(u.Replies)
}

// String is the run summary line.
func (u Usage) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "llm %s: %d documents (%d failed); %d requests (%d retries, %d re-asks), %d chunks from cache",
		u.Model, u.Documents, u.Failed, u.Requests, u.Retries, u.Reasks, u.CacheHits)
	if u.CacheRefetched > 0 {
		fmt.Fprintf(&b, " (%d refetched)", u.CacheRefetched)
	}
	fmt.Fprintf(&b, "; tokens %d prompt + %d completion = %d", u.PromptTokens, u.CompletionTokens, u.TotalTokens)
	if u.Replies > 0 && u.PromptTokens > 0 {
		fmt.Fprintf(&b, " (%d prompt per request)", u.PromptTokens/u.Replies)
	}
	if m := u.MeanLatency(); m > 0 {
		fmt.Fprintf(&b, "; latency mean %s, max %s", m.Round(time.Millisecond), u.MaxLatency.Round(time.Millisecond))
	}
	if u.Cost != nil {
		fmt.Fprintf(&b, "; cost $%.4f", *u.Cost)
	} else if u.TotalTokens > 0 {
		b.WriteString("; cost unknown (no price for the model: --price-table)")
	}
	if u.Repairs > 0 || u.Dropped > 0 {
		fmt.Fprintf(&b, "; %d repairs, %d dropped", u.Repairs, u.Dropped)
	}
	return b.String()
}

// stats are the extractor's running counters.
type stats struct {
	mu sync.Mutex
	u  Usage
}

func (s *stats) add(f func(u *Usage)) { s.mu.Lock(); f(&s.u); s.mu.Unlock() }
func (s *stats) request()             { s.add(func(u *Usage) { u.Requests++ }) }
func (s *stats) retry()               { s.add(func(u *Usage) { u.Retries++ }) }
func (s *stats) reask()               { s.add(func(u *Usage) { u.Reasks++ }) }
func (s *stats) cached()              { s.add(func(u *Usage) { u.CacheHits++ }) }
func (s *stats) corrupt()             { s.add(func(u *Usage) { u.CacheRefetched++ }) }
func (s *stats) failed()              { s.add(func(u *Usage) { u.Failed++ }) }
func (s *stats) serviceErr()          { s.add(func(u *Usage) { u.ServiceErrors++ }) }
func (s *stats) badReply()            { s.add(func(u *Usage) { u.BadReplies++ }) }
func (s *stats) done(time.Duration)   { s.add(func(u *Usage) { u.Documents++ }) }
func (s *stats) problems(repairs, drops int) {
	s.add(func(u *Usage) { u.Repairs += repairs; u.Dropped += drops })
}
func (s *stats) usage(us openai.Usage, latency time.Duration) {
	s.add(func(u *Usage) {
		u.PromptTokens += us.PromptTokens
		u.CompletionTokens += us.CompletionTokens
		if us.TotalTokens > 0 {
			u.TotalTokens += us.TotalTokens
		} else {
			u.TotalTokens += us.PromptTokens + us.CompletionTokens
		}
		u.Replies++
		u.RequestTime += latency
		u.MaxLatency = max(u.MaxLatency, latency)
	})
}

// Usage returns the counters so far, with the cost when the price is
// known.
func (x *Extractor) Usage() Usage {
	x.stats.mu.Lock()
	u := x.stats.u
	x.stats.mu.Unlock()
	u.Model = x.cfg.Model
	if x.cfg.Price != nil {
		c := x.cfg.Price.Cost(u.PromptTokens, u.CompletionTokens)
		u.Cost = &c
	}
	return u
}

// Price is a model's price in US dollars per million tokens.
type Price struct {
	Input  float64 `yaml:"input" json:"input"`
	Output float64 `yaml:"output" json:"output"`
}

// Cost is the price of the tokens.
func (p Price) Cost(prompt, completion int) float64 {
	return float64(prompt)/1e6*p.Input + float64(completion)/1e6*p.Output
}

// PriceTable maps model names to prices.
type PriceTable map[string]Price

// ReadPriceTable reads a price table in YAML or JSON:
//
//	gpt-4o-mini: {input: 0.15, output: 0.60}   # USD per million tokens
func ReadPriceTable(r io.Reader) (PriceTable, error) {
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	var t PriceTable
	if err := dec.Decode(&t); err != nil && err != io.EOF {
		return nil, fmt.Errorf("price table: %v", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	for m, p := range t {
		if p.Input < 0 || p.Output < 0 {
			return nil, fmt.Errorf("price table: model %q has a negative price", m)
		}
	}
	return t, nil
}

// Lookup returns the model's price: an exact name, else the longest name
// that prefixes it (a dated snapshot "gpt-4o-mini-2024-07-18" takes the
// price of "gpt-4o-mini").
func (t PriceTable) Lookup(model string) (*Price, bool) {
	if p, ok := t[model]; ok {
		return &p, true
	}
	names := make([]string, 0, len(t))
	for n := range t {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return len(names[i]) > len(names[j]) })
	for _, n := range names {
		if n != "" && strings.HasPrefix(model, n) {
			p := t[n]
			return &p, true
		}
	}
	return nil, false
}
