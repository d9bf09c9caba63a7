// Package needdata skips the example programs' tests when the data sets
// they train on are not installed.
package needdata

import (
	"errors"
	"testing"

	"github.com/convnet-go/convnet/train/data"
)

// MNIST skips the test when MNIST is not installed.
func MNIST(t testing.TB) {
	t.Helper()
	if _, err := data.MNISTDir(""); errors.Is(err, data.ErrNotFound) {
		t.Skipf("MNIST not available: %v", err)
	}
}

// FashionMNIST skips the test when Fashion-MNIST is not installed.
func FashionMNIST(t testing.TB) {
	t.Helper()
	if _, err := data.FashionMNISTDir(""); errors.Is(err, data.ErrNotFound) {
		t.Skipf("Fashion-MNIST not available: %v", err)
	}
}
