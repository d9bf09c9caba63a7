package graph

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/pkg/errors"
)

// A writer that fails halfway leaves the previous file untouched and no
// temporary file behind; a writer that succeeds replaces the file whole.
func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "weights.safetensors")
	old := []byte("the previous, complete file")
	if err := os.WriteFile(p, old, 0o640); err != nil {
		t.Fatal(err)
	}
	failing := errors.New("disk full")
	var tmpSeen string
	err := writeFileAtomic(p, func(w io.Writer) error {
		if _, err := w.Write(make([]byte, 3<<20)); err != nil { // more than the buffer: reaches the file
			return err
		}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if e.Name() != "weights.safetensors" {
				tmpSeen = e.Name()
			}
		}
		return failing
	})
	if !errors.Is(err, failing) {
		t.Fatalf("got %v, want the writer's error", err)
	}
	if tmpSeen == "" {
		t.Fatal("no temporary file was written in the target's directory")
	}
	if got, _ := os.ReadFile(p); string(got) != string(old) {
		t.Fatalf("previous file changed to %d bytes", len(got))
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("left behind %v (temporary file was %s)", entries, tmpSeen)
	}

	if err := writeFileAtomic(p, func(w io.Writer) error {
		_, err := io.WriteString(w, "new")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); string(got) != "new" {
		t.Fatalf("file holds %q", got)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want the old file's 0640", fi.Mode().Perm())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("left behind %v", entries)
	}
}
