package ops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// TestCol2imTiled checks col2imTiled bit for bit against the general
// path (bias fill, col2im's additions, ReLU pass) on kernels that tile the
// image: 1-D, 2-D and 3-D, square and mixed kernels, odd sizes, with and
// without bias and ReLU, alone and inside a group matrix (ld > P).
func TestCol2imTiled(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	kers := [][3]int{{1, 1, 2}, {1, 2, 2}, {1, 3, 3}, {1, 2, 3}, {2, 2, 2}, {1, 1, 1}}
	for i, ker := range kers {
		for _, lead := range []int{0, 5} { // columns before this image in the group matrix
			g := convGeom{n: 1, c: 3, k: 2, ker: ker, stride: ker, dil: [3]int{1, 1, 1}}
			g.out = [3]int{1 + rng.IntN(2), 3 + rng.IntN(3), 2 + rng.IntN(4)}
			if ker[0] == 1 {
				g.out[0] = 1
			}
			for a := range 3 {
				g.in[a] = g.out[a] * ker[a]
			}
			if !g.tiles() {
				t.Fatalf("%+v: tiles() = false", g)
			}
			p := g.outSize()
			ld := lead + p + 3
			col := make([]float64, g.colRows()*ld)
			for j := range col {
				col[j] = rng.NormFloat64()
			}
			b := []float64{0.5, -0.25, 1}
			for _, bias := range []bool{false, true} {
				for _, relu := range []bool{false, true} {
					name := fmt.Sprintf("ker%d/lead%d/bias%v/relu%v", i, lead, bias, relu)
					var bb []float64
					if bias {
						bb = b
					}
					want := make([]float64, g.c*g.inSize())
					if bias {
						fillChannels(want, bb, g.inSize())
					}
					col2im(&g, col[lead:], want, ld)
					if relu {
						reluInPlace(want)
					}
					got := make([]float64, len(want))
					for j := range got {
						got[j] = math.NaN() // every value must be written
					}
					col2imTiled(&g, col[lead:], got, ld, bb, relu)
					for j := range want {
						if got[j] != want[j] {
							t.Fatalf("%s: x[%d] = %v, want %v", name, j, got[j], want[j])
						}
					}
				}
			}
		}
	}
	for _, g := range []convGeom{
		{ker: [3]int{1, 2, 2}, stride: [3]int{1, 2, 2}, pad: [3]int{0, 1, 0}, dil: [3]int{1, 1, 1}, in: [3]int{1, 4, 4}, out: [3]int{1, 2, 2}},
		{ker: [3]int{1, 2, 2}, stride: [3]int{1, 2, 2}, dil: [3]int{1, 1, 1}, in: [3]int{1, 5, 4}, out: [3]int{1, 2, 2}},
		{ker: [3]int{1, 2, 2}, stride: [3]int{1, 2, 2}, dil: [3]int{1, 2, 1}, in: [3]int{1, 4, 4}, out: [3]int{1, 2, 2}},
		{ker: [3]int{1, 3, 3}, stride: [3]int{1, 2, 2}, dil: [3]int{1, 1, 1}, in: [3]int{1, 6, 6}, out: [3]int{1, 3, 3}},
	} {
		if g.tiles() {
			t.Errorf("%+v: tiles() = true for windows that overlap, leave gaps or are padded", g)
		}
	}
}

// TestConvTransposeTiledPasses runs the engine's input-gradient pass (the
// forward pass of a transposed convolution) on tiling geometries, float64
// and float32, batch 1 and grouped batches, against naiveConvPasses.
func TestConvTransposeTiledPasses(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	rng := rand.New(rand.NewPCG(43, 44))
	for it, tc := range []struct{ n, c, k, o int }{{1, 4, 6, 4}, {8, 16, 32, 4}, {5, 3, 7, 9}, {12, 8, 8, 16}} {
		runtime.GOMAXPROCS(1 + it%2)
		g := convGeom{n: tc.n, c: tc.c, k: tc.k, ker: [3]int{1, 2, 2}, stride: [3]int{1, 2, 2}, dil: [3]int{1, 1, 1},
			out: [3]int{1, tc.o, tc.o + 1}}
		g.in = [3]int{1, 2 * tc.o, 2 * (tc.o + 1)}
		w := make([]float64, g.k*g.colRows())
		dy := make([]float64, g.n*g.k*g.outSize())
		b := make([]float64, g.c)
		for _, v := range [][]float64{w, dy, b} {
			for j := range v {
				v[j] = rng.NormFloat64()
			}
		}
		_, want, _ := naiveConvPasses(&g, make([]float64, g.n*g.c*g.inSize()), w, dy)
		_, scale, _ := naiveConvPasses(&g, make([]float64, g.n*g.c*g.inSize()), absAll(w), absAll(dy))
		for j := range want {
			want[j] = max(want[j]+b[j/g.inSize()%g.c], 0)
		}
		var e convEngine
		dx := make([]float64, len(want))
		convBackwardData(&e, &g, dy, w, b, true, dx)
		dx32 := make([]float32, len(want))
		convBackwardData(&e, &g, toF32(dy), toF32(w), toF32(b), true, dx32)
		for j := range want {
			if d := math.Abs(dx[j] - want[j]); d > 1e-9 {
				t.Fatalf("case %d float64: dx[%d] = %v, want %v", it, j, dx[j], want[j])
			}
			if d := math.Abs(float64(dx32[j]) - want[j]); d > 1e-5*(scale[j]+1) {
				t.Fatalf("case %d float32: dx[%d] = %v, want %v", it, j, dx32[j], want[j])
			}
		}
	}
}
