package ontology

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// ContextRulesKey is the key of Rules that holds the patient-context rules:
//
//	rules:
//	  context:
//	    - "age >= 65: finding/degenerative_changes, finding/granuloma -> benign"
//	    - "age < 40: finding/degenerative_changes -> actionable"
//	    - "indication ~ trauma: finding/fracture -> urgent"
//	    - "age >= 80 and indication ~ fall: finding/fracture -> x1.5"
//
// Each rule is CONDITIONS: KEYS -> EFFECT. A condition is FIELD OP VALUE on
// a field of the pair's context (age, indication, sex, ...), with OP one of
// < <= > >= (numbers; "80 years" reads as 80), = != (numbers, or text
// without regard to case) or ~ (the field contains VALUE, without regard to
// case); conditions are joined with "and", and a condition on a field the
// context lacks is false. KEYS are lexicon concept keys. EFFECT is a
// significance level of the ontology, which replaces the concept's own, or
// xF, which multiplies its weight by F. Rules apply in order, so a later
// level overrides an earlier one and factors multiply.
const ContextRulesKey = "context"

// ContextRule changes the significance of concepts for documents whose
// context meets its conditions: a finding expected at 80 (degenerative
// changes of the spine) weighs less than the same finding at 25.
type ContextRule struct {
	Conditions []Condition
	Keys       []string
	// Significance replaces the concepts' significance level when set.
	Significance string
	// Factor multiplies the weight when Significance is empty.
	Factor float64
	// Text is the rule as written.
	Text string
}

// Condition is one FIELD OP VALUE test on a document's context.
type Condition struct {
	Field, Op, Value string
}

// ContextRules parses and checks the ontology's context rules (none is no
// error). Keys must be lexicon concepts and levels significance levels.
func (o *Ontology) ContextRules() ([]ContextRule, error) {
	var out []ContextRule
	for i, s := range o.Rules[ContextRulesKey] {
		r, err := ParseContextRule(s)
		if err != nil {
			return nil, fmt.Errorf("ontology %s: rules.context[%d]: %w", o.Name, i, err)
		}
		for _, k := range r.Keys {
			if _, ok := o.concepts[k]; !ok {
				return nil, fmt.Errorf("ontology %s: rules.context[%d]: unknown concept key %q", o.Name, i, k)
			}
		}
		if r.Significance != "" {
			if _, ok := o.Significance[r.Significance]; !ok {
				return nil, fmt.Errorf("ontology %s: rules.context[%d]: unknown significance %q (known: %s)", o.Name, i, r.Significance, strings.Join(sortedKeys(o.Significance), ", "))
			}
		}
		out = append(out, r)
	}
	return out, nil
}

