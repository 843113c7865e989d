package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/kgeval/kgeval/extract"
	"github.com/kgeval/kgeval/extract/llm"
	"github.com/kgeval/kgeval/internal/cache"
	"github.com/kgeval/kgeval/ontology"
)

// maxLLMWarnings is how many warnings of the LLM extractor are printed; the
// rest are counted in the summary.
const maxLLMWarnings = 50

// llmFlags are the settings of --extractor llm. The address, key and model
// may come from OPENAI_BASE_URL, OPENAI_API_KEY and KGEVAL_MODEL (or the
// config file); flags win. The key has no flag, so that it never shows in
// a process listing or a shell history.
type llmFlags struct {
	model          string
	baseURL        string
	rpm            int
	timeout        time.Duration
	retries        int
	noCache        bool
	cacheDir       string
	priceTable     string
	chunkChars     int
	maxTokens      int
	responseFormat string
	usageOut       string
	// concurrency is the command's --concurrency, set before build.
	concurrency int

	x        *llm.Extractor
	mu       sync.Mutex
	warnings int
	// restoreGC undoes relaxGC at the end of the run: the live heap is
	// the replies in flight.
	restoreGC func()
}

func (f *llmFlags) bind(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.model, "model", "", "LLM model name (default $KGEVAL_MODEL)")
	fl.StringVar(&f.baseURL, "base-url", "", "OpenAI-compatible API root, e.g. http://127.0.0.1:8081/v1 (default $OPENAI_BASE_URL, else OpenAI)")
	fl.IntVar(&f.rpm, "rpm", 0, "LLM requests per minute at most (0: no limit)")
	fl.DurationVar(&f.timeout, "timeout", llm.DefaultTimeout, "time limit of one LLM request")
	fl.IntVar(&f.retries, "retries", llm.DefaultRetries, "retries of a failed LLM request (429, 5xx, timeouts, network)")
	fl.BoolVar(&f.noCache, "no-cache", false, "ask the LLM even when its reply is cached, and cache nothing")
	fl.StringVar(&f.cacheDir, "cache-dir", "", "LLM reply cache (default $KGEVAL_CACHE/replies, else the user cache folder's kgeval/replies)")
	fl.StringVar(&f.priceTable, "price-table", "", "YAML or JSON file of model prices in USD per million tokens: MODEL: {input: X, output: Y}")
	fl.IntVar(&f.chunkChars, "chunk-chars", llm.DefaultChunkChars, "longest text sent in one LLM request; longer documents are split with overlap")
	fl.IntVar(&f.maxTokens, "max-tokens", 0, "cap on the tokens of one LLM reply (0: the server's default)")
	fl.StringVar(&f.responseFormat, "response-format", "auto", "LLM response format: auto (json_schema, stepping down when refused), json_schema, json_object_schema, json_object, text")
	fl.StringVar(&f.usageOut, "usage-out", "", "write the LLM token use and cost of the run to this JSON file")
}

// workers is the number of documents in flight for a command whose
// --concurrency is n: n when given, else the LLM default for the llm
// extractor and def for the others.
func (f *extractorFlags) workers(n, def int) int {
	if n > 0 {
		return n
	}
	if f.extractor == "llm" {
		return llm.DefaultConcurrency
	}
	return def
}

