package ops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// TestConvSlabsMatchReference checks the depth-slab forward, input
// gradient and filter gradient of 3-D convolutions against the whole-image
// im2col and col2im (the general loops) and one product per image, in float64 and float32, with and
// without bias and ReLU, on geometries of one slab and of many (a depth
// per slab), depth strides, dilation and padding, with one worker and with
// two (partial filter gradients summed).
func TestConvSlabsMatchReference(t *testing.T) {
	cases := []convGeom{
		{n: 3, c: 2, k: 3, in: [3]int{6, 10, 11}, ker: [3]int{3, 3, 2}, stride: [3]int{1, 1, 1}, pad: [3]int{1, 1, 0}, dil: [3]int{1, 1, 1}},
		{n: 2, c: 16, k: 5, in: [3]int{9, 11, 12}, ker: [3]int{3, 3, 3}, stride: [3]int{2, 1, 1}, pad: [3]int{1, 1, 1}, dil: [3]int{1, 2, 1}},
		{n: 3, c: 4, k: 8, in: [3]int{16, 16, 16}, ker: [3]int{3, 3, 3}, stride: [3]int{1, 1, 1}, pad: [3]int{1, 1, 1}, dil: [3]int{1, 1, 1}},
		{n: 1, c: 24, k: 2, in: [3]int{10, 12, 12}, ker: [3]int{2, 3, 3}, stride: [3]int{1, 1, 1}, pad: [3]int{0, 1, 1}, dil: [3]int{2, 1, 1}},
	}
	rng := rand.New(rand.NewPCG(51, 52))
	for i, g := range cases {
		for a := range 3 {
			g.out[a] = (g.in[a]+2*g.pad[a]-g.dil[a]*(g.ker[a]-1)-1)/g.stride[a] + 1
		}
		if g.slabDepth() == 0 {
			t.Fatalf("case %d %+v: the slabs do not apply", i, g)
		}
		for _, procs := range []int{1, 2} {
			t.Run(fmt.Sprintf("%d/procs%d/slab%d", i, procs, g.slabDepth()), func(t *testing.T) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				checkSlabs[float64](t, rng, &g, 1e-12)
				checkSlabs[float32](t, rng, &g, 1e-4)
			})
		}
	}
}

func checkSlabs[T float](t *testing.T, rng *rand.Rand, g *convGeom, tol float64) {
	t.Helper()
	p, ck := g.outSize(), g.colRows()
	xs, ys := g.c*g.inSize(), g.k*p
	fill := func(n int) []T {
		v := make([]T, n)
		for i := range v {
			v[i] = T(rng.NormFloat64())
		}
		return v
	}
	x, w, b, dy := fill(g.n*xs), fill(g.k*ck), fill(g.k), fill(g.n*ys)
	// the reference: whole-image im2col (general loops), one product each
	wantY, wantDw := make([]T, g.n*ys), make([]float64, g.k*ck)
	col := make([]T, ck*p)
	for n := 0; n < g.n; n++ {
		im2colGeneral(g, x[n*xs:(n+1)*xs], col, p)
		for k := 0; k < g.k; k++ {
			for j := 0; j < p; j++ {
				s := float64(b[k])
				for r := 0; r < ck; r++ {
					s += float64(w[k*ck+r]) * float64(col[r*p+j])
				}
				wantY[n*ys+k*p+j] = T(max(s, 0))
			}
			for r := 0; r < ck; r++ {
				s := 0.0
				for j := 0; j < p; j++ {
					s += float64(dy[n*ys+k*p+j]) * float64(col[r*p+j])
				}
				wantDw[k*ck+r] += s
			}
		}
	}
	// input gradient reference: col2im (general loops) of Wᵀ·dy, plus the
	// bias of dx's channels, then ReLU
	bx := fill(g.c)
	wantDx := make([]T, g.n*xs)
	for n := 0; n < g.n; n++ {
		for r := 0; r < ck; r++ {
			for j := 0; j < p; j++ {
				s := 0.0
				for k := 0; k < g.k; k++ {
					s += float64(w[k*ck+r]) * float64(dy[n*ys+k*p+j])
				}
				col[r*p+j] = T(s)
			}
		}
		dxn := wantDx[n*xs : (n+1)*xs]
		fillChannels(dxn, bx, g.inSize())
		col2im(g, col, dxn, p)
		reluInPlace(dxn)
	}
	var e convEngine
	y := fill(g.n * ys) // stale values must be overwritten
	e.begin()
	if !slabForward(&e, g, x, w, b, true, y) {
		t.Fatal("slabForward declined")
	}
	e.end()
	for i := range y {
		if d := math.Abs(float64(y[i]) - float64(wantY[i])); d > tol*(1+math.Abs(float64(wantY[i]))) {
			t.Fatalf("%T forward: y[%d] = %v, want %v", x[0], i, y[i], wantY[i])
		}
	}
	dx := fill(g.n * xs)
	e.begin()
	if !slabBackwardData(&e, g, dy, w, bx, true, dx) {
		t.Fatal("slabBackwardData declined")
	}
	e.end()
	for i := range dx {
		if d := math.Abs(float64(dx[i]) - float64(wantDx[i])); d > tol*(1+math.Abs(float64(wantDx[i]))) {
			t.Fatalf("%T input gradient: dx[%d] = %v, want %v", x[0], i, dx[i], wantDx[i])
		}
	}
	dw := fill(g.k * ck)
	e.begin()
	if !slabBackwardFilter(&e, g, dy, x, dw) {
		t.Fatal("slabBackwardFilter declined")
	}
	e.end()
	for i := range dw {
		if d := math.Abs(float64(dw[i]) - wantDw[i]); d > tol*(1+math.Abs(wantDw[i])) {
			t.Fatalf("%T filter gradient: dw[%d] = %v, want %v", x[0], i, dw[i], wantDw[i])
		}
	}
}
