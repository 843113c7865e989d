package main

import (
	"fmt"
	"os"
	"runtime/pprof"

	"github.com/spf13/cobra"
)

// profiler writes a CPU profile of one command for `go tool pprof`, behind
// the hidden --cpuprofile flag: for looking into where a slow run spends
// its time (scripts/bench-score --profile uses it).
type profiler struct {
	path string
	f    *os.File
}

// register adds --cpuprofile to root and starts the profile before any
// command runs.
func (p *profiler) register(root *cobra.Command) {
	root.PersistentFlags().StringVar(&p.path, "cpuprofile", "", "write a CPU profile of the command to `FILE`")
	root.PersistentFlags().MarkHidden("cpuprofile")
	pre := root.PersistentPreRunE
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		if err := pre(cmd, args); err != nil {
			return err
		}
		if p.path == "" {
			return nil
		}
		f, err := os.Create(p.path)
		if err != nil {
			return inputError("--cpuprofile: %v", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		p.f = f
		return nil
	}
}

// stop ends the profile, if one was started.
func (p *profiler) stop() {
	if p.f == nil {
		return
	}
	pprof.StopCPUProfile()
	p.f.Close()
}
