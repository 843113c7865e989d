package judge

import (
	"context"
	"encoding/json"
	"sync/atomic"

	"github.com/kgeval/kgeval/internal/cache"
)

// cacheVersion changes when the meaning of a cached reply does.
const cacheVersion = "judge-1"

// Cached is a Completer that keeps the replies of Next in a cache, keyed by
// the model and the whole request (messages, temperature, seed, token cap,
// schema): asking again for the same grade costs nothing and gives the
// same reply. Failed requests are not cached; unparseable replies are, as
// they are what the model said (a retry is a different request).
type Cached struct {
	Next  Completer
	Cache *cache.Cache
	Model string
	hits  atomic.Int64
}

var _ Completer = (*Cached)(nil)

// Complete serves req from the cache, or asks Next and keeps the reply. A
// cache that cannot be read or written only costs the saving.
func (c *Cached) Complete(ctx context.Context, req *Request) (*Reply, error) {
	b, err := json.Marshal(req)
	if err != nil || c.Cache == nil {
		return c.Next.Complete(ctx, req)
	}
	key := cache.Key(cacheVersion, c.Model, string(b))
	if v, ok, err := c.Cache.Get(key); ok && err == nil {
		var r Reply
		if json.Unmarshal(v, &r) == nil {
			c.hits.Add(1)
			return &r, nil
		}
	}
	r, err := c.Next.Complete(ctx, req)
	if err != nil {
		return nil, err
	}
	if v, err := json.Marshal(r); err == nil {
		_ = c.Cache.Put(key, v)
	}
	return r, nil
}

// Hits is the number of replies served from the cache.
func (c *Cached) Hits() int64 { return c.hits.Load() }

// StructuredOutput passes on what Next knows of structured output.
func (c *Cached) StructuredOutput() bool {
	if sr, ok := c.Next.(interface{ StructuredOutput() bool }); ok {
		return sr.StructuredOutput()
	}
	return true
}
