package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a writer the test can read while the command writes.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServe runs `kgeval serve` with args until the test ends and returns
// the URL it prints.
func startServe(t *testing.T, args ...string) (url string, stop func() exitCode) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, errb := &syncBuffer{}, &syncBuffer{}
	sys := &IO{In: strings.NewReader(""), Out: out, Err: errb, Getenv: func(string) string { return "" }}
	done := make(chan exitCode, 1)
	go func() { done <- Main(ctx, append([]string{"serve"}, args...), sys) }()
	stop = func() exitCode {
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(10 * time.Second):
			t.Fatal("serve did not stop within 10 s of the interrupt")
			return -1
		}
	}
	t.Cleanup(func() { cancel() })
	re := regexp.MustCompile(`at (http://\S+/) `)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1], stop
		}
		select {
		case code := <-done:
			t.Fatalf("serve ended with exit %d: %s", code, errb.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("serve printed no URL: %q %q", out.String(), errb.String())
	return "", nil
}

func TestServeBindsLoopbackByDefault(t *testing.T) {
	cmd := newServeCmd(&IO{})
	if def := cmd.Flags().Lookup("addr").DefValue; def != "127.0.0.1:8080" {
		t.Fatalf("default --addr %q", def)
	}
	res := scoredRun(t)
	// With the default address itself, when the port is free here.
	if ln, err := net.Listen("tcp", "127.0.0.1:8080"); err == nil {
		ln.Close()
		url, stop := startServe(t, "--results", res)
		if url != "http://127.0.0.1:8080/" {
			t.Errorf("URL %s", url)
		}
		// Not reachable on the machine's other addresses.
		addrs, _ := net.InterfaceAddrs()
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if !ok || ipn.IP.IsLoopback() || ipn.IP.To4() == nil {
				continue
			}
			if c, err := net.DialTimeout("tcp", net.JoinHostPort(ipn.IP.String(), "8080"), time.Second); err == nil {
				c.Close()
				t.Errorf("the viewer answers on %s", ipn.IP)
			}
		}
		if code := stop(); code != exitOK {
			t.Errorf("exit %d after the interrupt", code)
		}
	} else {
		t.Logf("port 8080 is taken here (%v): checked the default value only", err)
	}
}

func TestServeAnswersAndStops(t *testing.T) {
	url, stop := startServe(t, "--results", scoredRun(t), "--pairs", "testdata/pairs.jsonl", "--addr", "127.0.0.1:0")
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Errorf("URL %s", url)
	}
	for path, want := range map[string]string{"": `data-id="flip"`, "pair?id=flip": "assertion absent → present"} {
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Errorf("/%s: %d, lacks %q", path, resp.StatusCode, want)
		}
	}
	start := time.Now()
	if code := stop(); code != exitOK {
		t.Errorf("exit %d after the interrupt", code)
	}
	if d := time.Since(start); d > 6*time.Second {
		t.Errorf("took %v to stop", d)
	}
	if _, err := http.Get(url); err == nil {
		t.Errorf("still answering after the interrupt")
	}
}

func TestServeErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		msg  string
	}{
		{"no results", []string{"serve"}, "--results is required"},
		{"missing file", []string{"serve", "--results", "none.jsonl"}, "no such file"},
		{"bad address", []string{"serve", "--results", scoredRun(t), "--addr", "127.0.0.1:99999"}, "serve:"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := run(t, "", tt.args...)
			if code != exitInput || !strings.Contains(errOut, tt.msg) {
				t.Errorf("exit %d, stderr %q; want exit 2 and %q", code, errOut, tt.msg)
			}
		})
	}
}
