package ontology

import (
	"bytes"
	"encoding/json"
)

// JSONSchema returns the JSON Schema of the graph format (cli.md: a
// document id, entities and relations) restricted to o: entity types,
// relation types and assertions are enums of o's names. It is valid for
// OpenAI's strict structured output (response_format json_schema with
// strict: true): every object lists all its properties in required and
// sets additionalProperties to false, optional fields are nullable (the id
// a caller may fill in, the key, the span, the measurement), and no keyword
// outside the strict subset is used (no minItems, pattern or format). The
// properties keep the graph format's order, which is the order a model
// writes them in. A measurement field is offered only when o has a size
// type.
func (o *Ontology) JSONSchema() json.RawMessage {
	assertions := []string{"present", "absent", "uncertain"}
	nullable := func(s obj) obj { return obj{{"anyOf", []any{obj{{"type", "null"}}, s}}} }
	entityProps := obj{
		{"id", obj{{"type", "string"}, {"description", "Entity id, unique in the graph, e.g. e1."}}},
		{"text", obj{{"type", "string"}, {"description", "The words of the document that state the entity."}}},
		{"type", obj{{"type", "string"}, {"enum", o.EntityTypeNames()}, {"description", "Entity type of the " + o.Name + " ontology."}}},
		{"assertion", obj{{"type", "string"}, {"enum", assertions}, {"description", "Whether the document states the entity as present, absent or uncertain."}}},
		{"key", obj{{"type", []string{"string", "null"}}, {"description", "Canonical concept key, e.g. type/name; null when unknown."}}},
		{"span", nullable(obj{{"type", "array"}, {"items", obj{{"type", "integer"}}},
			{"description", "Start and end byte offsets of text in the document."}})},
	}
	if o.HasEntityType("size") {
		entityProps = append(entityProps, field{"measure", nullable(strict(obj{
			{"type", "object"},
			{"properties", obj{
				{"values", obj{{"type", "array"}, {"items", obj{{"type", "number"}}}, {"description", "Dimensions in millimetres."}}},
				{"unit", obj{{"type", "string"}, {"enum", []string{"mm"}}}},
			}},
		}))})
	}
	relType := obj{{"type", "string"}, {"description", "Relation type of the " + o.Name + " ontology."}}
	if names := o.RelationTypeNames(); len(names) > 0 {
		relType = obj{{"type", "string"}, {"enum", names}, {"description", "Relation type of the " + o.Name + " ontology."}}
	}
	entity := strict(obj{{"type", "object"}, {"properties", entityProps}})
	relation := strict(obj{{"type", "object"}, {"properties", obj{
		{"source", obj{{"type", "string"}, {"description", "Id of the source entity."}}},
		{"target", obj{{"type", "string"}, {"description", "Id of the target entity."}}},
		{"type", relType},
	}}})
	root := strict(obj{
		{"title", o.Name + " knowledge graph"},
		{"description", "A document's entities and relations under the " + o.Name + " ontology (kgeval graph format)."},
		{"type", "object"},
		{"properties", obj{
			{"id", obj{{"type", []string{"string", "null"}}, {"description", "Document id; null to let the caller set it."}}},
			{"entities", obj{{"type", "array"}, {"items", obj{{"$ref", "#/$defs/entity"}}}}},
			{"relations", obj{{"type", "array"}, {"items", obj{{"$ref", "#/$defs/relation"}}}}},
		}},
	})
	root = append(root, field{"$defs", obj{{"entity", entity}, {"relation", relation}}})
	b, _ := json.Marshal(root) // plain data: cannot fail
	return b
}

// strict completes an object schema for strict mode: all its properties
// required, no others allowed.
func strict(s obj) obj {
	var names []string
	for _, f := range s {
		if f.name == "properties" {
			for _, p := range f.value.(obj) {
				names = append(names, p.name)
			}
		}
	}
	return append(s, field{"required", names}, field{"additionalProperties", false})
}

// obj is a JSON object that keeps its fields in order.
type obj []field

type field struct {
	name  string
	value any
}

// MarshalJSON writes the fields in order.
func (o obj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(f.name)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(f.value)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
