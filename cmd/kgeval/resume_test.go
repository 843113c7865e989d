package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildKgeval compiles the command once for the process-level tests.
func buildKgeval(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "kgeval")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// writePairs writes n varied pairs.
func writePairs(t *testing.T, n int) string {
	t.Helper()
	findings := []string{"Small left pleural effusion.", "No pneumothorax.", "Mild cardiomegaly.", "Right lower lobe opacity concerning for pneumonia.", "ETT tip 4 cm above the carina.", "A 1.5 x 2.0 cm nodule in the left upper lobe."}
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		ref := findings[i%6] + " " + findings[(i+1)%6] + " " + findings[(i+3)%6]
		cand := findings[(i+1)%6] + " " + findings[(i+2)%6]
		fmt.Fprintf(&b, "{\"id\":\"p%06d\",\"reference\":%q,\"candidate\":%q}\n", i, ref, cand)
	}
	path := filepath.Join(t.TempDir(), "pairs.jsonl")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// waitLines waits until path has at least n lines.
func waitLines(t *testing.T, path string, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		b, _ := os.ReadFile(path)
		if bytes.Count(b, []byte("\n")) >= n {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%s did not reach %d lines", path, n)
}

// TestResumeAfterKill: kill -9 in the middle of a run, then --resume, gives
// a file byte-identical to an uninterrupted run; so does Ctrl-C.
func TestResumeAfterKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildKgeval(t)
	pairsFile := writePairs(t, 20000)
	dir := t.TempDir()
	full := filepath.Join(dir, "full.jsonl")
	if out, err := exec.Command(bin, "score", "--pairs", pairsFile, "--out", full).CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, out)
	}
	want, _ := os.ReadFile(full)

	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "r.jsonl")
			cmd := exec.Command(bin, "score", "--pairs", pairsFile, "--out", out, "--concurrency", "1")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			waitLines(t, out+".partial", 200)
			cmd.Process.Signal(sig)
			err := cmd.Wait()
			if err == nil {
				t.Fatal("the run finished before it was interrupted: use more pairs")
			}
			if _, err := os.Stat(out); err == nil {
				t.Fatal("an interrupted run must not leave the final file")
			}
			if sig == syscall.SIGINT {
				if code := cmd.ProcessState.ExitCode(); code != int(exitInterrupted) {
					t.Errorf("exit %d after Ctrl-C, want %d", code, exitInterrupted)
				}
				if !strings.Contains(stderr.String(), "--resume") {
					t.Errorf("the interruption message should say how to resume: %s", stderr.String())
				}
			}
			partial, _ := os.ReadFile(out + ".partial")
			if len(partial) >= len(want) {
				t.Fatalf("partial file already complete (%d bytes)", len(partial))
			}
			if res, err := exec.Command(bin, "score", "--pairs", pairsFile, "--out", out, "--resume").CombinedOutput(); err != nil {
				t.Fatalf("resume: %v\n%s", err, res)
			}
			got, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("resumed results (%d bytes) differ from the uninterrupted run (%d bytes)", len(got), len(want))
			}
		})
	}
}

func TestResumeRefusesAnotherRun(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "r.jsonl")
	os.WriteFile(out+".partial", []byte(`{"run":{"kgeval_version":"x","ontology":"legal","ontology_hash":"h","extractor":"rules","judge":"off","weights":{"nsc":1},"theta":0.5,"input":"testdata/pairs.jsonl","pairs":4}}`+"\n"), 0o644)
	_, errOut, code := run(t, "", "score", "--pairs", "testdata/pairs.jsonl", "--out", out, "--resume")
	if code != exitInput || !strings.Contains(errOut, "written by a different run") || !strings.Contains(errOut, "ontology: legal vs radiology") {
		t.Errorf("exit %d: %s", code, errOut)
	}
}

func TestShardsMergeToUnshardedRun(t *testing.T) {
	dir := t.TempDir()
	full := filepath.Join(dir, "full.jsonl")
	if _, errOut, code := run(t, "", "score", "--pairs", "../../testdata/radiology/pairs.jsonl", "--out", full); code != exitOK {
		t.Fatal(errOut)
	}
	var shards []string
	for i := 1; i <= 4; i++ {
		p := filepath.Join(dir, fmt.Sprintf("s%d.jsonl", i))
		if _, errOut, code := run(t, "", "score", "--pairs", "../../testdata/radiology/pairs.jsonl", "--shard", fmt.Sprintf("%d/4", i), "--out", p); code != exitOK {
			t.Fatal(errOut)
		}
		shards = append(shards, p)
	}
	merged := filepath.Join(dir, "merged.jsonl")
	if _, errOut, code := run(t, "", append([]string{"merge", "--out", merged}, shards...)...); code != exitOK {
		t.Fatal(errOut)
	}
	a, _ := os.ReadFile(full)
	b, _ := os.ReadFile(merged)
	if !bytes.Equal(a, b) {
		t.Errorf("four shards merged differ from one unsharded run")
	}
	for _, tt := range []struct {
		name  string
		files []string
		want  string
	}{
		{"gap", shards[:3], "missing shard(s) 4/4"},
		{"overlap", append(shards, shards[1]), "shard 2/4 given twice"},
		{"not a shard", []string{full}, "not a shard"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := run(t, "", append([]string{"merge", "--out", filepath.Join(dir, "x.jsonl")}, tt.files...)...)
			if code != exitInput || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d: %s, want %q", code, errOut, tt.want)
			}
		})
	}
}

// TestOutputToSpecialFile: an --out path that is not a regular file (here
// a named pipe; /dev/null is the usual one) is written in place, never
// replaced by a renamed file, by kgeval score, its graph modes and kgeval
// extract; --resume into it is refused.
func TestOutputToSpecialFile(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "out.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip(err)
	}
	for _, args := range [][]string{
		{"score", "--pairs", "../../testdata/radiology/pairs.jsonl"},
		{"score", "--pairs", "../../testdata/radiology/pairs.jsonl", "--format", "csv"},
		{"score", "--reference-graphs", "testdata/extract.graph.golden", "--candidate-graphs", "testdata/extract.graph.golden"},
		{"extract", "--docs", "testdata/docs.jsonl"},
	} {
		got := make(chan int, 1)
		go func() { // the reader a pipe needs
			f, err := os.Open(fifo)
			if err != nil {
				got <- -1
				return
			}
			defer f.Close()
			n, _ := io.Copy(io.Discard, f)
			got <- int(n)
		}()
		if _, errOut, code := run(t, "", append(args, "--out", fifo)...); code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		fi, err := os.Lstat(fifo)
		if err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
			t.Fatalf("%v: %s is no longer a named pipe (%v)", args, fifo, err)
		}
		select {
		case n := <-got:
			if n <= 0 {
				t.Errorf("%v: %d bytes came through the pipe", args, n)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%v: nothing was written to the pipe", args)
		}
		if _, err := os.Stat(fifo + ".partial"); err == nil {
			t.Fatalf("%v: left %s.partial", args, fifo)
		}
	}
	_, errOut, code := run(t, "", "score", "--pairs", "../../testdata/radiology/pairs.jsonl", "--out", fifo, "--resume")
	if code != exitInput || !strings.Contains(errOut, "not a regular file") {
		t.Errorf("--resume into a pipe: exit %d: %s", code, errOut)
	}
}
