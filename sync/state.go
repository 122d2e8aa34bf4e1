package sync

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	gosync "sync"
)

// ErrNoState is returned by a StateStore's Load when nothing is stored
// under the key yet.
var ErrNoState = errors.New("sync: no state stored")

// StateStore keeps the engine's per-stream state: cursors, the hashes of
// what Ramp holds, quarantined records. Values are opaque JSON blobs keyed
// by tenant and stream. Implementations must make Save atomic: a crash
// leaves either the old or the new value.
type StateStore interface {
	Load(ctx context.Context, key string) ([]byte, error)
	Save(ctx context.Context, key string, value []byte) error
}

// MemoryStore is an in-process StateStore, for tests and one-shot runs.
type MemoryStore struct {
	mu gosync.Mutex
	m  map[string][]byte
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore { return &MemoryStore{m: map[string][]byte{}} }

// Load returns a copy of the value, or ErrNoState.
func (s *MemoryStore) Load(_ context.Context, key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[key]
	if !ok {
		return nil, ErrNoState
	}
	return append([]byte(nil), v...), nil
}

// Save stores a copy of value.
func (s *MemoryStore) Save(_ context.Context, key string, value []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string][]byte{}
	}
	s.m[key] = append([]byte(nil), value...)
	return nil
}

// FileStore keeps each key in its own JSON file under a directory, written
// atomically (temporary file, fsync, rename).
type FileStore struct {
	dir string
	mu  gosync.Mutex
}

// NewFileStore returns a store rooted at dir, creating it if needed.
func NewFileStore(dir string) (*FileStore, error) {
	if dir == "" {
		return nil, errors.New("sync: file store needs a directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("sync: creating state directory: %w", err)
	}
	return &FileStore{dir: dir}, nil
}

var unsafeKeyChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// path maps a key to a file name: readable, plus a hash of the exact key,
// so keys that differ only in characters a file name cannot hold ("Acme
// Ltd" and "Acme_Ltd") never share a file.
func (s *FileStore) path(key string) string {
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(s.dir, unsafeKeyChars.ReplaceAllString(key, "_")+"-"+hex.EncodeToString(sum[:6])+".json")
}

// Load reads the key's file, or returns ErrNoState.
func (s *FileStore) Load(_ context.Context, key string) ([]byte, error) {
	b, err := os.ReadFile(s.path(key))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNoState
	}
	if err != nil {
		return nil, fmt.Errorf("sync: reading state: %w", err)
	}
	return b, nil
}

// Save writes the key's file atomically.
func (s *FileStore) Save(_ context.Context, key string, value []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	final := s.path(key)
	tmp, err := os.CreateTemp(s.dir, ".state-*")
	if err != nil {
		return fmt.Errorf("sync: saving state: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	if _, err := tmp.Write(value); err != nil {
		tmp.Close()
		return fmt.Errorf("sync: saving state: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sync: saving state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("sync: saving state: %w", err)
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return fmt.Errorf("sync: saving state: %w", err)
	}
	if d, err := os.Open(s.dir); err == nil {
		_ = d.Sync() // make the rename durable where the platform allows
		d.Close()
	}
	return nil
}
