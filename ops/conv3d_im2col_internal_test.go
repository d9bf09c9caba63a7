package ops

import (
	"math/rand/v2"
	"testing"
)

// TestIm2colSlicesMatchesGeneral checks the padded-slice 3-D im2col
// against the general loops on random 3-D geometries with stride 1 along H
// and W: any depth stride, padding, dilation, outputs smaller (cropped
// input) or larger (zeros past the end) than the natural size, rows of 1
// to 20, in float64 and float32, with columns past P left untouched.
func TestIm2colSlicesMatchesGeneral(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	tested := 0
	for it := range 300 {
		g := convGeom{n: 1, c: 1 + rng.IntN(3), k: 1, stride: [3]int{1 + rng.IntN(2), 1, 1}}
		g.in = [3]int{1 + rng.IntN(6), 1 + rng.IntN(10), 1 + rng.IntN(10)}
		g.ker = [3]int{1 + rng.IntN(3), 1 + rng.IntN(3), 1 + rng.IntN(3)}
		g.dil = [3]int{1 + rng.IntN(2), 1 + rng.IntN(2), 1 + rng.IntN(2)}
		g.pad = [3]int{rng.IntN(3), rng.IntN(3), rng.IntN(3)}
		g.out = [3]int{1 + rng.IntN(6), 1 + rng.IntN(12), 1 + rng.IntN(20)}
		if it%5 == 0 {
			g.stride = [3]int{1, 2, 1} // declined: strided rows
		}
		if !checkIm2colSlices[float64](t, rng, &g) {
			continue
		}
		checkIm2colSlices[float32](t, rng, &g)
		tested++
	}
	if tested < 100 {
		t.Fatalf("only %d geometries took the slice path", tested)
	}
}

func checkIm2colSlices[T float](t *testing.T, rng *rand.Rand, g *convGeom) bool {
	t.Helper()
	x := make([]T, g.c*g.inSize())
	for i := range x {
		x[i] = T(rng.NormFloat64())
	}
	ld := g.outSize() + rng.IntN(3)
	want := make([]T, g.colRows()*ld)
	got := make([]T, len(want))
	for i := range got {
		got[i], want[i] = 5, 5 // columns past P keep their value
	}
	if !im2colSlices(g, x, got, ld) {
		if g.stride[1] == 1 && g.stride[2] == 1 && (g.ker[0] > 1 || g.in[0] > 1) &&
			(g.out[1]+g.dil[1]*(g.ker[1]-1))*(g.out[2]+g.dil[2]*(g.ker[2]-1)) <= smallPlane {
			t.Fatalf("%+v: declined a geometry it handles", *g)
		}
		return false
	}
	im2colGeneral(g, x, want, ld)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%T %+v ld %d: col[%d] = %v, want %v", x[0], *g, ld, i, got[i], want[i])
		}
	}
	return true
}
