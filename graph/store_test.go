package graph_test

import (
	"testing"

	"github.com/kgeval/kgeval/graph"
	"github.com/kgeval/kgeval/graph/storetest"
)

// The in-memory store keeps the same contract as every other store.
func TestMemoryStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) graph.Store { return graph.NewMemory() })
}
