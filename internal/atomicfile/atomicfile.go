// Package atomicfile writes files so that a reader, or the file left after a
// crash, sees either the old content or the complete new content, never a
// part: the data goes to a temporary file in the same directory, which is
// synced and then renamed over the target. A new file gets permissions 0644;
// a file that is replaced keeps its permissions. Every file the project
// saves (weights, checkpoints, histories, plots) goes through it.
package atomicfile

import (
	"bufio"
	"io"
	"os"
	"path/filepath"

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
// is removed. An existing path that is not a regular file is an error.
func WithTemp(path string, save func(tmp string) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	mode := os.FileMode(0o644)
	if fi, statErr := os.Stat(path); statErr == nil {
		if !fi.Mode().IsRegular() {
			return errors.Errorf("writing %s: it exists and is not a regular file", path)
		}
		mode = fi.Mode().Perm()
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
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
	if err := os.Rename(tmp, path); err != nil {
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