// build makes the LLM extractor from flags and environment.
func (f *llmFlags) build(ctx context.Context, sys *IO, o *ontology.Ontology) (extract.Extractor, error) {
	cfg := llm.Config{
		BaseURL:     firstNonEmpty(f.baseURL, sys.Getenv("OPENAI_BASE_URL")),
		APIKey:      sys.Getenv("OPENAI_API_KEY"),
		Model:       firstNonEmpty(f.model, sys.Getenv("KGEVAL_MODEL")),
		Concurrency: f.concurrency,
		RPM:         f.rpm,
		Timeout:     f.timeout,
		Retries:     f.retries,
		ChunkChars:  f.chunkChars,
		MaxTokens:   f.maxTokens,
	}
	if cfg.Model == "" {
		return nil, inputError("--extractor llm needs a model: --model NAME or KGEVAL_MODEL (see docs/llm.md)")
	}
	switch {
	case f.rpm < 0, f.timeout <= 0, f.chunkChars == 0, f.maxTokens < 0, f.concurrency < 0:
		return nil, inputError("--rpm, --max-tokens and --concurrency must not be negative, --timeout and --chunk-chars must not be zero")
	case f.retries == 0:
		cfg.Retries = -1 // no retries, as asked
	case f.retries < 0:
		return nil, inputError("--retries must not be negative")
	}
	format, err := llm.ParseFormat(f.responseFormat)
	if err != nil {
		return nil, inputError("--response-format: %v", err)
	}
	cfg.Format = format
	if f.priceTable != "" {
		file, err := os.Open(f.priceTable)
		if err != nil {
			return nil, inputError("--price-table: %v", err)
		}
		table, err := llm.ReadPriceTable(file)
		file.Close()
		if err != nil {
			return nil, inputError("%s: %v", f.priceTable, err)
		}
		if p, ok := table.Lookup(cfg.Model); ok {
			cfg.Price = p
		} else {
			fmt.Fprintf(sys.Err, "kgeval: llm: %s has no price for model %q; cost will not be reported\n", f.priceTable, cfg.Model)
		}
	}
	if !f.noCache {
		dir := f.cacheDir
		if dir == "" {
			dir = defaultReplyCache(sys)
		}
		if dir == "" {
			fmt.Fprintln(sys.Err, "kgeval: llm: no cache folder (set --cache-dir, KGEVAL_CACHE or HOME); replies will not be cached")
		} else {
			c, err := cache.Open(dir)
			if err != nil {
				return nil, inputError("--cache-dir: %v", err)
			}
			cfg.Cache = c
		}
	}
	cfg.Warn = func(doc, msg string) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.warnings++
		if f.warnings > maxLLMWarnings {
			return
		}
		if doc != "" {
			msg = doc + ": " + msg
		}
		fmt.Fprintf(sys.Err, "kgeval: llm: %s\n", msg)
	}
	x, err := llm.New(o, cfg)
	if err != nil {
		return nil, inputError("%v", err)
	}
	f.x = x
	f.restoreGC = relaxGC(sys)
	return x, nil
}

// extractorModel is the LLM extractor's model for run headers; "" for the
// others.
func (f *extractorFlags) extractorModel() string {
	if f.llm.x == nil {
		return ""
	}
	return f.llm.x.Model()
}

// defaultReplyCache is $KGEVAL_CACHE/replies, else under
// $XDG_CACHE_HOME or ~/.cache: the root scripts/ use for their downloads.
func defaultReplyCache(sys *IO) string {
	if root := sys.Getenv("KGEVAL_CACHE"); root != "" {
		return filepath.Join(root, "replies")
	}
	if xdg := sys.Getenv("XDG_CACHE_HOME"); xdg != "" {
		return filepath.Join(xdg, "kgeval", "replies")
	}
	if home := sys.Getenv("HOME"); home != "" {
		return filepath.Join(home, ".cache", "kgeval", "replies")
	}
	return ""
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// finish ends a run of a command: with the LLM extractor it prints the
// token use and cost, writes --usage-out, and turns a run in which the
// service failed into exit 3. err is the run's own outcome, which wins.
func (f *extractorFlags) finish(sys *IO, err error) error {
	x := f.llm.x
	if x == nil {
		return err
	}
	x.Close() // the last replies reach the cache
	f.llm.restoreGC()
	u := x.Usage()
	fmt.Fprintf(sys.Err, "kgeval: %s\n", u)
	f.llm.mu.Lock()
	if extra := f.llm.warnings - maxLLMWarnings; extra > 0 {
		fmt.Fprintf(sys.Err, "kgeval: llm: %d more warnings not shown\n", extra)
	}
	f.llm.mu.Unlock()
	if f.llm.usageOut != "" {
		b, _ := json.MarshalIndent(u, "", "  ")
		if werr := os.WriteFile(f.llm.usageOut, append(b, '\n'), 0o644); werr != nil && err == nil {
			err = fmt.Errorf("--usage-out: %w", werr)
		}
	}
	if u.ServiceErrors > 0 {
		msg := fmt.Sprintf("the LLM service failed for %d documents after retries", u.ServiceErrors)
		if err != nil {
			msg += ": " + err.Error()
		}
		var ce *codeError
		if err == nil || !errors.As(err, &ce) || ce.code != exitInput {
			return serviceError(errors.New(msg))
		}
	}
	return err
}
