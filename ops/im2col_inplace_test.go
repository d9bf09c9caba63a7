package ops

import (
	"math/rand/v2"
	"testing"
)

// TestIm2colInPlaceMatchesGeneral checks the in-place im2col against the
// general loops on random 2-D stride-1 geometries without padding before:
// dilation, outputs smaller than the natural size (cropped input), row
// lengths 1 to 16, float32 and float64; geometries whose windows reach past
// the input, or with padding, must be declined.
func TestIm2colInPlaceMatchesGeneral(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 11))
	taken, declined := 0, 0
	for i := range 600 {
		g := convGeom{n: 1, c: 1 + rng.IntN(3), k: 1, stride: [3]int{1, 1, 1}}
		g.in = [3]int{1, 1 + rng.IntN(18), 1 + rng.IntN(18)}
		g.ker = [3]int{1, 1 + rng.IntN(3), 1 + rng.IntN(3)}
		g.dil = [3]int{1, 1 + rng.IntN(2), 1 + rng.IntN(2)}
		g.out = [3]int{1, 1 + rng.IntN(16), 1 + rng.IntN(16)}
		if i%5 == 0 {
			g.pad = [3]int{0, rng.IntN(2), 1 + rng.IntN(2)}
		}
		ld := g.outSize() + rng.IntN(3)
		var ok bool
		if i%2 == 0 {
			ok = checkIm2colInPlace[float32](t, rng, &g, ld)
		} else {
			ok = checkIm2colInPlace[float64](t, rng, &g, ld)
		}
		fits := g.out[1]+g.dil[1]*(g.ker[1]-1) <= g.in[1] && g.out[2]+g.dil[2]*(g.ker[2]-1) <= g.in[2]
		if ok != (fits && g.pad == [3]int{}) {
			t.Fatalf("%+v: in place %v, want %v", g, ok, !ok)
		}
		if ok {
			taken++
		} else {
			declined++
		}
	}
	if taken < 100 || declined < 100 {
		t.Fatalf("%d geometries taken, %d declined", taken, declined)
	}
}

// checkIm2colInPlace compares im2colInPlace with im2colGeneral on one
// random image of geometry g; it reports false when g is declined.
func checkIm2colInPlace[T float](t *testing.T, rng *rand.Rand, g *convGeom, ld int) bool {
	t.Helper()
	x := make([]T, g.c*g.inSize())
	for i := range x {
		x[i] = T(rng.NormFloat64())
	}
	want := make([]T, g.colRows()*ld)
	got := make([]T, len(want))
	for i := range got {
		got[i], want[i] = 5, 5 // columns past P keep their value
	}
	if !im2colInPlace(g, x, got, ld) {
		return false
	}
	im2colGeneral(g, x, want, ld)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%+v ld %d: col[%d] = %v, want %v", *g, ld, i, got[i], want[i])
		}
	}
	return true
}

// TestCopyRows checks copyRows on every row length up to 20 (the
// overlapping moves and the plain copies), in float32 and float64, with
// strides longer than the rows, and that it writes nothing past the rows.
func TestCopyRows(t *testing.T) {
	checkCopyRows[float32](t)
	checkCopyRows[float64](t)
}

func checkCopyRows[T float](t *testing.T) {
	t.Helper()
	for n := range 21 {
		for _, rows := range []int{1, 3} {
			stride := n + 2
			src := make([]T, (rows-1)*stride+n)
			for i := range src {
				src[i] = T(i + 1)
			}
			dst := make([]T, rows*n+3)
			copyRows(dst, src, rows, n, stride)
			for i, v := range dst {
				want := T(0)
				if i < rows*n {
					want = src[(i/n)*stride+i%n]
				}
				if v != want {
					t.Fatalf("%T n=%d rows=%d: dst[%d] = %v, want %v", v, n, rows, i, v, want)
				}
			}
		}
	}
}