func sortedKeys(m map[string]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ParseContextRule reads one rule, CONDITIONS: KEYS -> EFFECT.
func ParseContextRule(s string) (ContextRule, error) {
	r := ContextRule{Text: s}
	arrow := strings.LastIndex(s, "->")
	if arrow < 0 {
		return r, fmt.Errorf("%q: want CONDITIONS: KEYS -> EFFECT (no ->)", s)
	}
	// Concept keys contain no colon, so the last colon before the arrow
	// ends the conditions.
	colon := strings.LastIndex(s[:arrow], ":")
	if colon < 0 {
		return r, fmt.Errorf("%q: want CONDITIONS: KEYS -> EFFECT (no colon)", s)
	}
	conds, keys, effect := s[:colon], s[colon+1:arrow], strings.TrimSpace(s[arrow+2:])
	for _, part := range splitAnd(conds) {
		c, err := parseCondition(part)
		if err != nil {
			return r, fmt.Errorf("%q: %w", s, err)
		}
		r.Conditions = append(r.Conditions, c)
	}
	if len(r.Conditions) == 0 {
		return r, fmt.Errorf("%q: no condition", s)
	}
	for _, k := range strings.Split(keys, ",") {
		if k = strings.TrimSpace(k); k != "" {
			r.Keys = append(r.Keys, k)
		}
	}
	if len(r.Keys) == 0 {
		return r, fmt.Errorf("%q: no concept key", s)
	}
	switch {
	case effect == "":
		return r, fmt.Errorf("%q: no effect after ->", s)
	case effect[0] == 'x' || effect[0] == '*':
		f, err := strconv.ParseFloat(strings.TrimSpace(effect[1:]), 64)
		if err != nil || !(f > 0) || math.IsInf(f, 0) { // NaN too
			return r, fmt.Errorf("%q: factor %q must be a positive number", s, effect)
		}
		r.Factor = f
	default:
		if strings.ContainsAny(effect, " \t,") {
			return r, fmt.Errorf("%q: effect %q must be one significance level or xFACTOR", s, effect)
		}
		r.Significance = effect
	}
	return r, nil
}

// splitAnd splits conditions on the word "and".
func splitAnd(s string) []string {
	var parts []string
	fields := strings.Fields(s)
	start := 0
	for i, f := range fields {
		if strings.EqualFold(f, "and") {
			parts = append(parts, strings.Join(fields[start:i], " "))
			start = i + 1
		}
	}
	parts = append(parts, strings.Join(fields[start:], " "))
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

func parseCondition(s string) (Condition, error) {
	// Longest operators first.
	for _, op := range []string{"<=", ">=", "!=", "<", ">", "=", "~"} {
		if i := strings.Index(s, op); i > 0 {
			c := Condition{Field: strings.TrimSpace(s[:i]), Op: op, Value: strings.Trim(strings.TrimSpace(s[i+len(op):]), `"'`)}
			if c.Field == "" || strings.ContainsAny(c.Field, " \t") || c.Value == "" {
				break
			}
			if op == "<" || op == "<=" || op == ">" || op == ">=" {
				if _, ok := leadingNumber(c.Value); !ok {
					return c, fmt.Errorf("condition %q: %s needs a number", s, op)
				}
			}
			return c, nil
		}
	}
	return Condition{}, fmt.Errorf("condition %q: want FIELD OP VALUE with OP one of < <= > >= = != ~", s)
}

// Matches reports whether every condition holds in ctx.
func (r *ContextRule) Matches(ctx map[string]any) bool {
	for _, c := range r.Conditions {
		if !c.holds(ctx) {
			return false
		}
	}
	return true
}

func (c Condition) holds(ctx map[string]any) bool {
	v, ok := lookupFold(ctx, c.Field)
	if !ok || v == nil {
		return false
	}
	text := contextText(v)
	switch c.Op {
	case "~":
		return strings.Contains(strings.ToLower(text), strings.ToLower(c.Value))
	case "=", "!=":
		eq := strings.EqualFold(strings.TrimSpace(text), c.Value)
		if a, ok := leadingNumber(text); ok {
			if b, ok := leadingNumber(c.Value); ok {
				eq = a == b
			}
		}
		return eq == (c.Op == "=")
	}
	a, ok := leadingNumber(text)
	if !ok {
		return false
	}
	b, _ := leadingNumber(c.Value)
	switch c.Op {
	case "<":
		return a < b
	case "<=":
		return a <= b
	case ">":
		return a > b
	case ">=":
		return a >= b
	}
	return false
}

func lookupFold(ctx map[string]any, field string) (any, bool) {
	if v, ok := ctx[field]; ok {
		return v, true
	}
	for k, v := range ctx {
		if strings.EqualFold(k, field) {
			return v, true
		}
	}
	return nil, false
}

func contextText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		return x.String()
	case int:
		return strconv.Itoa(x)
	}
	return fmt.Sprint(v)
}

// leadingNumber reads the number a text starts with: "80", "80 years",
// "62y".
func leadingNumber(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	end := 0
	for end < len(s) && (s[end] >= '0' && s[end] <= '9' || s[end] == '.' || end == 0 && (s[end] == '-' || s[end] == '+')) {
		end++
	}
	f, err := strconv.ParseFloat(s[:end], 64)
	return f, err == nil
}

// ContextWeight is Weight for a document with the given context: the
// context rules that match it may change the concept's significance level
// or scale its weight. It returns the weight and the significance level in
// force (empty when the concept has none).
func (o *Ontology) ContextWeight(rules []ContextRule, ctx map[string]any, entityType, key string, absent bool) (float64, string) {
	w := o.Weight(entityType, key, absent)
	sig := ""
	if c, ok := o.concepts[key]; ok {
		sig = c.Significance
	}
	if len(rules) == 0 || len(ctx) == 0 {
		return w, sig
	}
	for i := range rules {
		r := &rules[i]
		if !containsString(r.Keys, key) || !r.Matches(ctx) {
			continue
		}
		if r.Significance != "" {
			old := 1.0
			if s, ok := o.Significance[sig]; ok && sig != "" {
				old = s
			}
			if s, ok := o.Significance[r.Significance]; ok {
				w = w / old * s
				sig = r.Significance
			}
			continue
		}
		w *= r.Factor
	}
	return w, sig
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
