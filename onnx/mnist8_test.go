package onnx_test

import (
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/convnet-go/convnet/internal/mnist8"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/onnx"
	"github.com/convnet-go/convnet/train/data"
	"gorgonia.org/tensor"
)

// importMNIST8 imports the ONNX model zoo's mnist-8 (from onnx-go v0.5.0,
// see internal/mnist8).
func importMNIST8(t *testing.T) *onnx.Model {
	t.Helper()
	b, err := mnist8.Model()
	if err != nil {
		t.Fatalf("mnist-8 (go mod download fetches onnx-go): %v", err)
	}
	m, err := onnx.Read(b)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// mnist-8 reproduces its three reference outputs within ONNX's tolerances.
func TestMNIST8ReferenceOutputs(t *testing.T) {
	m := importMNIST8(t)
	// 8·25 + 8 + 16·8·25 + 16 + 256·10 + 10 learnable values; the file's
	// other 4 initializer values are the two int64 Reshape shapes, which
	// stay constants.
	if got := nn.NumParams(m); got != 5994 {
		t.Errorf("NumParams = %d, want 5994", got)
	}
	sets, err := mnist8.TestDataSets()
	if err != nil {
		t.Fatal(err)
	}
	for _, set := range sets {
		x, err := onnx.ReadTensorFile(filepath.Join(set, "input_0.pb"))
		if err != nil {
			t.Fatal(err)
		}
		want, err := onnx.ReadTensorFile(filepath.Join(set, "output_0.pb"))
		if err != nil {
			t.Fatal(err)
		}
		outs, err := m.Run(x)
		if err != nil {
			t.Fatal(err)
		}
		g, w := outs[0].Data().([]float32), want.Data().([]float32)
		if len(g) != len(w) {
			t.Fatalf("%s: %d scores, want %d", set, len(g), len(w))
		}
		for i := range w {
			if d := math.Abs(float64(g[i] - w[i])); d > 1e-7+1e-3*math.Abs(float64(w[i])) {
				t.Errorf("%s: score %d = %v, want %v", filepath.Base(set), i, g[i], w[i])
			}
		}
	}
}

// mnist-8 classifies the 10,000 MNIST test images (raw 0-255 pixels) with
// at least 98% accuracy, through nn.Predict (the model is an nn.Layer).
func TestMNIST8Accuracy(t *testing.T) {
	m := importMNIST8(t)
	dir, err := data.MNISTDir("")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	pix, n, h, w, err := data.ReadIDXImages(filepath.Join(dir, "t10k-images-idx3-ubyte.gz"))
	if err != nil {
		t.Fatal(err)
	}
	labels, err := data.ReadIDXLabels(filepath.Join(dir, "t10k-labels-idx1-ubyte.gz"))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	correct := 0
	img := make([]float32, h*w)
	for i := 0; i < n; i++ {
		for j := range img {
			img[j] = float32(pix[i*h*w+j])
		}
		x := tensor.New(tensor.WithShape(1, 1, h, w), tensor.WithBacking(img))
		y, err := nn.Predict(m, x)
		if err != nil {
			t.Fatal(err)
		}
		s := y.Data().([]float32)
		best := 0
		for k := range s {
			if s[k] > s[best] {
				best = k
			}
		}
		if best == labels[i] {
			correct++
		}
	}
	acc := float64(correct) / float64(n)
	t.Logf("mnist-8: accuracy %.4f on %d MNIST test images (%v)", acc, n, time.Since(start).Round(time.Millisecond))
	if acc < 0.98 {
		t.Errorf("accuracy %.4f, want >= 0.98", acc)
	}
}
