package llm

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// errTruncated marks a reply that ends in the middle of its JSON.
var errTruncated = errors.New("the reply is cut off before its JSON ends")

// maxStarts bounds how many opening braces parseReply tries.
const maxStarts = 32

// parseReply finds the graph object in a reply and decodes it loosely:
// the JSON may be wrapped in a code fence, preceded by a sentence, followed
// by any text, nested one level down ({"graph": {...}}) or encoded as a
// JSON string. Numbers stay json.Number.
func parseReply(raw string) (map[string]any, error) {
	s := strings.TrimSpace(strings.TrimPrefix(raw, "\ufeff"))
	if s == "" {
		return nil, errors.New("the reply is empty")
	}
	// A reasoning model's thoughts come first; the answer follows them.
	if i := strings.LastIndex(s, "</think>"); i >= 0 {
		s = strings.TrimSpace(s[i+len("</think>"):])
	}
	if inner, ok := fenced(s); ok {
		s = inner
	}
	var firstErr error
	tries := 0
	for i := 0; i < len(s) && tries < maxStarts; i++ {
		if s[i] != '{' && s[i] != '"' {
			continue
		}
		if s[i] == '"' && i > 0 {
			continue // a JSON string is only tried at the very start
		}
		tries++
		v, err := decodeFirst(s[i:])
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if str, ok := v.(string); ok {
			// A double-encoded reply: the object is inside a string.
			if m, err := parseReply(str); err == nil {
				return m, nil
			}
			continue
		}
		m, ok := v.(map[string]any)
		if !ok {
			continue
		}
		if g, ok := graphObject(m); ok {
			return g, nil
		}
		if firstErr == nil {
			firstErr = errors.New(`the reply's JSON object has no "entities" array`)
		}
	}
	if firstErr == nil {
		return nil, errors.New("the reply is not JSON: no object found")
	}
	return nil, firstErr
}

// fenced returns the contents of the first ``` code fence in s; an
// unclosed fence (a truncated reply) runs to the end.
func fenced(s string) (string, bool) {
	i := strings.Index(s, "```")
	if i < 0 {
		return "", false
	}
	rest := s[i+3:]
	// Skip the info string: ```json
	if nl := strings.IndexByte(rest, '\n'); nl >= 0 && !strings.ContainsAny(rest[:nl], "{[") {
		rest = rest[nl+1:]
	}
	if j := strings.Index(rest, "```"); j >= 0 {
		rest = rest[:j]
	}
	return rest, true
}

// decodeFirst decodes the JSON value at the start of s and ignores what
// follows it.
func decodeFirst(s string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, errTruncated
		}
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("the reply is not valid JSON: %v (at byte %d)", se, se.Offset)
		}
		return nil, fmt.Errorf("the reply is not valid JSON: %v", err)
	}
	return v, nil
}

// graphObject returns m if it has an "entities" key, or the one object
// value of m that has.
func graphObject(m map[string]any) (map[string]any, bool) {
	if _, ok := m["entities"]; ok {
		return m, true
	}
	var found map[string]any
	for _, v := range m {
		if inner, ok := v.(map[string]any); ok {
			if _, ok := inner["entities"]; ok {
				if found != nil {
					return nil, false // two candidates: ambiguous
				}
				found = inner
			}
		}
	}
	return found, found != nil
}

// truncate shortens s to at most n bytes for an error message, on a rune
// boundary, saying how much was left out.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8Start(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf("… [%d more bytes]", len(s)-cut)
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }
