package ops

import (
	"fmt"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestAvgPoolSmallMatchesGeneral checks the one-pass average pool kernels
// (windows of at most 2 per axis) against the general two-pass kernels,
// forward and backward, in float32 and float64: 1-D, 2-D and 3-D, even
// and odd sizes (floor drops a tail the backward must zero), overlapping
// windows (stride 1: the forward is one-pass, the backward general),
// mixed kernels and kernels of 1, and geometries the fast path must
// decline (padding, ceil-mode clipping, a kernel of 3).
func TestAvgPoolSmallMatchesGeneral(t *testing.T) {
	cases := []struct {
		shape []int
		spec  PoolSpec
		small bool
	}{
		{[]int{2, 3, 8}, PoolSpec{Kernel: []int{2}}, true},
		// rows wide enough for internal/vec's pair kernels (8 outputs a
		// step in float32, 4 in float64) and their tails
		{[]int{2, 3, 67}, PoolSpec{Kernel: []int{2}}, true},
		{[]int{2, 2, 5, 38}, PoolSpec{Kernel: []int{2, 2}}, true},
		{[]int{1, 2, 4, 4, 50}, PoolSpec{Kernel: []int{2, 2, 2}}, true},
		{[]int{1, 2, 3, 4, 34}, PoolSpec{Kernel: []int{1, 2, 2}}, true},
		{[]int{2, 3, 67}, PoolSpec{Kernel: []int{2}, Stride: []int{3}}, true},
		{[]int{2, 3, 9}, PoolSpec{Kernel: []int{2}}, true},
		{[]int{2, 3, 6, 8}, PoolSpec{Kernel: []int{2, 2}}, true},
		{[]int{2, 3, 7, 9}, PoolSpec{Kernel: []int{2, 2}}, true},
		{[]int{2, 3, 7, 9}, PoolSpec{Kernel: []int{2, 2}, Stride: []int{1, 1}}, true},
		{[]int{2, 3, 7, 9}, PoolSpec{Kernel: []int{1, 2}}, true},
		{[]int{2, 3, 7, 9}, PoolSpec{Kernel: []int{2, 1}, Stride: []int{2, 3}}, true},
		{[]int{2, 2, 4, 6, 8}, PoolSpec{Kernel: []int{2, 2, 2}}, true},
		{[]int{1, 2, 5, 7, 9}, PoolSpec{Kernel: []int{2, 2, 2}}, true},
		{[]int{1, 2, 5, 7, 9}, PoolSpec{Kernel: []int{2, 2, 2}, Stride: []int{1, 2, 1}}, true},
		{[]int{1, 2, 5, 6, 9}, PoolSpec{Kernel: []int{1, 2, 2}}, true},
		{[]int{1, 2, 4, 6, 8}, PoolSpec{Kernel: []int{2, 2, 2}, Pad: []int{1, 1, 1}}, false},
		{[]int{2, 3, 7, 9}, PoolSpec{Kernel: []int{2, 2}, Ceil: true}, false},
		{[]int{2, 3, 8, 8}, PoolSpec{Kernel: []int{3, 3}, Stride: []int{2, 2}}, false},
	}
	rng := rand.New(rand.NewPCG(41, 42))
	for _, c := range cases {
		t.Run(fmt.Sprintf("x%v-%+v", c.shape, c.spec), func(t *testing.T) {
			g := G.NewGraph()
			x := G.NewTensor(g, tensor.Float64, len(c.shape), G.WithShape(c.shape...), G.WithName("x"))
			geom, err := newPoolGeom("Avg", x, c.spec)
			if err != nil {
				t.Fatal(err)
			}
			if got := avgPoolSmall(geom); got != c.small {
				t.Fatalf("avgPoolSmall = %v, want %v", got, c.small)
			}
			n, m := geom.planes*geom.inPlane(), geom.planes*geom.outPlane()
			xv, dyv := make([]float64, n), make([]float64, m)
			for i := range xv {
				xv[i] = rng.NormFloat64()
			}
			for i := range dyv {
				dyv[i] = rng.NormFloat64()
			}
			checkAvgSmall(t, geom, xv, dyv, 1e-14)
			x32, dy32 := make([]float32, n), make([]float32, m)
			for i := range xv {
				x32[i] = float32(xv[i])
			}
			for i := range dyv {
				dy32[i] = float32(dyv[i])
			}
			checkAvgSmall(t, geom, x32, dy32, 1e-6)
		})
	}
}

func checkAvgSmall[T float](t *testing.T, g *poolGeom, x, dy []T, tol float64) {
	t.Helper()
	y, want := make([]T, len(dy)), make([]T, len(dy))
	avgPoolFwd(g, x, y)
	avgPoolForward(g, x, want)
	for i := range want {
		if d := float64(y[i] - want[i]); d > tol || d < -tol {
			t.Fatalf("%T forward: y[%d] = %v, general kernel %v", x, i, y[i], want[i])
		}
	}
	dx, wantDx := make([]T, len(x)), make([]T, len(x))
	for i := range dx {
		dx[i] = 7 // stale values must not survive
	}
	avgPoolBwd(g, dy, dx)
	avgPoolBackward(g, dy, wantDx)
	for i := range wantDx {
		if d := float64(dx[i] - wantDx[i]); d > tol || d < -tol {
			t.Fatalf("%T backward: dx[%d] = %v, general kernel %v", x, i, dx[i], wantDx[i])
		}
	}
}
