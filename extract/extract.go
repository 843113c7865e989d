// Package extract turns a document's text into its entity–relation graph
// under an ontology. Implementations live beneath it: extract/rules
// (offline and deterministic) and extract/llm (any OpenAI-compatible
// server).
package extract

import (
	"context"

	"github.com/kgeval/kgeval/graph"
)

// Document is one text to extract a graph from.
type Document struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

// Extractor turns a document into its graph. The graph's ID is the
// document's, and its entities and relations use the ontology's types.
type Extractor interface {
	Extract(ctx context.Context, doc Document) (*graph.Graph, error)
}
