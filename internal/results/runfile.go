package results

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// RunFile is a results file being written. Records are appended to
// PATH.partial and flushed one by one, so a crash (Ctrl-C, kill -9, power
// loss) leaves every finished record on disk; Finish renames the file to
// PATH, so PATH only ever holds a complete run. Resume continues a partial
// file where it stopped.
type RunFile struct {
	path string
	f    *os.File
	w    *bufio.Writer
	// direct is set when path is not a regular file (/dev/null, a named
	// pipe): the records go straight to it, since renaming a file onto
	// it would replace it.
	direct bool
}

// PartialPath is where an unfinished run's results are kept.
func PartialPath(path string) string { return path + ".partial" }

// Special reports whether path names something other than a regular file
// or a folder, such as /dev/null or a named pipe. Outputs are written to
// such a path in place: a file renamed onto it would replace it.
func Special(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.Mode().IsRegular() && !fi.IsDir()
}

// Create starts a new results file, discarding any earlier partial one,
// and writes the header when h is not nil.
func Create(path string, h *Header) (*RunFile, error) {
	name, direct := PartialPath(path), Special(path)
	flags := os.O_CREATE | os.O_TRUNC | os.O_WRONLY
	if direct {
		name, flags = path, os.O_WRONLY
	}
	f, err := os.OpenFile(name, flags, 0o644)
	if err != nil {
		return nil, err
	}
	r := &RunFile{path: path, f: f, w: bufio.NewWriterSize(f, 64<<10), direct: direct}
	if h != nil {
		if err := WriteHeader(r.w, h); err != nil {
			f.Close()
			return nil, err
		}
		if err := r.w.Flush(); err != nil {
			f.Close()
			return nil, err
		}
	}
	return r, nil
}

// ErrNothingToResume is returned by Resume when there is no partial file.
var ErrNothingToResume = errors.New("nothing to resume")

// Resume reopens PATH.partial for appending after checking that it was
// written by the same run (its header must equal h), drops a last line cut
// short by a crash, and returns the ids of the finished records in order.
func Resume(path string, h *Header) (*RunFile, []string, error) {
	if Special(path) {
		return nil, nil, fmt.Errorf("cannot resume into %s: it is not a regular file", path)
	}
	f, err := os.OpenFile(PartialPath(path), os.O_RDWR, 0o644)
	if errors.Is(err, os.ErrNotExist) {
		if _, statErr := os.Stat(path); statErr == nil {
			return nil, nil, fmt.Errorf("%s is complete; nothing to resume", path)
		}
		return nil, nil, fmt.Errorf("%s: %w", PartialPath(path), ErrNothingToResume)
	}
	if err != nil {
		return nil, nil, err
	}
	data, err := io.ReadAll(f)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	// Keep only complete lines: a record cut by a crash is redone.
	keep := bytes.LastIndexByte(data, '\n') + 1
	lines := bytes.Split(data[:keep], []byte("\n"))
	if len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	if len(lines) == 0 {
		f.Close()
		return nil, nil, fmt.Errorf("%s: no header: start again without --resume", PartialPath(path))
	}
	var hl headerLine
	if json.Unmarshal(lines[0], &hl) != nil || hl.Run == nil {
		f.Close()
		return nil, nil, fmt.Errorf("%s: the first line is not a run header", PartialPath(path))
	}
	if d := hl.Run.sameRun(h); len(d) > 0 {
		f.Close()
		return nil, nil, fmt.Errorf("cannot resume %s: it was written by a different run (%s)", PartialPath(path), joinDiffs(d))
	}
	var ids []string
	for i, l := range lines[1:] {
		var rec struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(l, &rec); err != nil || rec.ID == "" {
			f.Close()
			return nil, nil, fmt.Errorf("%s:%d: not a result record", PartialPath(path), i+2)
		}
		ids = append(ids, rec.ID)
	}
	if err := f.Truncate(int64(keep)); err != nil {
		f.Close()
		return nil, nil, err
	}
	if _, err := f.Seek(int64(keep), io.SeekStart); err != nil {
		f.Close()
		return nil, nil, err
	}
	return &RunFile{path: path, f: f, w: bufio.NewWriterSize(f, 64<<10)}, ids, nil
}

// sameRun lists what differs between two headers of one run being resumed:
// everything that changes scores, and the input, shard and pair count.
func (h *Header) sameRun(o *Header) []string {
	d := h.Differences(o)
	if h.Input != o.Input {
		d = append(d, fmt.Sprintf("input: %s vs %s", h.Input, o.Input))
	}
	if h.Shard != o.Shard {
		d = append(d, fmt.Sprintf("shard: %q vs %q", h.Shard, o.Shard))
	}
	if h.Pairs != o.Pairs {
		d = append(d, fmt.Sprintf("pairs: %d vs %d", h.Pairs, o.Pairs))
	}
	return d
}

func joinDiffs(d []string) string {
	var b bytes.Buffer
	for i, s := range d {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(s)
	}
	return b.String()
}

// Write appends p (whole records) and flushes it to the file.
func (r *RunFile) Write(p []byte) (int, error) {
	n, err := r.w.Write(p)
	if err != nil {
		return n, err
	}
	return n, r.w.Flush()
}

// Finish syncs the file and renames it into place.
func (r *RunFile) Finish() error {
	if err := r.w.Flush(); err != nil {
		r.f.Close()
		return err
	}
	if r.direct {
		return r.f.Close()
	}
	if err := r.f.Sync(); err != nil {
		r.f.Close()
		return err
	}
	if err := r.f.Close(); err != nil {
		return err
	}
	return os.Rename(PartialPath(r.path), r.path)
}

// Resumable reports whether an aborted run can be resumed: false when the
// records went straight to a path that is not a regular file.
func (r *RunFile) Resumable() bool { return !r.direct }

// Abort keeps what was written in PATH.partial for a later Resume.
func (r *RunFile) Abort() error {
	err := r.w.Flush()
	if cerr := r.f.Close(); err == nil {
		err = cerr
	}
	return err
}
