package ontology

import (
	"strings"
	"testing"
)

func TestParseContextRule(t *testing.T) {
	tests := []struct {
		rule, wantErr string
		want          ContextRule
	}{
		{rule: "age >= 65: finding/degenerative_changes, finding/granuloma -> benign",
			want: ContextRule{Conditions: []Condition{{"age", ">=", "65"}}, Keys: []string{"finding/degenerative_changes", "finding/granuloma"}, Significance: "benign"}},
		{rule: "age < 40 and indication ~ chest pain: finding/emphysema -> x2",
			want: ContextRule{Conditions: []Condition{{"age", "<", "40"}, {"indication", "~", "chest pain"}}, Keys: []string{"finding/emphysema"}, Factor: 2}},
		{rule: `sex = "F": finding/mass -> *0.5`,
			want: ContextRule{Conditions: []Condition{{"sex", "=", "F"}}, Keys: []string{"finding/mass"}, Factor: 0.5}},
		{rule: "age >= 65 finding/x -> benign", wantErr: "no colon"},
		{rule: "age >= 65: finding/x benign", wantErr: "no ->"},
		{rule: "age >= old: finding/x -> benign", wantErr: "needs a number"},
		{rule: "age: finding/x -> benign", wantErr: "want FIELD OP VALUE"},
		{rule: "age > 3: -> benign", wantErr: "no concept key"},
		{rule: "age > 3: finding/x -> x0", wantErr: "positive number"},
		{rule: "age > 3: finding/x -> very benign", wantErr: "one significance level"},
	}
	for _, tt := range tests {
		got, err := ParseContextRule(tt.rule)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%q: want error %q, got %v", tt.rule, tt.wantErr, err)
			}
			continue
		}
		tt.want.Text = tt.rule
		if err != nil || strings.Join(got.Keys, ",") != strings.Join(tt.want.Keys, ",") || got.Significance != tt.want.Significance ||
			got.Factor != tt.want.Factor || len(got.Conditions) != len(tt.want.Conditions) {
			t.Errorf("%q: got %+v, %v; want %+v", tt.rule, got, err, tt.want)
			continue
		}
		for i := range got.Conditions {
			if got.Conditions[i] != tt.want.Conditions[i] {
				t.Errorf("%q: condition %d = %+v, want %+v", tt.rule, i, got.Conditions[i], tt.want.Conditions[i])
			}
		}
	}
}

func TestContextMatches(t *testing.T) {
	r, err := ParseContextRule("age >= 65 and indication ~ FALL: finding/fracture -> urgent")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		ctx  map[string]any
		want bool
	}{
		{map[string]any{"age": 80.0, "indication": "Fall at home"}, true},
		{map[string]any{"Age": "80 years", "indication": "fall"}, true},
		{map[string]any{"age": 64.0, "indication": "fall"}, false},
		{map[string]any{"age": 80.0}, false}, // no indication: false
		{map[string]any{"age": "unknown", "indication": "fall"}, false},
		{nil, false},
	} {
		if got := r.Matches(tt.ctx); got != tt.want {
			t.Errorf("Matches(%v) = %v, want %v", tt.ctx, got, tt.want)
		}
	}
}

func TestContextWeight(t *testing.T) {
	o, err := Builtin("radiology")
	if err != nil {
		t.Fatal(err)
	}
	o.Rules = map[string][]string{ContextRulesKey: {
		"age < 40: finding/degenerative_changes -> actionable",
		"age >= 65: finding/degenerative_changes -> x0.5",
	}}
	rules, err := o.ContextRules()
	if err != nil {
		t.Fatal(err)
	}
	const key = "finding/degenerative_changes" // benign: 0.5
	for _, tt := range []struct {
		age     float64
		absent  bool
		want    float64
		wantSig string
	}{
		{25, false, 2, "actionable"},  // benign 0.5 replaced by actionable 2
		{25, true, 0.5, "actionable"}, // times absent_weight 0.25
		{50, false, 0.5, "benign"},    // no rule applies
		{80, false, 0.25, "benign"},   // 0.5 x 0.5
	} {
		w, sig := o.ContextWeight(rules, map[string]any{"age": tt.age}, "disorder", key, tt.absent)
		if w != tt.want || sig != tt.wantSig {
			t.Errorf("age %v absent %v: weight %v %q, want %v %q", tt.age, tt.absent, w, sig, tt.want, tt.wantSig)
		}
	}
	o.Rules[ContextRulesKey] = []string{"age < 40: finding/no_such -> benign"}
	if _, err := o.ContextRules(); err == nil || !strings.Contains(err.Error(), "rules.context[0]: unknown concept key") {
		t.Errorf("unknown key: %v", err)
	}
	o.Rules[ContextRulesKey] = []string{"age < 40: finding/mass -> critical"}
	if _, err := o.ContextRules(); err == nil || !strings.Contains(err.Error(), "unknown significance") {
		t.Errorf("unknown level: %v", err)
	}
}
