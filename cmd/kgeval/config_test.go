package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfigFile(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "kgeval.yaml")
	os.WriteFile(cfg, []byte("ontology: legal\nweights:\n  nsc: 1\n"), 0o644)
	out := filepath.Join(dir, "r.jsonl")
	// The file sets the ontology and the weights; the header records both.
	if _, errOut, code := run(t, "", "score", "--config", cfg, "--pairs", "testdata/pairs.jsonl", "--out", out); code != exitOK {
		t.Fatal(errOut)
	}
	b, _ := os.ReadFile(out)
	if !strings.Contains(string(b), `"ontology":"legal"`) || !strings.Contains(string(b), `"weights":{"nsc":1}`) {
		t.Errorf("config not applied: %s", strings.SplitN(string(b), "\n", 2)[0])
	}
	// A flag beats the file.
	if _, errOut, code := run(t, "", "score", "--config", cfg, "--ontology", "radiology", "--pairs", "testdata/pairs.jsonl", "--out", out); code != exitOK {
		t.Fatal(errOut)
	}
	b, _ = os.ReadFile(out)
	if !strings.Contains(string(b), `"ontology":"radiology"`) {
		t.Errorf("flag did not win over the file: %s", strings.SplitN(string(b), "\n", 2)[0])
	}
}

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct{ name, yaml, want string }{
		{"misspelt key", "ontolgy: legal\n", "kgeval.yaml:1: ontolgy: unknown setting"},
		{"bad weight", "weights:\n  nsc: lots\n", `kgeval.yaml:1: weights: nsc: "lots" is not a number`},
		{"unknown score", "weights:\n  bleu: 1\n", `unknown score "bleu"`},
		{"bad neo4j key", "neo4j:\n  host: x\n", "kgeval.yaml:2: unknown key neo4j.host"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := filepath.Join(dir, "kgeval.yaml")
			os.WriteFile(cfg, []byte(tt.yaml), 0o644)
			_, errOut, code := run(t, "", "score", "--config", cfg, "--pairs", "testdata/pairs.jsonl")
			if code != exitInput || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d: %s\nwant %q", code, errOut, tt.want)
			}
		})
	}
	_, errOut, code := run(t, "", "score", "--config", filepath.Join(dir, "none.yaml"), "--pairs", "testdata/pairs.jsonl")
	if code != exitInput || !strings.Contains(errOut, "none.yaml") {
		t.Errorf("a missing --config file must be an error: %d %s", code, errOut)
	}
}

func TestConfigEnvironmentKeys(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "kgeval.yaml")
	os.WriteFile(cfg, []byte("model: tiny\nneo4j:\n  uri: bolt://127.0.0.1:7999\n"), 0o644)
	sys := &IO{Out: &strings.Builder{}, Err: &strings.Builder{}, Getenv: func(n string) string {
		if n == "KGEVAL_MODEL" {
			return "from-env"
		}
		return ""
	}}
	cmd := newRootCmd(sys)
	cmd.SetArgs([]string{"version", "--config", cfg})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got := sys.Getenv("KGEVAL_MODEL"); got != "from-env" {
		t.Errorf("environment must beat the file: %q", got)
	}
	if got := sys.Getenv("NEO4J_URI"); got != "bolt://127.0.0.1:7999" {
		t.Errorf("file must fill an unset variable: %q", got)
	}
}
