package extest

import (
	"os"
	"path/filepath"
	"testing"
)

// Files reports an error for each of names that is missing or empty in
// dir.
func Files(t testing.TB, dir string, names ...string) {
	t.Helper()
	for _, f := range names {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}
