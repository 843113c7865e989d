// Package viewer is kgeval's local, read-only web viewer of a results
// file: a list of the pairs that can be sorted and filtered by score range
// or by finding, and a page per pair with its diff. It only answers GET
// and HEAD, sends a Content-Security-Policy that forbids scripts, and
// escapes every piece of document text (html/template).
package viewer

import (
	"cmp"
	"context"
	"embed"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/kgeval/kgeval/internal/pairs"
	"github.com/kgeval/kgeval/internal/render"
	"github.com/kgeval/kgeval/internal/results"
)

//go:embed assets/viewer.html
var assets embed.FS

var pages = template.Must(template.Must(render.Templates.Clone()).ParseFS(assets, "assets/viewer.html"))

// Config is what the viewer shows.
type Config struct {
	Source  string
	Header  *results.Header
	Records []*results.Record
	// Pairs, optional, are the documents by pair id.
	Pairs map[string]pairs.Pair
	// Diff, optional, builds a pair's full diff (both graphs extracted
	// again); without it, or when it fails, the pair page shows the
	// record's compact diff.
	Diff func(ctx context.Context, p pairs.Pair) (*render.View, error)
	// Note, optional, is shown on pair pages (why the full diff is not
	// available, for instance).
	Note string
	// LoopbackOnly refuses requests whose Host is not a loopback name or
	// address, so that a web page elsewhere cannot reach the viewer
	// through DNS rebinding. Set it when listening on a loopback address.
	LoopbackOnly bool
	// MaxRows caps the rows of the list page; 0 means 2,000.
	MaxRows int
}

