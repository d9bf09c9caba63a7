package ops

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestTilesMatchGeneral checks the tiling im2col and col2im (kernel =
// stride, no padding or dilation) against the general loops on 1-D, 2-D
// and 3-D geometries, kernels of 2 (the pair loop) and 3 and mixed,
// inputs whose tail no window covers, in float64 and float32, and that
// geometries with padding, dilation, overlap or a window past the input
// are declined.
func TestTilesMatchGeneral(t *testing.T) {
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
			if g.tiles() != c.want {
				t.Fatalf("%+v: tiles() = %v, want %v", g, !c.want, c.want)
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
	col := got
	for i := range col {
		col[i] = T(rng.NormFloat64())
	}
	gx, wx := make([]T, len(x)), make([]T, len(x))
	for i := range gx {
		gx[i] = T(i % 7)
		wx[i] = gx[i]
	}
	if !col2imTiles(g, col, gx, ld) {
		t.Fatal("col2imTiles declined")
	}
	// the reference: the general col2im loops (col2im itself would take the tiles)
	col2imGeneralRef(g, col, wx, ld)
	for i := range wx {
		if gx[i] != wx[i] {
			t.Fatalf("%T col2im: x[%d] = %v, want %v", x[0], i, gx[i], wx[i])
		}
	}
}

// col2imGeneralRef is the adjoint of im2colGeneral, element by element
// (test reference).
func col2imGeneralRef[T float](g *convGeom, col, x []T, ld int) {
	row := 0
	for c := 0; c < g.c; c++ {
		for a := 0; a < g.ker[0]; a++ {
			for i := 0; i < g.ker[1]; i++ {
				for j := 0; j < g.ker[2]; j++ {
					for d := 0; d < g.out[0]; d++ {
						for h := 0; h < g.out[1]; h++ {
							for w := 0; w < g.out[2]; w++ {
								zd := d*g.stride[0] + a*g.dil[0] - g.pad[0]
								zh := h*g.stride[1] + i*g.dil[1] - g.pad[1]
								zw := w*g.stride[2] + j*g.dil[2] - g.pad[2]
								if zd < 0 || zd >= g.in[0] || zh < 0 || zh >= g.in[1] || zw < 0 || zw >= g.in[2] {
									continue
								}
								x[((c*g.in[0]+zd)*g.in[1]+zh)*g.in[2]+zw] += col[row*ld+(d*g.out[1]+h)*g.out[2]+w]
							}
						}
					}
					row++
				}
			}
		}
	}
}
