package ops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestMaxPoolPairsMatchArgmax checks the evaluation-graph max pool on
// internal/vec's pair kernels (maxPoolPairsValues) against the argmax
// kernel, 1-D, 2-D and 3-D, on rows long enough for the assembly and with
// tails, odd sizes that floor drops, kernels of 1 along D or H, strides
// other than 2 along D and H, on data with ties, zeros of both signs,
// infinities and NaNs; and that geometries outside its reach (padding,
// stride 1 or a kernel of 3 along W, ceil clipping) decline it.
func TestMaxPoolPairsMatchArgmax(t *testing.T) {
	rng := rand.New(rand.NewPCG(51, 52))
	specials := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(), 1, 1}
	cases := []struct {
		shape []int
		spec  PoolSpec
		pairs bool
	}{
		{[]int{3, 4, 67}, PoolSpec{Kernel: []int{2}}, true},
		{[]int{2, 3, 130}, PoolSpec{Kernel: []int{2}}, true},
		{[]int{2, 3, 7}, PoolSpec{Kernel: []int{2}}, true},
		{[]int{2, 2, 7, 37}, PoolSpec{Kernel: []int{2, 2}}, true},
		{[]int{2, 2, 6, 34}, PoolSpec{Kernel: []int{1, 2}, Stride: []int{3, 2}}, true},
		{[]int{2, 3, 6, 8, 16}, PoolSpec{Kernel: []int{2, 2, 2}}, true},
		{[]int{1, 2, 5, 7, 41}, PoolSpec{Kernel: []int{2, 2, 2}}, true},
		{[]int{1, 2, 5, 7, 20}, PoolSpec{Kernel: []int{2, 1, 2}, Stride: []int{1, 2, 2}}, true},
		{[]int{1, 2, 5, 6, 18}, PoolSpec{Kernel: []int{1, 2, 2}, Stride: []int{2, 3, 2}}, true},
		{[]int{1, 2, 4, 6, 18}, PoolSpec{Kernel: []int{2, 2, 2}, Pad: []int{1, 1, 1}}, false},
		{[]int{1, 2, 4, 6, 18}, PoolSpec{Kernel: []int{2, 2, 2}, Stride: []int{2, 2, 1}}, false},
		{[]int{1, 2, 4, 6, 18}, PoolSpec{Kernel: []int{2, 2, 3}, Stride: []int{2, 2, 2}}, false},
		{[]int{1, 2, 5, 5, 17}, PoolSpec{Kernel: []int{2, 2, 2}, Ceil: true}, false},
		{[]int{2, 3, 9}, PoolSpec{Kernel: []int{2}, Pad: []int{1}}, false},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("x%v-%+v", c.shape, c.spec), func(t *testing.T) {
			for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
				g := G.NewGraph()
				x := G.NewTensor(g, dt, len(c.shape), G.WithShape(c.shape...), G.WithName("x"))
				geom, err := newPoolGeom("Max", x, c.spec)
				if err != nil {
					t.Fatal(err)
				}
				if got := poolPairs(geom); got != c.pairs {
					t.Fatalf("poolPairs = %v, want %v", got, c.pairs)
				}
				if !c.pairs {
					return
				}
				n := tensor.Shape(c.shape).TotalSize()
				xv := make([]float64, n)
				for i := range xv {
					if rng.IntN(4) == 0 {
						xv[i] = specials[rng.IntN(len(specials))]
					} else {
						xv[i] = float64(rng.IntN(5)) - 2 // many ties
					}
				}
				m := geom.planes * geom.outPlane()
				want := make([]float64, m)
				maxPoolForward(geom, xv, want, make([]int32, m))
				if dt == tensor.Float64 {
					got := make([]float64, m)
					maxPoolPairsValues(geom, xv, got)
					comparePoolValues(t, "float64", got, want)
					continue
				}
				x32, got32 := make([]float32, n), make([]float32, m)
				for i, v := range xv {
					x32[i] = float32(v)
				}
				maxPoolPairsValues(geom, x32, got32)
				got := make([]float64, m)
				for i, v := range got32 {
					got[i] = float64(v)
				}
				comparePoolValues(t, "float32", got, want)
			}
		})
	}
}

func comparePoolValues(t *testing.T, what string, got, want []float64) {
	t.Helper()
	for i := range want {
		if got[i] != want[i] && !(math.IsNaN(got[i]) && math.IsNaN(want[i])) {
			t.Fatalf("%s: y[%d] = %v, argmax kernel %v", what, i, got[i], want[i])
		}
	}
}
