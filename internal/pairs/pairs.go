// Package pairs reads the reference/candidate pairs that kgeval scores, from
// JSON Lines or CSV, one pair at a time, naming file, line and reason for
// every bad record.
package pairs

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"

	"github.com/kgeval/kgeval/graph"
)

// Pair is one reference document and the candidate generated for it.
type Pair struct {
	ID        string `json:"id"`
	Reference string `json:"reference"`
	Candidate string `json:"candidate"`
	// Context (indication, age, ...) is passed to the judge.
	Context map[string]any `json:"context,omitempty"`
	// Line is the record's line in its file (1-based).
	Line int `json:"-"`
}

// Format selects the reader.
type Format struct {
	CSV bool
	// Column names for CSV; empty means id, reference, candidate.
	IDCol, RefCol, CandCol string
}

// FormatFor picks CSV for names ending in .csv, JSON Lines otherwise.
func FormatFor(name string) Format {
	return Format{CSV: strings.HasSuffix(strings.ToLower(name), ".csv")}
}

// Read yields the pairs of r. Each problem is a *graph.LineError naming
// file and line; reading goes on after a bad record so that callers can
// report all of them. Duplicate ids are errors too.
func Read(r io.Reader, file string, f Format) iter.Seq2[Pair, error] {
	if f.CSV {
		return readCSV(r, file, f)
	}
	return readJSONL(r, file)
}

func readJSONL(r io.Reader, file string) iter.Seq2[Pair, error] {
	return func(yield func(Pair, error) bool) {
		seen := map[string]int{}
		for line, err := range graph.Lines(r, file) {
			if err != nil {
				yield(Pair{}, err)
				return
			}
			p, err := parseJSON(line.Bytes)
			if err == nil {
				err = checkID(seen, p.ID, line.N)
			}
			p.Line = line.N
			if err != nil {
				err = &graph.LineError{File: file, Line: line.N, Err: err}
			}
			if !yield(p, err) {
				return
			}
		}
	}
}

func parseJSON(b []byte) (Pair, error) {
	var raw map[string]json.RawMessage
	if err := graph.DecodeStrict(b, &raw); err != nil {
		return Pair{}, err
	}
	var p Pair
	for _, field := range []struct {
		name string
		dst  *string
	}{{"id", &p.ID}, {"reference", &p.Reference}, {"candidate", &p.Candidate}} {
		v, ok := raw[field.name]
		if !ok {
			return p, fmt.Errorf("missing %q", field.name)
		}
		if err := json.Unmarshal(v, field.dst); err != nil {
			return p, fmt.Errorf("%q must be a string", field.name)
		}
	}
	if v, ok := raw["context"]; ok && string(v) != "null" {
		if err := json.Unmarshal(v, &p.Context); err != nil {
			return p, errors.New(`"context" must be an object`)
		}
	}
	if strings.TrimSpace(p.ID) == "" {
		return p, errors.New(`empty "id"`)
	}
	return p, nil
}

func checkID(seen map[string]int, id string, line int) error {
	if first, dup := seen[id]; dup {
		return fmt.Errorf("duplicate id %q (first on line %d)", id, first)
	}
	seen[id] = line
	return nil
}

func readCSV(r io.Reader, file string, f Format) iter.Seq2[Pair, error] {
	return func(yield func(Pair, error) bool) {
		cr := csv.NewReader(r)
		cr.FieldsPerRecord = -1
		header, err := cr.Read()
		if err != nil {
			if err == io.EOF {
				err = errors.New("empty file: want a header row")
			}
			yield(Pair{}, &graph.LineError{File: file, Line: 1, Err: err})
			return
		}
		col := map[string]int{}
		for i, h := range header {
			col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
		}
		names := [3]string{or(f.IDCol, "id"), or(f.RefCol, "reference"), or(f.CandCol, "candidate")}
		var idx [3]int
		for i, n := range names {
			c, ok := col[n]
			if !ok {
				yield(Pair{}, &graph.LineError{File: file, Line: 1, Err: fmt.Errorf("no column %q in the header (have %s)", n, strings.Join(header, ", "))})
				return
			}
			idx[i] = c
		}
		seen := map[string]int{}
		for {
			rec, err := cr.Read()
			if err == io.EOF {
				return
			}
			var p Pair
			line := 0
			if err == nil {
				line, _ = cr.FieldPos(0)
				p.Line = line
				if len(rec) <= max(idx[0], idx[1], idx[2]) {
					err = fmt.Errorf("%d fields, want at least %d", len(rec), max(idx[0], idx[1], idx[2])+1)
				} else {
					p.ID, p.Reference, p.Candidate = rec[idx[0]], rec[idx[1]], rec[idx[2]]
					if strings.TrimSpace(p.ID) == "" {
						err = fmt.Errorf("empty %q", names[0])
					} else {
						err = checkID(seen, p.ID, line)
					}
				}
			} else {
				var pe *csv.ParseError
				if errors.As(err, &pe) {
					line, err = pe.StartLine, pe.Err
				}
			}
			if err != nil {
				if !yield(p, &graph.LineError{File: file, Line: line, Err: err}) {
					return
				}
				continue
			}
			if !yield(p, nil) {
				return
			}
		}
	}
}

func or(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

// Document is one text to extract: {"id": "d1", "text": "..."}.
type Document struct {
	ID   string `json:"id"`
	Text string `json:"text"`
	Line int    `json:"-"`
}

// ReadDocuments yields the documents of a JSON Lines file; each problem is
// a *graph.LineError and reading goes on after it.
func ReadDocuments(r io.Reader, file string) iter.Seq2[Document, error] {
	return func(yield func(Document, error) bool) {
		seen := map[string]int{}
		for line, err := range graph.Lines(r, file) {
			if err != nil {
				yield(Document{}, err)
				return
			}
			d, err := parseDocument(line.Bytes)
			if err == nil {
				err = checkID(seen, d.ID, line.N)
			}
			d.Line = line.N
			if err != nil {
				err = &graph.LineError{File: file, Line: line.N, Err: err}
			}
			if !yield(d, err) {
				return
			}
		}
	}
}

func parseDocument(b []byte) (Document, error) {
	var raw struct {
		ID   *string `json:"id"`
		Text *string `json:"text"`
	}
	if err := graph.DecodeStrict(b, &raw); err != nil {
		return Document{}, err
	}
	switch {
	case raw.ID == nil:
		return Document{}, errors.New(`missing "id"`)
	case raw.Text == nil:
		return Document{}, errors.New(`missing "text"`)
	case strings.TrimSpace(*raw.ID) == "":
		return Document{}, errors.New(`empty "id"`)
	}
	return Document{ID: *raw.ID, Text: *raw.Text}, nil
}
