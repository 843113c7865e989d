// Package progress shows how far a long run is: a bar on a terminal with
// the count, the rate and the time left, redrawn at most ten times a
// second, and nothing at all when the output is not a terminal.
package progress

import (
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Bar is a progress bar. The nil *Bar, and the one New returns when it is
// off, do nothing, so callers need no checks.
type Bar struct {
	b *progressbar.ProgressBar
}

// New returns a bar for total items named by unit ("pairs", "docs")
// written to w, or a bar that does nothing when on is false. A total of 0
// or less, when the count is not known, shows a counter without a bar.
func New(w io.Writer, on bool, total int, unit string) *Bar {
	if !on {
		return nil
	}
	if total <= 0 {
		total = -1
	}
	return &Bar{b: progressbar.NewOptions(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(unit),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString(unit),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetTheme(progressbar.Theme{Saucer: "█", SaucerPadding: "░", BarStart: "▕", BarEnd: "▏"}),
	)}
}

// Add counts n finished items.
func (b *Bar) Add(n int) {
	if b == nil {
		return
	}
	b.b.Add(n)
}

// Finish clears the bar, so that what the command prints next starts on
// a clean line.
func (b *Bar) Finish() {
	if b == nil {
		return
	}
	b.b.Finish()
	b.b.Clear()
}
