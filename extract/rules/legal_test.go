package rules

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/kgeval/kgeval/extract"
	"github.com/kgeval/kgeval/graph"
)

var updateLegal = flag.Bool("update-legal", false, "rewrite testdata/legal.golden from the extractor's output")

func extractLegal(t testing.TB, x *Extractor, text string) *graph.Graph {
	t.Helper()
	g, err := x.Extract(context.Background(), extract.Document{ID: "d", Text: text})
	if err != nil {
		t.Fatalf("extract %q: %v", text, err)
	}
	if err := g.Validate(x.ont); err != nil {
		t.Fatalf("extract %q: invalid graph: %v", text, err)
	}
	return g
}

// legalFacts renders a graph as sorted lines: "type key assertion" for each
// entity and "source-key -type-> target-key" for each relation.
func legalFacts(g *graph.Graph) []string {
	idx := g.EntityIndex()
	var out []string
	for _, e := range g.Entities {
		out = append(out, fmt.Sprintf("%s %s %s", e.Type, e.Key, e.Assertion))
	}
	for _, r := range g.Relations {
		out = append(out, fmt.Sprintf("%s -%s-> %s", g.Entities[idx[r.Source]].Key, r.Type, g.Entities[idx[r.Target]].Key))
	}
	sort.Strings(out)
	return out
}

func has(facts []string, f string) bool {
	for _, x := range facts {
		if x == f {
			return true
		}
	}
	return false
}

