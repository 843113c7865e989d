package judge

import (
	"bytes"
	"embed"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Rubric is a Prometheus score rubric: a criterion and a description of
// each score from 1 to 5, plus what the rules judge needs to map the graph
// diff onto the same levels.
type Rubric struct {
	Name string
	// Instruction is the task shown to an LLM judge for pairs that carry
	// none of their own.
	Instruction string
	Criteria    string
	// Descriptions[i] describes score i+1.
	Descriptions [5]string
	Rules        RulesLevels
}

// RulesLevels map a weighted diff error to rubric levels (rules judge).
type RulesLevels struct {
	// Thresholds are the highest weighted error that still earns 5, 4, 3
	// and 2, ascending; above the last the score is 1.
	Thresholds [4]float64
	// AttributeShare is the share of a finding's weight that an error in
	// one of its attributes (anatomy, descriptor, size) costs.
	AttributeShare float64
	// StandaloneShare is the share of its own weight that an error in a
	// non-anchor entity attached to no anchor costs.
	StandaloneShare float64
	// RelationShare is the share of an attribute error that a relation
	// missing or invented between matched entities costs.
	RelationShare float64
}

// rubricFile is the YAML form of a rubric.
type rubricFile struct {
	Name        string `yaml:"name"`
	Instruction string `yaml:"instruction"`
	Criteria    string `yaml:"criteria"`
	Score1      string `yaml:"score1_description"`
	Score2      string `yaml:"score2_description"`
	Score3      string `yaml:"score3_description"`
	Score4      string `yaml:"score4_description"`
	Score5      string `yaml:"score5_description"`
	Rules       *struct {
		Thresholds      []float64 `yaml:"thresholds"`
		AttributeShare  *float64  `yaml:"attribute_share"`
		StandaloneShare *float64  `yaml:"standalone_share"`
		RelationShare   *float64  `yaml:"relation_share"`
	} `yaml:"rules"`
}

//go:embed rubrics/*.yaml
var rubricFS embed.FS

// defaultLevels are the rules levels of a user rubric without a rules
// block: those of the radiology rubric.
var defaultLevels = RulesLevels{Thresholds: [4]float64{0.4, 1.5, 3, 6}, AttributeShare: 0.25, StandaloneShare: 0.25, RelationShare: 0.5}

// BuiltinRubrics names the embedded rubrics.
func BuiltinRubrics() []string {
	entries, _ := rubricFS.ReadDir("rubrics") // embedded: cannot fail
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(names)
	return names
}

// BuiltinRubric returns an embedded rubric: radiology or legal.
func BuiltinRubric(name string) (*Rubric, error) {
	b, err := rubricFS.ReadFile(path.Join("rubrics", name+".yaml"))
	if err != nil {
		return nil, fmt.Errorf("unknown rubric %q: built-ins are %s, or give a path to a YAML file", name, strings.Join(BuiltinRubrics(), ", "))
	}
	return ParseRubric(bytes.NewReader(b), name+".yaml")
}

// ResolveRubric loads a built-in rubric by name or a user's YAML file by
// path (anything with a slash or a dot).
func ResolveRubric(nameOrPath string) (*Rubric, error) {
	if !strings.ContainsAny(nameOrPath, `/\.`) {
		return BuiltinRubric(nameOrPath)
	}
	f, err := os.Open(nameOrPath)
	if err != nil {
		return nil, fmt.Errorf("rubric: %w", err)
	}
	defer f.Close()
	return ParseRubric(f, nameOrPath)
}

// ParseRubric reads a rubric from YAML. Unknown fields are errors, so a
// misspelt one is not silently ignored; file names the source in errors.
func ParseRubric(r io.Reader, file string) (*Rubric, error) {
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	var f rubricFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("rubric %s: %v", file, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	ru := &Rubric{Name: f.Name, Instruction: strings.TrimSpace(f.Instruction), Criteria: strings.TrimSpace(f.Criteria),
		Descriptions: [5]string{f.Score1, f.Score2, f.Score3, f.Score4, f.Score5}, Rules: defaultLevels}
	if ru.Name == "" {
		ru.Name = strings.TrimSuffix(path.Base(file), path.Ext(file))
	}
	if ru.Criteria == "" {
		return nil, fmt.Errorf("rubric %s: criteria is required", file)
	}
	for i, d := range ru.Descriptions {
		ru.Descriptions[i] = strings.TrimSpace(d)
		if ru.Descriptions[i] == "" {
			return nil, fmt.Errorf("rubric %s: score%d_description is required", file, i+1)
		}
	}
	if f.Rules != nil {
		lv := &ru.Rules
		if f.Rules.Thresholds != nil {
			if len(f.Rules.Thresholds) != 4 {
				return nil, fmt.Errorf("rubric %s: rules.thresholds needs 4 numbers (highest error for scores 5, 4, 3, 2), got %d", file, len(f.Rules.Thresholds))
			}
			copy(lv.Thresholds[:], f.Rules.Thresholds)
		}
		for _, s := range []struct {
			name string
			v    *float64
			dst  *float64
		}{{"attribute_share", f.Rules.AttributeShare, &lv.AttributeShare}, {"standalone_share", f.Rules.StandaloneShare, &lv.StandaloneShare}, {"relation_share", f.Rules.RelationShare, &lv.RelationShare}} {
			if s.v != nil {
				if *s.v < 0 {
					return nil, fmt.Errorf("rubric %s: rules.%s %v is negative", file, s.name, *s.v)
				}
				*s.dst = *s.v
			}
		}
	}
	for i, t := range ru.Rules.Thresholds {
		if t < 0 || i > 0 && t < ru.Rules.Thresholds[i-1] {
			return nil, fmt.Errorf("rubric %s: rules.thresholds %v must be non-negative and ascending", file, ru.Rules.Thresholds)
		}
	}
	return ru, nil
}

// Level is the rubric score of a weighted error under the rules levels.
func (l *RulesLevels) Level(penalty float64) int {
	for i, t := range l.Thresholds {
		if penalty <= t+1e-9 {
			return 5 - i
		}
	}
	return 1
}

// Text is the rubric as the Prometheus prompt shows it: the criterion in
// brackets, then one line per score.
func (r *Rubric) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "[%s]\n", strings.TrimSuffix(strings.TrimPrefix(r.Criteria, "["), "]"))
	for i, d := range r.Descriptions {
		fmt.Fprintf(&b, "Score %d: %s", i+1, d)
		if i < 4 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}
