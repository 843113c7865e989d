package viewer

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kgeval/kgeval/graph"
	"github.com/kgeval/kgeval/internal/pairs"
	"github.com/kgeval/kgeval/internal/render"
	"github.com/kgeval/kgeval/internal/results"
	"github.com/kgeval/kgeval/scorers"
)

var hostile = []string{`<script>alert(1)</script>`, `"><img src=x onerror=alert(1)>`}

func rec(id string, overall float64, missing ...string) *results.Record {
	r := &results.Record{ID: id, Scores: &scorers.Scores{NSC: overall, Overall: overall}, Components: []string{"nsc"}, Status: results.StatusOK,
		Diff: &results.Diff{Matched: 1}}
	for _, m := range missing {
		r.Diff.Missing = append(r.Diff.Missing, results.DiffEntity{Text: m, Key: "finding/" + m, Type: "disorder", Assertion: graph.Present, Weight: 1})
	}
	return r
}

func testConfig() Config {
	return Config{Source: "results.jsonl", Records: []*results.Record{
		rec("a", 0.9), rec("b", 0.2, "pneumothorax"), rec("c", 0.5, "effusion", "pneumothorax"),
		{ID: "d", Status: results.StatusError, Error: "extract reference: timeout", Components: []string{}},
	}, LoopbackOnly: true}
}

func get(t *testing.T, h http.Handler, target string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.Host = "127.0.0.1:8080"
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	b, _ := io.ReadAll(w.Result().Body)
	return w.Code, string(b)
}

// ids lists the pair ids of a list page in order.
func ids(page string) string {
	var out []string
	for _, m := range regexp.MustCompile(`data-id="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		out = append(out, m[1])
	}
	return strings.Join(out, ",")
}

func TestList(t *testing.T) {
	h := New(testConfig())
	for _, tt := range []struct{ query, want string }{
		{"/", "b,c,a,d"},                         // overall ascending, errors last
		{"/?sort=overall&order=desc", "a,c,b,d"}, // descending, errors still last
		{"/?sort=id&order=desc", "d,c,b,a"},      // by id
		{"/?sort=missing&order=desc", "c,b,a,d"}, // by count of missing findings
		{"/?q=PNEUMO", "b,c"},                    // by finding text, any case
		{"/?q=finding/effusion", "c"},            // by finding key
		{"/?min=0.4&max=0.95", "c,a"},            // overall range
		{"/?score=nsc&min=0.6", "a"},             // another score's range
		{"/?status=error", "d"},                  // failed pairs
		{"/?q=nothing-like-it", ""},              // none
	} {
		code, page := get(t, h, tt.query)
		if code != http.StatusOK || ids(page) != tt.want {
			t.Errorf("%s: %d, ids %q, want %q", tt.query, code, ids(page), tt.want)
		}
	}
}

func TestPairPages(t *testing.T) {
	cfg := testConfig()
	code, page := get(t, New(cfg), "/pair?id=c")
	if code != http.StatusOK || !strings.Contains(page, `id="pair-title"`) || !strings.Contains(page, "effusion") {
		t.Errorf("compact pair page: %d\n%s", code, page)
	}
	if code, _ := get(t, New(cfg), "/pair?id=zzz"); code != http.StatusNotFound {
		t.Errorf("unknown pair: %d", code)
	}
	// With the documents and a differ, the full diff.
	cfg.Pairs = map[string]pairs.Pair{"c": {ID: "c", Reference: "Effusion.", Candidate: "Nothing."}}
	cfg.Diff = func(ctx context.Context, p pairs.Pair) (*render.View, error) {
		ref := &graph.Graph{ID: p.ID, Text: p.Reference, Entities: []graph.Entity{{ID: "e1", Text: "Effusion", Type: "disorder", Assertion: graph.Present, Key: "finding/effusion", Span: &graph.Span{0, 8}}}}
		cand := &graph.Graph{ID: p.ID, Text: p.Candidate}
		return &render.View{ID: p.ID, Reference: ref, Candidate: cand, Diff: scorers.ComputeDiff(ref, cand, scorers.Options{})}, nil
	}
	code, page = get(t, New(cfg), "/pair?id=c")
	if code != http.StatusOK || !strings.Contains(page, "<svg") || !strings.Contains(page, `<mark class="missing"`) {
		t.Errorf("full pair page: %d\n%s", code, page)
	}
	// A differ that fails falls back to the compact diff, saying why.
	cfg.Diff = func(context.Context, pairs.Pair) (*render.View, error) { return nil, errors.New("no extractor") }
	code, page = get(t, New(cfg), "/pair?id=c")
	if code != http.StatusOK || !strings.Contains(page, "no extractor") || !strings.Contains(page, "effusion") {
		t.Errorf("fallback page: %d\n%s", code, page)
	}
}

func TestReadOnlyAndLoopback(t *testing.T) {
	h := New(testConfig())
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		req := httptest.NewRequest(m, "/", strings.NewReader("x"))
		req.Host = "127.0.0.1:8080"
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusMethodNotAllowed {
			t.Errorf("%s: %d", m, w.Code)
		}
	}
	for host, want := range map[string]int{"127.0.0.1:8080": 200, "localhost:8080": 200, "[::1]:8080": 200, "evil.example:8080": 403, "10.0.0.1:8080": 403} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Host = host
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != want {
			t.Errorf("Host %s: %d, want %d", host, w.Code, want)
		}
		if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("CSP %q", csp)
		}
	}
}

func TestHostileTextInert(t *testing.T) {
	h := hostile[0] + hostile[1]
	r := rec("x"+h, 0.3, "effusion"+h)
	r.Error = h
	r.Diff.Changed = []results.DiffChange{{Reference: results.DiffEntity{Text: h, Key: h}, Candidate: results.DiffEntity{Text: h}, Changes: []string{h}, Of: h}}
	cfg := Config{Source: "results" + h, Header: &results.Header{Ontology: h, Extractor: h, Judge: h}, Records: []*results.Record{r},
		Pairs: map[string]pairs.Pair{r.ID: {ID: r.ID, Reference: "effusion" + h, Candidate: h}}, Note: h}
	pages := []string{"/", "/?q=" + url.QueryEscape(h), "/?min=" + url.QueryEscape(h) + "&sort=" + url.QueryEscape(h), "/pair?id=" + url.QueryEscape(r.ID), "/pair?id=" + url.QueryEscape(h)}
	for _, p := range pages {
		_, page := get(t, New(cfg), p)
		low := strings.ToLower(page)
		for _, bad := range []string{"<script", "<img", hostile[0], hostile[1]} {
			if i := strings.Index(low, strings.ToLower(bad)); i >= 0 {
				t.Errorf("%s holds %q unescaped: ...%s...", p, bad, page[max(0, i-80):min(len(page), i+80)])
			}
		}
	}
}
