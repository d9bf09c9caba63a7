package mnist8

import (
	"os"
	"path/filepath"
	"testing"
)

func TestModelBytes(t *testing.T) {
	b, err := Model()
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 26454 {
		t.Errorf("model has %d bytes, want 26454", len(b))
	}
	sets, err := TestDataSets()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sets {
		for _, f := range []string{"input_0.pb", "output_0.pb"} {
			if _, err := os.Stat(filepath.Join(s, f)); err != nil {
				t.Error(err)
			}
		}
	}
}

func TestExtractErrors(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "x.go")
	if err := os.WriteFile(p, []byte("package x\nfunc F() []byte { return nil }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Extract(p, "F"); err == nil {
		t.Error("no literal: no error")
	}
	if _, err := Extract(filepath.Join(dir, "missing.go"), "F"); err == nil {
		t.Error("missing file: no error")
	}
}
