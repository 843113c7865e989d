package graph

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
)

// Role says which side of a pair a graph belongs to.
type Role string

// The two roles of a pair.
const (
	Reference Role = "reference"
	Candidate Role = "candidate"
)

// ParseRole checks a role name.
func ParseRole(s string) (Role, error) {
	switch Role(s) {
	case Reference, Candidate:
		return Role(s), nil
	}
	return "", fmt.Errorf("unknown role %q, want reference or candidate", s)
}

// ErrNotFound is returned when a store has no graph for a document.
var ErrNotFound = errors.New("graph not found")

// Store keeps document graphs by run, role and document id. Put replaces a
// graph already stored under the same run, role and id, so pushing a run
// twice leaves it unchanged. List returns graphs ordered by document id.
type Store interface {
	Put(ctx context.Context, run string, role Role, graphs []*Graph) error
	Get(ctx context.Context, run string, role Role, doc string) (*Graph, error)
	List(ctx context.Context, run string, role Role) ([]*Graph, error)
	Delete(ctx context.Context, run string) error
}

// Memory is the default Store: graphs held in this process.
type Memory struct {
	mu   sync.RWMutex
	runs map[string]map[Role]map[string]*Graph
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory { return &Memory{runs: map[string]map[Role]map[string]*Graph{}} }

// Put stores copies of the graphs.
func (m *Memory) Put(ctx context.Context, run string, role Role, graphs []*Graph) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if run == "" {
		return errors.New("put: empty run id")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	roles := m.runs[run]
	if roles == nil {
		roles = map[Role]map[string]*Graph{}
		m.runs[run] = roles
	}
	docs := roles[role]
	if docs == nil {
		docs = map[string]*Graph{}
		roles[role] = docs
	}
	for _, g := range graphs {
		docs[g.ID] = g.Clone()
	}
	return nil
}

// Get returns a copy of one stored graph, or ErrNotFound.
func (m *Memory) Get(ctx context.Context, run string, role Role, doc string) (*Graph, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	g, ok := m.runs[run][role][doc]
	if !ok {
		return nil, fmt.Errorf("run %s %s %s: %w", run, role, doc, ErrNotFound)
	}
	return g.Clone(), nil
}

// List returns copies of a run's graphs for a role, ordered by document id.
func (m *Memory) List(ctx context.Context, run string, role Role) ([]*Graph, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	docs := m.runs[run][role]
	out := make([]*Graph, 0, len(docs))
	for _, g := range docs {
		out = append(out, g.Clone())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// Delete removes every graph of a run.
func (m *Memory) Delete(ctx context.Context, run string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.runs, run)
	return nil
}
