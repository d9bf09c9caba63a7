package ops

import (
	"fmt"
	"testing"
)

// workloadConv is one convolution layer of the benchmark workloads
// (examples/benchmark, ../shared/bench/torch_bench.py).
type workloadConv struct {
	name               string
	n, cin, cout, h, w int
	k, stride, pad     int
	transposed         bool
}

// geom returns the engine geometry of the layer (for a transposed
// convolution, the image side is its output).
func (l workloadConv) geom() convGeom {
	if l.transposed {
		oh, ow := (l.h-1)*l.stride+l.k, (l.w-1)*l.stride+l.k
		return convGeom{n: l.n, c: l.cout, k: l.cin, in: [3]int{1, oh, ow}, out: [3]int{1, l.h, l.w},
			ker: [3]int{1, l.k, l.k}, stride: [3]int{1, l.stride, l.stride}, dil: [3]int{1, 1, 1}}
	}
	oh, ow := (l.h+2*l.pad-l.k)/l.stride+1, (l.w+2*l.pad-l.k)/l.stride+1
	return convGeom{n: l.n, c: l.cin, k: l.cout, in: [3]int{1, l.h, l.w}, out: [3]int{1, oh, ow},
		ker: [3]int{1, l.k, l.k}, stride: [3]int{1, l.stride, l.stride}, pad: [3]int{0, l.pad, l.pad}, dil: [3]int{1, 1, 1}}
}

// workloadConvs lists every distinct convolution of W1-W4 (repeated
// layers once).
func workloadConvs() []workloadConv {
	c := func(name string, n, cin, cout, hw, k, s, p int) workloadConv {
		return workloadConv{name: name, n: n, cin: cin, cout: cout, h: hw, w: hw, k: k, stride: s, pad: p}
	}
	t := func(name string, n, cin, cout, hw int) workloadConv {
		return workloadConv{name: name, n: n, cin: cin, cout: cout, h: hw, w: hw, k: 2, stride: 2, transposed: true}
	}
	return []workloadConv{
		c("W1/c1-1x32@28", 64, 1, 32, 28, 3, 1, 0),
		c("W1/c2-32x64@13", 64, 32, 64, 13, 3, 1, 0),
		c("W2/stem-3x64@32", 32, 3, 64, 32, 3, 1, 1),
		c("W2/l1-64x64@32", 32, 64, 64, 32, 3, 1, 1),
		c("W2/l2a-64x128@32s2", 32, 64, 128, 32, 3, 2, 1),
		c("W2/l2-128x128@16", 32, 128, 128, 16, 3, 1, 1),
		c("W2/l2d-64x128@32s2k1", 32, 64, 128, 32, 1, 2, 0),
		c("W2/l3a-128x256@16s2", 32, 128, 256, 16, 3, 2, 1),
		c("W2/l3-256x256@8", 32, 256, 256, 8, 3, 1, 1),
		c("W2/l3d-128x256@16s2k1", 32, 128, 256, 16, 1, 2, 0),
		c("W2/l4a-256x512@8s2", 32, 256, 512, 8, 3, 2, 1),
		c("W2/l4-512x512@4", 32, 512, 512, 4, 3, 1, 1),
		c("W2/l4d-256x512@8s2k1", 32, 256, 512, 8, 1, 2, 0),
		c("W3/e1a-1x16@64", 8, 1, 16, 64, 3, 1, 1),
		c("W3/e1b-16x16@64", 8, 16, 16, 64, 3, 1, 1),
		c("W3/e2a-16x32@32", 8, 16, 32, 32, 3, 1, 1),
		c("W3/e2b-32x32@32", 8, 32, 32, 32, 3, 1, 1),
		c("W3/e3a-32x64@16", 8, 32, 64, 16, 3, 1, 1),
		c("W3/e3b-64x64@16", 8, 64, 64, 16, 3, 1, 1),
		c("W3/e4a-64x128@8", 8, 64, 128, 8, 3, 1, 1),
		c("W3/e4b-128x128@8", 8, 128, 128, 8, 3, 1, 1),
		c("W3/ba-128x256@4", 8, 128, 256, 4, 3, 1, 1),
		c("W3/bb-256x256@4", 8, 256, 256, 4, 3, 1, 1),
		t("W3/u4-256x128@4", 8, 256, 128, 4),
		c("W3/d4a-256x128@8", 8, 256, 128, 8, 3, 1, 1),
		t("W3/u3-128x64@8", 8, 128, 64, 8),
		c("W3/d3a-128x64@16", 8, 128, 64, 16, 3, 1, 1),
		t("W3/u2-64x32@16", 8, 64, 32, 16),
		c("W3/d2a-64x32@32", 8, 64, 32, 32, 3, 1, 1),
		t("W3/u1-32x16@32", 8, 32, 16, 32),
		c("W3/d1a-32x16@64", 8, 32, 16, 64, 3, 1, 1),
		c("W3/head-16x1@64k1", 8, 16, 1, 64, 1, 1, 0),
		c("W4/e1-1x32@28", 64, 1, 32, 28, 3, 1, 1),
		c("W4/e2-32x16@14", 64, 32, 16, 14, 3, 1, 1),
		t("W4/d1-16x16@7", 64, 16, 16, 7),
		t("W4/d2-16x32@14", 64, 16, 32, 14),
		c("W4/d3-32x1@28", 64, 32, 1, 28, 3, 1, 1),
	}
}

