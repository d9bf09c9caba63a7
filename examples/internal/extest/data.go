package extest

import (
	"errors"
	"testing"

	"github.com/convnet-go/convnet/train/data"
)

// NeedMNIST skips the test when MNIST is not installed.
func NeedMNIST(t testing.TB) {
	t.Helper()
	if _, err := data.MNISTDir(""); errors.Is(err, data.ErrNotFound) {
		t.Skipf("MNIST not available: %v", err)
	}
}

// NeedFashionMNIST skips the test when Fashion-MNIST is not installed.
func NeedFashionMNIST(t testing.TB) {
	t.Helper()
	if _, err := data.FashionMNISTDir(""); errors.Is(err, data.ErrNotFound) {
		t.Skipf("Fashion-MNIST not available: %v", err)
	}
}
