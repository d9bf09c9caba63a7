package ops

import (
	"fmt"
	"math/rand/v2"
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
		im2col(&g, x, col)
		back := make([]float64, len(x))
		col2im(&g, c, back)
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
		x := make([]float32, g.n*g.c*g.inSize())
		y := make([]float32, g.n*g.k*g.outSize())
		w := make([]float32, g.k*g.colRows())
		for i := range x {
			x[i] = float32(i%7) - 3
		}
		for i := range y {
			y[i] = float32(i%5) - 2
		}
		for i := range w {
			w[i] = float32(i%3) - 1
		}
		flops := 2 * float64(g.n) * float64(g.k) * float64(g.colRows()) * float64(g.outSize())
		var e convEngine
		for _, pass := range []string{"forward", "data", "filter"} {
			b.Run(fmt.Sprintf("%s/%s", c.name, pass), func(b *testing.B) {
				for range b.N {
					switch pass {
					case "forward":
						convForward(&e, &g, x, w, nil, y)
					case "data":
						convBackwardData(&e, &g, y, w, nil, x)
					case "filter":
						convBackwardFilter(&e, &g, y, x, w)
					}
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
