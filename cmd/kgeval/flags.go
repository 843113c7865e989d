package main

import (
	"fmt"
	"iter"
	"sort"
	"strconv"
	"strings"

	"github.com/kgeval/kgeval/internal/pairs"
	"github.com/kgeval/kgeval/scorers"
)

// weightsFlag parses "nsc=0.3,ams=0.15" into scorers.Weights.
type weightsFlag struct{ w *scorers.Weights }

func (f weightsFlag) String() string {
	if f.w == nil || *f.w == nil {
		return ""
	}
	names := make([]string, 0, len(*f.w))
	for n := range *f.w {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + "=" + strconv.FormatFloat((*f.w)[n], 'g', -1, 64)
	}
	return strings.Join(parts, ",")
}

func (f weightsFlag) Set(s string) error {
	w := scorers.Weights{}
	for _, part := range strings.Split(s, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fmt.Errorf("%q: want SCORE=WEIGHT", part)
		}
		v, err := strconv.ParseFloat(val, 64)
		if err != nil {
			return fmt.Errorf("%q: weight is not a number", part)
		}
		w[name] = v
	}
	if err := w.Validate(); err != nil {
		return err
	}
	*f.w = w
	return nil
}

func (weightsFlag) Type() string { return "weights" }

// shardSpec is --shard i/n with 1 <= i <= n; the zero value means no
// sharding.
type shardSpec struct{ i, n int }

func (s *shardSpec) String() string {
	if s.n == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.i, s.n)
}

func (s *shardSpec) Set(v string) error {
	a, b, ok := strings.Cut(v, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 1 || i > n {
		return fmt.Errorf("%q: want i/n with 1 <= i <= n, e.g. 2/4", v)
	}
	s.i, s.n = i, n
	return nil
}

func (*shardSpec) Type() string { return "i/n" }

// filter keeps the valid pairs k (counted from 0 over valid pairs) with
// k mod n = i−1, so that shards interleave back into input order; bad lines
// are passed through to every shard, which reports them alike.
func (s *shardSpec) filter(in iter.Seq2[pairs.Pair, error]) iter.Seq2[pairs.Pair, error] {
	if s.n <= 1 {
		return in
	}
	return func(yield func(pairs.Pair, error) bool) {
		k := 0
		for p, err := range in {
			if err == nil {
				k++
				if (k-1)%s.n != s.i-1 {
					continue
				}
			}
			if !yield(p, err) {
				return
			}
		}
	}
}
