package graph

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
)

// MaxLineBytes is the longest line the JSON Lines readers accept (64 MiB):
// a 5 MB report fits with room to spare, and a runaway file fails clearly
// instead of exhausting memory.
const MaxLineBytes = 64 << 20

// LineError locates a problem in an input file: which file, which line, why.
type LineError struct {
	File string
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// Line is one non-blank line of a JSON Lines file with its 1-based number.
type Line struct {
	N     int
	Bytes []byte
}

// Lines yields the non-blank lines of r with their numbers. The bytes are
// only valid until the next iteration. A read error, or a line longer than
// MaxLineBytes, ends the sequence with a *LineError.
func Lines(r io.Reader, file string) iter.Seq2[Line, error] {
	return func(yield func(Line, error) bool) {
		lr := NewLineReader(r, file)
		for {
			l, ok := lr.Next()
			if !ok {
				break
			}
			if !yield(l, nil) {
				return
			}
		}
		if err := lr.Err(); err != nil {
			yield(Line{N: lr.n + 1}, err)
		}
	}
}

// A LineReader reads the non-blank lines of r one at a time, as Lines
// yields them, for a reader that takes lines from two files in step:
// pulling from two Lines sequences (iter.Pull2) would cost a switch between
// goroutines per line.
type LineReader struct {
	sc   *bufio.Scanner
	file string
	n    int
}

// NewLineReader reads the lines of r, a file named file in errors.
func NewLineReader(r io.Reader, file string) *LineReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxLineBytes)
	return &LineReader{sc: sc, file: file}
}

// Next returns the next non-blank line, valid until the next call; ok is
// false at the end of the input or on an error (Err).
func (lr *LineReader) Next() (l Line, ok bool) {
	for lr.sc.Scan() {
		lr.n++
		if b := bytes.TrimSpace(lr.sc.Bytes()); len(b) > 0 {
			return Line{N: lr.n, Bytes: b}, true
		}
	}
	return Line{}, false
}

// Err is the *LineError that ended the lines (a read error, or a line
// longer than MaxLineBytes), or nil.
func (lr *LineReader) Err() error {
	err := lr.sc.Err()
	if err == nil {
		return nil
	}
	if errors.Is(err, bufio.ErrTooLong) {
		err = fmt.Errorf("line longer than %d bytes", MaxLineBytes)
	}
	return &LineError{File: lr.file, Line: lr.n + 1, Err: err}
}

// DecodeStrict unmarshals one JSON value, rejecting trailing data, and
// describes a syntax error by its byte offset within the line.
func DecodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return fmt.Errorf("invalid JSON at byte %d: %v", se.Offset, err)
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return fmt.Errorf("field %q: want %s, got JSON %s", te.Field, te.Type, te.Value)
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return errors.New("invalid JSON: unexpected end of line")
		}
		return fmt.Errorf("invalid JSON: %v", err)
	}
	// Decoder.More does not see a stray closing bracket: look at the bytes.
	if rest := bytes.TrimSpace(b[dec.InputOffset():]); len(rest) > 0 {
		return errors.New("invalid JSON: more than one value on the line")
	}
	return nil
}

// ReadGraphs yields the graphs of a JSON Lines file in the graph format,
// normalized and validated against types (nil accepts any type). Each error
// is a *LineError naming file and line; the caller decides whether to stop.
func ReadGraphs(r io.Reader, file string, types Types) iter.Seq2[*Graph, error] {
	return func(yield func(*Graph, error) bool) {
		for line, err := range Lines(r, file) {
			if err != nil {
				yield(nil, err)
				return
			}
			g, err := ParseGraph(line.Bytes, types)
			if err != nil {
				err = &LineError{File: file, Line: line.N, Err: err}
			}
			if !yield(g, err) {
				return
			}
		}
	}
}

// ParseGraph decodes, normalizes and validates one graph in the JSON format.
func ParseGraph(b []byte, types Types) (*Graph, error) {
	var g Graph
	if err := DecodeStrict(b, &g); err != nil {
		return nil, err
	}
	g.Normalize()
	if err := g.Validate(types); err != nil {
		return nil, err
	}
	return &g, nil
}

// WriteGraph writes g as one line of JSON.
func WriteGraph(w io.Writer, g *Graph) error {
	if g.Entities == nil || g.Relations == nil {
		c := *g
		if c.Entities == nil {
			c.Entities = []Entity{}
		}
		if c.Relations == nil {
			c.Relations = []Relation{}
		}
		g = &c
	}
	b, err := json.Marshal(g)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	_, err = w.Write(b)
	return err
}
