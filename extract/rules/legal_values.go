package rules

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// Values stated in contracts: dates, sums of money and durations, each
// found in a sentence's text and normalized into an entity key.

// valueMatch is one value found in a text: its byte span and its key.
type valueMatch struct {
	start, end int
	key        string
}

const monthPattern = `january|february|march|april|may|june|july|august|september|october|november|december|` +
	`jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec`

var months = map[string]int{
	"january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
	"september": 9, "october": 10, "november": 11, "december": 12,
	"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10,
	"nov": 11, "dec": 12,
}

// ordinal is a day's ordinal suffix, also as text extracted from PDFs
// writes it ("20t h day of November").
const ordinal = `(?:\s*(?:s\s?t|n\s?d|r\s?d|t\s?h))?`

// dateRe finds "January 5, 2021", "Jan. 5th 2021", "5 January 2021", "the
// 5th day of January, 2021", "2021-01-05" and "01/05/2021" (month first, as
// in American contracts, unless the first number cannot be a month:
// "29/3/18"; "1/5/21" too). findDates checks what precedes a match: a
// month name must not continue a word, a number must not continue a
// number ("as of1 August 2019" is a date).
var dateRe = regexp.MustCompile(`(?i)^(?:` +
	`(` + monthPattern + `)\.?\s*(\d{1,2})` + ordinal + `\s*,?\s*(\d{4})` +
	`|(\d{1,2})` + ordinal + `\s+(?:day\s+of\s+)?(` + monthPattern + `)\.?\s*,?\s*(?:in\s+the\s+year\s+)?(\d{4})` +
	`|(\d{4})-(\d{1,2})-(\d{1,2})` +
	`|(\d{1,2})([/.-])(\d{1,2})([/.-])(\d{4}|\d{2})` +
	`)\b`)

