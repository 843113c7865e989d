// Package results holds what a scoring run produces: one record per pair,
// the run summary, and their output formats (JSON Lines, JSON, CSV and an
// aligned table for people).
package results

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/kgeval/kgeval/internal/stats"
	"github.com/kgeval/kgeval/scorers"
)

// Status values of a record.
const (
	StatusOK    = "ok"
	StatusError = "error"
)

// Record is the result for one pair. A failed pair has Status "error", an
// Error message and no scores: it is never dropped and never given a
// made-up score.
type Record struct {
	ID         string          `json:"id"`
	Scores     *scorers.Scores `json:"scores"`
	Components []string        `json:"components"`
	Status     string          `json:"status"`
	Error      string          `json:"error,omitempty"`
	// Judge is the rubric judge's outcome when a judge ran: its grade, or
	// the failure that left Scores.Judge null.
	Judge *Judge `json:"judge,omitempty"`
	// Types breaks node coverage down by entity type (anatomy, disorder,
	// device, ...), when the scorer provided it.
	Types map[string]scorers.TypeStats `json:"types,omitempty"`
	// Diff is what the candidate missed, invented and changed (see Diff),
	// for the report and the viewer.
	Diff *Diff `json:"diff,omitempty"`
}

// Judge is the rubric judge's outcome for one pair. Score is the rubric
// score from 1 to 5 (Scores.Judge holds it mapped to [0, 1]); on a failure
// Score is null, Error says why and Raw holds the judge's last reply.
type Judge struct {
	Score    *float64 `json:"score"`
	Feedback string   `json:"feedback,omitempty"`
	Samples  []int    `json:"samples,omitempty"`
	Spread   *float64 `json:"spread,omitempty"`
	Attempts int      `json:"attempts,omitempty"`
	// Penalty is the rules judge's weighted error behind its score.
	Penalty *float64 `json:"penalty,omitempty"`
	Error   string   `json:"error,omitempty"`
	Raw     string   `json:"raw,omitempty"`
}

// Summary aggregates a run's records as they are written.
type Summary struct {
	Pairs, OK, Errors int
	// JudgeFailed counts the scored pairs whose judge failed.
	JudgeFailed int
	sums        map[string]float64
	counts      map[string]int
	// Collect keeps every score of every record so that Stats can give
	// medians and bootstrap intervals (9 numbers per pair); without it the
	// summary holds only sums.
	Collect bool
	values  [][]float64 // by scorers.Names() order, NaN for a missing score
}

// Add counts one record.
func (s *Summary) Add(r *Record) {
	if s.sums == nil {
		s.sums, s.counts = map[string]float64{}, map[string]int{}
	}
	s.Pairs++
	if r.Judge != nil && r.Judge.Error != "" {
		s.JudgeFailed++
	}
	if r.Status != StatusOK || r.Scores == nil {
		s.Errors++
		return
	}
	s.OK++
	if s.Collect {
		s.collect(r.Scores)
	}
	for _, name := range scorers.Names() {
		if v, ok := r.Scores.Get(name); ok {
			s.sums[name] += v
			s.counts[name]++
		}
	}
}

// Mean is the mean of a score over the records that have it; ok is false
// when none has.
func (s *Summary) Mean(name string) (float64, bool) {
	if s.counts[name] == 0 {
		return 0, false
	}
	return s.sums[name] / float64(s.counts[name]), true
}

// Writer writes records in one format. Close writes what a format needs at
// the end (the closing bracket of JSON, the summary of a table).
type Writer interface {
	Write(r *Record) error
	Close(s *Summary) error
}

// Formats are the names accepted by NewWriter.
func Formats() []string { return []string{"table", "jsonl", "json", "csv"} }

// NewWriter returns a writer for the named format.
func NewWriter(w io.Writer, format string) (Writer, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	switch format {
	case "jsonl":
		// A results file being written for resumption gets every record
		// as soon as it is finished.
		_, each := w.(*RunFile)
		return &jsonlWriter{w: bw, flushEach: each}, nil
	case "json":
		return &jsonWriter{w: bw}, nil
	case "csv":
		cw := csv.NewWriter(bw)
		return &csvWriter{w: cw, bw: bw}, nil
	case "table":
		return &tableWriter{bw: bw, tw: tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)}, nil
	}
	return nil, fmt.Errorf("unknown format %q (want %s)", format, strings.Join(Formats(), ", "))
}

