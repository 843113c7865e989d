package main

import "runtime/debug"

// relaxGC lets the heap grow fivefold between collections instead of
// twofold (GOGC=400), unless the user set GOGC, and returns the undo. For
// streaming work whose live heap stays a few megabytes (graphs or replies
// in flight) whatever the input size: the collector's work drops by most
// of its share and memory stays small.
func relaxGC(sys *IO) (restore func()) {
	if sys.Getenv("GOGC") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(400)
	return func() { debug.SetGCPercent(old) }
}
