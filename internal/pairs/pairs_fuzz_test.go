package pairs

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/kgeval/kgeval/graph"
)

// Fuzz targets of the pairs and documents readers (seeds in
// testdata/fuzz/). Properties: no panic; every error is a *graph.LineError
// naming the file and a line of the input, with a reason; every pair
// returned has a non-blank id, unique in the file, and the line it came
// from; reading stops only at the end of the input (or at a line too long
// to read), so a bad line never hides the ones after it.

const fuzzFile = "fuzz-input"

func FuzzReadJSONL(f *testing.F) {
	for _, s := range []string{
		`{"id":"p1","reference":"No effusion.","candidate":"No pleural effusion."}`,
		`{"id":"p1","reference":"a","candidate":"b","context":{"age":80,"indication":"fall"}}` + "\n" + `{"id":"p2","reference":"a","candidate":"b","context":null}`,
		`{"id":"p1","reference":"a"}`,
		`{"id":"p1","reference":"a","candidate":"b"}` + "\n" + `{"id":"p1","reference":"c","candidate":"d"}`,
		`{"id":" ","reference":"a","candidate":"b"}`,
		`{"id":1,"reference":"a","candidate":"b"}`,
		`{"id":"p","reference":"a","candidate":"b","context":[1]}`,
		`{"id":"p","reference":"a","candidate":"b"} trailing`,
		"\n\n  \n{\"id\":\"p\",\"reference\":\"\\u0000\",\"candidate\":\"\\ud800\"}\r\n",
		`{"id":"p","reference":"a","candidate":"b"`,
		`not json`,
		"\xff\xfe{}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkPairs(t, data, Read(bytes.NewReader(data), fuzzFile, Format{}))
	})
}

func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{
		"id,reference,candidate\np1,No effusion.,No pleural effusion.\n",
		"\ufeffid,reference,candidate\r\np1,\"a, b\",\"c\nd\"\r\n",
		"candidate,id,reference,extra\nc,p1,r,x\nc2,p2\n",
		"id,reference,candidate\np1,a,b\np1,c,d\n",
		"id,reference,candidate\n,a,b\n",
		"id,reference\np1,a\n",
		"id,reference,candidate\np1,\"unterminated,b\n",
		"id,reference,candidate\np1,a\"b,c\np2,x,y\n",
		"",
		"\n\n",
		"id;reference;candidate\np1;a;b\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkPairs(t, data, Read(bytes.NewReader(data), fuzzFile+".csv", Format{CSV: true}))
	})
}

func FuzzReadDocuments(f *testing.F) {
	for _, s := range []string{
		`{"id":"d1","text":"FINDINGS: No effusion."}`,
		`{"id":"d1","text":""}` + "\n" + `{"id":"d1","text":"again"}`,
		`{"id":"d1"}`,
		`{"text":"x"}`,
		`{"id":"","text":"x"}`,
		`{"id":"d1","text":null}`,
		`{"id":"d1","text":"x","extra":[1,{}]}`,
		`{"id":"d1","text":5}`,
		"{\"id\":\"d1\",\"text\":\"a\"}\n{oops\n{\"id\":\"d2\",\"text\":\"b\"}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := bytes.Count(data, []byte("\n")) + 1
		seen := map[string]bool{}
		for d, err := range ReadDocuments(bytes.NewReader(data), fuzzFile) {
			if err != nil {
				checkLineError(t, err, fuzzFile, lines)
				continue
			}
			if strings.TrimSpace(d.ID) == "" || seen[d.ID] || d.Line < 1 || d.Line > lines {
				t.Fatalf("document %q on line %d: blank, repeated or misplaced", d.ID, d.Line)
			}
			seen[d.ID] = true
		}
	})
}

func checkPairs(t *testing.T, data []byte, seq func(func(Pair, error) bool)) {
	t.Helper()
	lines := bytes.Count(data, []byte("\n")) + 1
	file := fuzzFile
	seen := map[string]bool{}
	for p, err := range seq {
		if err != nil {
			var le *graph.LineError
			if errors.As(err, &le) {
				file = le.File
			}
			checkLineError(t, err, file, lines)
			continue
		}
		if strings.TrimSpace(p.ID) == "" || seen[p.ID] || p.Line < 1 || p.Line > lines {
			t.Fatalf("pair %q on line %d: blank, repeated or misplaced", p.ID, p.Line)
		}
		seen[p.ID] = true
	}
}

func checkLineError(t *testing.T, err error, file string, lines int) {
	t.Helper()
	var le *graph.LineError
	if !errors.As(err, &le) {
		t.Fatalf("error %T is not a *graph.LineError: %v", err, err)
	}
	if !strings.HasPrefix(le.File, fuzzFile) || le.Line < 1 || le.Line > lines+1 {
		t.Fatalf("error names %s:%d, want %s and a line in 1..%d: %v", le.File, le.Line, file, lines+1, err)
	}
	if le.Err == nil || strings.TrimSpace(le.Err.Error()) == "" {
		t.Fatalf("error without a reason: %q", err)
	}
}
