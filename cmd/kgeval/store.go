package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kgeval/kgeval/graph"
	kgneo4j "github.com/kgeval/kgeval/graph/neo4j"
	"github.com/kgeval/kgeval/internal/pairs"
	"github.com/kgeval/kgeval/ontology"
)

// storeFlags are the flags every store subcommand shares.
type storeFlags struct {
	run      string
	ontology string
}

func (f *storeFlags) bind(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.run, "run", "", "run id the graphs belong to")
	cmd.Flags().StringVar(&f.ontology, "ontology", "radiology", "ontology whose types become labels and relationship types")
}

// neo4jConfig reads the connection from the environment (or kgeval.yaml,
// through sys.Getenv).
func neo4jConfig(sys *IO) kgneo4j.Config {
	return kgneo4j.Config{
		URI:      sys.Getenv("NEO4J_URI"),
		User:     sys.Getenv("NEO4J_USER"),
		Password: sys.Getenv("NEO4J_PASSWORD"),
		Database: sys.Getenv("NEO4J_DATABASE"),
	}
}

// openStore connects to Neo4j and prepares the schema. The caller calls
// the returned close function.
func openStore(ctx context.Context, sys *IO, ontologyName string) (*kgneo4j.Store, *ontology.Ontology, func(), error) {
	o, err := ontology.Resolve(ontologyName)
	if err != nil {
		return nil, nil, nil, inputError("%v", err)
	}
	cfg := neo4jConfig(sys)
	if cfg.URI == "" {
		return nil, nil, nil, inputError("neo4j: set NEO4J_URI (e.g. bolt://127.0.0.1:7687), or neo4j.uri in kgeval.yaml")
	}
	driver, err := kgneo4j.Connect(ctx, cfg)
	if err != nil {
		return nil, nil, nil, serviceError(err)
	}
	closeFn := func() { driver.Close(context.WithoutCancel(ctx)) }
	s, err := kgneo4j.New(driver, cfg.Database, o)
	if err != nil {
		closeFn()
		return nil, nil, nil, inputError("%v", err)
	}
	if err := s.EnsureSchema(ctx); err != nil {
		closeFn()
		return nil, nil, nil, serviceError(err)
	}
	return s, o, closeFn, nil
}

func newStoreCmd(sys *IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "store",
		Short: "Keep graphs in Neo4j: push, pull, diff, delete",
		Long: `Store keeps document graphs in Neo4j, by run, role (reference or candidate)
and document id. The connection comes from NEO4J_URI, NEO4J_USER,
NEO4J_PASSWORD and NEO4J_DATABASE (or neo4j: in kgeval.yaml); any scheme
the driver supports works (bolt, neo4j, +s, +ssc). See docs/neo4j.md.`,
	}
	cmd.AddCommand(newStorePushCmd(sys), newStorePullCmd(sys), newStoreDiffCmd(sys), newStoreDeleteCmd(sys))
	return cmd
}

func newStorePushCmd(sys *IO) *cobra.Command {
	var f storeFlags
	var graphsFile, role string
	var skipInvalid bool
	cmd := &cobra.Command{
		Use:     "push --graphs FILE --run RUN [--role reference|candidate]",
		Short:   "Write graphs (JSON Lines, graph format) to Neo4j",
		Long:    "Push writes graphs in batches; pushing the same run again replaces its graphs and duplicates nothing, so an interrupted push can simply be run again.",
		Example: "  kgeval extract --docs reports.jsonl --out graphs.jsonl\n  kgeval store push --graphs graphs.jsonl --run baseline --role reference",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if graphsFile == "" || f.run == "" {
				return inputError("store push: --graphs and --run are required")
			}
			r, err := graph.ParseRole(role)
			if err != nil {
				return inputError("%v", err)
			}
			ctx := cmd.Context()
			o, err := ontology.Resolve(f.ontology)
			if err != nil {
				return inputError("%v", err)
			}
			in, err := openInput(sys, graphsFile)
			if err != nil {
				return err
			}
			defer in.cleanup()
			var bad []error
			if err := readAll(in, func(rf readFile) {
				for _, err := range graph.ReadGraphs(rf, in.name, o) {
					if err != nil {
						bad = append(bad, err)
					}
				}
			}); err != nil {
				return err
			}
			if len(bad) > 0 && !skipInvalid {
				return inputError("%s", badInputMessage(bad))
			}
			for _, err := range bad {
				fmt.Fprintf(sys.Err, "kgeval: skipping %v\n", err)
			}
			s, _, closeStore, err := openStore(ctx, sys, f.ontology)
			if err != nil {
				return err
			}
			defer closeStore()
			file, err := in.open()
			if err != nil {
				return err
			}
			defer file.Close()
			valid := func(yield func(*graph.Graph, error) bool) {
				for g, err := range graph.ReadGraphs(file, in.name, o) {
					if err != nil {
						continue // reported above
					}
					if !yield(g, nil) {
						return
					}
				}
			}
			n, err := s.PutSeq(ctx, f.run, r, valid)
			if err != nil {
				return serviceError(fmt.Errorf("pushed %d graphs, then: %w (run the push again to complete it)", n, err))
			}
			fmt.Fprintf(sys.Err, "kgeval: pushed %d %s graphs to run %s\n", n, r, f.run)
			return nil
		},
	}
	f.bind(cmd)
	cmd.Flags().StringVar(&graphsFile, "graphs", "", "graphs file, JSON Lines (- for standard input)")
	cmd.Flags().StringVar(&role, "role", string(graph.Candidate), "role of the graphs: reference or candidate")
	cmd.Flags().BoolVar(&skipInvalid, "skip-invalid", false, "report bad lines and push the rest")
	return cmd
}

