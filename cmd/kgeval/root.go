package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/kgeval/kgeval/graph"
)

// exitCode is the process exit status of cli.md.
type exitCode int

const (
	exitOK      exitCode = 0
	exitCheck   exitCode = 1 // a check failed: regression, threshold
	exitInput   exitCode = 2 // usage or input error
	exitService exitCode = 3 // an external service failed after retries
	// exitInterrupted follows the shell convention for SIGINT (128 + 2).
	exitInterrupted exitCode = 130
)

// codeError carries an exit code with an error.
type codeError struct {
	code exitCode
	err  error
}

func (e *codeError) Error() string { return e.err.Error() }
func (e *codeError) Unwrap() error { return e.err }

func inputError(format string, args ...any) error {
	return &codeError{exitInput, fmt.Errorf(format, args...)}
}

func serviceError(err error) error { return &codeError{exitService, err} }

// checkFailed ends a command with exit 1 after it printed its findings.
func checkFailed(msg string) error { return &codeError{exitCheck, errors.New(msg)} }

// IO is the command's view of the process: streams, whether they are
// terminals, and the environment. Tests inject their own.
type IO struct {
	In       io.Reader
	Out, Err io.Writer
	OutTTY   bool
	ErrTTY   bool
	Getenv   func(string) string
}

func newSystemIO() *IO {
	return &IO{
		In: os.Stdin, Out: os.Stdout, Err: os.Stderr,
		OutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		ErrTTY: term.IsTerminal(int(os.Stderr.Fd())),
		Getenv: os.Getenv,
	}
}

// Main runs the command line and turns the outcome into an exit code: the
// one place where errors become messages.
func Main(ctx context.Context, args []string, sys *IO) exitCode {
	// Messages come from several goroutines (LLM warnings from the
	// workers, errors from the emitter, the progress bar): one at a time.
	io := *sys
	io.Err = &lockedWriter{w: sys.Err}
	return execute(ctx, args, &io)
}

// lockedWriter serializes writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func execute(ctx context.Context, args []string, io *IO) exitCode {
	root := newRootCmd(io)
	var prof profiler
	prof.register(root)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	prof.stop()
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(io.Err, "kgeval:", err)
	var ce *codeError
	if errors.As(err, &ce) {
		return ce.code
	}
	var le *graph.LineError
	if errors.As(err, &le) || isUsage(err) {
		return exitInput
	}
	if ctx.Err() != nil {
		return exitInterrupted
	}
	return exitInput
}

// isUsage recognizes cobra's own flag and argument errors.
func isUsage(err error) bool {
	msg := err.Error()
	for _, s := range []string{"unknown flag", "unknown command", "flag needs an argument", "invalid argument", "required flag", "accepts ", "unknown shorthand"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

func newRootCmd(io *IO) *cobra.Command {
	root := &cobra.Command{
		Use:   "kgeval",
		Short: "Evaluate generated documents by comparing knowledge graphs",
		Long: `kgeval turns a generated document and its reference into knowledge graphs
under an ontology (radiology or legal built in) and compares the graphs:
node coverage (NSC), edge accuracy (AMS, edge F1), subgraph coverage (SCS)
and RadGraph-style F1, combined into one overall score.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	var configPath string
	root.PersistentFlags().StringVar(&configPath, "config", "", "project config file (default: kgeval.yaml in the working directory, if present)")
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		if configPath != "" {
			return applyConfig(cmd, io, configPath, true)
		}
		return applyConfig(cmd, io, defaultConfigFile, false)
	}
	root.SetIn(io.In)
	root.SetOut(io.Out)
	root.SetErr(io.Err)
	root.AddCommand(commands(io)...)
	return root
}

// commands lists the subcommands, one constructor each.
func commands(io *IO) []*cobra.Command {
	return []*cobra.Command{
		newScoreCmd(io),
		newExtractCmd(io),
		newVersionCmd(io),
		newCompareCmd(io),
		newMergeCmd(io),
		newCheckCmd(io),
		newJudgeCmd(io),
		newMetaCmd(io),
		newOntologyCmd(io),
		newDiffCmd(io),
		newReportCmd(io),
		newServeCmd(io),
		newStoreCmd(io),
	}
}