// findDates returns the dates in s, keyed date/YYYY-MM-DD. Impossible dates
// (February 30) are skipped.
func findDates(s string) []valueMatch {
	var out []valueMatch
	for _, m := range scan(s, dateRe, 64, dateStart) {
		g := func(i int) string {
			if m[2*i] < 0 {
				return ""
			}
			return s[m[2*i]:m[2*i+1]]
		}
		var y, mo, d int
		switch {
		case g(1) != "":
			mo, d, y = months[strings.ToLower(g(1))], atoi(g(2)), atoi(g(3))
		case g(5) != "":
			d, mo, y = atoi(g(4)), months[strings.ToLower(g(5))], atoi(g(6))
		case g(7) != "":
			y, mo, d = atoi(g(7)), atoi(g(8)), atoi(g(9))
		default:
			if g(11) != g(13) { // 01/05-2021 is no date
				continue
			}
			mo, d, y = atoi(g(10)), atoi(g(12)), atoi(g(14))
			if mo > 12 && d <= 12 {
				mo, d = d, mo
			}
			if len(g(14)) == 2 {
				y += 1900
				if y < 1950 {
					y += 100
				}
			}
		}
		if !validDate(y, mo, d) {
			continue
		}
		out = append(out, valueMatch{m[0], m[1], fmt.Sprintf("date/%04d-%02d-%02d", y, mo, d)})
	}
	return out
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

func validDate(y, m, d int) bool {
	if y < 1800 || y > 2200 || m < 1 || m > 12 || d < 1 {
		return false
	}
	days := [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
	if m == 2 && !(y%4 == 0 && (y%100 != 0 || y%400 == 0)) {
		return d <= 28
	}
	return d <= days[m]
}

// currencies maps a currency sign, code or word to its ISO code.
var currencies = map[string]string{
	"$": "usd", "us$": "usd", "u.s.$": "usd", "usd": "usd", "dollar": "usd", "dollars": "usd",
	"us dollars": "usd", "u.s. dollars": "usd", "united states dollars": "usd",
	"€": "eur", "eur": "eur", "euro": "eur", "euros": "eur",
	"£": "gbp", "gbp": "gbp", "pounds sterling": "gbp", "pounds": "gbp",
	"c$": "cad", "cad": "cad", "canadian dollars": "cad", "a$": "aud", "aud": "aud", "australian dollars": "aud",
	"¥": "jpy", "jpy": "jpy", "yen": "jpy", "rmb": "cny", "cny": "cny", "renminbi": "cny", "chf": "chf",
	"swiss francs": "chf", "inr": "inr", "rupees": "inr",
}

const (
	currencyBefore = `us\$|u\.s\.\s?\$|c\$|a\$|\$|€|£|¥|usd|eur|gbp|cad|aud|jpy|rmb|cny|chf|inr`
	currencyAfter  = `united\s+states\s+dollars|u\.s\.\s+dollars|us\s+dollars|canadian\s+dollars|australian\s+dollars|` +
		`dollars|euros|pounds\s+sterling|yen|renminbi|swiss\s+francs|rupees|usd|eur|gbp|cad|aud|jpy|rmb|cny|chf|inr`
	numberPattern = `\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?`
	scalePattern  = `million|billion|thousand|mm|bn|m|k`
)

// amountRe finds "$250,000", "USD 1.2 million", "US$ 5m", "EUR 500,000",
// "1,000 dollars" and "2.5 million euros".
var amountRe = regexp.MustCompile(`(?i)^(?:(` + currencyBefore + `)\s?(` + numberPattern + `)(?:(?:\s+|\s?-\s?)(million|billion|thousand)\b|(mm|bn|m|k)\b)?` +
	`|(` + numberPattern + `)(?:\s+(million|billion|thousand))?\s+(` + currencyAfter + `)\b)`)

// findAmounts returns the sums of money in s, keyed amount/CURRENCY/VALUE
// with the value in units of the currency ("USD 1.2 million" is
// amount/usd/1200000).
func findAmounts(s string) []valueMatch {
	var out []valueMatch
	for _, m := range scan(s, amountRe, 64, amountStart) {
		g := func(i int) string {
			if m[2*i] < 0 {
				return ""
			}
			return s[m[2*i]:m[2*i+1]]
		}
		var cur, num, scale string
		if g(2) != "" {
			cur, num, scale = g(1), g(2), g(3)+g(4)
		} else {
			num, scale, cur = g(5), g(6), g(7)
		}
		code := currencies[strings.Join(strings.Fields(strings.ToLower(cur)), " ")]
		if code == "" {
			code = strings.ToLower(cur)
		}
		v, err := strconv.ParseFloat(strings.ReplaceAll(num, ",", ""), 64)
		if err != nil {
			continue
		}
		switch strings.ToLower(scale) {
		case "thousand", "k":
			v *= 1e3
		case "million", "m", "mm":
			v *= 1e6
		case "billion", "bn":
			v *= 1e9
		}
		v = math.Round(v*100) / 100
		out = append(out, valueMatch{m[0], m[1], "amount/" + code + "/" + strconv.FormatFloat(v, 'f', -1, 64)})
	}
	return out
}

var numberWords = map[string]int{
	"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
	"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
	"seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
	"sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "a": 1, "an": 1,
}

// durationRe finds "three (3) years", "one-year", "36 months", "thirty (30)
// days", "twenty-four months" and "a one (1) year".
var durationRe = regexp.MustCompile(`(?i)^(?:(\d+)|((?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[\s-](?:one|two|three|four|five|six|seven|eight|nine))?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|an?))(?:\s*\(\s*(\d+)\s*\))?[\s-]*(?:calendar\s+|consecutive\s+|business\s+)?(years?|months?|weeks?|days?)\b`)

// findDurations returns the durations in s, keyed by a normalized length:
// 3_years, 1_year, 18_months (whole years of months become years).
func findDurations(s string) []valueMatch {
	var out []valueMatch
	for _, m := range scan(s, durationRe, 64, wordStart) {
		g := func(i int) string {
			if m[2*i] < 0 {
				return ""
			}
			return s[m[2*i]:m[2*i+1]]
		}
		n := -1
		switch {
		case g(3) != "":
			n = atoi(g(3))
		case g(1) != "":
			n = atoi(g(1))
		default:
			n = wordNumber(strings.ToLower(g(2)))
		}
		if n <= 0 {
			continue
		}
		unit := strings.TrimSuffix(strings.ToLower(g(4)), "s")
		if unit == "month" && n%12 == 0 {
			n, unit = n/12, "year"
		}
		if n != 1 {
			unit += "s"
		}
		out = append(out, valueMatch{m[0], m[1], strconv.Itoa(n) + "_" + unit})
	}
	return out
}

func wordNumber(w string) int {
	if n, ok := numberWords[w]; ok {
		return n
	}
	parts := strings.FieldsFunc(w, func(r rune) bool { return r == '-' || r == ' ' })
	if len(parts) == 2 {
		return numberWords[parts[0]] + numberWords[parts[1]]
	}
	return -1
}

// scan runs the anchored regexp re at each position of s where start
// holds, on at most width bytes from there, and returns the matches (as
// FindAllStringSubmatchIndex would, without overlaps). An unanchored
// case-insensitive search is slow on a 300-kilobyte contract; candidate
// positions are few.
func scan(s string, re *regexp.Regexp, width int, start func(s string, i int) bool) [][]int {
	var out [][]int
	for i := 0; i < len(s); i++ {
		if !start(s, i) {
			continue
		}
		m := re.FindStringSubmatchIndex(s[i:min(len(s), i+width)])
		if m == nil {
			continue
		}
		for k := range m {
			if m[k] >= 0 {
				m[k] += i
			}
		}
		out = append(out, m)
		i = m[1] - 1
	}
	return out
}

// wordStart holds where a word or number begins.
func wordStart(s string, i int) bool {
	c := s[i]
	if !isLetter(c) && !isDigit(c) {
		return false
	}
	return i == 0 || !isLetter(s[i-1]) && !isDigit(s[i-1])
}

// dateStart holds where a number begins (after no digit: "as of1 August
// 2019" is a date) or a word that starts like a month name.
func dateStart(s string, i int) bool {
	c := s[i]
	if isDigit(c) {
		return i == 0 || !isDigit(s[i-1])
	}
	if !isLetter(c) || i > 0 && isLetter(s[i-1]) || i+3 > len(s) {
		return false
	}
	_, ok := months[strings.ToLower(s[i:i+3])]
	return ok
}

// amountStart holds where a currency sign, a currency code or a number
// begins.
func amountStart(s string, i int) bool {
	c := s[i]
	switch {
	case c == '$' || strings.HasPrefix(s[i:], "€") || strings.HasPrefix(s[i:], "£") || strings.HasPrefix(s[i:], "¥"):
		return true
	case isDigit(c):
		return i == 0 || !isDigit(s[i-1]) && s[i-1] != '.' && s[i-1] != ','
	case isLetter(c):
		return (i == 0 || !isLetter(s[i-1])) && strings.ContainsRune("UuEeGgCcAaJjRrIi", rune(c))
	}
	return false
}
