package main

import (
	"bufio"
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kgeval/kgeval/graph"
	"github.com/kgeval/kgeval/internal/pairs"
	"github.com/kgeval/kgeval/internal/progress"
)

type extractOptions struct {
	docs        string
	format      string
	out         string
	skipInvalid bool
	concurrency int
	extractorFlags
}

func newExtractCmd(sys *IO) *cobra.Command {
	opts := &extractOptions{}
	cmd := &cobra.Command{
		Use:   "extract --docs FILE",
		Short: "Extract a knowledge graph from each document",
		Long: `Extract reads documents as JSON Lines ({"id": "d1", "text": "..."}) and
writes one graph per line in the graph format, or in the RadGraph annotation
format with --format radgraph.`,
		Example: `  kgeval extract --docs reports.jsonl --ontology radiology
  kgeval extract --docs contracts.jsonl --ontology legal --out graphs.jsonl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.docs == "" {
				return inputError("extract: --docs is required")
			}
			if opts.format != "graph" && opts.format != "radgraph" {
				return inputError("unknown format %q (want graph or radgraph)", opts.format)
			}
			return runExtract(cmd.Context(), sys, opts)
		},
	}
	opts.extractorFlags.bind(cmd)
	f := cmd.Flags()
	f.StringVar(&opts.docs, "docs", "", "documents file, JSON Lines (- for standard input)")
	f.StringVar(&opts.format, "format", "graph", "output format: graph or radgraph")
	f.StringVar(&opts.out, "out", "", "write graphs to this file instead of standard output")
	f.BoolVar(&opts.skipInvalid, "skip-invalid", false, "report bad input lines and extract the rest")
	f.IntVar(&opts.concurrency, "concurrency", 0, "documents extracted at once (default 1); with --extractor llm, requests in flight (default 4)")
	return cmd
}

func runExtract(ctx context.Context, sys *IO, opts *extractOptions) error {
	o, err := opts.load()
	if err != nil {
		return err
	}
	opts.llm.concurrency = opts.concurrency
	x, err := opts.build(ctx, sys, o)
	if err != nil {
		return err
	}
	in, err := openInput(sys, opts.docs)
	if err != nil {
		return err
	}
	defer in.cleanup()
	var bad []error
	valid := 0
	if err := readAll(in, func(f readFile) {
		for _, err := range pairs.ReadDocuments(f, in.name) {
			if err != nil {
				bad = append(bad, err)
			} else {
				valid++
			}
		}
	}); err != nil {
		return err
	}
	if len(bad) > 0 && !opts.skipInvalid {
		return inputError("%s", badInputMessage(bad))
	}
	for _, err := range bad {
		fmt.Fprintf(sys.Err, "kgeval: skipping %v\n", err)
	}
	out, err := createOutput(sys, opts.out)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(out.w, 64<<10)
	n, failed := 0, 0
	// A progress bar on a terminal, unless the graphs go to the same
	// terminal; nothing when standard error is piped.
	bar := progress.New(sys.Err, sys.ErrTTY && !(sys.OutTTY && opts.out == ""), valid, "docs")
	err = readAll(in, func(f readFile) {
		docs := func(yield func(pairs.Document) bool) {
			for d, derr := range pairs.ReadDocuments(f, in.name) {
				if derr == nil && !yield(d) {
					return
				}
			}
		}
		extractOrdered(ctx, x, opts.workers(opts.concurrency, 1), docs, func(d pairs.Document, g *graph.Graph, xerr error) bool {
			bar.Add(1)
			if xerr != nil {
				if ctx.Err() != nil {
					return false
				}
				failed++
				fmt.Fprintf(sys.Err, "kgeval: %s:%d: extract %s: %v\n", in.name, d.Line, d.ID, xerr)
				return true
			}
			n++
			if opts.format == "radgraph" {
				err = graph.WriteRadGraph(w, graph.ToRadGraph(g, o.IsAnatomy))
			} else {
				err = graph.WriteGraph(w, g)
			}
			return err == nil
		})
	})
	bar.Finish()
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	if err == nil && ctx.Err() != nil {
		err = fmt.Errorf("interrupted after %d documents", n)
	}
	if cerr := out.commit(err == nil); err == nil {
		err = cerr
	}
	fmt.Fprintf(sys.Err, "kgeval: extracted %d documents, %d failed, %d skipped invalid\n", n, failed, len(bad))
	if err == nil && failed > 0 {
		err = fmt.Errorf("%d documents failed to extract", failed)
	}
	return opts.finish(sys, err)
}

type readFile = interface{ Read([]byte) (int, error) }

// readAll opens the input, hands it to fn and closes it.
func readAll(in *input, fn func(f readFile)) error {
	f, err := in.open()
	if err != nil {
		return err
	}
	defer f.Close()
	fn(f)
	return nil
}