// pulledGraph is a graph with its role, written when both roles are pulled.
type pulledGraph struct {
	Role graph.Role `json:"role"`
	*graph.Graph
}

func newStorePullCmd(sys *IO) *cobra.Command {
	var f storeFlags
	var role string
	cmd := &cobra.Command{
		Use:   "pull --run RUN [--role reference|candidate]",
		Short: "Write a run's graphs to standard output as JSON Lines",
		Long:  `Pull writes the graphs of a run in the graph format, ordered by document id. With --role, only that role's graphs, exactly as pushed; without it, the reference graphs then the candidate graphs, each line with a "role" field.`,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.run == "" {
				return inputError("store pull: --run is required")
			}
			roles := []graph.Role{graph.Reference, graph.Candidate}
			if role != "" {
				r, err := graph.ParseRole(role)
				if err != nil {
					return inputError("%v", err)
				}
				roles = []graph.Role{r}
			}
			ctx := cmd.Context()
			s, _, closeStore, err := openStore(ctx, sys, f.ontology)
			if err != nil {
				return err
			}
			defer closeStore()
			w := bufio.NewWriter(sys.Out)
			n := 0
			for _, r := range roles {
				for g, err := range s.Scan(ctx, f.run, r) {
					if err != nil {
						w.Flush()
						return serviceError(err)
					}
					if role != "" {
						err = graph.WriteGraph(w, g)
					} else {
						err = writeJSONLine(w, pulledGraph{Role: r, Graph: g})
					}
					if err != nil {
						return err
					}
					n++
				}
			}
			if err := w.Flush(); err != nil {
				return err
			}
			if n == 0 {
				fmt.Fprintf(sys.Err, "kgeval: run %s has no graphs\n", f.run)
			}
			return nil
		},
	}
	f.bind(cmd)
	cmd.Flags().StringVar(&role, "role", "", "only this role: reference or candidate")
	return cmd
}

func writeJSONLine(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

func newStoreDiffCmd(sys *IO) *cobra.Command {
	var f storeFlags
	var id, format string
	cmd := &cobra.Command{
		Use:   "diff --run RUN --id ID",
		Short: "Diff a document's reference and candidate graphs in Cypher",
		Long:  "Diff compares a stored document's reference and candidate entities by concept key in the database, and prints the Cypher it ran so that it can be pasted into Neo4j Browser.",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.run == "" || id == "" {
				return inputError("store diff: --run and --id are required")
			}
			if format != "text" && format != "json" {
				return inputError("unknown format %q (want text or json)", format)
			}
			ctx := cmd.Context()
			s, _, closeStore, err := openStore(ctx, sys, f.ontology)
			if err != nil {
				return err
			}
			defer closeStore()
			d, err := s.Diff(ctx, f.run, id)
			if errors.Is(err, graph.ErrNotFound) {
				return inputError("%v", err)
			}
			if err != nil {
				return serviceError(err)
			}
			if format == "json" {
				return writeJSONLine(sys.Out, map[string]any{"run": d.Run, "id": d.Doc, "rows": d.Rows, "query": d.Query, "params": d.Params})
			}
			tw := tabwriter.NewWriter(sys.Out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "STATUS\tTYPE\tKEY\tREFERENCE\tCANDIDATE")
			for _, r := range d.Rows {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Status, r.Type, r.Key, side(r.ReferenceText, r.ReferenceAssertion), side(r.CandidateText, r.CandidateAssertion))
			}
			tw.Flush()
			if !d.HasReference || !d.HasCandidate {
				fmt.Fprintf(sys.Out, "\n(only the %s side of %s is stored)\n", map[bool]string{true: "reference", false: "candidate"}[d.HasReference], id)
			}
			fmt.Fprintf(sys.Out, "\n// Neo4j Browser:\n%s\n", d.Browser())
			return nil
		},
	}
	f.bind(cmd)
	cmd.Flags().StringVar(&id, "id", "", "document id")
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}

func side(text string, a graph.Assertion) string {
	if text == "" {
		return "-"
	}
	return fmt.Sprintf("%q (%s)", text, a)
}

func newStoreDeleteCmd(sys *IO) *cobra.Command {
	var f storeFlags
	cmd := &cobra.Command{
		Use:   "delete --run RUN",
		Short: "Delete every graph of a run",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.run == "" {
				return inputError("store delete: --run is required")
			}
			ctx := cmd.Context()
			s, _, closeStore, err := openStore(ctx, sys, f.ontology)
			if err != nil {
				return err
			}
			defer closeStore()
			c, err := s.Count(ctx, f.run)
			if err != nil {
				return serviceError(err)
			}
			if err := s.Delete(ctx, f.run); err != nil {
				return serviceError(err)
			}
			fmt.Fprintf(sys.Err, "kgeval: deleted run %s: %d documents, %d entities, %d relationships\n", f.run, c.Documents, c.Entities, c.Relationships)
			return nil
		},
	}
	f.bind(cmd)
	return cmd
}

// storeWriter writes each scored pair's graphs to a store (score --store).
func storeWriter(s graph.Store, run string) func(ctx context.Context, p pairs.Pair, ref, cand *graph.Graph) error {
	return func(ctx context.Context, p pairs.Pair, ref, cand *graph.Graph) error {
		if err := s.Put(ctx, run, graph.Reference, []*graph.Graph{ref}); err != nil {
			return fmt.Errorf("store reference graph: %w", err)
		}
		if err := s.Put(ctx, run, graph.Candidate, []*graph.Graph{cand}); err != nil {
			return fmt.Errorf("store candidate graph: %w", err)
		}
		return nil
	}
}
