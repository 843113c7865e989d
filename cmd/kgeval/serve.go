package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/kgeval/kgeval/extract/rules"
	"github.com/kgeval/kgeval/internal/results"
	"github.com/kgeval/kgeval/internal/viewer"
	"github.com/kgeval/kgeval/ontology"
	"github.com/kgeval/kgeval/scorers"
)

// defaultServeAddr keeps the viewer on this machine unless told otherwise.
const defaultServeAddr = "127.0.0.1:8080"

type serveOptions struct {
	results  string
	pairs    string
	addr     string
	ontology string
	idCol    string
	refCol   string
	candCol  string
}

func newServeCmd(sys *IO) *cobra.Command {
	opts := &serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve --results FILE",
		Short: "Browse a results file in a local, read-only web viewer",
		Long: `Serve starts a read-only web viewer of a results file on this machine
(127.0.0.1:8080 unless --addr says otherwise): the pairs in a list that can be
sorted and filtered by score range or by finding, and each pair's diff. With
--pairs, a pair's page shows both graphs side by side and its texts with the
entities highlighted (extracted again with the rules extractor, under the
run's ontology); without it, the diff kept in the results file.

Ctrl-C stops it.`,
		Example: `  kgeval serve --results results.jsonl --pairs pairs.jsonl
  kgeval serve --results results.jsonl --addr 127.0.0.1:9000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.results == "" {
				return inputError("serve: --results is required")
			}
			return runServe(cmd.Context(), sys, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.results, "results", "", "results file (JSON Lines, as written by kgeval score --out)")
	f.StringVar(&opts.pairs, "pairs", "", "the pairs file of the run, to show texts and both graphs")
	f.StringVar(&opts.addr, "addr", defaultServeAddr, "address to listen on; keep it on 127.0.0.1 unless others must reach the viewer")
	f.StringVar(&opts.ontology, "ontology", "", "ontology for the graphs of a pair page (default: the run's)")
	f.StringVar(&opts.idCol, "id-col", "id", "CSV column with the pair id")
	f.StringVar(&opts.refCol, "ref-col", "reference", "CSV column with the reference text")
	f.StringVar(&opts.candCol, "cand-col", "candidate", "CSV column with the candidate text")
	return cmd
}

func runServe(ctx context.Context, sys *IO, opts *serveOptions) error {
	h, recs, err := results.ReadFile(opts.results)
	if err != nil {
		return inputError("%v", err)
	}
	cfg := viewer.Config{Source: opts.results, Header: h, Records: recs}
	if opts.pairs != "" {
		if cfg.Pairs, err = loadPairs(sys, opts.pairs, pairFormat(opts.pairs, opts.idCol, opts.refCol, opts.candCol), nil); err != nil {
			return err
		}
		d, note, err := serveDiffer(h, opts.ontology)
		if err != nil {
			return err
		}
		if d != nil {
			cfg.Diff = d.view
		}
		cfg.Note = note
	}
	ln, err := net.Listen("tcp", opts.addr)
	if err != nil {
		return inputError("serve: %v", err)
	}
	tcp, _ := ln.Addr().(*net.TCPAddr)
	loopback := tcp != nil && tcp.IP.IsLoopback()
	cfg.LoopbackOnly = loopback
	srv := &http.Server{Handler: viewer.New(cfg), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	url := "http://" + ln.Addr().String() + "/"
	if !loopback {
		fmt.Fprintf(sys.Err, "kgeval: serve: listening on %s: other machines may reach the viewer\n", ln.Addr())
		if tcp != nil && tcp.IP.IsUnspecified() {
			url = fmt.Sprintf("http://127.0.0.1:%d/", tcp.Port)
		}
	}
	fmt.Fprintf(sys.Out, "kgeval: viewing %d results of %s at %s (Ctrl-C to stop)\n", len(recs), opts.results, url)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	// Graceful: let the requests in progress finish.
	shut, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil {
		return fmt.Errorf("serve: shutdown: %w", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	fmt.Fprintln(sys.Err, "kgeval: viewer stopped")
	return nil
}

// serveDiffer builds the pair pages' extractor: the rules extractor under
// the run's ontology (or name). A run made with another extractor keeps
// its compact diffs, since the rules would show other graphs than those
// scored.
func serveDiffer(h *results.Header, name string) (*differ, string, error) {
	if h != nil && h.Extractor != "" && h.Extractor != "rules" && name == "" {
		return nil, fmt.Sprintf("This run used the %s extractor: pair pages show the diff kept in the results file (pass --ontology to draw graphs with the rules extractor instead).", h.Extractor), nil
	}
	if name == "" && h != nil {
		name = h.Ontology
	}
	if name == "" {
		name = "radiology"
	}
	o, err := ontology.Resolve(name)
	if err != nil {
		return nil, "", inputError("serve: ontology %q: %v (pass --ontology)", name, err)
	}
	d := &differ{x: rules.New(o), ontology: o.Name, scoring: scorers.Options{Ontology: o}}
	if h != nil {
		d.scoring.Theta, d.scoring.UntypedAMS = h.Theta, h.UntypedAMS
		if len(h.Weights) > 0 {
			d.weights = scorers.Weights(h.Weights)
		}
	}
	note := ""
	if h != nil && h.OntologyHash != "" && h.OntologyHash != o.Hash() {
		note = "The ontology has changed since this run: the graphs drawn here may differ from those scored."
	}
	return d, note, nil
}
