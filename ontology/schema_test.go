package ontology

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// strictKeywords are the JSON Schema keywords OpenAI's strict structured
// output accepts (its documentation lists the supported subset; minItems,
// pattern, format and the like are refused).
var strictKeywords = map[string]bool{
	"type": true, "properties": true, "required": true, "additionalProperties": true, "items": true,
	"enum": true, "anyOf": true, "$ref": true, "$defs": true, "description": true, "title": true, "const": true,
}

func schemaOf(t *testing.T, name string) map[string]any {
	t.Helper()
	o, err := Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(o.JSONSchema(), &s); err != nil {
		t.Fatalf("%s schema is no JSON: %v", name, err)
	}
	return s
}

// walk calls fn on every schema object below s (properties, items, anyOf
// branches, definitions), with its path.
func walk(path string, s map[string]any, fn func(path string, s map[string]any)) {
	fn(path, s)
	if props, ok := s["properties"].(map[string]any); ok {
		for k, v := range props {
			walk(path+".properties."+k, v.(map[string]any), fn)
		}
	}
	if it, ok := s["items"].(map[string]any); ok {
		walk(path+".items", it, fn)
	}
	if defs, ok := s["$defs"].(map[string]any); ok {
		for k, v := range defs {
			walk(path+".$defs."+k, v.(map[string]any), fn)
		}
	}
	if alts, ok := s["anyOf"].([]any); ok {
		for i, v := range alts {
			walk(fmt.Sprintf("%s.anyOf[%d]", path, i), v.(map[string]any), fn)
		}
	}
}

func TestJSONSchemaIsStrict(t *testing.T) {
	for _, name := range Builtins() {
		t.Run(name, func(t *testing.T) {
			s := schemaOf(t, name)
			if s["type"] != "object" || s["anyOf"] != nil {
				t.Errorf("the root must be an object, not anyOf: %v", s["type"])
			}
			walk("#", s, func(path string, n map[string]any) {
				for k := range n {
					if !strictKeywords[k] {
						t.Errorf("%s: keyword %q is outside the strict subset", path, k)
					}
				}
				if n["type"] != "object" {
					return
				}
				if n["additionalProperties"] != false {
					t.Errorf("%s: additionalProperties = %v, want false", path, n["additionalProperties"])
				}
				var props, req []string
				for k := range n["properties"].(map[string]any) {
					props = append(props, k)
				}
				for _, r := range n["required"].([]any) {
					req = append(req, r.(string))
				}
				sort.Strings(props)
				sort.Strings(req)
				if !reflect.DeepEqual(props, req) {
					t.Errorf("%s: required %v, want every property %v", path, req, props)
				}
			})
		})
	}
}

func TestJSONSchemaEnums(t *testing.T) {
	for _, name := range Builtins() {
		t.Run(name, func(t *testing.T) {
			o, _ := Builtin(name)
			s := schemaOf(t, name)
			defs := s["$defs"].(map[string]any)
			prop := func(def, p string) map[string]any {
				return defs[def].(map[string]any)["properties"].(map[string]any)[p].(map[string]any)
			}
			if got := strs(prop("entity", "type")["enum"]); !reflect.DeepEqual(got, o.EntityTypeNames()) {
				t.Errorf("entity type enum %v, want %v", got, o.EntityTypeNames())
			}
			if got := strs(prop("relation", "type")["enum"]); !reflect.DeepEqual(got, o.RelationTypeNames()) {
				t.Errorf("relation type enum %v, want %v", got, o.RelationTypeNames())
			}
			if got := strs(prop("entity", "assertion")["enum"]); strings.Join(got, ",") != "present,absent,uncertain" {
				t.Errorf("assertion enum %v", got)
			}
			_, measure := defs["entity"].(map[string]any)["properties"].(map[string]any)["measure"]
			if measure != o.HasEntityType("size") {
				t.Errorf("measure offered: %v, ontology has a size type: %v", measure, o.HasEntityType("size"))
			}
		})
	}
}

