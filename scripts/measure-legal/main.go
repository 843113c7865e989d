// Command measure-legal measures the rules extractor on real contracts
// against lawyers' answers: the CUAD contracts in ../shared/data/cuad
// (contracts/*.txt) and the answers of master_clauses_dev.csv. It extracts
// each contract's graph under the legal ontology and reports
//
//   - governing law accuracy: the jurisdiction the graph says governs the
//     agreement (the first governed_by target) against "Governing
//     Law-Answer", both normalized through the ontology's jurisdictions;
//   - party recall: the share of the parties named in "Parties-Answer"
//     that the graph has as party entities (names compared without
//     punctuation and corporate suffixes, a misspelling tolerated);
//   - agreement date accuracy: the first date the graph links effective_on
//     against "Agreement Date-Answer" (answers with a blank day or month
//     are counted apart).
//
// The data stays outside the repository; the command only reads it.
//
//	go run ./scripts/measure-legal                       # summary
//	go run ./scripts/measure-legal -v                    # and each miss
//	go run ./scripts/measure-legal -json > legal.json    # numbers for tools
//
// It exits 1 when a goal (-min-law, -min-parties, -min-date) is missed.
package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/kgeval/kgeval/extract"
	"github.com/kgeval/kgeval/extract/rules"
	"github.com/kgeval/kgeval/graph"
	"github.com/kgeval/kgeval/ontology"
)

type options struct {
	data                    string
	verbose, json           bool
	minLaw, minParty, minDt float64
	limit                   int
}

// Result is the measurement, as -json writes it.
type Result struct {
	Contracts   int     `json:"contracts"`
	Seconds     float64 `json:"seconds"`
	LawGold     int     `json:"governing_law_gold"`
	LawCorrect  int     `json:"governing_law_correct"`
	LawAccuracy float64 `json:"governing_law_accuracy"`
	// LawUnknown counts answers no jurisdiction of the ontology matches
	// ("the state in which the restaurant is located"); they count as misses.
	LawUnknown       int     `json:"governing_law_unnormalized"`
	LawFalse         int     `json:"governing_law_predicted_without_gold"`
	PartyGold        int     `json:"parties_gold"`
	PartyFound       int     `json:"parties_found"`
	PartyRecall      float64 `json:"party_recall"`
	PartyAllFound    int     `json:"contracts_all_parties_found"`
	PartyPredicted   int     `json:"party_entities"`
	DateGold         int     `json:"agreement_date_gold"`
	DateCorrect      int     `json:"agreement_date_correct"`
	DateAccuracy     float64 `json:"agreement_date_accuracy"`
	DatePartialGold  int     `json:"agreement_date_partial_gold"`
	DatePartialMatch int     `json:"agreement_date_partial_year_match"`
}

func main() {
	var o options
	flag.StringVar(&o.data, "data", "../shared/data/cuad", "CUAD folder: contracts/*.txt and master_clauses_dev.csv")
	flag.BoolVar(&o.verbose, "v", false, "print each miss")
	flag.BoolVar(&o.json, "json", false, "write the result as JSON")
	flag.Float64Var(&o.minLaw, "min-law", 0.90, "goal: governing law accuracy")
	flag.Float64Var(&o.minParty, "min-parties", 0.80, "goal: party recall")
	flag.Float64Var(&o.minDt, "min-date", 0.80, "goal: agreement date accuracy")
	flag.IntVar(&o.limit, "limit", 0, "measure only the first N contracts (0: all)")
	flag.Parse()
	r, err := run(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "measure-legal:", err)
		os.Exit(2)
	}
	if o.json {
		json.NewEncoder(os.Stdout).Encode(r)
	} else {
		fmt.Printf("contracts                %d (%.1f s)\n", r.Contracts, r.Seconds)
		fmt.Printf("governing law accuracy   %.3f  (%d/%d; %d answers not normalized; %d predicted where the answer is empty)\n",
			r.LawAccuracy, r.LawCorrect, r.LawGold, r.LawUnknown, r.LawFalse)
		fmt.Printf("party recall             %.3f  (%d/%d; all parties found in %d contracts; %d party entities)\n",
			r.PartyRecall, r.PartyFound, r.PartyGold, r.PartyAllFound, r.PartyPredicted)
		fmt.Printf("agreement date accuracy  %.3f  (%d/%d; year right in %d of %d answers without day or month)\n",
			r.DateAccuracy, r.DateCorrect, r.DateGold, r.DatePartialMatch, r.DatePartialGold)
	}
	if r.LawAccuracy < o.minLaw || r.PartyRecall < o.minParty || r.DateAccuracy < o.minDt {
		os.Exit(1)
	}
}

