package llm

import (
	"encoding/json"

	"github.com/kgeval/kgeval/ontology"
)

// The JSON Schema of a reply, in the subset that OpenAI's strict structured
// output, vLLM, Ollama and llama.cpp's grammar converter all accept: every
// property required, no additional properties, enums for the ontology's
// names. Field order is the order the model writes them in, which is why
// the schema is built from structs rather than maps.

type schemaObject struct {
	Type                 string   `json:"type"`
	Properties           any      `json:"properties"`
	Required             []string `json:"required"`
	AdditionalProperties bool     `json:"additionalProperties"`
}

type schemaArray struct {
	Type  string `json:"type"`
	Items any    `json:"items"`
}

type schemaString struct {
	Type        string   `json:"type"`
	Enum        []string `json:"enum,omitempty"`
	Description string   `json:"description,omitempty"`
}

// replySchema is the JSON Schema of the reply format under o: the
// ontology's entity types, relation types and assertion values as enums,
// in the shape the prompt and its examples show. It is not
// o.JSONSchema(), the schema of the whole graph format: that one also asks
// for the document id, spans and measurements, which kgeval computes
// itself. Asking the model for them costs output tokens and, measured with
// Gemma 3 270M on llama-server, made it repeat entities until the token
// limit (768 tokens, both the reply and the re-ask cut off, the document
// failed) where this schema gave a valid graph in 92 tokens.
func replySchema(o *ontology.Ontology) json.RawMessage {
	str := schemaString{Type: "string"}
	entity := schemaObject{
		Type: "object",
		Properties: struct {
			ID        schemaString `json:"id"`
			Text      schemaString `json:"text"`
			Type      schemaString `json:"type"`
			Assertion schemaString `json:"assertion"`
			Key       schemaString `json:"key"`
		}{
			ID:        str,
			Text:      schemaString{Type: "string", Description: "copied exactly from the document"},
			Type:      schemaString{Type: "string", Enum: o.EntityTypeNames()},
			Assertion: schemaString{Type: "string", Enum: assertionValues},
			Key:       schemaString{Type: "string", Description: "canonical form, or empty"},
		},
		Required: []string{"id", "text", "type", "assertion", "key"},
	}
	relTypes := o.RelationTypeNames()
	relType := schemaString{Type: "string", Enum: relTypes}
	if len(relTypes) == 0 {
		// An empty enum matches nothing; with no relation types the
		// relations array must simply stay empty, which validation checks.
		relType = str
	}
	relation := schemaObject{
		Type: "object",
		Properties: struct {
			Source schemaString `json:"source"`
			Target schemaString `json:"target"`
			Type   schemaString `json:"type"`
		}{str, str, relType},
		Required: []string{"source", "target", "type"},
	}
	root := schemaObject{
		Type: "object",
		Properties: struct {
			Entities  schemaArray `json:"entities"`
			Relations schemaArray `json:"relations"`
		}{
			Entities:  schemaArray{Type: "array", Items: entity},
			Relations: schemaArray{Type: "array", Items: relation},
		},
		Required: []string{"entities", "relations"},
	}
	b, _ := json.Marshal(root) // plain structs: cannot fail
	return b
}
