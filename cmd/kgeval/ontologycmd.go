package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/kgeval/kgeval/ontology"
)

func newOntologyCmd(sys *IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ontology",
		Short: "List, show, validate ontologies and print their JSON Schema",
		Long: `An ontology says what a graph may hold: entity types, relation types with
their endpoints, the lexicon of concepts and the assertion cues. radiology
and legal are built in; a YAML file of your own (same format, see
docs/ontology.md) works wherever --ontology takes a name.`,
		Example: `  kgeval ontology list
  kgeval ontology show legal
  kgeval ontology show legal --format yaml
  kgeval ontology validate my-domain.yaml
  kgeval ontology schema legal > legal.schema.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newOntologyListCmd(sys), newOntologyShowCmd(sys), newOntologyValidateCmd(sys), newOntologySchemaCmd(sys))
	return cmd
}

// ontologyInfo is one line of "ontology list".
type ontologyInfo struct {
	Name          string `json:"name"`
	Version       string `json:"version"`
	EntityTypes   int    `json:"entity_types"`
	RelationTypes int    `json:"relation_types"`
	Concepts      int    `json:"concepts"`
	Description   string `json:"description"`
}

func ontologyInfoOf(o *ontology.Ontology) ontologyInfo {
	return ontologyInfo{o.Name, o.Version, len(o.EntityTypes), len(o.RelationTypes), len(o.Lexicon), o.Description}
}

func newOntologyListCmd(sys *IO) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the built-in ontologies with their sizes",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "table" && format != "json" {
				return inputError("--format %q: want table or json", format)
			}
			var infos []ontologyInfo
			for _, name := range ontology.Builtins() {
				o, err := ontology.Builtin(name)
				if err != nil {
					return fmt.Errorf("built-in ontology %s: %w", name, err)
				}
				infos = append(infos, ontologyInfoOf(o))
			}
			if format == "json" {
				return writeOntologyLines(sys.Out, infos)
			}
			w := tabwriter.NewWriter(sys.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tVERSION\tENTITY TYPES\tRELATION TYPES\tCONCEPTS\tDESCRIPTION")
			for _, i := range infos {
				fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%d\t%s\n", i.Name, i.Version, i.EntityTypes, i.RelationTypes, i.Concepts, i.Description)
			}
			return w.Flush()
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output: table, or json (one object a line)")
	return cmd
}

func writeOntologyLines[T any](w io.Writer, items []T) error {
	enc := json.NewEncoder(w)
	for _, it := range items {
		if err := enc.Encode(it); err != nil {
			return err
		}
	}
	return nil
}

// resolveOntology resolves a built-in name or a YAML path; a bad file is an
// input error (exit 2) whose message names file, line and field.
func resolveOntology(nameOrPath string) (*ontology.Ontology, error) {
	o, err := ontology.Resolve(nameOrPath)
	if err != nil {
		return nil, inputError("%v", err)
	}
	return o, nil
}

func newOntologyShowCmd(sys *IO) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "show NAME|FILE",
		Short: "Show an ontology: a summary, or the whole of it as YAML or JSON",
		Long: `Show prints a readable summary of an ontology (its entity and relation
types, how many concepts of each type its lexicon has, its cues and
rules), or with --format yaml or json the whole ontology with its lexicon
merged in, in the format a YAML ontology file is written in.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "summary" && format != "yaml" && format != "json" {
				return inputError("--format %q: want summary, yaml or json", format)
			}
			o, err := resolveOntology(args[0])
			if err != nil {
				return err
			}
			switch format {
			case "yaml":
				// The lexicon is merged in: the output is one file that
				// loads on its own.
				whole := *o
				whole.Include = nil
				enc := yaml.NewEncoder(sys.Out)
				enc.SetIndent(2)
				if err := enc.Encode(&whole); err != nil {
					return err
				}
				return enc.Close()
			case "json":
				enc := json.NewEncoder(sys.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(o)
			}
			return writeOntologySummary(sys.Out, o)
		},
	}
	cmd.Flags().StringVar(&format, "format", "summary", "output: summary, yaml or json")
	return cmd
}