// New returns the viewer's handler.
func New(cfg Config) http.Handler {
	v := &viewer{cfg: cfg, byID: map[string]*results.Record{}}
	for _, r := range cfg.Records {
		v.byID[r.ID] = r
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/{$}", v.list)
	mux.HandleFunc("/pair", v.pair)
	return v.guard(mux)
}

type viewer struct {
	cfg  Config
	byID map[string]*results.Record
}

// guard answers only GET and HEAD from a loopback host and sets the
// headers every page gets.
func (v *viewer) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-store")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "the viewer is read-only", http.StatusMethodNotAllowed)
			return
		}
		if v.cfg.LoopbackOnly && !loopbackHost(r.Host) {
			http.Error(w, "this viewer answers only on a loopback address", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// listColumns are the scores of the list, in order.
var listColumns = []string{"overall", "nsc", "ams", "edge_f1", "scs", "radgraph_partial", "judge"}

type column struct {
	Label, Href string
	Num, On     bool
}

type cell struct {
	Value float64
	Has   bool
}

type row struct {
	ID, Href, Status, Error    string
	Scores                     []cell
	Missing, Invented, Changed int
	rec                        *results.Record
}

type listData struct {
	Title, Source              string
	CSS                        template.CSS
	Header                     *results.Header
	Q, Score, Min, Max, Status string
	Sort, Order                string
	ScoreNames                 []string
	Columns                    []column
	Rows                       []row
	Total                      int
	Truncated                  bool
}

// list is the list page: ?q= (finding text or key, or pair id),
// ?score=&min=&max= (a score range), ?status=, ?sort=&order=.
func (v *viewer) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := &listData{Title: "kgeval · " + v.cfg.Source, Source: v.cfg.Source, CSS: render.CSS, Header: v.cfg.Header,
		Q: q.Get("q"), Score: q.Get("score"), Min: q.Get("min"), Max: q.Get("max"), Status: q.Get("status"),
		Sort: q.Get("sort"), Order: q.Get("order"), ScoreNames: listColumns, Total: len(v.cfg.Records)}
	if !slices.Contains(listColumns, d.Score) {
		d.Score = "overall"
	}
	if d.Sort == "" {
		d.Sort, d.Order = "overall", "asc"
	}
	if d.Order != "desc" {
		d.Order = "asc"
	}
	lo, errLo := strconv.ParseFloat(d.Min, 64)
	hi, errHi := strconv.ParseFloat(d.Max, 64)
	needle := strings.ToLower(strings.TrimSpace(d.Q))
	for _, rec := range v.cfg.Records {
		if d.Status != "" && rec.Status != d.Status {
			continue
		}
		if errLo == nil || errHi == nil {
			s, ok := score(rec, d.Score)
			if !ok || (errLo == nil && s < lo) || (errHi == nil && s > hi) {
				continue
			}
		}
		if needle != "" && !matches(rec, needle) {
			continue
		}
		rw := row{ID: rec.ID, Href: "/pair?" + url.Values{"id": {rec.ID}}.Encode(), Status: rec.Status, Error: rec.Error, rec: rec}
		for _, name := range listColumns {
			s, ok := score(rec, name)
			rw.Scores = append(rw.Scores, cell{s, ok})
		}
		if rec.Diff != nil {
			rw.Missing, rw.Invented, rw.Changed = len(rec.Diff.Missing), len(rec.Diff.Invented), len(rec.Diff.Changed)
		}
		d.Rows = append(d.Rows, rw)
	}
	sortRows(d.Rows, d.Sort, d.Order == "desc")
	if max := cmp.Or(v.cfg.MaxRows, 2000); len(d.Rows) > max {
		d.Rows, d.Truncated = d.Rows[:max], true
	}
	base := url.Values{}
	for _, k := range []string{"q", "score", "min", "max", "status"} {
		if x := q.Get(k); x != "" {
			base.Set(k, x)
		}
	}
	col := func(key, label string, num bool) column {
		u := url.Values{}
		for k, vs := range base {
			u[k] = vs
		}
		order := "asc"
		if d.Sort == key && d.Order == "asc" {
			order = "desc"
		}
		u.Set("sort", key)
		u.Set("order", order)
		return column{Label: label, Href: "/?" + u.Encode(), Num: num, On: d.Sort == key}
	}
	d.Columns = append(d.Columns, col("id", "pair", false))
	for _, name := range listColumns {
		d.Columns = append(d.Columns, col(name, name, true))
	}
	d.Columns = append(d.Columns, col("missing", "missing", true), col("invented", "invented", true), col("changed", "changed", true))
	render200(w, "list.html", d)
}

func score(rec *results.Record, name string) (float64, bool) {
	if rec.Scores == nil || rec.Status != results.StatusOK {
		return 0, false
	}
	return rec.Scores.Get(name)
}

// matches reports whether the pair id or a finding of the record's diff
// (text or key of a missing, invented or changed entity) holds needle.
func matches(rec *results.Record, needle string) bool {
	has := func(s string) bool { return strings.Contains(strings.ToLower(s), needle) }
	if has(rec.ID) {
		return true
	}
	if rec.Diff == nil {
		return false
	}
	for _, list := range [][]results.DiffEntity{rec.Diff.Missing, rec.Diff.Invented} {
		for _, e := range list {
			if has(e.Text) || has(e.Key) {
				return true
			}
		}
	}
	for _, c := range rec.Diff.Changed {
		if has(c.Reference.Text) || has(c.Reference.Key) || has(c.Candidate.Text) || has(c.Candidate.Key) {
			return true
		}
	}
	return false
}

// sortRows sorts by a score (pairs without it last), a count or the id;
// ties keep the file order.
func sortRows(rows []row, key string, desc bool) {
	val := func(r row) (float64, bool) {
		if r.rec.Diff != nil || key == "id" {
			switch key {
			case "missing":
				return float64(r.Missing), true
			case "invented":
				return float64(r.Invented), true
			case "changed":
				return float64(r.Changed), true
			}
		}
		return score(r.rec, key)
	}
	slices.SortStableFunc(rows, func(a, b row) int {
		if key == "id" {
			c := strings.Compare(a.ID, b.ID)
			if desc {
				c = -c
			}
			return c
		}
		x, okA := val(a)
		y, okB := val(b)
		switch {
		case !okA && !okB:
			return 0
		case !okA:
			return 1
		case !okB:
			return -1
		}
		c := cmp.Compare(x, y)
		if desc {
			c = -c
		}
		return c
	})
}

type pairData struct {
	Title, ID, Back, Note string
	CSS                   template.CSS
	Record                *results.Record
	Full                  *render.Page
	Compact               *render.CompactView
}

// pair is the page of one pair: ?id=.
func (v *viewer) pair(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	rec, ok := v.byID[id]
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		render200(w, "error.html", map[string]any{"Title": "No such pair", "CSS": render.CSS, "Note": "There is no pair " + strconv.Quote(id) + " in " + v.cfg.Source + "."})
		return
	}
	d := &pairData{Title: "kgeval · " + id, ID: id, Back: back(r), CSS: render.CSS, Record: rec, Note: v.cfg.Note}
	p, havePair := v.cfg.Pairs[id]
	if havePair && v.cfg.Diff != nil {
		view, err := v.cfg.Diff(r.Context(), p)
		if err == nil {
			d.Full = render.NewPage(view, "g")
		} else {
			d.Note = "The full diff could not be built (" + err.Error() + "); this is the diff kept in the results file."
		}
	}
	if d.Full == nil {
		d.Compact = render.NewCompactView(rec.Diff, p.Reference, p.Candidate)
	}
	render200(w, "pair.html", d)
}

// back is the list page the pair was opened from, when the browser says
// so and it is one of ours; the plain list otherwise.
func back(r *http.Request) string {
	if ref, err := url.Parse(r.Referer()); err == nil && ref.Host == r.Host && ref.Path == "/" {
		return "/?" + ref.RawQuery
	}
	return "/"
}

func render200(w http.ResponseWriter, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := pages.ExecuteTemplate(w, name, data); err != nil {
		// The header is sent; all that can be done is to end the page.
		w.Write([]byte("<p>error: " + template.HTMLEscapeString(err.Error()) + "</p>"))
	}
}

// ScoreNames lists the scores the list can filter and sort by.
func ScoreNames() []string { return append([]string(nil), listColumns...) }
