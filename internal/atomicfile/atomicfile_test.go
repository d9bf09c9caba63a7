package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.txt")
	if err := Write(path, func(w io.Writer) error { _, err := io.WriteString(w, "one"); return err }); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := Write(path, func(w io.Writer) error {
		io.WriteString(w, "partial")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "one" {
		t.Fatalf("content %q after a failed write", b)
	}
	if err := Write(path, func(w io.Writer) error { _, err := io.WriteString(w, "two"); return err }); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "two" {
		t.Fatalf("content %q", b)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("%d files in the directory, want 1", len(entries))
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Fatalf("mode %v", fi.Mode())
	}
	if err := Write(filepath.Join(dir, "no", "such", "dir"), func(io.Writer) error { return nil }); err == nil {
		t.Fatal("missing directory accepted")
	}
}

// A writer that fails after more than the buffer has reached the file leaves
// the previous file untouched and no temporary file behind; a writer that
// succeeds replaces the file whole and keeps its permissions. (Moved from
// graph's test of its own atomic writer, which this package replaced.)
func TestWriteKeepsOldFileAndMode(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "weights.safetensors")
	old := []byte("the previous, complete file")
	if err := os.WriteFile(p, old, 0o640); err != nil {
		t.Fatal(err)
	}
	failing := errors.New("disk full")
	var tmpSeen string
	err := Write(p, func(w io.Writer) error {
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

	if err := Write(p, func(w io.Writer) error {
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

// A target that exists but is not a regular file (here a directory) is an
// error naming it, and is left alone.
func TestWriteRefusesNonRegularTarget(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "sub")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	err := Write(target, func(w io.Writer) error { _, err := io.WriteString(w, "x"); return err })
	if err == nil || !strings.Contains(err.Error(), "not a regular file") || !strings.Contains(err.Error(), target) {
		t.Fatalf("got %v, want an error naming %s as not a regular file", err, target)
	}
	if fi, err := os.Stat(target); err != nil || !fi.IsDir() {
		t.Fatalf("target changed: %v %v", fi, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("left behind %v", entries)
	}
}
