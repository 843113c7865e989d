package neo4j_test

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	kgneo4j "github.com/kgeval/kgeval/graph/neo4j"
)

// FuzzCypherLiteral: the text Neo4j Browser is given (BrowserText) writes
// document text as Cypher string literals. Whatever the text, its literal
// is one single-quoted string on one line that reads back, with Cypher's
// escapes, as the text itself (invalid UTF-8 bytes as U+FFFD): pasted, it
// is data, never more Cypher. TestCypherLiteralOnServer checks the same
// against a real server.
func FuzzCypherLiteral(f *testing.F) {
	for _, s := range []string{
		"", "plain", "it's", `\'`, "'}) MATCH (n) DETACH DELETE n //", "a\nb\r\tc\x00\x7f", "\u2028\u2029", "é\xff\xfe",
		"`backtick`", "$param {run_id: 'x'}", `\u0027`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lit := kgneo4j.CypherLiteral(s)
		if strings.ContainsAny(lit, "\n\r") {
			t.Fatalf("literal %q spans lines", lit)
		}
		got, ok := readCypherString(lit)
		if !ok {
			t.Fatalf("literal %q of %q is not one Cypher string", lit, s)
		}
		var want strings.Builder
		for _, r := range s { // as the writer sees the text: bad bytes are U+FFFD
			want.WriteRune(r)
		}
		if got != want.String() {
			t.Fatalf("literal %q reads back as %q, want %q", lit, got, want.String())
		}
	})
}

// readCypherString reads a single-quoted Cypher string literal that must
// be the whole of lit, with the escapes Cypher knows.
func readCypherString(lit string) (string, bool) {
	if len(lit) < 2 || lit[0] != '\'' || lit[len(lit)-1] != '\'' {
		return "", false
	}
	body := lit[1 : len(lit)-1]
	var b strings.Builder
	for i := 0; i < len(body); {
		c := body[i]
		switch {
		case c == '\'':
			return "", false // an unescaped quote ends the string early
		case c != '\\':
			r, n := utf8.DecodeRuneInString(body[i:])
			b.WriteRune(r)
			i += n
		case i+1 >= len(body):
			return "", false
		default:
			e := body[i+1]
			i += 2
			switch e {
			case '\\', '\'', '"':
				b.WriteByte(e)
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'u':
				if i+4 > len(body) {
					return "", false
				}
				v, err := strconv.ParseUint(body[i:i+4], 16, 32)
				if err != nil {
					return "", false
				}
				b.WriteRune(rune(v))
				i += 4
			default:
				return "", false
			}
		}
	}
	return b.String(), true
}