// TestLegalExtraction covers each recognizer and relation pattern with
// sentences written for it: want lists facts the graph must have, not those
// it must not.
func TestLegalExtraction(t *testing.T) {
	x := New(legalOntology(t))
	preamble := `This Supply Agreement is entered into as of January 5, 2021 by and between Acme Widgets, Inc., a Delaware corporation ("Company"), and Northfield Components LLC, an Ohio limited liability company ("Supplier"). `
	tests := []struct {
		name      string
		text      string
		want, not []string
	}{
		{"parties are party to the agreement", preamble, []string{
			"party party/acme_widgets present", "party party/northfield_components present",
			"party/acme_widgets -party_to-> agreement/supply", "party/northfield_components -party_to-> agreement/supply",
			"agreement/supply -effective_on-> date/2021-01-05"}, []string{"party party/company present", "party party/supplier present"}},
		{"a defined term resolves to its party", preamble + "Supplier shall deliver the Products to Company's warehouse.", []string{
			"obligation/deliver -obligates-> party/northfield_components"}, []string{"party party/supplier present"}},
		{"this Agreement is the agreement of the preamble", preamble + "This Agreement shall be governed by the laws of the State of New York.", []string{
			"agreement/supply -governed_by-> governing_law/new_york"}, []string{"agreement agreement/agreement present"}},
		{"dated and expiring", "This Lease Agreement is dated the 5th day of January, 2021 and expires on December 31, 2025.", []string{
			"agreement/lease -effective_on-> date/2021-01-05", "agreement/lease -expires_on-> date/2025-12-31"}, nil},
		{"terminate on", "The Agreement commences on 2021-01-05 and shall terminate on 01/04/2024.", []string{
			"agreement/agreement -effective_on-> date/2021-01-05", "agreement/agreement -expires_on-> date/2024-01-04"}, nil},
		{"effective date defined after the date", `This License Agreement is made on March 3, 2022 (the "Effective Date").`, []string{
			"agreement/license -effective_on-> date/2022-03-03"}, nil},
		{"a date with no cue is no effective date", "The Products were shipped on June 2, 2020 under the Agreement.", []string{
			"date date/2020-06-02 present"}, []string{"agreement/agreement -effective_on-> date/2020-06-02"}},
		{"initial and renewal terms", "The Agreement has an initial term of three (3) years and renews automatically for successive one-year terms.", []string{
			"agreement/agreement -expires_on-> term/3_years", "agreement/agreement -expires_on-> term/renewal/1_year",
			"clause clause/renewal present"}, nil},
		{"notice periods are no terms", "Either party may end the renewal by giving ninety (90) days' written notice before the end of the term.", nil, []string{
			"term term/90_days present"}},
		{"governing law", "This Agreement shall be governed by and construed in accordance with the laws of the State of California.", []string{
			"agreement/agreement -governed_by-> governing_law/california"}, nil},
		{"law before the word law", "California law governs this agreement.", []string{
			"agreement/agreement -governed_by-> governing_law/california"}, nil},
		{"a state of incorporation is no governing law", "Acme Widgets, Inc., a corporation organized under the laws of the State of Delaware, is party to this Agreement.", nil, []string{
			"governing_law governing_law/delaware present"}},
		{"export laws are no governing law", "Licensee shall comply with all export laws and regulations of the United States governing the Software.", nil, []string{
			"governing_law governing_law/united_states present"}},
		{"a state wins over its country", "This Agreement is governed by the laws of the United States and of the State of Florida.", []string{
			"agreement/agreement -governed_by-> governing_law/florida"}, []string{"governing_law governing_law/united_states present"}},
		{"the payer pays", "Customer agrees to pay Provider USD 1.2 million per year.", []string{
			"party/customer -pays-> amount/usd/1200000", "obligation/pay -obligates-> party/customer"}, []string{"party/provider -pays-> amount/usd/1200000"}},
		{"paid by", "A fee of $5,000 shall be paid by Licensee within thirty (30) days.", []string{
			"party/licensee -pays-> amount/usd/5000"}, nil},
		{"an obligation keyed by its words", "Licensee shall keep complete and accurate records of all sales.", []string{
			"obligation/keep_records -obligates-> party/licensee"}, nil},
		{"an obligation the lexicon does not know", "Distributor shall purchase a minimum of 10,000 cases per quarter.", []string{
			"obligation/purchase -obligates-> party/distributor", "clause clause/minimum_commitment present"}, nil},
		{"a prohibited act", "Licensee shall not, directly or indirectly, disclose the Software to any third party.", []string{
			"obligation obligation/disclose absent"}, []string{"obligation obligation/disclose present"}},
		{"each party", preamble + "Each party shall maintain insurance with a reputable insurer.", []string{
			"obligation/maintain_insurance -obligates-> party/acme_widgets", "obligation/maintain_insurance -obligates-> party/northfield_components"}, nil},
		{"may assign", "Company may assign this Agreement to an affiliate.", []string{"clause clause/assignment present"}, nil},
		{"may not assign", "Company may not assign this Agreement to an affiliate.", []string{"clause clause/assignment absent"}, []string{"clause clause/assignment present"}},
		{"neither party may", "Neither party may terminate this Agreement for convenience.", []string{"clause clause/termination_for_convenience absent"}, nil},
		{"without cause", "Either party may terminate the Agreement without cause on sixty (60) days' notice.", []string{"clause clause/termination_for_convenience present"}, nil},
		{"a covenant not to compete", "Employee shall not, directly or indirectly, engage in any business that competes with the Company.", []string{
			"clause clause/non_compete present"}, []string{"clause clause/non_compete absent"}},
		{"no covenant", "No non-compete restriction applies to Employee.", []string{"clause clause/non_compete absent"}, nil},
		{"no third party beneficiaries", "There are no third party beneficiaries of this Agreement.", []string{
			"clause clause/third_party_beneficiary absent", "agreement/agreement -has_clause-> clause/third_party_beneficiary"}, nil},
		{"a liability cap", "Each party's aggregate liability under this Agreement shall not exceed the fees paid.", []string{
			"clause clause/cap_on_liability present"}, []string{"clause clause/cap_on_liability absent"}},
		{"conditions make clauses uncertain", "If Supplier undergoes a change of control, Company may terminate this Agreement.", []string{
			"clause clause/change_of_control uncertain"}, nil},
		{"an exclusive reseller", "Reseller shall be the exclusive reseller of Vendor's products in Canada.", []string{"clause clause/exclusivity present"}, nil},
		{"a generic company is no party", "The parties agree that the company records are confidential.", nil, []string{"party party/company present"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			facts := legalFacts(extractLegal(t, x, tt.text))
			for _, w := range tt.want {
				if !has(facts, w) {
					t.Errorf("missing %q", w)
				}
			}
			for _, n := range tt.not {
				if has(facts, n) {
					t.Errorf("unexpected %q", n)
				}
			}
			if t.Failed() {
				t.Logf("text: %s\nfacts:\n  %s", tt.text, strings.Join(facts, "\n  "))
			}
		})
	}
}

