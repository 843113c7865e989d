package rules

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kgeval/kgeval/ontology"
)

func legalOntology(t testing.TB) *ontology.Ontology {
	t.Helper()
	o, err := ontology.Builtin("legal")
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func legalRecognizersFor(t testing.TB) *legal {
	t.Helper()
	l := New(legalOntology(t)).legalRecognizers()
	if l == nil {
		t.Fatal("the legal ontology turns no legal recognizer on")
	}
	return l
}

func TestPartyKey(t *testing.T) {
	l := legalRecognizersFor(t)
	tests := []struct{ name, want string }{
		{"Acme Widgets, Inc.", "party/acme_widgets"},
		{"ACME WIDGETS INC", "party/acme_widgets"},
		{"The Boxlot Company", "party/boxlot"},
		{"Quill & Co. Stationers, Inc.", "party/quill_and_co_stationers"},
		{"Coastal Retail Partners, L.P.", "party/coastal_retail"},
		{"Signature Orthopaedics Pty Ltd", "party/signature_orthopaedics"},
		{"Company", "party/company"},
		{"Inc.", "party/inc"},
	}
	for _, tt := range tests {
		if got := partyKey(tt.name, l.suffixes); got != tt.want {
			t.Errorf("partyKey(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestLeadingName(t *testing.T) {
	l := legalRecognizersFor(t)
	tests := []struct{ text, want string }{
		{"Acme Widgets, Inc., a Delaware corporation", "Acme Widgets, Inc."},
		{", and Northfield Components LLC, an Ohio limited liability company", "Northfield Components LLC"},
		{"BLUE HERON SYSTEMS, INC. having its principal place of business", "BLUE HERON SYSTEMS, INC."},
		{"Harbin Lakeview Trading Co., Ltd. of Harbin", "Harbin Lakeview Trading Co., Ltd."},
		{"Northern Lights Science and Technology Co., Ltd.", "Northern Lights Science and Technology Co., Ltd."},
		{"mapleleaf.com, Inc., with offices at", "mapleleaf.com, Inc."},
		{"eCourier Labs Corporation (\"eCourier\")", "eCourier Labs Corporation"},
		{"Dana Whitfield, an individual residing at", "Dana Whitfield"},
		{"SUPPLY AGREEMENT Corvid Labs, Inc.", "Corvid Labs, Inc."},
		{"(2) Moorland Freight Ltd of 4 Dock Road", "Moorland Freight Ltd"},
		{"on the other hand, Papaver Seeds, LLC", "Papaver Seeds, LLC"},
		{"Holdings Inc. Dated: May 8, 2014", "Holdings Inc."},
		{"a Delaware corporation", ""},
		{"Subject to the terms", ""},
		{"the company set forth below", ""},
	}
	for _, tt := range tests {
		if got := l.leadingName(tt.text); got != tt.want {
			t.Errorf("leadingName(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestNameBefore(t *testing.T) {
	l := legalRecognizersFor(t)
	tests := []struct{ text, want string }{
		{"This Agreement is entered into by eGrove Communications Corporation ", "eGrove Communications Corporation"},
		{"IN WITNESS WHEREOF ... July 6, 2020. ATHENA ANNUITY AND LIFE COMPANY ", "ATHENA ANNUITY AND LIFE COMPANY"},
		{"Dated: 4/8/2020 YB II PN, Ltd. ", "YB II PN, Ltd."},
		{"organized under the laws of Delaware, a Georgia corporation ", ""},
		{"the Products listed in Exhibit A ", ""},
		{"CORVID LABS, INC.            KESTREL DATA, INC.\n\n", "KESTREL DATA, INC."},
		{"Harbin Lakeview Trading Co., Ltd. ", "Harbin Lakeview Trading Co., Ltd."},
	}
	for _, tt := range tests {
		if got := l.nameBefore(tt.text); got != tt.want {
			t.Errorf("nameBefore(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

// TestFindParties reads party definitions from openings written for these
// tests in the shapes contracts use.
func TestFindParties(t *testing.T) {
	l := legalRecognizersFor(t)
	tests := []struct{ name, text, want string }{
		{"defined terms",
			`This Supply Agreement is entered into as of January 5, 2021 by and between Acme Widgets, Inc., a Delaware corporation ("Company"), and Northfield Components LLC, an Ohio limited liability company ("Supplier").`,
			`party/acme_widgets [Company]; party/northfield_components [Supplier]`},
		{"the defined term",
			`Crestline Health Systems, Inc. (the "Customer") and Vantage IT Solutions, LLC (the "Provider") entered into a Master Services Agreement.`,
			`party/crestline_health_systems [Customer]; party/vantage_it_solutions [Provider]`},
		{"several terms, one group",
			`This Agreement is made by and between Larkspur Media Group, Inc. (hereinafter "LMG" or "Licensor") and Ostrava Films s.r.o. ("Licensee") (collectively, the "Parties").`,
			`party/larkspur_media [LMG Licensor]; party/ostrava_films [Licensee]`},
		{"upper case title and list",
			"DISTRIBUTION AGREEMENT BETWEEN GRANITE PEAK FOODS, INC. AND RIVERBEND MARKETS LLC\n\nThis Agreement is made by and between Granite Peak Foods, Inc., a Colorado corporation (\"Granite\"), and Riverbend Markets LLC (\"Distributor\").",
			`party/granite_peak_foods [Granite]; party/riverbend_markets [Distributor]`},
		{"three parties and enumerators",
			`THIS AGREEMENT is made by and among (1) Tallow Creek Energy Ltd ("Tallow"); (2) Brightwater Pipeline Co. ("Brightwater"); and (3) Sable Midstream, L.P. ("Sable").`,
			`party/tallow_creek_energy [Tallow]; party/brightwater_pipeline [Brightwater]; party/sable_midstream [Sable]`},
		{"a person",
			`This Endorsement Agreement is made between Pellucid Sports, Inc. ("Pellucid") and Marcus Delaney, an individual residing in Austin, Texas ("Athlete").`,
			`party/pellucid_sports [Pellucid]; party/marcus_delaney [Athlete]`},
		{"headed list",
			"Party A: Harbin Lakeview Trading Co., Ltd.\nAddress: 12 Songhua Road\nParty B: Yellow Crane Logistics Co., Ltd.\nAddress: 8 Jiefang Avenue",
			`party/harbin_lakeview_trading [] ; party/yellow_crane_logistics []`},
		{"signature block",
			"IN WITNESS WHEREOF the parties sign below.\nORCHARD LANE CAPITAL, LLC\nBy: /s/ J. Moreau\nName: J. Moreau",
			`party/orchard_lane_capital []`},
		{"no parties in a clause",
			`Licensee shall pay the Products (as defined in Exhibit A ("Products")) within thirty (30) days.`,
			``},
		{"a jurisdiction is no party",
			`The Company, a Georgia corporation ("Company"), shall comply.`,
			`party/company [Company]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, p := range l.findParties(tt.text).parties {
				got = append(got, fmt.Sprintf("%s %v", p.key, p.aliases))
			}
			want := strings.ReplaceAll(tt.want, " ;", ";")
			if g := strings.Join(got, "; "); g != want {
				t.Errorf("parties\n got: %s\nwant: %s", g, want)
			}
		})
	}
}
