package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kgeval/kgeval/graph"
	"github.com/kgeval/kgeval/internal/results"
)

type mergeOptions struct {
	out    string
	shards []string
}

func newMergeCmd(sys *IO) *cobra.Command {
	opts := &mergeOptions{}
	cmd := &cobra.Command{
		Use:   "merge --out FILE SHARD...",
		Short: "Combine the results of a sharded run into one run",
		Long: `Merge combines the results files of "kgeval score --shard i/n --out ..."
into the file one unsharded run would have written: the records interleaved
back into input order under one header. It refuses shards of different runs,
a shard given twice, missing shards, and shards that are incomplete.`,
		Example: `  for i in 1 2 3 4; do kgeval score --pairs p.jsonl --shard $i/4 --out r$i.jsonl & done; wait
  kgeval merge --out results.jsonl r1.jsonl r2.jsonl r3.jsonl r4.jsonl`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.out == "" {
				return inputError("merge: --out is required")
			}
			if len(args) == 0 {
				return inputError("merge: name the shard results files")
			}
			opts.shards = args
			return runMerge(sys, opts)
		},
	}
	cmd.Flags().StringVar(&opts.out, "out", "", "merged results file")
	return cmd
}

// shardFile is one shard's header and raw record lines.
type shardFile struct {
	path   string
	header *results.Header
	spec   shardSpec
	lines  [][]byte
}

func readShard(path string) (*shardFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, inputError("%v", err)
	}
	defer f.Close()
	s := &shardFile{path: path}
	for line, err := range graph.Lines(f, path) {
		if err != nil {
			return nil, inputError("%v", err)
		}
		if s.header == nil {
			var hl struct {
				Run *results.Header `json:"run"`
			}
			if json.Unmarshal(line.Bytes, &hl) != nil || hl.Run == nil {
				return nil, inputError("%s:%d: no run header: merge needs results written with --out", path, line.N)
			}
			s.header = hl.Run
			if s.header.Shard == "" {
				return nil, inputError("%s: not a shard (its run had no --shard)", path)
			}
			if err := s.spec.Set(s.header.Shard); err != nil {
				return nil, inputError("%s: shard %v", path, err)
			}
			continue
		}
		var rec struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(line.Bytes, &rec); err != nil || rec.ID == "" {
			return nil, inputError("%s:%d: not a result record", path, line.N)
		}
		s.lines = append(s.lines, bytes.Clone(line.Bytes))
	}
	if s.header == nil {
		return nil, inputError("%s: empty file", path)
	}
	return s, nil
}

func runMerge(sys *IO, opts *mergeOptions) error {
	var shards []*shardFile
	for _, p := range opts.shards {
		s, err := readShard(p)
		if err != nil {
			return err
		}
		shards = append(shards, s)
	}
	first := shards[0]
	n := first.spec.n
	byIndex := make([]*shardFile, n)
	for _, s := range shards {
		if d := first.header.Differences(s.header); len(d) > 0 || s.header.Input != first.header.Input || s.header.Pairs != first.header.Pairs {
			if s.header.Input != first.header.Input {
				d = append(d, fmt.Sprintf("input: %s vs %s", first.header.Input, s.header.Input))
			}
			if s.header.Pairs != first.header.Pairs {
				d = append(d, fmt.Sprintf("pairs: %d vs %d", first.header.Pairs, s.header.Pairs))
			}
			return inputError("%s and %s are not shards of one run: %s", first.path, s.path, strings.Join(d, "; "))
		}
		if s.spec.n != n {
			return inputError("%s is shard %s but %s is shard %s: shard counts differ", first.path, first.header.Shard, s.path, s.header.Shard)
		}
		if prev := byIndex[s.spec.i-1]; prev != nil {
			return inputError("shard %s given twice: %s and %s", s.header.Shard, prev.path, s.path)
		}
		byIndex[s.spec.i-1] = s
	}
	var missing []string
	for i, s := range byIndex {
		if s == nil {
			missing = append(missing, fmt.Sprintf("%d/%d", i+1, n))
		}
	}
	if len(missing) > 0 {
		return inputError("missing shard(s) %s", strings.Join(missing, ", "))
	}
	// Shard i holds pairs i−1, i−1+n, ...: count what each must have.
	total := first.header.Pairs
	for i, s := range byIndex {
		want := 0
		if total > i {
			want = (total-i-1)/n + 1
		}
		if len(s.lines) != want {
			return inputError("%s (shard %s) has %d records, want %d of the %d pairs: is the shard finished?", s.path, s.header.Shard, len(s.lines), want, total)
		}
	}
	header := *first.header
	header.Shard = ""
	file, err := results.Create(opts.out, &header)
	if err != nil {
		return inputError("%v", err)
	}
	w := bufio.NewWriter(file)
	seen := map[string]string{}
	for k := 0; k < total; k++ {
		s := byIndex[k%n]
		line := s.lines[k/n]
		var rec struct {
			ID string `json:"id"`
		}
		json.Unmarshal(line, &rec) // checked when read
		if other, dup := seen[rec.ID]; dup {
			file.Abort()
			os.Remove(results.PartialPath(opts.out))
			return inputError("pair %q is in both %s and %s: overlapping shards", rec.ID, other, s.path)
		}
		seen[rec.ID] = s.path
		w.Write(line)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		file.Abort()
		return err
	}
	if err := file.Finish(); err != nil {
		return err
	}
	fmt.Fprintf(sys.Err, "kgeval: merged %d shards, %d records, into %s\n", n, total, opts.out)
	return nil
}
