package cache

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestPutGet(t *testing.T) {
	c, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	k := Key("model", "v1", "hash", "text")
	if _, ok, err := c.Get(k); ok || err != nil {
		t.Fatalf("empty cache: ok %v err %v", ok, err)
	}
	for _, v := range [][]byte{[]byte(`{"entities":[]}`), {}, []byte("line\nbreaks\n")} {
		if err := c.Put(k, v); err != nil {
			t.Fatal(err)
		}
		got, ok, err := c.Get(k)
		if !ok || err != nil || string(got) != string(v) {
			t.Fatalf("Get = %q, %v, %v; want %q", got, ok, err, v)
		}
	}
}

func TestKeyIsUnambiguous(t *testing.T) {
	if Key("ab", "c") == Key("a", "bc") {
		t.Error("parts that join to the same string gave the same key")
	}
	if Key("a") != Key("a") {
		t.Error("key is not deterministic")
	}
}

func TestCorruptEntries(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mangle func(b []byte) []byte
	}{
		{"truncated", func(b []byte) []byte { return b[:len(b)-3] }},
		{"flipped byte", func(b []byte) []byte { b[len(b)-1] ^= 1; return b }},
		{"no header", func(b []byte) []byte { return []byte(`{"entities":[]}`) }},
		{"empty file", func(b []byte) []byte { return nil }},
		{"header only", func(b []byte) []byte { return []byte(magic) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := Open(t.TempDir())
			k := Key(tc.name)
			if err := c.Put(k, []byte(`{"entities":[],"relations":[]}`)); err != nil {
				t.Fatal(err)
			}
			p := c.path(k)
			b, _ := os.ReadFile(p)
			if err := os.WriteFile(p, tc.mangle(b), 0o600); err != nil {
				t.Fatal(err)
			}
			_, ok, err := c.Get(k)
			if ok || !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Get = ok %v, err %v; want ErrCorrupt", ok, err)
			}
			if _, err := os.Stat(p); !os.IsNotExist(err) {
				t.Error("corrupt entry was not removed")
			}
			// Fetched again and put back, it reads fine.
			if err := c.Put(k, []byte("fresh")); err != nil {
				t.Fatal(err)
			}
			if v, ok, err := c.Get(k); !ok || err != nil || string(v) != "fresh" {
				t.Fatalf("after refetch: %q %v %v", v, ok, err)
			}
		})
	}
}

func TestNilCache(t *testing.T) {
	var c *Cache
	if err := c.Put(Key("x"), []byte("v")); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := c.Get(Key("x")); ok || err != nil {
		t.Fatalf("nil cache hit: %v %v", ok, err)
	}
}

func TestInvalidKey(t *testing.T) {
	c, _ := Open(t.TempDir())
	if err := c.Put("../../etc/passwd", nil); err == nil {
		t.Error("Put accepted a path as key")
	}
	if _, _, err := c.Get("zz"); err == nil {
		t.Error("Get accepted a short key")
	}
}

func TestConcurrentWriters(t *testing.T) {
	dir := t.TempDir()
	c, _ := Open(dir)
	k := Key("shared")
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.Put(k, []byte("same value")); err != nil {
				t.Error(err)
			}
			if _, _, err := c.Get(k); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	// No temporary files are left behind.
	left, _ := filepath.Glob(filepath.Join(dir, "*", ".tmp-*"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestPutAfterTheFolderWasCleared(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "c")
	c, _ := Open(dir)
	if err := c.Put(Key("a"), []byte("1")); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(dir)
	if err := c.Put(Key("a"), []byte("2")); err != nil {
		t.Fatalf("Put after the cache folder was removed: %v", err)
	}
	if v, ok, _ := c.Get(Key("a")); !ok || string(v) != "2" {
		t.Errorf("got %q %v", v, ok)
	}
}
