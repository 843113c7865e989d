package rules

import (
	"strings"
	"testing"
)

func keysOf(vs []valueMatch, s string) string {
	var out []string
	for _, v := range vs {
		out = append(out, s[v.start:v.end]+"="+v.key)
	}
	return strings.Join(out, "; ")
}

func TestFindDates(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"month day year", "effective as of January 5, 2021.", "January 5, 2021=date/2021-01-05"},
		{"abbreviated month", "dated Jan. 5th 2021 and Sept 30, 2020", "Jan. 5th 2021=date/2021-01-05; Sept 30, 2020=date/2020-09-30"},
		{"day month year", "signed on 5 January 2021", "5 January 2021=date/2021-01-05"},
		{"day of month", "made this 5th day of January, 2021", "5th day of January, 2021=date/2021-01-05"},
		{"ordinal split by pdf text", "the 20t h day of November, 2018", "20t h day of November, 2018=date/2018-11-20"},
		{"iso", "on 2021-01-05", "2021-01-05=date/2021-01-05"},
		{"us numeric", "as of 01/05/2021", "01/05/2021=date/2021-01-05"},
		{"two-digit year", "Date: 1/5/21", "1/5/21=date/2021-01-05"},
		{"last century", "Date: 3/24/98", "3/24/98=date/1998-03-24"},
		{"day first when the month cannot be", "dated 29/3/18", "29/3/18=date/2018-03-29"},
		{"glued to a word", "effective as of1 August 2019", "1 August 2019=date/2019-08-01"},
		{"upper case", "MAY 8, 2014", "MAY 8, 2014=date/2014-05-08"},
		{"impossible date", "February 30, 2021", ""},
		{"leap day", "February 29, 2020 and February 29, 2021", "February 29, 2020=date/2020-02-29"},
		{"mixed separators", "01/05-2021", ""},
		{"section numbers are no dates", "Section 12.3.4 and 2.1", ""},
		{"modal may", "Company may 5 times a year", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := keysOf(findDates(tt.text), tt.text); got != tt.want {
				t.Errorf("findDates(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestFindAmounts(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"dollars", "a fee of $250,000.", "$250,000=amount/usd/250000"},
		{"cents", "$1,234.50 per unit", "$1,234.50=amount/usd/1234.5"},
		{"code and scale", "USD 1.2 million per year", "USD 1.2 million=amount/usd/1200000"},
		{"same sum, other words", "$1,200,000 annually", "$1,200,000=amount/usd/1200000"},
		{"short scale", "up to US$5m", "US$5m=amount/usd/5000000"},
		{"euro sign", "€500,000", "€500,000=amount/eur/500000"},
		{"pounds", "£2.5 million", "£2.5 million=amount/gbp/2500000"},
		{"currency after", "1,000 dollars and 2.5 million euros", "1,000 dollars=amount/usd/1000; 2.5 million euros=amount/eur/2500000"},
		{"thousand", "$25 thousand", "$25 thousand=amount/usd/25000"},
		{"percentages are no money", "royalties of 6% of Net Sales", ""},
		{"plain numbers are no money", "10,000 cases per quarter", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := keysOf(findAmounts(tt.text), tt.text); got != tt.want {
				t.Errorf("findAmounts(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestFindDurations(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"words and digits", "a term of three (3) years", "three (3) years=3_years"},
		{"hyphenated", "successive one-year terms", "one-year=1_year"},
		{"digits", "for 5 years", "5 years=5_years"},
		{"months become years", "36 months", "36 months=3_years"},
		{"months stay months", "eighteen (18) months", "eighteen (18) months=18_months"},
		{"compound number", "twenty-four months", "twenty-four months=2_years"},
		{"article", "an additional year", ""},
		{"a year", "for a one (1) year period", "one (1) year=1_year"},
		{"days", "thirty (30) calendar days", "thirty (30) calendar days=30_days"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := keysOf(findDurations(tt.text), tt.text); got != tt.want {
				t.Errorf("findDurations(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}
