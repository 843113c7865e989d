// Command kgeval evaluates generated documents against their references by
// comparing knowledge graphs extracted from both. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Main(ctx, os.Args[1:], newSystemIO())
	stop()
	os.Exit(int(code))
}
