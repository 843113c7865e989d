// Command measure runs a command and reports, as one JSON line on standard
// error, its wall time from start to exit, the CPU time and peak memory of
// the process, and when it started and ended (Unix nanoseconds), so that
// the benchmark scripts need no time(1) and count nothing of their own:
//
//	measure [-o FILE] COMMAND [ARG...]
//
// -o writes the line to FILE instead. The command's standard streams are
// passed through; measure exits 1 when the command fails.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

func main() {
	out := flag.String("o", "", "write the measurement to this `file` instead of standard error")
	flag.Parse()
	args := flag.Args()
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "measure: no command")
		os.Exit(2)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	start := time.Now()
	err := cmd.Run()
	end := time.Now()
	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		fmt.Fprintln(os.Stderr, "measure:", err)
		os.Exit(2)
	}
	m := map[string]any{"wall_s": end.Sub(start).Seconds(), "exit": code,
		"start_ns": start.UnixNano(), "end_ns": end.UnixNano()}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m["cpu_s"] = time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
		m["max_rss_kb"] = ru.Maxrss
	}
	b, _ := json.Marshal(m)
	if *out != "" {
		if err := os.WriteFile(*out, append(b, '\n'), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "measure:", err)
			os.Exit(2)
		}
	} else {
		fmt.Fprintln(os.Stderr, string(b))
	}
	if code != 0 {
		os.Exit(1)
	}
}
