package atomicfile

import (
	"errors"
	"fmt"
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

// A target that is a symbolic link (here a chain of two, one relative) is
// followed: the file at the end is replaced, the links stay links.
func TestWriteFollowsSymlinks(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "data", "weights.bin")
	if err := os.Mkdir(filepath.Dir(real), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(real, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	mid := filepath.Join(dir, "mid")
	link := filepath.Join(dir, "latest")
	if err := os.Symlink(filepath.Join("data", "weights.bin"), mid); err != nil {
		t.Skip("symbolic links unsupported:", err)
	}
	if err := os.Symlink(mid, link); err != nil {
		t.Fatal(err)
	}
	if err := Write(link, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }); err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{link, mid} {
		if fi, err := os.Lstat(l); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Fatalf("%s is no longer a symbolic link (%v, %v)", l, fi.Mode(), err)
		}
	}
	if b, _ := os.ReadFile(real); string(b) != "new" {
		t.Fatalf("the linked file holds %q, want \"new\"", b)
	}
	if fi, _ := os.Stat(real); fi.Mode().Perm() != 0o600 {
		t.Fatalf("the linked file's mode became %v", fi.Mode())
	}
	// A dangling link names the file to create.
	dangling := filepath.Join(dir, "dangling")
	if err := os.Symlink(filepath.Join(dir, "data", "created.bin"), dangling); err != nil {
		t.Fatal(err)
	}
	if err := Write(dangling, func(w io.Writer) error { _, err := io.WriteString(w, "x"); return err }); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "data", "created.bin")); string(b) != "x" {
		t.Fatalf("created %q", b)
	}
	// A loop of links is an error, not a hang.
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	os.Symlink(b, a)
	os.Symlink(a, b)
	if err := Write(a, func(io.Writer) error { return nil }); err == nil || !strings.Contains(err.Error(), "symbolic links") {
		t.Fatalf("loop of links: %v", err)
	}
}

// One save makes one temporary file; a save removes the temporary files of
// the same target left by processes that no longer run, and leaves those of
// running processes (this one) and of other targets alone.
func TestWriteRemovesStaleTemps(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ckpt.safetensors")
	const deadPID = 1<<31 - 7 // above any pid_max
	stale := []string{
		fmt.Sprintf(".ckpt.safetensors.tmp-%d-123", deadPID),
		fmt.Sprintf(".ckpt.safetensors.tmp-%d-456", deadPID),
		// an atomic writer nested in a killed save: two levels, three
		fmt.Sprintf("..ckpt.safetensors.tmp-%d-111.tmp-%d-222", deadPID, deadPID),
		fmt.Sprintf("...ckpt.safetensors.tmp-%d-1.tmp-%d-2.tmp-%d-3", deadPID, deadPID, deadPID),
	}
	kept := []string{
		fmt.Sprintf(".ckpt.safetensors.tmp-%d-789", os.Getpid()), // a save in progress here
		fmt.Sprintf(".other.safetensors.tmp-%d-1", deadPID),      // another target
		fmt.Sprintf("..other.safetensors.tmp-%d-1.tmp-%d-2", deadPID, deadPID),
		fmt.Sprintf("..ckpt.safetensors.tmp-%d-5.tmp-%d-6", os.Getpid(), os.Getpid()), // nested, running
		"ckpt.safetensors.bak",
	}
	for _, n := range append(append([]string(nil), stale...), kept...) {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var temps []string
	err := WithTemp(path, func(tmp string) error {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".ckpt.safetensors.tmp-") {
				temps = append(temps, e.Name())
			}
		}
		return os.WriteFile(tmp, []byte("complete"), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	// During the save: the kept one of this process and the save's own.
	if len(temps) != 2 {
		t.Errorf("temporary files of the target during the save: %v, want the live one and the save's own", temps)
	}
	entries, _ := os.ReadDir(dir)
	got := map[string]bool{}
	for _, e := range entries {
		got[e.Name()] = true
	}
	for _, n := range stale {
		if got[n] {
			t.Errorf("stale temporary file %s was not removed", n)
		}
	}
	for _, n := range append(kept, "ckpt.safetensors") {
		if !got[n] {
			t.Errorf("%s was removed", n)
		}
	}
	if len(got) != len(kept)+1 {
		t.Errorf("files after the save: %v", got)
	}
}
