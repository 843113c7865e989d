// Package cache is a content-addressed store of byte values on disk. A
// value is filed under the SHA-256 of its key's parts, appended whole to a
// pack file, and checked against its own checksum when read, so a torn or
// edited entry is reported as corrupt instead of being returned.
//
// Each Cache writes one pack file of its own (created on its first Put),
// so processes sharing the folder never write to the same file, and
// storing an entry costs one write to an open file instead of creating a
// file (which takes about a millisecond of system time on some disks). A
// Cache indexes the packs there are when it is first asked for a value
// (the newest record of a key wins), and opens a pack again for each value
// it reads from it: only the pack being written stays open. Entry files of
// the earlier layout (one file per entry, in subfolders named by the key's
// first two digits) are still read.
package cache

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrCorrupt is returned by Get for an entry whose contents do not match
// their checksum. The entry has been dropped; the caller fetches the value
// again and puts it back.
var ErrCorrupt = errors.New("cache: corrupt entry")

const (
	// magic starts every entry file of the earlier layout; the format
	// version follows it.
	magic = "kgeval-cache 1\n"
	// recordMagic starts every record of a pack: the key, the value's hex
	// SHA-256 and its length follow on the same line, then the value and
	// a newline.
	recordMagic = "kgeval-pack 1 "
	packPrefix  = "pack-"
	packSuffix  = ".kgp"
)

// Cache is a folder of packs. The zero value is not usable; a nil *Cache
// is a cache that never hits and stores nothing. It is safe for concurrent
// use by goroutines and by processes sharing the folder.
type Cache struct {
	dir string

	mu     sync.Mutex
	loaded bool           // the packs in the folder have been indexed
	index  map[string]loc // the newest record of each key
	// packs names the packs read or written (loc.pack is a position). Only
	// the pack being written stays open: a folder may hold thousands.
	packs  []string
	own    *os.File // the pack this Cache appends to, once created
	ownIdx int      // own's position in packs
}

// loc is where a record's value lies.
type loc struct {
	pack int
	off  int64 // of the value
	n    int   // the value's length
	sum  [sha256.Size]byte
	bad  bool // the record is torn: Get reports it corrupt
}

// Open returns the cache rooted at dir, creating the folder. It reads
// nothing yet.
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

// Close closes the cache's files. Values put before are on disk; a Put
// after Close starts a new pack.
func (c *Cache) Close() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var err error
	if c.own != nil {
		err = c.own.Close()
	}
	c.packs, c.index, c.loaded, c.own = nil, nil, false, nil
	return err
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

// path is where the earlier layout kept key's entry.
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
// A corrupt entry is dropped and reported as ErrCorrupt with ok false.
func (c *Cache) Get(key string) (value []byte, ok bool, err error) {
	if c == nil {
		return nil, false, nil
	}
	if !validKey(key) {
		return nil, false, fmt.Errorf("cache: invalid key %q", key)
	}
	c.mu.Lock()
	if !c.loaded {
		c.load()
	}
	l, found := c.index[key]
	if found && c.own != nil && l.pack == c.ownIdx {
		// A record of the pack being written: read under the lock, so
		// that the file is not closed meanwhile.
		v, err := readRecord(c.own, l)
		if err != nil {
			delete(c.index, key)
			err = fmt.Errorf("%w %s: %s: %v", ErrCorrupt, key, c.packs[l.pack], err)
		}
		c.mu.Unlock()
		return v, err == nil, err
	}
	var name string
	if found {
		name = c.packs[l.pack]
	}
	c.mu.Unlock()
	if !found {
		return c.getEntryFile(key)
	}
	drop := func() {
		c.mu.Lock()
		if cur, same := c.index[key]; same && cur == l {
			delete(c.index, key)
		}
		c.mu.Unlock()
	}
	f, err := os.Open(filepath.Join(c.dir, name))
	if err != nil {
		drop() // the pack is gone (the folder was cleared): a miss
		return nil, false, nil
	}
	defer f.Close()
	v, err := readRecord(f, l)
	if err != nil {
		drop()
		return nil, false, fmt.Errorf("%w %s: %s: %v", ErrCorrupt, key, name, err)
	}
	return v, true, nil
}

// readRecord reads and checks the value at l of a pack.
func readRecord(pack io.ReaderAt, l loc) ([]byte, error) {
	if l.bad {
		return nil, errors.New("the record is cut short")
	}
	b := make([]byte, l.n+1)
	if _, err := pack.ReadAt(b, l.off); err != nil {
		return nil, fmt.Errorf("the record is cut short: %v", err)
	}
	if b[l.n] != '\n' {
		return nil, errors.New("the record does not end where its header says")
	}
	if sha256.Sum256(b[:l.n]) != l.sum {
		return nil, errors.New("checksum mismatch")
	}
	return b[:l.n], nil
}

// getEntryFile reads key's entry file of the earlier layout, if any.
func (c *Cache) getEntryFile(key string) ([]byte, bool, error) {
	p := c.path(key)
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("cache: %w", err)
	}
	v, perr := decodeEntryFile(b)
	if perr != nil {
		os.Remove(p)
		return nil, false, fmt.Errorf("%w %s: %v", ErrCorrupt, key, perr)
	}
	return v, true, nil
}