// benchConvData returns float32 input, output and weight buffers of g's
// sizes, filled with small repeating values, and the floating-point
// operations of one pass.
func benchConvData(g *convGeom) (x, y, w []float32, flops float64) {
	x = make([]float32, g.n*g.c*g.inSize())
	y = make([]float32, g.n*g.k*g.outSize())
	w = make([]float32, g.k*g.colRows())
	for i := range x {
		x[i] = float32(i%7) - 3
	}
	for i := range y {
		y[i] = float32(i%5) - 2
	}
	for i := range w {
		w[i] = float32(i%3) - 1
	}
	return x, y, w, 2 * float64(g.n) * float64(g.k) * float64(g.colRows()) * float64(g.outSize())
}

// runConvPass runs one of the engine's passes on the buffers of
// benchConvData: "fwd" (y from x and w), "data" (x from y and w) or
// "filter" (w from y and x).
func runConvPass(e *convEngine, g *convGeom, pass string, x, y, w []float32) {
	switch pass {
	case "fwd":
		convForward(e, g, x, w, nil, false, y)
	case "data":
		convBackwardData(e, g, y, w, nil, false, x)
	case "filter":
		convBackwardFilter(e, g, y, x, w)
	default:
		panic("runConvPass: unknown pass " + pass)
	}
}

// BenchmarkConvWorkloads times the engine's three passes on every
// convolution of the benchmark workloads, in float32. For a convolution
// "fwd" is its forward pass, "data" its input gradient and "filter" its
// weight gradient; for a transposed convolution "fwd" runs the data pass
// of the engine and "data" its forward pass.
func BenchmarkConvWorkloads(b *testing.B) {
	for _, l := range workloadConvs() {
		g := l.geom()
		x, y, w, flops := benchConvData(&g)
		var e convEngine
		for _, pass := range []string{"fwd", "data", "filter"} {
			b.Run(fmt.Sprintf("%s/%s", l.name, pass), func(b *testing.B) {
				run := pass
				if l.transposed && pass != "filter" {
					run = map[string]string{"fwd": "data", "data": "fwd"}[pass]
				}
				c0 := processCPU()
				for range b.N {
					runConvPass(&e, &g, run, x, y, w)
				}
				cpu := (processCPU() - c0) / float64(b.N)
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				b.ReportMetric(cpu, "cpu-ms/op")
				b.ReportMetric(flops/cpu/1e6, "GFLOP/cpu-s")
			})
		}
	}
}
