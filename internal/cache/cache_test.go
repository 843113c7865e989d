package cache

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
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
	if a, b := Key("a"), Key("a"); a != b {
		t.Error("key is not deterministic")
	}
}

// pack is the one pack file in dir.
func pack(t testing.TB, dir string) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, packPrefix+"*"+packSuffix))
	if len(files) != 1 {
		t.Fatalf("pack files %v, want one", files)
	}
	return files[0]
}

func TestCorruptEntries(t *testing.T) {
	const value = `{"entities":[],"relations":[]}`
	for _, tc := range []struct {
		name   string
		mangle func(b []byte) []byte
		// whether a Cache opened afterwards still finds a record to call
		// corrupt (else the entry is a plain miss)
		seen bool
		// whether the writer, which knows where it put the value, still
		// reads it (the damage is outside the value)
		writerReads bool
	}{
		{"truncated", func(b []byte) []byte { return b[:len(b)-3] }, true, false},
		{"newline lost", func(b []byte) []byte { return b[:len(b)-1] }, true, false},
		{"flipped byte", func(b []byte) []byte { b[len(b)-2] ^= 1; return b }, true, false},
		{"length too long", func(b []byte) []byte {
			return bytes.Replace(b, []byte(" 30\n"), []byte(" 31\n"), 1)
		}, true, true},
		{"garbled header", func(b []byte) []byte { return bytes.Replace(b, []byte("kgeval-pack"), []byte("kgeval-pock"), 1) }, false, true},
		{"empty file", func(b []byte) []byte { return nil }, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			c, _ := Open(dir)
			k := Key(tc.name)
			if err := c.Put(k, []byte(value)); err != nil {
				t.Fatal(err)
			}
			p := pack(t, dir)
			b, _ := os.ReadFile(p)
			if err := os.WriteFile(p, tc.mangle(b), 0o600); err != nil {
				t.Fatal(err)
			}
			// Another process reading the folder.
			other, _ := Open(dir)
			_, ok, err := other.Get(k)
			if ok || tc.seen != errors.Is(err, ErrCorrupt) || !tc.seen && err != nil {
				t.Fatalf("a new Cache: Get = ok %v, err %v; want corrupt %v", ok, err, tc.seen)
			}
			other.Close()
			// The writer itself, which knows where it put the record.
			v, ok, err := c.Get(k)
			if tc.writerReads {
				if !ok || string(v) != value {
					t.Fatalf("the writer: Get = %q %v %v", v, ok, err)
				}
			} else if ok || !errors.Is(err, ErrCorrupt) {
				t.Fatalf("the writer: Get = ok %v, err %v; want ErrCorrupt", ok, err)
			}
			if _, ok, err := c.Get(k); ok != tc.writerReads || err != nil {
				t.Fatalf("Get after the corrupt entry was dropped: ok %v err %v", ok, err)
			}
			// Fetched again and put back (after the damage, in the same
			// pack), it reads fine, here and in another process.
			if err := c.Put(k, []byte("fresh")); err != nil {
				t.Fatal(err)
			}
			if v, ok, err := c.Get(k); !ok || err != nil || string(v) != "fresh" {
				t.Fatalf("after refetch: %q %v %v", v, ok, err)
			}
			other, _ = Open(dir)
			defer other.Close()
			if v, ok, err := other.Get(k); !ok || err != nil || string(v) != "fresh" {
				t.Fatalf("after refetch, a new Cache: %q %v %v", v, ok, err)
			}
		})
	}
}

func TestEntriesSurviveTheProcess(t *testing.T) {
	dir := t.TempDir()
	a, _ := Open(dir)
	b, _ := Open(dir)
	k1, k2, shared := Key("1"), Key("2"), Key("shared")
	// a's pack is created first, so b's is the newer one.
	if err := a.Put(k1, []byte("one")); err != nil {
		t.Fatal(err)
	}
	if err := b.Put(shared, []byte("from b")); err != nil {
		t.Fatal(err)
	}
	if err := a.Put(shared, []byte("from a")); err != nil {
		t.Fatal(err)
	}
	if err := b.Put(k2, []byte("two")); err != nil {
		t.Fatal(err)
	}
	a.Close()
	b.Close()
	c, _ := Open(dir)
	defer c.Close()
	for k, want := range map[string]string{k1: "one", k2: "two", shared: "from b"} {
		if v, ok, err := c.Get(k); !ok || err != nil || string(v) != want {
			t.Errorf("Get = %q %v %v; want %q", v, ok, err, want)
		}
	}
	// A Cache that wrote before reading keeps its own, newer records.
	d, _ := Open(dir)
	defer d.Close()
	if err := d.Put(shared, []byte("from d")); err != nil {
		t.Fatal(err)
	}
	if v, _, _ := d.Get(shared); string(v) != "from d" {
		t.Errorf("Get = %q, want the value put last", v)
	}
}

