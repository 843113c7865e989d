package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestBarOnATerminal(t *testing.T) {
	var w bytes.Buffer
	b := New(&w, true, 10, "pairs")
	for i := 0; i < 3; i++ {
		b.Add(1)
	}
	time.Sleep(150 * time.Millisecond) // past the throttle
	b.Add(1)
	out := w.String()
	for _, want := range []string{"pairs", "4/10", "pairs/s"} {
		if !strings.Contains(out, want) {
			t.Errorf("bar %q lacks %q", out, want)
		}
	}
	b.Finish()
}

func TestBarOffWritesNothing(t *testing.T) {
	var w bytes.Buffer
	b := New(&w, false, 10, "pairs")
	b.Add(5)
	b.Finish()
	if w.Len() != 0 {
		t.Errorf("wrote %q", w.String())
	}
	var nilBar *Bar
	nilBar.Add(1)
	nilBar.Finish()
}

func TestUnknownTotal(t *testing.T) {
	var w bytes.Buffer
	b := New(&w, true, 0, "docs")
	b.Add(2)
	time.Sleep(150 * time.Millisecond)
	b.Add(1)
	if !strings.Contains(w.String(), "docs") {
		t.Errorf("counter %q", w.String())
	}
	b.Finish()
}