// TestJSONSchemaOrder keeps the graph format's field order, which is the
// order a model writes the fields in.
func TestJSONSchemaOrder(t *testing.T) {
	o, _ := Builtin("legal")
	got := string(o.JSONSchema())
	order := []string{`"id"`, `"entities"`, `"relations"`, `"$defs"`, `"entity"`, `"text"`, `"type"`, `"assertion"`, `"key"`, `"span"`, `"relation"`, `"source"`, `"target"`}
	at := 0
	for _, k := range order {
		i := strings.Index(got[at:], k)
		if i < 0 {
			t.Fatalf("%s missing or out of order in %s", k, got)
		}
		at += i
	}
}

// TestJSONSchemaAcceptsGraphs checks graphs in the graph format against the
// schema with a small validator for the keywords it uses: a well-formed
// legal graph passes, and each kind of mistake is caught.
func TestJSONSchemaAcceptsGraphs(t *testing.T) {
	o, _ := Builtin("legal")
	var s map[string]any
	json.Unmarshal(o.JSONSchema(), &s)
	good := `{"id": null, "entities": [
		{"id": "e1", "text": "Acme Widgets, Inc.", "type": "party", "assertion": "present", "key": "party/acme_widgets", "span": [10, 28]},
		{"id": "e2", "text": "Supply Agreement", "type": "agreement", "assertion": "present", "key": null, "span": null}],
		"relations": [{"source": "e1", "target": "e2", "type": "party_to"}]}`
	tests := []struct {
		name, doc, want string
	}{
		{"good", good, ""},
		{"unknown entity type", strings.Replace(good, `"type": "party"`, `"type": "person"`, 1), "not one of"},
		{"unknown relation type", strings.Replace(good, `"party_to"`, `"located_at"`, 1), "not one of"},
		{"bad assertion", strings.Replace(good, `"assertion": "present"`, `"assertion": "maybe"`, 1), "not one of"},
		{"missing key", strings.Replace(good, `"key": "party/acme_widgets", `, ``, 1), `missing "key"`},
		{"extra field", strings.Replace(good, `"key": null`, `"key": null, "colour": "red"`, 1), `unexpected "colour"`},
		{"span of strings", strings.Replace(good, `[10, 28]`, `["10", "28"]`, 1), "want integer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc any
			if err := json.Unmarshal([]byte(tt.doc), &doc); err != nil {
				t.Fatal(err)
			}
			err := validate(s, s, doc, "#")
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("valid graph rejected: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// validate checks v against schema s (root for $ref) for the keywords
// JSONSchema uses.
func validate(root, s map[string]any, v any, path string) error {
	if ref, ok := s["$ref"].(string); ok {
		def := root["$defs"].(map[string]any)[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
		return validate(root, def, v, path)
	}
	if alts, ok := s["anyOf"].([]any); ok {
		var last error
		for _, b := range alts {
			if last = validate(root, b.(map[string]any), v, path); last == nil {
				return nil
			}
		}
		return last
	}
	var types []string
	switch t := s["type"].(type) {
	case string:
		types = []string{t}
	case []any:
		types = strs(t)
	}
	ok := false
	for _, t := range types {
		switch x := v.(type) {
		case nil:
			ok = ok || t == "null"
		case string:
			ok = ok || t == "string"
		case float64:
			ok = ok || t == "number" || t == "integer" && x == float64(int64(x))
		case []any:
			ok = ok || t == "array"
		case map[string]any:
			ok = ok || t == "object"
		}
	}
	if !ok {
		return fmt.Errorf("%s: %v, want %s", path, v, strings.Join(types, " or "))
	}
	if enum, has := s["enum"].([]any); has && v != nil {
		found := false
		for _, e := range enum {
			found = found || e == v
		}
		if !found {
			return fmt.Errorf("%s: %v is not one of %v", path, v, enum)
		}
	}
	switch x := v.(type) {
	case []any:
		for i, e := range x {
			if err := validate(root, s["items"].(map[string]any), e, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case map[string]any:
		props := s["properties"].(map[string]any)
		for _, r := range s["required"].([]any) {
			if _, has := x[r.(string)]; !has {
				return fmt.Errorf("%s: missing %q", path, r)
			}
		}
		for k, e := range x {
			p, has := props[k]
			if !has {
				return fmt.Errorf("%s: unexpected %q", path, k)
			}
			if err := validate(root, p.(map[string]any), e, path+"."+k); err != nil {
				return err
			}
		}
	}
	return nil
}

func strs(v any) []string {
	var out []string
	for _, e := range v.([]any) {
		out = append(out, e.(string))
	}
	return out
}
