package ort

import (
	"strings"
	"testing"

	"gorgonia.org/tensor"
)

// Tensors go to run.js's raw little-endian form and back unchanged.
func TestEncodeDecode(t *testing.T) {
	for _, x := range []*tensor.Dense{
		tensor.New(tensor.WithShape(2, 3), tensor.WithBacking([]float32{1, -2.5, 3e-8, 0, 7, -0})),
		tensor.New(tensor.WithShape(1, 2), tensor.WithBacking([]float64{1e300, -1.0 / 3})),
	} {
		dt, raw, err := encode(x)
		if err != nil {
			t.Fatal(err)
		}
		y, err := decode(dt, []int(x.Shape()), raw)
		if err != nil {
			t.Fatal(err)
		}
		if !y.Shape().Eq(x.Shape()) || y.Dtype() != x.Dtype() {
			t.Fatalf("%v %v, want %v %v", y.Shape(), y.Dtype(), x.Shape(), x.Dtype())
		}
		switch d := x.Data().(type) {
		case []float32:
			for i, v := range y.Data().([]float32) {
				if v != d[i] {
					t.Errorf("%d: %v, want %v", i, v, d[i])
				}
			}
		case []float64:
			for i, v := range y.Data().([]float64) {
				if v != d[i] {
					t.Errorf("%d: %v, want %v", i, v, d[i])
				}
			}
		}
	}
	if _, err := decode("float32", []int{2, 2}, make([]byte, 12)); err == nil {
		t.Error("decode of 12 bytes as 4 float32s: no error")
	}
	if _, _, err := encode(tensor.New(tensor.WithShape(2), tensor.WithBacking([]int{1, 2}))); err == nil {
		t.Error("encode of an int tensor: no error")
	}
}

// Without the npm package, Available says how to install it.
func TestAvailableNamesTheFix(t *testing.T) {
	t.Setenv("CONVNET_ORT_DIR", t.TempDir())
	err := Available()
	if err == nil {
		t.Fatal("an empty folder passes as an ONNX Runtime install")
	}
	if !strings.Contains(err.Error(), "npm install --ignore-scripts") && !strings.Contains(err.Error(), "node is not on PATH") {
		t.Errorf("error %q does not say how to install", err)
	}
	if _, err := Run("x.onnx"); err == nil {
		t.Error("Run without ONNX Runtime: no error")
	}
}
