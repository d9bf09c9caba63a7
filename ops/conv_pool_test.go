package ops_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestConvMaxPool2DMatchesUnfused checks the fused convolution and 2x2
// max pool against ConvND followed by MaxPool2D(2), bit for bit, in
// float32 and float64: with and without bias and ReLU, odd conv outputs
// (floor drops the last row and column), batch 1, padding, stride,
// dilation, a one-channel input (LeNet's first layer), maps large enough
// for the shifted GEMMs, and NaNs in the input. In float32, layers of at
// most 32 taps (C·kh·kw) at stride 1 are convolved
// directly (ops' conv_direct.go), summing in another order than the
// unfused GEMM, with fused multiply-adds: there the outputs must agree
// within 1e-4 + 1e-5·|y| (NaNs in the same places).
func TestConvMaxPool2DMatchesUnfused(t *testing.T) {
	cases := []struct {
		n, c, k, h, w, ker, stride, pad, dil int
		bias, relu, nan                      bool
	}{
		{64, 1, 32, 28, 28, 3, 1, 0, 1, true, true, false}, // LeNet conv1
		{3, 32, 64, 13, 13, 3, 1, 0, 1, true, true, false}, // LeNet conv2: 11x11, odd
		{1, 3, 4, 9, 8, 3, 1, 1, 1, true, false, false},
		{2, 2, 3, 7, 10, 2, 2, 1, 1, false, true, false},
		{5, 4, 5, 11, 9, 3, 1, 2, 2, true, true, false},
		{2, 9, 6, 16, 18, 3, 1, 1, 1, true, true, false}, // shifted GEMMs
		{1, 2, 3, 6, 6, 1, 1, 0, 1, false, false, false}, // 1x1 direct
		{3, 2, 4, 8, 7, 3, 1, 1, 1, true, true, true},
		{2, 2, 4, 8, 7, 3, 1, 1, 1, false, false, true},
		// direct convolution (conv_direct.go): few taps, stride 1, no padding
		{3, 1, 4, 8, 7, 3, 1, 0, 1, true, true, true},
		{2, 3, 5, 9, 12, 3, 1, 0, 1, true, false, false},
		{2, 1, 6, 12, 13, 3, 1, 0, 2, false, true, false},
		{1, 2, 7, 11, 20, 2, 1, 0, 1, true, true, false},
		{1, 1, 32, 70, 40, 3, 1, 0, 1, true, true, false},  // two bands of rows
		{64, 1, 32, 28, 28, 3, 1, 1, 1, true, true, false}, // W4's first layer: padded copies
	}
	rng := graph.NewRand(31)
	for _, c := range cases {
		name := fmt.Sprintf("n%d-c%d-k%d-%dx%d-k%d-s%d-p%d-d%d-bias=%v-relu=%v-nan=%v", c.n, c.c, c.k, c.h, c.w, c.ker, c.stride, c.pad, c.dil, c.bias, c.relu, c.nan)
		x := randTensor(rng, c.n, c.c, c.h, c.w)
		if c.nan {
			xd := x.Data().([]float64)
			for i := 0; i < len(xd); i += 37 {
				xd[i] = math.NaN()
			}
		}
		inputs := map[string]*tensor.Dense{"x": x, "w": randTensor(rng, c.k, c.c, c.ker, c.ker)}
		if c.bias {
			inputs["b"] = randTensor(rng, c.k)
		}
		p := ops.ConvParams{Stride: []int{c.stride, c.stride}, Pad: []int{c.pad, c.pad}, Dilation: []int{c.dil, c.dil}, ReLU: c.relu}
		fused := func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
			return ops.ConvMaxPool2D(xs["x"], xs["w"], xs["b"], p)
		}
		apart := func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
			y, err := ops.ConvND(xs["x"], xs["w"], xs["b"], p)
			if err != nil {
				return nil, err
			}
			return ops.MaxPool2D(y, [2]int{2, 2}, [2]int{2, 2}, [2]int{})
		}
		direct := c.stride == 1 && c.c*c.ker*c.ker <= 32
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			want, wantShape, _, err := forwardBackward(dt, inputs, nil, nil, apart)
			if err != nil {
				t.Fatalf("%s %v: %+v", name, dt, err)
			}
			got, gotShape, _, err := forwardBackward(dt, inputs, nil, nil, fused)
			if err != nil {
				t.Fatalf("%s %v: %+v", name, dt, err)
			}
			if fmt.Sprint(gotShape) != fmt.Sprint(wantShape) {
				t.Fatalf("%s %v: shape %v, unfused %v", name, dt, gotShape, wantShape)
			}
			nans := 0
			for i := range want {
				if math.IsNaN(want[i]) {
					nans++
				}
				if direct && dt == tensor.Float32 && math.Abs(got[i]-want[i]) <= 1e-4+1e-5*math.Abs(want[i]) {
					continue
				}
				if math.Float64bits(got[i]) != math.Float64bits(want[i]) && !(math.IsNaN(got[i]) && math.IsNaN(want[i])) {
					t.Fatalf("%s %v: y[%d] = %v, unfused %v", name, dt, i, got[i], want[i])
				}
			}
			if c.nan && nans == 0 {
				t.Fatalf("%s %v: no NaN reached the output", name, dt)
			}
		}
	}
}

// TestConvMaxPool2DErrors checks the fused op's errors: a convolution
// output smaller than the pooling window, a convolution error, and a
// gradient asked of it.
func TestConvMaxPool2DErrors(t *testing.T) {
	rng := graph.NewRand(32)
	cases := []struct {
		name, want string
		x, w       []int
		grad       bool
	}{
		{"small", "ops: ConvMaxPool2D: the convolution's output 1x3 is smaller than the 2x2 pooling window", []int{1, 1, 3, 5}, []int{2, 1, 3, 3}, false},
		{"channels", "ops: ConvMaxPool2D: input has 2 channels", []int{1, 2, 6, 6}, []int{2, 1, 3, 3}, false},
		{"rank", "ops: ConvMaxPool2D: input must have rank 4", []int{1, 1, 6}, []int{2, 1, 3}, false},
		{"grad", "ops: ConvMaxPool2D: inference only", []int{1, 1, 6, 6}, []int{2, 1, 3, 3}, true},
	}
	for _, c := range cases {
		inputs := map[string]*tensor.Dense{"x": randTensor(rng, c.x...), "w": randTensor(rng, c.w...)}
		var wrt []string
		var up *tensor.Dense
		if c.grad {
			wrt, up = []string{"x"}, randTensor(rng, 1, 2, 2, 2)
		}
		_, _, _, err := forwardBackward(tensor.Float64, inputs, wrt, up, func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
			return ops.ConvMaxPool2D(xs["x"], xs["w"], nil, ops.ConvParams{})
		})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, err, c.want)
		}
	}
}
