// Package cache is a content-addressed store of byte values on disk. A
// value is filed under the SHA-256 of its key's parts, written atomically,
// and checked against its own checksum when read, so a torn or edited entry
// is reported as corrupt instead of being returned.
package cache

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
)

// ErrCorrupt is returned by Get for an entry whose contents do not match
// their checksum. The entry has been removed; the caller fetches the value
// again and puts it back.
var ErrCorrupt = errors.New("cache: corrupt entry")

// magic starts every entry file; the format version follows it.
const magic = "kgeval-cache 1\n"

// Cache is a folder of entries. The zero value is not usable; a nil *Cache
// is a cache that never hits and stores nothing. It is safe for concurrent
// use by goroutines and by processes sharing the folder.
type Cache struct {
	dir  string
	dirs sync.Map // the subfolders known to exist
}

// Open returns the cache rooted at dir, creating the folder.
func Open(dir string) (*Cache, error) {
	if dir == "" {
		return nil, errors.New("cache: empty directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	return &Cache{dir: dir}, nil
}

// Dir is the cache's folder.
func (c *Cache) Dir() string {
	if c == nil {
		return ""
	}
	return c.dir
}

// Key is the hex SHA-256 of parts, each length-prefixed so that no two
// different part lists give the same key.
func Key(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(strconv.Itoa(len(p))))
		h.Write([]byte{':'})
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (c *Cache) path(key string) string {
	return filepath.Join(c.dir, key[:2], key+".entry")
}

func validKey(key string) bool {
	if len(key) != 64 {
		return false
	}
	_, err := hex.DecodeString(key)
	return err == nil
}

// Get returns the value stored under key. ok is false when there is none.
// A corrupt entry is removed and reported as ErrCorrupt with ok false.
func (c *Cache) Get(key string) (value []byte, ok bool, err error) {
	if c == nil {
		return nil, false, nil
	}
	if !validKey(key) {
		return nil, false, fmt.Errorf("cache: invalid key %q", key)
	}
	p := c.path(key)
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("cache: %w", err)
	}
	v, perr := decode(b)
	if perr != nil {
		os.Remove(p)
		return nil, false, fmt.Errorf("%w %s: %v", ErrCorrupt, key, perr)
	}
	return v, true, nil
}

// Put stores value under key, replacing any previous entry. The file
// appears whole or not at all.
func (c *Cache) Put(key string, value []byte) error {
	if c == nil {
		return nil
	}
	if !validKey(key) {
		return fmt.Errorf("cache: invalid key %q", key)
	}
	p := c.path(key)
	sub := filepath.Dir(p)
	if _, ok := c.dirs.Load(sub); !ok {
		if err := os.MkdirAll(sub, 0o700); err != nil {
			return fmt.Errorf("cache: %w", err)
		}
		c.dirs.Store(sub, true)
	}
	f, err := os.CreateTemp(sub, ".tmp-*")
	if errors.Is(err, fs.ErrNotExist) {
		// The folder went away under us (the cache was cleared): again.
		if err = os.MkdirAll(sub, 0o700); err == nil {
			f, err = os.CreateTemp(sub, ".tmp-*")
		}
	}
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	_, werr := f.Write(encode(value))
	cerr := f.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(f.Name(), p)
	}
	if werr != nil {
		os.Remove(f.Name())
		return fmt.Errorf("cache: %w", werr)
	}
	return nil
}

// encode frames a value: magic, the value's hex SHA-256 and length on one
// line, then the value.
func encode(v []byte) []byte {
	sum := sha256.Sum256(v)
	var b bytes.Buffer
	b.Grow(len(magic) + 64 + 24 + len(v))
	b.WriteString(magic)
	b.WriteString(hex.EncodeToString(sum[:]))
	b.WriteByte(' ')
	b.WriteString(strconv.Itoa(len(v)))
	b.WriteByte('\n')
	b.Write(v)
	return b.Bytes()
}

func decode(b []byte) ([]byte, error) {
	if !bytes.HasPrefix(b, []byte(magic)) {
		return nil, errors.New("unknown format")
	}
	b = b[len(magic):]
	nl := bytes.IndexByte(b, '\n')
	if nl < 0 {
		return nil, errors.New("truncated header")
	}
	var sumHex string
	var n int
	if _, err := fmt.Sscanf(string(b[:nl]), "%64s %d", &sumHex, &n); err != nil {
		return nil, fmt.Errorf("bad header: %v", err)
	}
	v := b[nl+1:]
	if len(v) != n {
		return nil, fmt.Errorf("length %d, header says %d", len(v), n)
	}
	sum := sha256.Sum256(v)
	if hex.EncodeToString(sum[:]) != sumHex {
		return nil, errors.New("checksum mismatch")
	}
	return v, nil
}
