package graph

import (
	"sort"

	gg "gonum.org/v1/gonum/graph"
	"gonum.org/v1/gonum/graph/multi"
)

// Multi is the gonum view of a Graph: a directed multigraph whose nodes are
// the entities (node id = position in Graph.Entities, so iteration follows
// document order) and whose lines carry the relation type. Parallel lines
// of different types between the same two entities are kept.
type Multi struct {
	*multi.DirectedGraph
	g   *Graph
	ids map[string]int64 // entity id → node id
}

// TypedLine is a gonum line that carries a relation type.
type TypedLine struct {
	multi.Line
	Type string
}

// NewMulti builds the gonum view of g. Relations whose ends do not exist are
// skipped; call Validate first to reject them.
func NewMulti(g *Graph) *Multi {
	m := &Multi{DirectedGraph: multi.NewDirectedGraph(), g: g, ids: make(map[string]int64, len(g.Entities))}
	for i, e := range g.Entities {
		id := int64(i)
		m.ids[e.ID] = id
		m.AddNode(multi.Node(id))
	}
	for _, r := range g.Relations {
		s, ok1 := m.ids[r.Source]
		t, ok2 := m.ids[r.Target]
		if !ok1 || !ok2 {
			continue
		}
		m.SetLine(TypedLine{Line: multi.Line{F: multi.Node(s), T: multi.Node(t), UID: m.NewLine(multi.Node(s), multi.Node(t)).ID()}, Type: r.Type})
	}
	return m
}

// NodeID returns the gonum node id of the entity with the given id.
func (m *Multi) NodeID(entityID string) (int64, bool) {
	id, ok := m.ids[entityID]
	return id, ok
}

// Entity returns the entity behind a gonum node id.
func (m *Multi) Entity(id int64) Entity { return m.g.Entities[id] }

// LineTypes returns the sorted relation types of the lines from → to.
func (m *Multi) LineTypes(from, to int64) []string {
	var types []string
	it := m.Lines(from, to)
	for it.Next() {
		if l, ok := it.Line().(TypedLine); ok {
			types = append(types, l.Type)
		}
	}
	sort.Strings(types)
	return types
}

// SortedSuccessors returns the node ids reachable by one line from id, in
// ascending order.
func (m *Multi) SortedSuccessors(id int64) []int64 {
	return sortedIDs(m.From(id))
}

func sortedIDs(it gg.Nodes) []int64 {
	var ids []int64
	for it.Next() {
		ids = append(ids, it.Node().ID())
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}
