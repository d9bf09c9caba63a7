package ops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// TestConvForwardPackedWeights checks the float32 forward pass, whose
// products share one packed weight matrix per call (packWeights), against
// naiveConvPasses in float64, on every forward path: the shifted GEMMs
// (stride 1, enough channels), im2colSmall (small maps), im2colGeneral
// (strides, dilation, odd sizes) and the direct 1x1 product; batch 1 and
// batches of several groups per worker; bias and ReLU; enough output
// channels for several register panels; GOMAXPROCS 1 and 2; two runs on
// dirty scratch.
func TestConvForwardPackedWeights(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	type geo struct {
		name                        string
		n, c, k                     int
		in, out, ker, str, pad, dil [2]int
	}
	cases := []geo{
		{"shift-32x32", 3, 16, 20, [2]int{32, 32}, [2]int{32, 32}, [2]int{3, 3}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}},
		{"shift-batch1-odd", 1, 9, 13, [2]int{17, 19}, [2]int{17, 19}, [2]int{3, 3}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}},
		{"small-8x8", 9, 24, 40, [2]int{8, 8}, [2]int{8, 8}, [2]int{3, 3}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}},
		{"small-4x4-batch1", 1, 32, 30, [2]int{4, 4}, [2]int{4, 4}, [2]int{3, 3}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}},
		{"small-dilated", 5, 7, 17, [2]int{9, 7}, [2]int{5, 3}, [2]int{3, 3}, [2]int{1, 1}, [2]int{0, 0}, [2]int{2, 2}},
		{"general-stride2", 6, 5, 26, [2]int{21, 23}, [2]int{11, 12}, [2]int{3, 3}, [2]int{2, 2}, [2]int{1, 1}, [2]int{1, 1}},
		{"general-wide", 2, 3, 14, [2]int{9, 40}, [2]int{9, 40}, [2]int{3, 3}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}},
		{"general-asym", 4, 2, 9, [2]int{13, 11}, [2]int{6, 4}, [2]int{2, 3}, [2]int{2, 3}, [2]int{1, 0}, [2]int{1, 2}},
		{"direct-1x1", 7, 12, 33, [2]int{6, 5}, [2]int{6, 5}, [2]int{1, 1}, [2]int{1, 1}, [2]int{0, 0}, [2]int{1, 1}},
		{"direct-batch1", 1, 20, 3, [2]int{30, 30}, [2]int{30, 30}, [2]int{1, 1}, [2]int{1, 1}, [2]int{0, 0}, [2]int{1, 1}},
	}
	rng := rand.New(rand.NewPCG(31, 32))
	for i, tc := range cases {
		for _, procs := range []int{1, 2} {
			runtime.GOMAXPROCS(procs)
			g := convGeom{n: tc.n, c: tc.c, k: tc.k,
				in: [3]int{1, tc.in[0], tc.in[1]}, out: [3]int{1, tc.out[0], tc.out[1]},
				ker: [3]int{1, tc.ker[0], tc.ker[1]}, stride: [3]int{1, tc.str[0], tc.str[1]},
				pad: [3]int{0, tc.pad[0], tc.pad[1]}, dil: [3]int{1, tc.dil[0], tc.dil[1]}}
			x := make([]float64, g.n*g.c*g.inSize())
			w := make([]float64, g.k*g.colRows())
			b := make([]float64, g.k)
			for _, v := range [][]float64{x, w, b} {
				for j := range v {
					v[j] = rng.NormFloat64()
				}
			}
			want, _, _ := naiveConvPasses(&g, x, w, make([]float64, g.n*g.k*g.outSize()))
			// the error scale of each output: Σ|x||w| + |b|
			scale, _, _ := naiveConvPasses(&g, absAll(x), absAll(w), make([]float64, len(want)))
			relu := i%2 == 0
			var e convEngine
			y := make([]float32, len(want))
			for rep := range 2 {
				for j := range y {
					y[j] = float32(math.NaN())
				}
				convForward(&e, &g, toF32(x), toF32(w), toF32(b), relu, y)
				name := fmt.Sprintf("%s/procs%d/rep%d/shift=%v", tc.name, procs, rep, g.stride == [3]int{1, 1, 1} && g.c >= shiftMinChannels)
				for j, v := range want {
					v += b[j/g.outSize()%g.k]
					if relu {
						v = max(v, 0)
					}
					tol := 1e-5*(scale[j]+math.Abs(b[j/g.outSize()%g.k])) + 1e-6
					if got := float64(y[j]); !(math.Abs(got-v) <= tol) {
						t.Fatalf("%s: y[%d] = %g, want %g (tolerance %.2g)", name, j, got, v, tol)
					}
				}
			}
		}
	}
}

func absAll(v []float64) []float64 {
	a := make([]float64, len(v))
	for i, x := range v {
		a[i] = math.Abs(x)
	}
	return a
}

func toF32(v []float64) []float32 {
	a := make([]float32, len(v))
	for i, x := range v {
		a[i] = float32(x)
	}
	return a
}
