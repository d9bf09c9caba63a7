package ops

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestMaxPool1DValuesMatchArgmax checks the evaluation-graph 1-D max pool
// (maxPool1DValues, no argmax) against the argmax kernel: kernels 1 to 5,
// strides 1 to 3, padding up to half the kernel, ceil mode, odd and even
// lengths, float32 and float64, on data with ties, zeros of both signs,
// infinities and NaNs (a NaN must win its window).
func TestMaxPool1DValuesMatchArgmax(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	specials := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(), 1, 1}
	cases := []PoolSpec{
		{Kernel: []int{2}},                                  // the common 2/2
		{Kernel: []int{2}, Pad: []int{1}},                   // clipped ends
		{Kernel: []int{2}, Stride: []int{1}},                // overlapping pairs
		{Kernel: []int{3}, Stride: []int{2}, Pad: []int{1}}, // k3 s2 p1
		{Kernel: []int{3}, Stride: []int{1}, Ceil: true},    // k3 s1
		{Kernel: []int{2}, Ceil: true},                      // odd length keeps the last
		{Kernel: []int{5}, Stride: []int{3}, Pad: []int{2}}, // general window
		{Kernel: []int{1}, Stride: []int{2}},                // picks
		{Kernel: []int{4}, Stride: []int{2}, Pad: []int{2}, Ceil: true},
	}
	for ci, spec := range cases {
		for _, w := range []int{5, 8, 17, 130} {
			for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
				xv := make([]float64, 3*2*w)
				for i := range xv {
					if rng.IntN(4) == 0 {
						xv[i] = specials[rng.IntN(len(specials))]
					} else {
						xv[i] = float64(rng.IntN(5)) - 2 // many ties
					}
				}
				g := G.NewGraph()
				x := G.NewTensor(g, dt, 3, G.WithShape(3, 2, w), G.WithName("x"))
				y, err := MaxPool(x, spec)
				if err != nil {
					t.Fatal(err)
				}
				op := y.Op().(*kitOp)
				var xt *tensor.Dense
				if dt == tensor.Float64 {
					xt = tensor.New(tensor.WithShape(3, 2, w), tensor.WithBacking(xv))
				} else {
					x32 := make([]float32, len(xv))
					for i, v := range xv {
						x32[i] = float32(v)
					}
					xt = tensor.New(tensor.WithShape(3, 2, w), tensor.WithBacking(x32))
				}
				fast, err := op.Do(xt)
				if err != nil {
					t.Fatal(err)
				}
				got, _ := float64sOf(fast)
				op.needGrad = true
				ref, err := op.Do(xt)
				if err != nil {
					t.Fatal(err)
				}
				want, _ := float64sOf(ref)
				for i := range want {
					if got[i] != want[i] && !(math.IsNaN(got[i]) && math.IsNaN(want[i])) {
						t.Fatalf("case %d %v w=%d %+v: y[%d] = %v, argmax kernel %v", ci, dt, w, spec, i, got[i], want[i])
					}
				}
			}
		}
	}
}