// TestLegalPairs extracts the project's hand-written contract pairs
// (testdata/legal/pairs.jsonl): identical texts and paraphrases give the
// same facts, and every other category (wrong party, date, law, amount;
// omitted obligation; invented or negated clause) a different set.
func TestLegalPairs(t *testing.T) {
	x := New(legalOntology(t))
	f, err := os.Open(filepath.Join("..", "..", "testdata", "legal", "pairs.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// Paraphrases the offline extractor cannot equate: "warrants ... for a
	// period of one (1) year" and "a one-year warranty" differ in their
	// words for the clause.
	unequal := map[string]bool{"paraphrase-3": true}
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		var p struct {
			ID, Reference, Candidate, Category string
		}
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		n++
		ref, cand := legalFacts(extractLegal(t, x, p.Reference)), legalFacts(extractLegal(t, x, p.Candidate))
		same := strings.Join(ref, "\n") == strings.Join(cand, "\n")
		wantSame := (p.Category == "identical" || p.Category == "paraphrase") && !unequal[p.ID]
		if same != wantSame {
			t.Errorf("%s (%s): same facts = %v, want %v\nreference:\n  %s\ncandidate:\n  %s", p.ID, p.Category, same, wantSame,
				strings.Join(ref, "\n  "), strings.Join(cand, "\n  "))
		}
	}
	if n == 0 {
		t.Fatal("no pairs read")
	}
}

// legalGolden are documents written for the golden test, one per kind of
// contract text, covering the recognizers together.
var legalGolden = []struct{ name, text string }{
	{"supply preamble and obligations", `SUPPLY AGREEMENT

This Supply Agreement (the "Agreement") is entered into as of January 5, 2021 (the "Effective Date") by and between Acme Widgets, Inc., a Delaware corporation ("Company"), and Northfield Components LLC, an Ohio limited liability company ("Supplier").

1. Term. The Agreement has an initial term of three (3) years and renews automatically for successive one-year terms unless either party gives ninety (90) days' written notice of non-renewal.

2. Supply. Supplier shall deliver the Products within thirty (30) days of each purchase order. Company agrees to pay Supplier $250,000 per calendar quarter. Supplier shall maintain commercial general liability insurance of not less than $2,000,000 per occurrence.

3. Restrictions. Company may not assign this Agreement without the prior written consent of Supplier. Supplier shall not, directly or indirectly, compete with Company in North America during the term.

4. Governing Law. This Agreement shall be governed by the laws of the State of New York, without regard to its conflict of laws principles.`},
	{"license with a person and a foreign law", `SOFTWARE LICENSE AGREEMENT

This Software License Agreement is made this 2nd day of March, 2020 by and between Bluepine Analytics Ltd. (hereinafter "Licensor") and Dana Whitfield, an individual residing in Leeds ("Licensee"). Licensor hereby grants Licensee a non-exclusive, non-transferable license to use the Software. Licensee shall pay royalties of 6% of Net Sales and shall keep complete and accurate records, and Licensor shall have the right to audit such records once per calendar year. This Agreement expires on 2023-03-01. English law governs this Agreement.`},
	{"summary without definitions", `Buyer agrees to pay Seller a purchase price of USD 1.2 million, payable in two equal installments. Either party may terminate the agreement for convenience upon sixty (60) days' notice. There are no third party beneficiaries.`},
	{"signature block", `IN WITNESS WHEREOF, the parties have executed this Agreement as of the date below.

ORCHARD LANE CAPITAL, LLC
By: /s/ J. Moreau
Date: April 7, 2020

HARBOR FREIGHT LOGISTICS, INC.
By: /s/ K. Osei
Date: April 8, 2020`},
}

// TestLegalGolden compares the graphs of legalGolden with
// testdata/legal.golden (go test ./extract/rules -run TestLegalGolden
// -update-legal rewrites it).
func TestLegalGolden(t *testing.T) {
	x := New(legalOntology(t))
	var b strings.Builder
	for _, d := range legalGolden {
		g := extractLegal(t, x, d.text)
		fmt.Fprintf(&b, "== %s\n", d.name)
		for _, e := range g.Entities {
			fmt.Fprintf(&b, "%s %s %s %s %q\n", e.ID, e.Type, e.Key, e.Assertion, e.Text)
		}
		for _, r := range g.Relations {
			fmt.Fprintf(&b, "%s -%s-> %s\n", r.Source, r.Type, r.Target)
		}
		b.WriteString("\n")
	}
	path := filepath.Join("testdata", "legal.golden")
	if *updateLegal {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./extract/rules -run TestLegalGolden -update-legal writes it)", err)
	}
	if got := b.String(); got != string(want) {
		t.Errorf("graphs differ from %s (rerun with -update-legal to accept):\n%s", path, lineDiff(string(want), got))
	}
}

// lineDiff lists the lines only one side has.
func lineDiff(want, got string) string {
	count := map[string]int{}
	for _, l := range strings.Split(want, "\n") {
		count[l]++
	}
	for _, l := range strings.Split(got, "\n") {
		count[l]--
	}
	var out []string
	for l, c := range count {
		switch {
		case c > 0:
			out = append(out, "- "+l)
		case c < 0:
			out = append(out, "+ "+l)
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}