// load indexes the packs in the folder, oldest first (their names begin
// with the time they were created), so that a key's newest record wins.
// A pack that cannot be read is passed over: its keys are misses.
func (c *Cache) load() {
	c.loaded = true
	if c.index == nil {
		c.index = make(map[string]loc)
	}
	entries, err := os.ReadDir(c.dir)
	if err != nil {
		return
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if e.Type().IsRegular() && strings.HasPrefix(n, packPrefix) && strings.HasSuffix(n, packSuffix) &&
			(c.own == nil || n != c.packs[c.ownIdx]) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		f, err := os.Open(filepath.Join(c.dir, n))
		if err != nil {
			continue
		}
		c.packs = append(c.packs, n)
		indexPack(f, len(c.packs)-1, c.index)
		f.Close()
	}
	if c.own != nil {
		// Records this Cache wrote before it was first read are newer.
		indexPack(c.own, c.ownIdx, c.index)
	}
}

// indexPack adds the records of pack (number i) to index. Whatever is
// not a record is passed over up to the next header; a record cut short
// (its writer stopped in the middle, or the file was cut) is indexed as
// bad unless the key has a good record already.
func indexPack(pack io.ReaderAt, i int, index map[string]loc) {
	reader := func(off int64) *bufio.Reader {
		return bufio.NewReaderSize(io.NewSectionReader(pack, off, 1<<62), 64<<10)
	}
	bad := func(key string, l loc) {
		if _, ok := index[key]; !ok {
			l.bad = true
			index[key] = l
		}
	}
	r := reader(0)
	var off int64 // where r reads next
	for {
		line, err := r.ReadSlice('\n')
		off += int64(len(line))
		if err == bufio.ErrBufferFull {
			continue // a long line of a value, while looking for a header
		}
		if err != nil {
			return // the end, or a last line cut short
		}
		at := bytes.Index(line, []byte(recordMagic))
		if at < 0 {
			continue
		}
		key, l, ok := parseHeader(line[at:])
		if !ok {
			continue
		}
		l.pack, l.off = i, off
		if _, err := r.Discard(l.n); err != nil {
			bad(key, l)
			return
		}
		if c, err := r.ReadByte(); err != nil || c != '\n' {
			// Cut short, and maybe followed by other records: look for
			// them from the end of this header on.
			bad(key, l)
			r = reader(off)
			continue
		}
		off += int64(l.n) + 1
		index[key] = l
	}
}

// parseHeader reads "kgeval-pack 1 KEY SUM LEN\n".
func parseHeader(line []byte) (key string, l loc, ok bool) {
	rest, found := bytes.CutPrefix(line, []byte(recordMagic))
	if !found {
		return "", l, false
	}
	fields := strings.Fields(string(rest))
	if len(fields) != 3 || !validKey(fields[0]) || len(fields[1]) != 2*sha256.Size {
		return "", l, false
	}
	if _, err := hex.Decode(l.sum[:], []byte(fields[1])); err != nil {
		return "", l, false
	}
	n, err := strconv.Atoi(fields[2])
	if err != nil || n < 0 {
		return "", l, false
	}
	l.n = n
	return fields[0], l, true
}

// Put stores value under key, replacing any previous entry. The record is
// appended with one write, so a reader sees it whole or, if the writer is
// stopped in the middle, as a torn record that Get reports corrupt.
func (c *Cache) Put(key string, value []byte) error {
	if c == nil {
		return nil
	}
	if !validKey(key) {
		return fmt.Errorf("cache: invalid key %q", key)
	}
	sum := sha256.Sum256(value)
	rec := make([]byte, 0, len(recordMagic)+64+1+64+1+20+1+len(value)+1)
	rec = append(rec, recordMagic...)
	rec = append(rec, key...)
	rec = append(rec, ' ')
	rec = hex.AppendEncode(rec, sum[:])
	rec = append(rec, ' ')
	rec = strconv.AppendInt(rec, int64(len(value)), 10)
	rec = append(rec, '\n')
	head := len(rec)
	rec = append(rec, value...)
	rec = append(rec, '\n')

	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.ownPack(); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	_, err := c.own.Write(rec)
	var end int64
	if err == nil {
		// Where the record went: the pack's end (another hand may have
		// cut the file).
		end, err = c.own.Seek(0, io.SeekCurrent)
	}
	if err != nil {
		// The pack may now end in a torn record: start another.
		c.own.Close()
		c.own = nil
		return fmt.Errorf("cache: %w", err)
	}
	if c.index == nil {
		c.index = make(map[string]loc)
	}
	c.index[key] = loc{pack: c.ownIdx, off: end - int64(len(rec)-head), n: len(value), sum: sum}
	return nil
}

// ownPack makes sure c has a pack to append to that is still in the
// folder (the folder may have been cleared under a running process).
func (c *Cache) ownPack() error {
	if c.own != nil {
		if _, err := os.Stat(filepath.Join(c.dir, c.packs[c.ownIdx])); err == nil {
			return nil
		}
		c.own.Close() // gone from the folder
		c.own = nil
	}
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return err
	}
	var rnd [6]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return err
	}
	// The creation time first, so that names sort oldest first.
	name := fmt.Sprintf("%s%020d-%d-%x%s", packPrefix, time.Now().UnixNano(), os.Getpid(), rnd, packSuffix)
	f, err := os.OpenFile(filepath.Join(c.dir, name), os.O_RDWR|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	c.own = f
	c.packs = append(c.packs, name)
	c.ownIdx = len(c.packs) - 1
	return nil
}

// decodeEntryFile reads an entry file of the earlier layout: magic, the
// value's hex SHA-256 and length on one line, then the value.
func decodeEntryFile(b []byte) ([]byte, error) {
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
