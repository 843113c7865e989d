package regress

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// WriteText writes the report for people.
func WriteText(w io.Writer, r *Report, showPairs int) error {
	verdict := "PASS"
	if r.Failed() {
		verdict = "FAIL"
	}
	fmt.Fprintf(w, "%s: %d pairs compared\n", verdict, r.Paired)
	for _, s := range r.Scores {
		fmt.Fprintf(w, "  %-4s %-10s baseline %.4f  run %.4f  %s\n", mark(s.Regressed), s.Score, s.Baseline, s.Run, s.Reason)
	}
	for _, t := range r.Thresholds {
		fmt.Fprintf(w, "  %-4s min %-6s %s\n", mark(t.Failed), t.Score, t.Reason)
	}
	if len(r.Errors) > 0 {
		fmt.Fprintf(w, "  FAIL %d pair(s) failed in the run: %s\n", len(r.Errors), list(r.Errors, 10))
	}
	if len(r.Missing) > 0 {
		fmt.Fprintf(w, "  FAIL %d baseline pair(s) missing from the run: %s\n", len(r.Missing), list(r.Missing, 10))
	}
	if len(r.Drops) > 0 {
		fmt.Fprintf(w, "pairs whose overall dropped most (%d in all):\n", len(r.Drops))
		for i, d := range r.Drops {
			if i == showPairs {
				break
			}
			fmt.Fprintf(w, "  %-24s %.3f -> %.3f  (-%.3f)\n", d.ID, d.Baseline, d.Run, d.Drop)
		}
	}
	return nil
}

func mark(failed bool) string {
	if failed {
		return "FAIL"
	}
	return "ok"
}

func list(ids []string, n int) string {
	if len(ids) <= n {
		return strings.Join(ids, ", ")
	}
	return strings.Join(ids[:n], ", ") + fmt.Sprintf(", ... (%d more)", len(ids)-n)
}

// WriteMarkdown writes the report as a pull-request comment.
func WriteMarkdown(w io.Writer, r *Report) error {
	verdict := "✅ no regression"
	if r.Failed() {
		verdict = "❌ regression"
	}
	fmt.Fprintf(w, "### kgeval check: %s\n\n%d pairs compared with the baseline.\n\n", verdict, r.Paired)
	fmt.Fprintln(w, "| score | baseline | run | change | 95% interval | verdict |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---|---|")
	for _, s := range r.Scores {
		fmt.Fprintf(w, "| %s | %.4f | %.4f | %+.4f | [%+.4f, %+.4f] | %s |\n", s.Score, s.Baseline, s.Run, s.Diff, s.Low, s.High, mark(s.Regressed))
	}
	if len(r.Thresholds) > 0 {
		fmt.Fprintln(w, "\n| threshold | minimum | mean | verdict |\n|---|---:|---:|---|")
		for _, t := range r.Thresholds {
			fmt.Fprintf(w, "| %s | %.4f | %.4f | %s |\n", t.Score, t.Min, t.Mean, mark(t.Failed))
		}
	}
	if len(r.Errors) > 0 {
		fmt.Fprintf(w, "\n**%d pair(s) failed in the run:** %s\n", len(r.Errors), mdEscape(list(r.Errors, 20)))
	}
	if len(r.Missing) > 0 {
		fmt.Fprintf(w, "\n**%d baseline pair(s) missing from the run:** %s\n", len(r.Missing), mdEscape(list(r.Missing, 20)))
	}
	if len(r.Drops) > 0 {
		fmt.Fprintf(w, "\n<details><summary>%d pair(s) whose overall dropped</summary>\n\n| pair | baseline | run | drop |\n|---|---:|---:|---:|\n", len(r.Drops))
		for i, d := range r.Drops {
			if i == 50 {
				break
			}
			fmt.Fprintf(w, "| %s | %.3f | %.3f | %.3f |\n", mdEscape(d.ID), d.Baseline, d.Run, d.Drop)
		}
		fmt.Fprintln(w, "\n</details>")
	}
	return nil
}

// mdEscape keeps pair ids from breaking the table or injecting markup.
func mdEscape(s string) string {
	r := strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;", "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "\n", " ")
	return r.Replace(s)
}

type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Output    string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes one test case per score and per threshold (and, with
// pairs, one per pair whose overall dropped), for CI systems.
func WriteJUnit(w io.Writer, r *Report, pairs bool) error {
	s := junitSuite{Name: "kgeval check"}
	add := func(class, name string, failed bool, msg string) {
		c := junitCase{Name: name, ClassName: class, Output: msg}
		if failed {
			c.Failure = &junitFailure{Message: msg, Text: msg}
			s.Failures++
		}
		s.Cases = append(s.Cases, c)
	}
	for _, sc := range r.Scores {
		add("kgeval.score", sc.Score, sc.Regressed, sc.Reason)
	}
	for _, t := range r.Thresholds {
		add("kgeval.threshold", "min "+t.Score, t.Failed, t.Reason)
	}
	add("kgeval.run", "no failed pairs", len(r.Errors) > 0, fmt.Sprintf("%d pair(s) failed: %s", len(r.Errors), list(r.Errors, 20)))
	add("kgeval.run", "no missing pairs", len(r.Missing) > 0, fmt.Sprintf("%d baseline pair(s) missing: %s", len(r.Missing), list(r.Missing, 20)))
	if pairs {
		for _, d := range r.Drops {
			add("kgeval.pair", d.ID, true, fmt.Sprintf("overall %.3f -> %.3f", d.Baseline, d.Run))
		}
	}
	s.Tests = len(s.Cases)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(junitSuites{Suites: []junitSuite{s}}); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
