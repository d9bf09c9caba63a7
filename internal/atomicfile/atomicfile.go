// Package atomicfile writes files so that a reader, or the file left after a
// crash, sees either the old content or the complete new content, never a
// part: the data goes to a temporary file in the same directory, which is
// synced and then renamed over the target. A new file gets permissions 0644;
// a file that is replaced keeps its permissions. Every file the project
// saves (weights, checkpoints, histories, plots) goes through it.
//
// A target that is a symbolic link is followed: the file the link points to
// (through any chain of links) is replaced and the link stays a link, as a
// shell's "> link" would do. The temporary file is made in the directory of
// that final file, so the rename never crosses file systems.
//
// Each save makes exactly one temporary file, named
// ".<name>.tmp-<pid>-<random>" beside the target. A process killed during a
// save leaves that file behind; the next save to the same target removes
// every such file whose process is no longer running.
package atomicfile

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pkg/errors"
)

// Write creates or replaces path with what write puts into w. If write (or
// any step of the save) fails, path keeps its old content and the temporary
// file is removed.
func Write(path string, write func(w io.Writer) error) error {
	return WithTemp(path, func(tmp string) error {
		f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_TRUNC, 0o644)
		if err != nil {
			return err
		}
		bw := bufio.NewWriterSize(f, 1<<20)
		if err := write(bw); err != nil {
			f.Close()
			return err
		}
		if err := bw.Flush(); err != nil {
			f.Close()
			return err
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	})
}

// WithTemp calls save with the name of a new, empty temporary file next to
// path, then renames that file to path. save may replace the temporary file
// (as another atomic writer does) but must leave complete content under its
// name. On an error from save, path is left untouched and the temporary file
// is removed. An existing path that is not a regular file is an error; a
// symbolic link is followed (see the package comment).
func WithTemp(path string, save func(tmp string) error) (err error) {
	target, err := resolveLinks(path)
	if err != nil {
		return errors.Wrapf(err, "writing %s", path)
	}
	dir, base := filepath.Split(target)
	if dir == "" {
		dir = "."
	}
	mode := os.FileMode(0o644)
	if fi, statErr := os.Stat(target); statErr == nil {
		if !fi.Mode().IsRegular() {
			return errors.Errorf("writing %s: it exists and is not a regular file", path)
		}
		mode = fi.Mode().Perm()
	}
	removeStale(dir, base)
	f, err := os.CreateTemp(dir, tempPrefix(base)+strconv.Itoa(os.Getpid())+"-*")
	if err != nil {
		return errors.Wrapf(err, "writing %s", path)
	}
	tmp := f.Name()
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return errors.Wrapf(err, "writing %s", path)
	}
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	if err := save(tmp); err != nil {
		return errors.Wrapf(err, "writing %s", path)
	}
	if err := syncFile(tmp); err != nil {
		return errors.Wrapf(err, "writing %s", path)
	}
	if err := os.Chmod(tmp, mode); err != nil {
		return errors.Wrapf(err, "writing %s", path)
	}
	if err := os.Rename(tmp, target); err != nil {
		return errors.Wrapf(err, "writing %s", path)
	}
	syncDir(dir)
	return nil
}

func syncFile(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// syncDir makes the rename durable where the platform allows it; failures
// are ignored (some file systems do not sync directories).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// maxLinks bounds the chain of symbolic links resolveLinks follows.
const maxLinks = 40

// resolveLinks follows path through symbolic links to the file they end
// at, which need not exist yet (a dangling link names the file to create).
func resolveLinks(path string) (string, error) {
	for i := 0; i < maxLinks; i++ {
		fi, err := os.Lstat(path)
		if err != nil || fi.Mode()&os.ModeSymlink == 0 {
			return path, nil
		}
		dest, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(dest) {
			dest = filepath.Join(filepath.Dir(path), dest)
		}
		path = dest
	}
	return "", fmt.Errorf("more than %d levels of symbolic links", maxLinks)
}

// tempPrefix is how the temporary files for the file named base start.
func tempPrefix(base string) string { return "." + base + ".tmp-" }

// removeStale deletes the temporary files left in dir by saves to base
// whose process is gone (killed during a save), including those of atomic
// writers nested inside such a save. Files of running
// processes, this one included, are left alone; errors are ignored (the
// files are only litter).
func removeStale(dir, base string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	prefix := tempPrefix(base)
	self := os.Getpid()
	for _, e := range entries {
		// A save function that is itself an atomic writer (nn.SaveSafetensors
		// passed to WithTemp) puts its own temporary file beside ours, named
		// "." + our temporary name + ".tmp-...": one more leading dot per
		// level of nesting. Its first pid is the outer save's.
		name := e.Name()
		for strings.HasPrefix(name, ".") && !strings.HasPrefix(name, prefix) {
			name = name[1:]
		}
		rest, ok := strings.CutPrefix(name, prefix)
		if !ok || !e.Type().IsRegular() {
			continue
		}
		pidText, _, ok := strings.Cut(rest, "-")
		if !ok {
			continue
		}
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid <= 0 || pid == self || processAlive(pid) {
			continue
		}
		os.Remove(filepath.Join(dir, e.Name()))
	}
}
