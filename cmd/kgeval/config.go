package main

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"
)

// defaultConfigFile is looked for in the working directory.
const defaultConfigFile = "kgeval.yaml"

// envKeys are the config keys that stand for environment variables:
// flags beat the environment, which beats the file.
var envKeys = map[string]string{
	"base_url":       "OPENAI_BASE_URL",
	"api_key":        "OPENAI_API_KEY",
	"model":          "KGEVAL_MODEL",
	"neo4j.uri":      "NEO4J_URI",
	"neo4j.user":     "NEO4J_USER",
	"neo4j.password": "NEO4J_PASSWORD",
	"neo4j.database": "NEO4J_DATABASE",
}

// applyConfig reads the project config file (--config, or kgeval.yaml in
// the working directory when present) and applies it to the command being
// run: a key names a flag (ontology, extractor, judge, theta, max_drop,
// ...) and sets it unless it was given on the command line; `weights` and
// `thresholds` are maps (score: number); keys that stand for environment
// variables (base_url, model, neo4j.uri, ...) are seen through sys.Getenv
// when the variable is not set. Unknown keys are errors, so a misspelt key
// is never ignored.
func applyConfig(cmd *cobra.Command, sys *IO, path string, explicit bool) error {
	data, err := os.ReadFile(path)
	if err != nil {
		if !explicit && errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return inputError("config: %v", err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return inputError("config %s: %v", path, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if len(root.Content) == 0 {
		return nil
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode {
		return inputError("config %s:%d: want a mapping of settings", path, doc.Line)
	}
	known := allFlagNames(cmd.Root())
	env := map[string]string{}
	for i := 0; i < len(doc.Content); i += 2 {
		k, v := doc.Content[i], doc.Content[i+1]
		key := strings.ReplaceAll(k.Value, "-", "_")
		where := fmt.Sprintf("config %s:%d: %s", path, k.Line, k.Value)
		switch {
		case key == "weights" || key == "thresholds":
			pairs, err := scoreMap(v)
			if err != nil {
				return inputError("%s: %v", where, err)
			}
			flag := map[string]string{"weights": "weights", "thresholds": "min"}[key]
			if f := cmd.Flags().Lookup(flag); f != nil && !f.Changed {
				if err := setFlag(f, pairs, key == "weights"); err != nil {
					return inputError("%s: %v", where, err)
				}
			}
		case key == "neo4j":
			if v.Kind != yaml.MappingNode {
				return inputError("%s: want a mapping (uri, user, password, database)", where)
			}
			for j := 0; j < len(v.Content); j += 2 {
				name := "neo4j." + v.Content[j].Value
				if _, ok := envKeys[name]; !ok {
					return inputError("config %s:%d: unknown key %s (known: uri, user, password, database)", path, v.Content[j].Line, name)
				}
				env[envKeys[name]] = v.Content[j+1].Value
			}
		case envKeys[key] != "":
			env[envKeys[key]] = v.Value
		case known[key]:
			if v.Kind != yaml.ScalarNode {
				return inputError("%s: want a single value", where)
			}
			if f := cmd.Flags().Lookup(strings.ReplaceAll(key, "_", "-")); f != nil && !f.Changed {
				if err := f.Value.Set(v.Value); err != nil {
					return inputError("%s: %v", where, err)
				}
			}
		default:
			return inputError("%s: unknown setting (known: %s)", where, strings.Join(sortedKeys(known), ", "))
		}
	}
	if len(env) > 0 {
		getenv := sys.Getenv
		sys.Getenv = func(name string) string {
			if v := getenv(name); v != "" {
				return v
			}
			return env[name]
		}
	}
	return nil
}

// scoreMap reads {score: number} in file order.
func scoreMap(n *yaml.Node) ([][2]string, error) {
	if n.Kind != yaml.MappingNode {
		return nil, errors.New("want a mapping of score: number")
	}
	var out [][2]string
	for i := 0; i < len(n.Content); i += 2 {
		val := n.Content[i+1].Value
		if _, err := strconv.ParseFloat(val, 64); err != nil {
			return nil, fmt.Errorf("%s: %q is not a number", n.Content[i].Value, val)
		}
		out = append(out, [2]string{n.Content[i].Value, val})
	}
	return out, nil
}

// setFlag sets a weights flag at once, or a repeatable SCORE=VALUE flag
// once per entry.
func setFlag(f *pflag.Flag, pairs [][2]string, together bool) error {
	if together {
		parts := make([]string, len(pairs))
		for i, p := range pairs {
			parts[i] = p[0] + "=" + p[1]
		}
		return f.Value.Set(strings.Join(parts, ","))
	}
	for _, p := range pairs {
		if err := f.Value.Set(p[0] + "=" + p[1]); err != nil {
			return err
		}
	}
	return nil
}

// allFlagNames collects every flag of every command, with underscores.
func allFlagNames(root *cobra.Command) map[string]bool {
	names := map[string]bool{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.LocalFlags().VisitAll(func(f *pflag.Flag) { names[strings.ReplaceAll(f.Name, "-", "_")] = true })
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	for _, skip := range []string{"help", "config", "out", "pairs", "docs", "results", "baseline", "resume", "shard", "run", "id", "graphs", "items", "human"} {
		delete(names, skip) // per-invocation, not project settings
	}
	names["weights"], names["thresholds"], names["neo4j"] = true, true, true
	for k := range envKeys {
		if !strings.Contains(k, ".") {
			names[k] = true
		}
	}
	return names
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