type jsonlWriter struct {
	w         *bufio.Writer
	flushEach bool
	buf       []byte // reused by the fast path (fastjson.go)
}

func (j *jsonlWriter) Write(r *Record) error {
	b, ok := appendRecord(j.buf[:0], r)
	if !ok {
		var err error
		if b, err = json.Marshal(r); err != nil {
			return err
		}
	} else {
		j.buf = b
	}
	j.w.Write(append(b, '\n'))
	if j.flushEach {
		return j.w.Flush()
	}
	return nil
}

func (j *jsonlWriter) Close(*Summary) error { return j.w.Flush() }

type jsonWriter struct {
	w *bufio.Writer
	n int
}

func (j *jsonWriter) Write(r *Record) error {
	b, err := json.MarshalIndent(r, "  ", "  ")
	if err != nil {
		return err
	}
	if j.n == 0 {
		j.w.WriteString("[\n  ")
	} else {
		j.w.WriteString(",\n  ")
	}
	j.n++
	_, err = j.w.Write(b)
	return err
}

func (j *jsonWriter) Close(*Summary) error {
	if j.n == 0 {
		j.w.WriteString("[")
	}
	j.w.WriteString("\n]\n")
	return j.w.Flush()
}

type csvWriter struct {
	w      *csv.Writer
	bw     *bufio.Writer
	header bool
}

func (c *csvWriter) Write(r *Record) error {
	if !c.header {
		c.header = true
		c.w.Write(append(append([]string{"id"}, scorers.Names()...), "components", "status", "error"))
	}
	row := []string{r.ID}
	for _, name := range scorers.Names() {
		row = append(row, formatScore(r, name, -1))
	}
	row = append(row, strings.Join(r.Components, " "), r.Status, r.Error)
	return c.w.Write(row)
}

func (c *csvWriter) Close(*Summary) error {
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		return err
	}
	return c.bw.Flush()
}

// formatScore formats a score with prec decimals (-1: shortest exact), ""
// when the record has no such score.
func formatScore(r *Record, name string, prec int) string {
	if r.Scores == nil {
		return ""
	}
	v, ok := r.Scores.Get(name)
	if !ok {
		return ""
	}
	return strconv.FormatFloat(v, 'f', prec, 64)
}

// tableColumns are the scores a table shows, with short headings.
var tableColumns = []struct{ name, head string }{
	{"nsc", "NSC"}, {"ams", "AMS"}, {"edge_f1", "EDGE_F1"}, {"scs", "SCS"},
	{"radgraph_partial", "RG_PARTIAL"}, {"judge", "JUDGE"}, {"overall", "OVERALL"},
}

type tableWriter struct {
	bw   *bufio.Writer
	tw   *tabwriter.Writer
	rows int
}

func (t *tableWriter) Write(r *Record) error {
	if t.rows == 0 {
		t.row("ID", func(i int) string { return tableColumns[i].head }, "STATUS")
	}
	t.rows++
	status := r.Status
	if r.Error != "" {
		status += ": " + r.Error
	}
	if r.Judge != nil && r.Judge.Error != "" {
		status += "; judge failed: " + r.Judge.Error
	}
	t.row(r.ID, func(i int) string { return dash(formatScore(r, tableColumns[i].name, 3)) }, status)
	return nil
}

func (t *tableWriter) row(id string, cell func(int) string, status string) {
	var b strings.Builder
	b.WriteString(id)
	b.WriteByte('\t')
	for i := range tableColumns {
		b.WriteString(cell(i))
		b.WriteByte('\t')
	}
	b.WriteString(status + "\n")
	t.tw.Write([]byte(b.String()))
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (t *tableWriter) Close(s *Summary) error {
	if t.rows > 0 && s != nil && s.OK > 0 {
		t.row("MEAN", func(i int) string {
			v, ok := s.Mean(tableColumns[i].name)
			if !ok {
				return "-"
			}
			return strconv.FormatFloat(v, 'f', 3, 64)
		}, fmt.Sprintf("%d ok, %d error", s.OK, s.Errors))
	}
	if err := t.tw.Flush(); err != nil {
		return err
	}
	if t.rows > 0 && s != nil && s.Collect && s.OK > 0 {
		t.bw.WriteString("\n")
		if err := s.Stats(stats.Bootstrap{}).WriteTable(t.bw); err != nil {
			return err
		}
	}
	return t.bw.Flush()
}