// writeOntologySummary writes an ontology for people to read.
func writeOntologySummary(out io.Writer, o *ontology.Ontology) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s (version %s)\n", o.Name, o.Version)
	if o.Description != "" {
		fmt.Fprintf(&b, "%s\n", o.Description)
	}
	perType := map[string]int{}
	for _, c := range o.Lexicon {
		perType[c.Type]++
	}
	fmt.Fprintf(&b, "\nEntity types (%d):\n", len(o.EntityTypes))
	w := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	for _, t := range o.EntityTypes {
		var marks []string
		if t.Anchor {
			marks = append(marks, "anchor")
		}
		if t.Weight > 0 && t.Weight != 1 {
			marks = append(marks, fmt.Sprintf("weight %g", t.Weight))
		}
		if t.RadGraph != "" {
			marks = append(marks, t.RadGraph)
		}
		fmt.Fprintf(w, "  %s\t%d concepts\t%s\t%s\n", t.Name, perType[t.Name], strings.Join(marks, ", "), t.Description)
	}
	w.Flush()
	fmt.Fprintf(&b, "\nRelation types (%d):\n", len(o.RelationTypes))
	w = tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	for _, r := range o.RelationTypes {
		fmt.Fprintf(w, "  %s\t%s -> %s\t%s\n", r.Name, strings.Join(r.From, "|"), strings.Join(r.To, "|"), r.Description)
	}
	w.Flush()
	terms := 0
	for _, c := range o.Lexicon {
		terms += len(c.Terms)
	}
	fmt.Fprintf(&b, "\nLexicon: %d concepts, %d terms\n", len(o.Lexicon), terms)
	if len(o.Significance) > 0 {
		levels := make([]string, 0, len(o.Significance))
		for k := range o.Significance {
			levels = append(levels, k)
		}
		sort.Slice(levels, func(i, j int) bool { return o.Significance[levels[i]] > o.Significance[levels[j]] })
		var parts []string
		for _, k := range levels {
			parts = append(parts, fmt.Sprintf("%s %g", k, o.Significance[k]))
		}
		fmt.Fprintf(&b, "Significance: %s; absent or normal statements weigh %g\n", strings.Join(parts, ", "), o.AbsentWeight)
	}
	c := o.Cues
	fmt.Fprintf(&b, "Assertion cues: negation %d before, %d after; uncertainty %d before, %d after; %d termination, %d pseudo\n",
		len(c.Negation.Pre), len(c.Negation.Post), len(c.Uncertainty.Pre), len(c.Uncertainty.Post), len(c.Termination), len(c.Pseudo))
	if len(o.Rules) > 0 {
		names := make([]string, 0, len(o.Rules))
		for k := range o.Rules {
			names = append(names, fmt.Sprintf("%s (%d)", k, len(o.Rules[k])))
		}
		sort.Strings(names)
		fmt.Fprintf(&b, "Rules: %s\n", strings.Join(names, ", "))
	}
	_, err := out.Write(b.Bytes())
	return err
}

func newOntologyValidateCmd(sys *IO) *cobra.Command {
	return &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check YAML ontology files; errors name the file, line and field",
		Long: `Validate loads each ontology file (and the lexicon files it includes) and
checks it: known fields only, valid and unique type names, relation
endpoints that exist, concepts with known types, unique keys, terms and
significance levels. An error names the file, line and field, e.g.

  my.yaml:12: relation_types[0].to: unknown entity type "organisation"

and the command exits 2. A valid file prints one line of what it holds.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var bad []string
			for _, file := range args {
				o, err := ontology.LoadFile(file)
				if err != nil {
					bad = append(bad, err.Error())
					continue
				}
				i := ontologyInfoOf(o)
				fmt.Fprintf(sys.Out, "%s: ok: ontology %s, %d entity types, %d relation types, %d concepts\n",
					file, i.Name, i.EntityTypes, i.RelationTypes, i.Concepts)
			}
			if len(bad) > 0 {
				return inputError("%s", strings.Join(bad, "\nkgeval: "))
			}
			return nil
		},
	}
}

func newOntologySchemaCmd(sys *IO) *cobra.Command {
	var compact bool
	cmd := &cobra.Command{
		Use:   "schema NAME|FILE",
		Short: "Print the JSON Schema of graphs under an ontology",
		Long: `Schema prints the JSON Schema of the graph format restricted to the
ontology: entity types, relation types and assertions are enums. It is
valid for OpenAI's strict structured output (every object lists all its
properties as required and allows no others; optional fields are
nullable), so it can be passed as response_format.json_schema.schema.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o, err := resolveOntology(args[0])
			if err != nil {
				return err
			}
			s := o.JSONSchema()
			if !compact {
				var b bytes.Buffer
				if err := json.Indent(&b, s, "", "  "); err != nil {
					return err
				}
				s = b.Bytes()
			}
			_, err = fmt.Fprintf(sys.Out, "%s\n", s)
			return err
		},
	}
	cmd.Flags().BoolVar(&compact, "compact", false, "print the schema on one line")
	return cmd
}
