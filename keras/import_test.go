package keras

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/convnet-go/convnet/nn"
	"gorgonia.org/tensor"
)

// ioCase is io.json of a testdata/layers case: an NHWC input batch and the
// output tfjs computed for it.
type ioCase struct {
	InputShape  []int     `json:"input_shape"`
	Input       []float32 `json:"input"`
	OutputShape []int     `json:"output_shape"`
	Output      []float32 `json:"output"`
}

func readIO(t *testing.T, dir string) ioCase {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "io.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c ioCase
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// nhwcToNCHW converts a (N, H, W, C) batch to a (N, C, H, W) tensor.
func nhwcToNCHW(data []float32, shape []int) *tensor.Dense {
	n, h, w, c := shape[0], shape[1], shape[2], shape[3]
	out := make([]float32, len(data))
	for i := 0; i < n; i++ {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				for k := 0; k < c; k++ {
					out[((i*c+k)*h+y)*w+x] = data[((i*h+y)*w+x)*c+k]
				}
			}
		}
	}
	return tensor.New(tensor.WithShape(n, c, h, w), tensor.WithBacking(out))
}

func maxAbsDiff(a, b []float32) float64 {
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(float64(a[i])-float64(b[i])))
	}
	return d
}

// TestImportMatchesTFJS loads the small tfjs-layers models of
// testdata/layers (written by scripts/make_layers_testdata.cjs) and compares
// the imported model's output with tfjs's on the same input.
func TestImportMatchesTFJS(t *testing.T) {
	cases := []struct {
		name      string
		numParams int
	}{
		// conv_a 3·2·3·4+4, bn_a 8 (+8 buffers), conv_skip 12, dense_a 48·6+6, bn_b 12, out 20·5+5
		{"functional", 76 + 8 + 12 + 294 + 12 + 105},
		// dw 3·3·4·2+8, dw2 3·3·8, out (2·2·8)·5+5 (after conv_a, bn_a, conv_skip: 76+8+12)
		{"mobile_blocks", 76 + 8 + 12 + 80 + 72 + 165},
		{"sequential", 57 + 52 + 15},
		{"sequential_q8", 57 + 52 + 15},
		{"sequential_q16", 57 + 52 + 15},
		{"sequential_f16", 57 + 52 + 15},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join("testdata", "layers", c.name)
			m, err := Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			if got := nn.NumParams(m); got != c.numParams {
				t.Errorf("NumParams = %d, want %d", got, c.numParams)
			}
			io := readIO(t, dir)
			x := nhwcToNCHW(io.Input, io.InputShape)
			y, err := nn.Predict(m, x)
			if err != nil {
				t.Fatal(err)
			}
			if !equalInts(y.Shape(), io.OutputShape) {
				t.Fatalf("output shape %v, tfjs %v", y.Shape(), io.OutputShape)
			}
			got := y.Data().([]float32)
			if d := maxAbsDiff(got, io.Output); d > 2e-5 {
				t.Errorf("max |convnet - tfjs| = %g, want <= 2e-5\nconvnet %v\ntfjs    %v", d, got, io.Output)
			} else {
				t.Logf("max |convnet - tfjs| = %.3g over %d outputs", d, len(got))
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestWithMomentum: BatchNormalization's momentum converts from Keras's
// convention (0.99 in the file) to PyTorch's (0.01), and WithMomentum
// overrides it.
func TestWithMomentum(t *testing.T) {
	dir := filepath.Join("testdata", "layers", "functional")
	for _, c := range []struct {
		opts []Option
		want float64
	}{{nil, 0.01}, {[]Option{WithMomentum(0.1)}, 0.1}} {
		m, err := Load(dir, c.opts...)
		if err != nil {
			t.Fatal(err)
		}
		bn, ok := m.Layer("bn_a").(*BatchNorm)
		if !ok {
			t.Fatalf("bn_a is %T", m.Layer("bn_a"))
		}
		if got := bn.Norm().Momentum(); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("momentum %v, want %v", got, c.want)
		}
		if got := bn.Norm().Eps(); got != 0.01 {
			t.Errorf("eps %v, want 0.01 (the file's epsilon)", got)
		}
	}
	if _, err := Load(dir, WithMomentum(2)); err == nil {
		t.Error("WithMomentum(2): no error")
	}
}
