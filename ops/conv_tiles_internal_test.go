package ops

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestIm2colTilesMatchesGeneral checks the tiling im2col (kernel = stride, no
// padding or dilation) against the general loops on 1-D, 2-D and 3-D
// geometries, kernels of 2 (the pair loop) and 3 and mixed,
// inputs whose tail no window covers, in float64 and float32, and that
// geometries with padding, dilation, overlap or a window past the input
// are declined.
func TestIm2colTilesMatchesGeneral(t *testing.T) {
	cases := []struct {
		in, ker [3]int
		out     [3]int // zero: the natural size
		pad     [3]int
		dil     int
		want    bool
	}{
		{in: [3]int{1, 1, 10}, ker: [3]int{1, 1, 2}, want: true},
		{in: [3]int{1, 7, 9}, ker: [3]int{1, 2, 2}, want: true},
		{in: [3]int{1, 9, 9}, ker: [3]int{1, 3, 3}, want: true},
		{in: [3]int{8, 8, 8}, ker: [3]int{2, 2, 2}, want: true},
		{in: [3]int{5, 7, 10}, ker: [3]int{2, 3, 2}, want: true},
		{in: [3]int{6, 6, 7}, ker: [3]int{3, 1, 3}, want: true},
		{in: [3]int{1, 8, 8}, ker: [3]int{1, 2, 2}, pad: [3]int{0, 1, 1}, want: false},
		{in: [3]int{1, 8, 8}, ker: [3]int{1, 2, 2}, dil: 2, want: false},
		{in: [3]int{1, 7, 7}, ker: [3]int{1, 2, 2}, out: [3]int{1, 4, 4}, want: false},
	}
	rng := rand.New(rand.NewPCG(61, 62))
	for ci, c := range cases {
		g := convGeom{n: 1, c: 3, k: 1, in: c.in, ker: c.ker, stride: c.ker, pad: c.pad, dil: [3]int{1, 1, 1}, out: c.out}
		if c.dil > 0 {
			g.dil = [3]int{1, c.dil, c.dil}
		}
		if g.out == [3]int{} {
			for a := range 3 {
				g.out[a] = (g.in[a]+2*g.pad[a]-g.dil[a]*(g.ker[a]-1)-1)/g.stride[a] + 1
			}
		}
		t.Run(fmt.Sprint(ci), func(t *testing.T) {
			if g.tilesWithin() != c.want {
				t.Fatalf("%+v: tilesWithin() = %v, want %v", g, !c.want, c.want)
			}
			if c.want {
				checkTiles[float64](t, rng, &g)
				checkTiles[float32](t, rng, &g)
			}
		})
	}
}

func checkTiles[T float](t *testing.T, rng *rand.Rand, g *convGeom) {
	t.Helper()
	ld := g.outSize() + 2
	x := make([]T, g.c*g.inSize())
	for i := range x {
		x[i] = T(rng.NormFloat64())
	}
	got, want := make([]T, g.colRows()*ld), make([]T, g.colRows()*ld)
	for i := range got {
		got[i], want[i] = 5, 5
	}
	if !im2colTiles(g, x, got, ld) {
		t.Fatal("im2colTiles declined")
	}
	im2colGeneral(g, x, want, ld)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%T im2col: col[%d] = %v, want %v", x[0], i, got[i], want[i])
		}
	}
}
