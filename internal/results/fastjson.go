package results

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/kgeval/kgeval/scorers"
)

// appendRecord appends r as encoding/json would write it, byte for byte,
// without reflection: the JSON Lines writer's fast path. ok is false when it
// cannot be sure of writing exactly the same (a judge outcome or diff, a value
// encoding/json would reject, or types whose fields changed since this was
// written); the caller then uses json.Marshal.
func appendRecord(b []byte, r *Record) ([]byte, bool) {
	if !fastRecordOK || r.Judge != nil || r.Diff != nil {
		return b, false
	}
	b = append(b, `{"id":`...)
	b = appendString(b, r.ID)
	b = append(b, `,"scores":`...)
	if r.Scores == nil {
		b = append(b, "null"...)
	} else {
		s := r.Scores
		ok := true
		for i, f := range [...]struct {
			name string
			v    float64
		}{{"nsc", s.NSC}, {"ams", s.AMS}, {"edge_f1", s.EdgeF1}, {"scs", s.SCS}, {"radgraph_simple", s.RadGraphSimple},
			{"radgraph_partial", s.RadGraphPartial}, {"radgraph_complete", s.RadGraphComplete}} {
			if i == 0 {
				b = append(b, '{')
			} else {
				b = append(b, ',')
			}
			b = append(b, '"')
			b = append(b, f.name...)
			b = append(b, `":`...)
			if b, ok = appendFloat(b, f.v); !ok {
				return b, false
			}
		}
		b = append(b, `,"judge":`...)
		if s.Judge == nil {
			b = append(b, "null"...)
		} else if b, ok = appendFloat(b, *s.Judge); !ok {
			return b, false
		}
		b = append(b, `,"overall":`...)
		if b, ok = appendFloat(b, s.Overall); !ok {
			return b, false
		}
		b = append(b, '}')
	}
	b = append(b, `,"components":`...)
	if r.Components == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, c := range r.Components {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, c)
		}
		b = append(b, ']')
	}
	b = append(b, `,"status":`...)
	b = appendString(b, r.Status)
	if r.Error != "" {
		b = append(b, `,"error":`...)
		b = appendString(b, r.Error)
	}
	if len(r.Types) > 0 {
		names := make([]string, 0, len(r.Types))
		for name := range r.Types {
			names = append(names, name)
		}
		slices.Sort(names)
		b = append(b, `,"types":{`...)
		for i, name := range names {
			t := r.Types[name]
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, name)
			b = append(b, `:{"reference":`...)
			b = strconv.AppendInt(b, int64(t.Reference), 10)
			b = append(b, `,"candidate":`...)
			b = strconv.AppendInt(b, int64(t.Candidate), 10)
			b = append(b, `,"matched":`...)
			b = strconv.AppendInt(b, int64(t.Matched), 10)
			b = append(b, `,"similarity":`...)
			var ok bool
			if b, ok = appendFloat(b, t.Similarity); !ok {
				return b, false
			}
			b = append(b, `,"coverage":`...)
			if b, ok = appendFloat(b, t.Coverage); !ok {
				return b, false
			}
			b = append(b, '}')
		}
		b = append(b, '}')
	}
	return append(b, '}'), true
}

// appendFloat writes f as encoding/json does (ES6 number formatting);
// false for NaN and infinities, which it rejects.
func appendFloat(b []byte, f float64) ([]byte, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, false
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 → e-9, as encoding/json writes it.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, true
}

// appendString writes s as a JSON string; strings with anything
// encoding/json escapes (quotes, backslashes, control and HTML characters,
// U+2028, U+2029, invalid UTF-8) go through it.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c >= utf8.RuneSelf {
			q, _ := json.Marshal(s) // a string always marshals
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// fastRecordOK is true when Record, Scores and TypeStats still have exactly
// the fields appendRecord writes, in that order; a field added later turns
// the fast path off rather than losing the field.
var fastRecordOK = sameFields(Record{}, "id", "scores", "components", "status", "error,omitempty", "judge,omitempty", "types,omitempty", "diff,omitempty") &&
	sameFields(scorers.Scores{}, "nsc", "ams", "edge_f1", "scs", "radgraph_simple", "radgraph_partial", "radgraph_complete", "judge", "overall") &&
	sameFields(scorers.TypeStats{}, "reference", "candidate", "matched", "similarity", "coverage")

func sameFields(v any, tags ...string) bool {
	t := reflect.TypeOf(v)
	if t.NumField() != len(tags) {
		return false
	}
	for i := range tags {
		if t.Field(i).Tag.Get("json") != tags[i] {
			return false
		}
	}
	return true
}
