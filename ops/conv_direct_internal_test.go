package ops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/convnet-go/convnet/internal/vec"
)

// directCase is one geometry of the direct-convolution tests.
type directCase struct {
	n, c, k, h, w, kh, kw, dil, pad int
}

func (c directCase) geom() convGeom {
	oh, ow := c.h+2*c.pad-c.dil*(c.kh-1), c.w+2*c.pad-c.dil*(c.kw-1)
	return convGeom{
		n: c.n, c: c.c, k: c.k,
		in: [3]int{1, c.h, c.w}, out: [3]int{1, oh, ow}, ker: [3]int{1, c.kh, c.kw},
		stride: [3]int{1, 1, 1}, dil: [3]int{1, c.dil, c.dil}, pad: [3]int{0, c.pad, c.pad},
	}
}

var directCases = []directCase{
	{64, 1, 32, 28, 28, 3, 3, 1, 0}, // LeNet conv1
	{3, 1, 4, 8, 7, 3, 3, 1, 0},     // odd output width, tails of 8
	{2, 3, 5, 9, 12, 3, 3, 1, 0},    // 27 taps, 5 channels (a 4-row block and one row)
	{2, 1, 6, 12, 13, 3, 3, 2, 0},   // dilation 2
	{1, 2, 7, 11, 20, 2, 2, 1, 0},   // 2x2 kernel
	{1, 1, 3, 4, 3, 3, 1, 1, 0},     // 3x1 kernel, 2x3 output
	{1, 1, 32, 70, 40, 3, 3, 1, 0},  // two bands of rows
	{2, 32, 2, 6, 6, 1, 1, 1, 0},    // 1x1, 32 channels: 32 taps
	{3, 1, 5, 18, 18, 3, 3, 1, 0},   // 8 pooled columns: one block, no padding
	{2, 2, 3, 21, 20, 2, 2, 1, 0},   // 9 pooled columns
	{64, 1, 32, 28, 28, 3, 3, 1, 1}, // W4's first layer: padding 1
	{2, 3, 5, 9, 12, 3, 3, 1, 2},    // padding 2, 27 taps
	{1, 1, 4, 7, 8, 2, 2, 2, 1},     // padding and dilation
}

// directReference is convPoolForward's general path: the engine's
// convolution of the whole output, then poolPlanes.
func directReference[T float](g convGeom, x, w, b []T, relu bool) []T {
	full := make([]T, g.n*g.k*g.outSize())
	convForward(&convEngine{}, &g, x, w, nil, false, full)
	y := make([]T, g.n*g.k*(g.out[1]/2)*(g.out[2]/2))
	poolPlanes(full, g.n*g.k, g.out[1], g.out[2], b, relu, y)
	return y
}

func directInputs[T float](rng *rand.Rand, g convGeom) (x, w, b []T) {
	fill := func(n int) []T {
		s := make([]T, n)
		for i := range s {
			s[i] = T(rng.NormFloat64())
		}
		return s
	}
	return fill(g.n * g.c * g.inSize()), fill(g.k * g.colRows()), fill(g.k)
}

// checkDirect runs convPoolDirect with kern on every case and compares it
// with directReference within tol·(1 + |y|).
func checkDirect[T float](t *testing.T, name string, kern directKernels[T], tol float64) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, c := range directCases {
		for _, relu := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/%+v/relu=%v", name, c, relu), func(t *testing.T) {
				g := c.geom()
				if !g.directTaps() {
					t.Fatalf("geometry %+v not on the direct path", g)
				}
				x, w, b := directInputs[T](rng, g)
				x[len(x)/3] = T(math.NaN())
				want := directReference(g, x, w, b, relu)
				cp := &convPoolRun{conv: &convRun{geom: g, bias: true, relu: relu}}
				got := make([]T, len(want))
				for i := range got {
					got[i] = 7e7
				}
				convPoolDirect(cp, x, w, b, got, kern)
				for i := range want {
					g, v := float64(got[i]), float64(want[i])
					if math.IsNaN(g) != math.IsNaN(v) || math.Abs(g-v) > tol*(1+math.Abs(v)) {
						t.Fatalf("y[%d] = %v, general path %v", i, g, v)
					}
				}
			})
		}
	}
}

// TestConvPoolDirect compares the direct convolution with the general
// path (im2col or shifted GEMMs, then pooling), a NaN in every input:
// float32 with vec.Taps and vec.TapsPool2 (their vector kernels where the
// CPU has them), with vec.Taps alone (convolution rows pooled apart), and
// with the portable code; float64 with the portable code, fused and not.
// Every run also takes the unfused path for the batch's last rows, where
// TapsPool2 would read past the input. The sums run in another order
// (and fused in the vector kernels): tolerance 2e-5·(1+|y|) in float32,
// 1e-12·(1+|y|) in float64.
func TestConvPoolDirect(t *testing.T) {
	k32, k64 := directKernelsFor[float32](), directKernelsFor[float64]()
	checkDirect(t, "float32", k32, 2e-5)
	checkDirect(t, "float32-unfused", directKernels[float32]{taps: k32.taps}, 2e-5)
	checkDirect(t, "float32-portable", directKernels[float32]{taps: vec.TapsPortable[float32], pool: vec.TapsPool2Portable[float32]}, 2e-5)
	checkDirect(t, "float64", k64, 1e-12)
	checkDirect(t, "float64-unfused", directKernels[float64]{taps: k64.taps}, 1e-12)
}

// TestDirectTaps checks which geometries take the direct path.
func TestDirectTaps(t *testing.T) {
	base := directCase{2, 1, 8, 10, 10, 3, 3, 1, 0}.geom()
	cases := []struct {
		name string
		edit func(g *convGeom)
		want bool
	}{
		{"LeNet conv1", func(*convGeom) {}, true},
		{"padding", func(g *convGeom) { g.pad[2] = 1; g.out[2] = 10 }, true},
		{"stride 2", func(g *convGeom) { g.stride[1] = 2; g.out[1] = 4 }, false},
		{"33 taps", func(g *convGeom) { g.c = 4 }, false},
		{"3-D", func(g *convGeom) { g.in[0], g.ker[0] = 3, 3 }, false},
		{"window past the input (padded copy)", func(g *convGeom) { g.out[2] = 9 }, true},
		{"1-row output", func(g *convGeom) { g.out[1] = 1 }, false},
	}
	for _, c := range cases {
		g := base
		c.edit(&g)
		if got := g.directTaps(); got != c.want {
			t.Errorf("%s: directTaps() = %v, want %v", c.name, got, c.want)
		}
	}
	var g32 convGeom = base
	if got, want := useDirectTaps[float64](&g32), false; got != want {
		t.Errorf("useDirectTaps[float64] = %v, want %v", got, want)
	}
	if got, want := useDirectTaps[float32](&g32), vec.TapsFast(); got != want {
		t.Errorf("useDirectTaps[float32] = %v, want %v (vec.TapsFast)", got, want)
	}
}
