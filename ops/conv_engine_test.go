package ops

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
)

// TestValidRange checks validRange against a brute-force scan.
func TestValidRange(t *testing.T) {
	for off := -7; off <= 7; off++ {
		for stride := 1; stride <= 4; stride++ {
			for in := 1; in <= 6; in++ {
				for out := 0; out <= 6; out++ {
					lo, hi := validRange(off, stride, in, out)
					for o := range out {
						z := o*stride + off
						inside := z >= 0 && z < in
						if inside != (o >= lo && o < hi) {
							t.Fatalf("off %d stride %d in %d out %d: [%d, %d) but o=%d inside=%v", off, stride, in, out, lo, hi, o, inside)
						}
					}
					if lo > hi || hi > out || lo < 0 {
						t.Fatalf("off %d stride %d in %d out %d: bad range [%d, %d)", off, stride, in, out, lo, hi)
					}
				}
			}
		}
	}
}

// TestCol2imIsAdjoint checks ⟨im2col(x), c⟩ = ⟨x, col2im(c)⟩ on random
// geometries, the identity the backward pass rests on.
func TestCol2imIsAdjoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		var g convGeom
		g.c = 1 + rng.IntN(3)
		for i := range 3 {
			g.in[i] = 1 + rng.IntN(6)
			g.ker[i] = 1 + rng.IntN(3)
			g.stride[i] = 1 + rng.IntN(3)
			g.pad[i] = rng.IntN(3)
			g.dil[i] = 1 + rng.IntN(2)
			g.out[i] = 1 + rng.IntN(6) // any size: positions past the input read zeros
		}
		x := make([]float64, g.c*g.inSize())
		c := make([]float64, g.colRows()*g.outSize())
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		for i := range c {
			c[i] = rng.NormFloat64()
		}
		col := make([]float64, len(c))
		im2col(&g, x, col, g.outSize())
		back := make([]float64, len(x))
		col2im(&g, c, back, g.outSize())
		a, b := 0.0, 0.0
		for i := range c {
			a += col[i] * c[i]
		}
		for i := range x {
			b += x[i] * back[i]
		}
		if d := a - b; d > 1e-9 || d < -1e-9 {
			t.Fatalf("%+v: <im2col x, c> = %v, <x, col2im c> = %v", g, a, b)
		}
	}
}