func TestEntryFilesOfTheEarlierLayout(t *testing.T) {
	dir := t.TempDir()
	c, _ := Open(dir)
	defer c.Close()
	k := Key("old")
	v := []byte("a reply cached before packs")
	sum := sha256.Sum256(v)
	file := fmt.Sprintf("%s%x %d\n%s", magic, sum, len(v), v)
	os.MkdirAll(filepath.Dir(c.path(k)), 0o700)
	if err := os.WriteFile(c.path(k), []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, ok, err := c.Get(k); !ok || err != nil || string(got) != string(v) {
		t.Fatalf("Get = %q %v %v", got, ok, err)
	}
	os.WriteFile(c.path(k), []byte(file[:len(file)-1]), 0o600)
	if _, ok, err := c.Get(k); ok || !errors.Is(err, ErrCorrupt) {
		t.Fatalf("a torn entry file: ok %v err %v; want ErrCorrupt", ok, err)
	}
	if _, err := os.Stat(c.path(k)); !os.IsNotExist(err) {
		t.Error("the corrupt entry file was not removed")
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
	c.Close()
	// One pack, whose records another Cache reads.
	pack(t, dir)
	other, _ := Open(dir)
	defer other.Close()
	if v, ok, err := other.Get(k); !ok || err != nil || string(v) != "same value" {
		t.Errorf("Get = %q %v %v", v, ok, err)
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

// FuzzPack reads arbitrary bytes as a pack: indexing never panics, and a
// value read back is one whose record is whole (its checksum matches).
func FuzzPack(f *testing.F) {
	c, _ := Open(f.TempDir())
	for i, v := range []string{`{"entities":[]}`, "", "two\nlines\n"} {
		c.Put(Key(fmt.Sprint(i)), []byte(v))
	}
	c.Close()
	seed, _ := os.ReadFile(pack(f, c.Dir()))
	f.Add(seed)
	f.Add(seed[:len(seed)/2])
	f.Add([]byte(recordMagic + Key("x") + " 00 1\nab\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		index := map[string]loc{}
		indexPack(bytes.NewReader(b), 0, index)
		for k, l := range index {
			v, err := readRecord(bytes.NewReader(b), l)
			if err != nil {
				continue
			}
			if sha256.Sum256(v) != l.sum || !bytes.Contains(b, append(append([]byte{}, v...), '\n')) {
				t.Fatalf("%s: %q is not a whole record of the pack", k, v)
			}
		}
	})
}

// TestManyPacks: every run adds a pack, and a folder may hold thousands;
// reading them must not keep a file open for each (a process may open
// only about a thousand files).
func TestManyPacks(t *testing.T) {
	dir := t.TempDir()
	const runs = 300
	for i := range runs {
		c, _ := Open(dir)
		if err := c.Put(Key(fmt.Sprint(i)), []byte(fmt.Sprint("reply ", i))); err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	openFiles := func() int {
		fds, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Skip("no /proc/self/fd to count open files")
		}
		return len(fds)
	}
	before := openFiles()
	c, _ := Open(dir)
	defer c.Close()
	for i := range runs {
		v, ok, err := c.Get(Key(fmt.Sprint(i)))
		if !ok || err != nil || string(v) != fmt.Sprint("reply ", i) {
			t.Fatalf("run %d: Get = %q %v %v", i, v, ok, err)
		}
	}
	if after := openFiles(); after > before+2 {
		t.Errorf("%d files open after reading %d packs, %d before", after, runs, before)
	}
}