func run(o options) (*Result, error) {
	ont, err := ontology.Builtin("legal")
	if err != nil {
		return nil, err
	}
	x := rules.New(ont)
	f, err := os.Open(filepath.Join(o.data, "master_clauses_dev.csv"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("master_clauses_dev.csv: %w", err)
	}
	if len(rows) < 2 {
		return nil, fmt.Errorf("master_clauses_dev.csv: no rows")
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, h := range []string{"Filename", "Parties-Answer", "Agreement Date-Answer", "Governing Law-Answer"} {
		if _, ok := col[h]; !ok {
			return nil, fmt.Errorf("master_clauses_dev.csv: no column %q", h)
		}
	}
	suffixes := map[string]bool{}
	for _, s := range ont.Rules["party_suffixes"] {
		suffixes[s] = true
	}
	ctx := context.Background()
	r := &Result{}
	start := time.Now()
	for i, row := range rows[1:] {
		if o.limit > 0 && i >= o.limit {
			break
		}
		name := strings.TrimSuffix(strings.TrimSuffix(row[col["Filename"]], ".pdf"), ".PDF") + ".txt"
		text, err := os.ReadFile(filepath.Join(o.data, "contracts", name))
		if err != nil {
			return nil, err
		}
		g, err := x.Extract(ctx, extract.Document{ID: name, Text: string(text)})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		r.Contracts++
		short := name
		if len(short) > 60 {
			short = short[:60]
		}
		// Governing law.
		gold := strings.TrimSpace(row[col["Governing Law-Answer"]])
		pred := governingLaw(g)
		if gold != "" && gold != "[]" {
			r.LawGold++
			keys := lawKeys(ctx, x, gold)
			if len(keys) == 0 {
				r.LawUnknown++
			}
			if keys[pred] {
				r.LawCorrect++
			} else if o.verbose {
				fmt.Printf("LAW   %-60s gold %q %v, got %q\n", short, gold, keys, pred)
			}
		} else if pred != "" {
			r.LawFalse++
		}
		// Parties.
		var have []string
		for _, e := range g.Entities {
			if e.Type == "party" {
				have = append(have, strings.TrimPrefix(e.Key, "party/"))
				r.PartyPredicted++
			}
		}
		all := true
		for _, p := range goldParties(row[col["Parties-Answer"]]) {
			k := normName(p, suffixes)
			if k == "" {
				continue
			}
			r.PartyGold++
			if matchParty(k, have) {
				r.PartyFound++
			} else {
				all = false
				if o.verbose {
					fmt.Printf("PARTY %-60s gold %q (%s), have %v\n", short, p, k, have)
				}
			}
		}
		if all {
			r.PartyAllFound++
		}
		// Agreement date.
		gd := strings.TrimSpace(row[col["Agreement Date-Answer"]])
		pd := agreementDate(g)
		switch {
		case gd == "":
		case strings.Contains(gd, "[]"):
			r.DatePartialGold++
			if y := gd[strings.LastIndex(gd, "/")+1:]; pd != "" && !strings.Contains(y, "[]") && strings.HasPrefix(pd, y) {
				r.DatePartialMatch++
			}
		default:
			r.DateGold++
			want := isoDate(gd)
			if want != "" && want == pd {
				r.DateCorrect++
			} else if o.verbose {
				fmt.Printf("DATE  %-60s gold %q (%s), got %q\n", short, gd, want, pd)
			}
		}
	}
	r.Seconds = time.Since(start).Seconds()
	r.LawAccuracy = ratio(r.LawCorrect, r.LawGold)
	r.PartyRecall = ratio(r.PartyFound, r.PartyGold)
	r.DateAccuracy = ratio(r.DateCorrect, r.DateGold)
	return r, nil
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// target returns the key of the first entity a relation of the type
// reaches from the agreement.
func target(g *graph.Graph, typ string) string {
	idx := g.EntityIndex()
	for _, rel := range g.Relations {
		if rel.Type == typ {
			return g.Entities[idx[rel.Target]].Key
		}
	}
	return ""
}

// governingLaw is the graph's governing law, without its type prefix.
func governingLaw(g *graph.Graph) string {
	return strings.TrimPrefix(target(g, "governed_by"), "governing_law/")
}

// agreementDate is the first effective_on date, as YYYY-MM-DD.
func agreementDate(g *graph.Graph) string {
	return strings.TrimPrefix(target(g, "effective_on"), "date/")
}

// lawKeys normalizes a lawyer's answer ("England; Wales", "Province of
// Ontario, Canada") through the extractor itself: the jurisdictions it
// finds in "governed by the laws of ANSWER".
func lawKeys(ctx context.Context, x *rules.Extractor, answer string) map[string]bool {
	out := map[string]bool{}
	for _, part := range strings.Split(answer, ";") {
		g, err := x.Extract(ctx, extract.Document{ID: "gold", Text: "This Agreement is governed by the laws of " + strings.TrimSpace(part) + "."})
		if err != nil {
			continue
		}
		for _, e := range g.Entities {
			if e.Type == "governing_law" {
				out[strings.TrimPrefix(e.Key, "governing_law/")] = true
			}
		}
	}
	return out
}

var parenRe = regexp.MustCompile(`\([^)]*\)?`)

// goldParties splits "Acme Inc. ("Company"); Beta LLC ("Supplier")" into
// the names, leaving out groups ("Stryker and Conformis ("Parties")").
func goldParties(answer string) []string {
	var out []string
	for _, p := range strings.Split(answer, ";") {
		lower := strings.ToLower(p)
		if strings.Contains(lower, "parties") || strings.Contains(lower, "collectively") {
			continue
		}
		name := strings.TrimSpace(parenRe.ReplaceAllString(p, ""))
		name = strings.Trim(name, ` ,.:"“”`)
		if name != "" {
			out = append(out, name)
		}
	}
	return out
}

// normName is a party name as the extractor keys it: lower case, "&" as
// "and", punctuation dropped, a leading "the" and trailing corporate
// suffixes removed, words joined by "_".
func normName(name string, suffixes map[string]bool) string {
	var words []string
	for _, f := range strings.FieldsFunc(strings.ToLower(name), func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '&' || r == '.')
	}) {
		f = strings.ReplaceAll(f, ".", "")
		if f == "&" {
			f = "and"
		}
		if f != "" {
			words = append(words, f)
		}
	}
	if len(words) > 1 && words[0] == "the" {
		words = words[1:]
	}
	for len(words) > 1 && (suffixes[words[len(words)-1]] || words[len(words)-1] == "and") {
		words = words[:len(words)-1]
	}
	return strings.Join(words, "_")
}

// matchParty reports whether a gold party key matches one the graph has:
// equal, one a run of the other's words ("bank_of_america" and
// "bank_of_america_national_association"), or within a small edit distance
// (the answers have typos: "Mount Kowledge").
func matchParty(k string, have []string) bool {
	for _, h := range have {
		if h == k || strings.Contains("_"+h+"_", "_"+k+"_") || strings.Contains("_"+k+"_", "_"+h+"_") && len(h) > 3 {
			return true
		}
		if d := editDistance(h, k); float64(d) <= 0.15*float64(max(len(h), len(k))) {
			return true
		}
	}
	return false
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// isoDate turns the answers' M/D/YY or M/D/YYYY into YYYY-MM-DD.
func isoDate(s string) string {
	p := strings.Split(s, "/")
	if len(p) != 3 {
		return ""
	}
	m, err1 := strconv.Atoi(p[0])
	d, err2 := strconv.Atoi(p[1])
	y, err3 := strconv.Atoi(p[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return ""
	}
	if len(p[2]) == 2 {
		y += 1900
		if y < 1950 {
			y += 100
		}
	}
	return fmt.Sprintf("%04d-%02d-%02d", y, m, d)
}