// BenchmarkConvEngine times the engine's three passes without a graph, in
// float32: forward (im2col + gemm), data (gemm + col2im) and filter
// (im2col + gemm, reduced over workers).
func BenchmarkConvEngine(b *testing.B) {
	for _, c := range []struct {
		name string
		g    convGeom
	}{
		{"x64x1x28x28-w32x1x3x3", convGeom{n: 64, c: 1, k: 32, in: [3]int{1, 28, 28}, out: [3]int{1, 26, 26}, ker: [3]int{1, 3, 3}, stride: [3]int{1, 1, 1}, dil: [3]int{1, 1, 1}}},
		{"x64x32x13x13-w64x32x3x3", convGeom{n: 64, c: 32, k: 64, in: [3]int{1, 13, 13}, out: [3]int{1, 11, 11}, ker: [3]int{1, 3, 3}, stride: [3]int{1, 1, 1}, dil: [3]int{1, 1, 1}}},
		{"x32x64x32x32-w64x64x3x3-p1", convGeom{n: 32, c: 64, k: 64, in: [3]int{1, 32, 32}, out: [3]int{1, 32, 32}, ker: [3]int{1, 3, 3}, stride: [3]int{1, 1, 1}, pad: [3]int{0, 1, 1}, dil: [3]int{1, 1, 1}}},
	} {
		g := c.g
		x, y, w, flops := benchConvData(&g)
		var e convEngine
		for _, p := range []struct{ name, pass string }{{"forward", "fwd"}, {"data", "data"}, {"filter", "filter"}} {
			b.Run(fmt.Sprintf("%s/%s", c.name, p.name), func(b *testing.B) {
				for range b.N {
					runConvPass(&e, &g, p.pass, x, y, w)
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// naiveConvPasses computes the engine's three passes with plain loops over
// the geometry: y = conv(x, w), dx = convᵀ(dy, w), dw = Σ dy·x.
func naiveConvPasses(g *convGeom, x, w, dy []float64) (y, dx, dw []float64) {
	y = make([]float64, g.n*g.k*g.outSize())
	dx = make([]float64, g.n*g.c*g.inSize())
	dw = make([]float64, g.k*g.colRows())
	kk := prod3(g.ker)
	for n := 0; n < g.n; n++ {
		for k := 0; k < g.k; k++ {
			for o := 0; o < g.outSize(); o++ {
				od, oh, ow := o/(g.out[1]*g.out[2]), o/g.out[2]%g.out[1], o%g.out[2]
				yi := (n*g.k+k)*g.outSize() + o
				for c := 0; c < g.c; c++ {
					for t := 0; t < kk; t++ {
						kd, kh, kw := t/(g.ker[1]*g.ker[2]), t/g.ker[2]%g.ker[1], t%g.ker[2]
						zd := od*g.stride[0] - g.pad[0] + kd*g.dil[0]
						zh := oh*g.stride[1] - g.pad[1] + kh*g.dil[1]
						zw := ow*g.stride[2] - g.pad[2] + kw*g.dil[2]
						if zd < 0 || zd >= g.in[0] || zh < 0 || zh >= g.in[1] || zw < 0 || zw >= g.in[2] {
							continue
						}
						xi := (n*g.c+c)*g.inSize() + (zd*g.in[1]+zh)*g.in[2] + zw
						wi := (k*g.c+c)*kk + t
						y[yi] += x[xi] * w[wi]
						dx[xi] += dy[yi] * w[wi]
						dw[wi] += dy[yi] * x[xi]
					}
				}
			}
		}
	}
	return y, dx, dw
}

// checkPasses fails the test at the first value of the engine's outputs y,
// dx and dw that differs from naiveConvPasses' by more than 1e-9.
func checkPasses(t *testing.T, name string, y, dx, dw, wantY, wantDx, wantDw []float64) {
	t.Helper()
	for _, c := range []struct {
		what      string
		got, want []float64
	}{{"y", y, wantY}, {"dx", dx, wantDx}, {"dw", dw, wantDw}} {
		for i := range c.got {
			if d := c.got[i] - c.want[i]; d > 1e-9 || d < -1e-9 {
				t.Fatalf("%s: %s[%d] = %v, want %v", name, c.what, i, c.got[i], c.want[i])
			}
		}
	}
}

// TestConvEngineGroups checks the engine's three passes against
// naiveConvPasses for batches split into groups of images in every way:
// one group, several groups per worker, single-image groups, and
// GOMAXPROCS 1 to 3.
func TestConvEngineGroups(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	rng := rand.New(rand.NewPCG(3, 4))
	for it := range 120 {
		procs := 1 + it%3
		runtime.GOMAXPROCS(procs)
		var g convGeom
		g.n = 1 + rng.IntN(7)
		g.c = 1 + rng.IntN(4)
		g.k = 1 + rng.IntN(4)
		for i := range 3 {
			g.ker[i] = 1 + rng.IntN(3)
			g.stride[i] = 1 + rng.IntN(2)
			g.pad[i] = rng.IntN(2)
			g.dil[i] = 1 + rng.IntN(2)
			g.in[i] = 1 + rng.IntN(5)
			g.out[i] = 1 + rng.IntN(5)
		}
		if it%4 == 0 { // 2-D with large planes: few images per group
			g.in = [3]int{1, 12 + rng.IntN(6), 14 + rng.IntN(6)}
			g.out = [3]int{1, 10 + rng.IntN(4), 12 + rng.IntN(8)}
			g.ker[0], g.stride[0], g.pad[0], g.dil[0] = 1, 1, 0, 1
		}
		if it%9 == 0 { // one image per group and many groups (Wᵀ transposed once)
			g.n = 9 + rng.IntN(4)
			g.in = [3]int{1, 24, 25}
			g.out = [3]int{1, 23 + rng.IntN(2), 24}
			g.ker[0], g.stride[0], g.pad[0], g.dil[0] = 1, 1, 0, 1
		}
		if it%5 == 0 { // 1x1 stride 1: the direct path
			g.ker, g.stride, g.pad = [3]int{1, 1, 1}, [3]int{1, 1, 1}, [3]int{}
			g.out = g.in
		}
		x := make([]float64, g.n*g.c*g.inSize())
		w := make([]float64, g.k*g.colRows())
		dy := make([]float64, g.n*g.k*g.outSize())
		for _, s := range [][]float64{x, w, dy} {
			for i := range s {
				s[i] = rng.NormFloat64()
			}
		}
		wantY, wantDx, wantDw := naiveConvPasses(&g, x, w, dy)
		var by, bx []float64 // biases of the forward (K) and data (C) passes
		if it%2 == 1 {
			by, bx = make([]float64, g.k), make([]float64, g.c)
			for i := range by {
				by[i] = rng.NormFloat64()
				for j := range g.outSize() * g.n {
					wantY[(j/g.outSize()*g.k+i)*g.outSize()+j%g.outSize()] += by[i]
				}
			}
			for i := range bx {
				bx[i] = rng.NormFloat64()
				for j := range g.inSize() * g.n {
					wantDx[(j/g.inSize()*g.c+i)*g.inSize()+j%g.inSize()] += bx[i]
				}
			}
		}
		var e convEngine
		y := make([]float64, len(dy))
		dx := make([]float64, len(x))
		dw := make([]float64, len(w))
		for i := range dw {
			dw[i] = 1e9 // overwritten, not accumulated into
		}
		convForward(&e, &g, x, w, by, false, y)
		convBackwardData(&e, &g, dy, w, bx, false, dx)
		convBackwardFilter(&e, &g, dy, x, dw)
		checkPasses(t, fmt.Sprintf("procs%d-%+v-groups%d", procs, g, g.groupSize(procs)), y, dx, dw, wantY, wantDx, wantDw)
	}
}

// TestConvShiftPath checks the shifted-GEMM passes (stride 1) against
// naiveConvPasses on random 1-D, 2-D and 3-D geometries with padding,
// dilation, cropped inputs (asymmetric padding), extended outputs and
// biases, whatever their padding waste, with GOMAXPROCS 1 to 3.
func TestConvShiftPath(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	rng := rand.New(rand.NewPCG(5, 6))
	for it := range 150 {
		procs := 1 + it%3
		runtime.GOMAXPROCS(procs)
		g := convGeom{n: 1 + rng.IntN(6), c: 1 + rng.IntN(4), k: 1 + rng.IntN(4), stride: [3]int{1, 1, 1}}
		dims := 1 + it%3
		for a := range 3 {
			g.ker[a], g.dil[a], g.in[a], g.out[a] = 1, 1, 1, 1
			if a < 3-dims {
				continue
			}
			g.ker[a] = 1 + rng.IntN(3)
			g.dil[a] = 1 + rng.IntN(2)
			g.pad[a] = rng.IntN(3)
			g.in[a] = 1 + rng.IntN(9)
			// natural size ± 1: cropped input or zeros past its end
			nat := g.in[a] + 2*g.pad[a] - g.dil[a]*(g.ker[a]-1)
			g.out[a] = max(1, nat+rng.IntN(3)-1)
		}
		if g.direct() {
			continue
		}
		s := newShiftGeom(&g, nil, nil)
		x := make([]float64, g.n*g.c*g.inSize())
		w := make([]float64, g.k*g.colRows())
		dy := make([]float64, g.n*g.k*g.outSize())
		by, bx := make([]float64, g.k), make([]float64, g.c)
		for _, v := range [][]float64{x, w, dy, by, bx} {
			for i := range v {
				v[i] = rng.NormFloat64()
			}
		}
		wantY, wantDx, wantDw := naiveConvPasses(&g, x, w, dy)
		for i := range wantY {
			wantY[i] += by[i/g.outSize()%g.k]
		}
		for i := range wantDx {
			wantDx[i] += bx[i/g.inSize()%g.c]
		}
		var e convEngine
		y := make([]float64, len(dy))
		dx := make([]float64, len(x))
		dw := make([]float64, len(w))
		for rep := range 2 { // the second run reuses dirty scratch buffers
			for i := range y {
				y[i], dx[i%len(dx)] = 7, 7
			}
			shiftForward(&e, &g, &s, x, w, by, false, y)
			shiftBackwardData(&e, &g, &s, dy, w, bx, false, dx)
			shiftBackwardFilter(&e, &g, &s, dy, x, dw)
			checkPasses(t, fmt.Sprintf("rep%d-procs%d-%+v", rep, procs, g), y, dx, dw, wantY, wantDx, wantDw)
		}
	}
}

func TestTransposeInto(t *testing.T) {
	for _, sz := range [][2]int{{1, 1}, {3, 70}, {65, 33}, {100, 7}, {32, 32}} {
		r, c := sz[0], sz[1]
		a := make([]float32, r*c)
		for i := range a {
			a[i] = float32(i)
		}
		tr := make([]float32, r*c)
		transposeInto(new(convEngine), a, r, c, tr)
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				if tr[j*r+i] != a[i*c+j] {
					t.Fatalf("%dx%d: t[%d][%d] = %v, want %v", r, c, j, i, tr[j*r+i], a[i*c+j])
				}
			}
		}
	}
}

// BenchmarkIm2col times im2col and col2im alone on small feature maps,
// where rows are a few elements long.
func BenchmarkIm2col(b *testing.B) {
	for _, c := range []struct {
		name string
		g    convGeom
	}{
		{"c512-4x4-k3-p1", convGeom{n: 1, c: 512, k: 512, in: [3]int{1, 4, 4}, out: [3]int{1, 4, 4}, ker: [3]int{1, 3, 3}, stride: [3]int{1, 1, 1}, pad: [3]int{0, 1, 1}, dil: [3]int{1, 1, 1}}},
		{"c256-8x8-k3-p1", convGeom{n: 1, c: 256, k: 256, in: [3]int{1, 8, 8}, out: [3]int{1, 8, 8}, ker: [3]int{1, 3, 3}, stride: [3]int{1, 1, 1}, pad: [3]int{0, 1, 1}, dil: [3]int{1, 1, 1}}},
		{"c128-16x16-k3-s2-p1", convGeom{n: 1, c: 128, k: 256, in: [3]int{1, 16, 16}, out: [3]int{1, 8, 8}, ker: [3]int{1, 3, 3}, stride: [3]int{1, 2, 2}, pad: [3]int{0, 1, 1}, dil: [3]int{1, 1, 1}}},
	} {
		g := c.g
		x := make([]float32, g.c*g.inSize())
		col := make([]float32, g.colRows()*g.outSize())
		b.Run(c.name+"/im2col", func(b *testing.B) {
			c0 := processCPU()
			for range b.N {
				im2col(&g, x, col, g.outSize())
			}
			b.ReportMetric((processCPU()-c0)*1e6/float64(b.N), "cpu-ns/op")
		})
		b.Run(c.name+"/col2im", func(b *testing.B) {
			c0 := processCPU()
			for range b.N {
				col2im(&g, col, x, g.outSize())
			}
			b.ReportMetric((processCPU()-c0)*1e6/float64(b.N), "cpu-ns/op")
		})
	}
}

// TestIm2colSmallMatchesGeneral checks the small-map im2col against the
// general loops on random 2-D stride-1 geometries: padding, dilation,
// outputs smaller (cropped input) or larger (zeros past the end) than the
// natural size, and row lengths 1 to 16.
func TestIm2colSmallMatchesGeneral(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	tested := 0
	for range 300 {
		g := convGeom{n: 1, c: 1 + rng.IntN(3), k: 1, stride: [3]int{1, 1, 1}}
		g.in = [3]int{1, 1 + rng.IntN(12), 1 + rng.IntN(12)}
		g.ker = [3]int{1, 1 + rng.IntN(3), 1 + rng.IntN(3)}
		g.dil = [3]int{1, 1 + rng.IntN(2), 1 + rng.IntN(2)}
		g.pad = [3]int{0, rng.IntN(3), rng.IntN(3)}
		g.out = [3]int{1, 1 + rng.IntN(16), 1 + rng.IntN(16)}
		x := make([]float64, g.c*g.inSize())
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		ld := g.outSize() + rng.IntN(3)
		want := make([]float64, g.colRows()*ld)
		got := make([]float64, len(want))
		for i := range got {
			got[i], want[i] = 5, 5 // columns past P keep their value
		}
		if !im2colSmall(&g, x, got, ld) {
			continue
		}
		tested++
		// the reference: im2colGeneral on the same geometry
		im2colGeneral(&g, x, want, ld)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%+v ld %d: col[%d] = %v, want %v", g, ld, i, got[i], want[i])
			}
		}
	}
	if tested < 100 {
		t.Fatalf("only %d geometries took the small path", tested)
	}
}
