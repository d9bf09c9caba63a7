package gemm

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/blas/gonum"
)

// Run with -cpu 1,2 to measure one and two threads (both Sgemm and gonum
// split large products over GOMAXPROCS goroutines). Besides GFLOP/s of wall
// time, the benchmarks report GFLOP per second of process CPU time
// ("GFLOP/cpu-s"): on a machine shared with other jobs the wall-clock rate
// depends on how much of the cores the benchmark got, the CPU-time rate
// much less (with two threads it is the rate per busy core).

// benchShape is one benchmarked product.
type benchShape struct {
	name           string
	transA, transB bool
	m, n, k        int
}

var benchShapes = []benchShape{
	{name: "256", m: 256, n: 256, k: 256},
	{name: "1024", m: 1024, n: 1024, k: 1024},
	{name: "2048", m: 2048, n: 2048, k: 2048},
	// Convolution forward as im2col products: (out channels) × (output
	// pixels) × (in channels · kernel area).
	{name: "conv-64x676x9", m: 64, n: 676, k: 9},                       // 3×3, 1 → 64 channels, 26×26 output
	{name: "conv-64x121x288", m: 64, n: 121, k: 288},                   // 3×3, 32 → 64 channels, 11×11 output, one image
	{name: "conv-64x3872x288", m: 64, n: 3872, k: 288},                 // the same, 32 images batched along n
	{name: "conv-64x1024x576", m: 64, n: 1024, k: 576},                 // 3×3, 64 → 64 channels, 32×32 output
	{name: "convdw-64x576x1024", transB: true, m: 64, n: 576, k: 1024}, // weight gradient dY·colᵀ
	{name: "convdx-576x1024x64", transA: true, m: 576, n: 1024, k: 64}, // input gradient Wᵀ·dY
	{name: "convdw-6x25x576", transB: true, m: 6, n: 25, k: 576},       // LeNet conv1 weight gradient (dot-product path)
	// Dense layers (ops.Dense: X·Wᵀ with batch × in, out × in).
	{name: "dense-128x1600x64", m: 128, n: 1600, k: 64},
	{name: "dense-64x512x1600-NT", transB: true, m: 64, n: 512, k: 1600},
}

func benchOperands(s benchShape) (a []float32, lda int, b []float32, ldb int, c []float32) {
	r := rand.New(rand.NewPCG(1, 1))
	lda, ldb = s.k, s.n
	if s.transA {
		lda = s.m
	}
	if s.transB {
		ldb = s.k
	}
	return randSlice(r, s.m*s.k), lda, randSlice(r, s.k*s.n), ldb, make([]float32, s.m*s.n)
}

// gflopsReporter reports the rates of a benchmark of shape s: start it
// before the timed loop, call the result after.
func gflopsReporter(b *testing.B, s benchShape) func() {
	cpu0, ok := processCPU()
	return func() {
		flops := 2 * float64(s.m) * float64(s.n) * float64(s.k) * float64(b.N)
		b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		if cpu1, ok2 := processCPU(); ok && ok2 && cpu1 > cpu0 {
			b.ReportMetric(flops/(cpu1-cpu0).Seconds()/1e9, "GFLOP/cpu-s")
		}
	}
}

// BenchmarkSgemm measures Sgemm (the kernel picked for this CPU).
func BenchmarkSgemm(b *testing.B) {
	for _, s := range benchShapes {
		b.Run(s.name, func(b *testing.B) {
			a, lda, bb, ldb, c := benchOperands(s)
			report := gflopsReporter(b, s)
			for b.Loop() {
				Sgemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n)
			}
			report()
		})
	}
}

// BenchmarkSgemmKernel measures every kernel family this CPU can run
// (AVX-512, AVX2, portable Go; each picks its register block per shape) on
// the square sizes and the convolution forward shape. The portable kernel
// is slow: at 2048 one product takes seconds.
func BenchmarkSgemmKernel(b *testing.B) {
	for _, set := range availableKernelSets() {
		family, _, _ := strings.Cut(set[0].name, "-")
		for _, s := range benchShapes {
			if s.name != "256" && s.name != "1024" && s.name != "2048" && s.name != "conv-64x1024x576" {
				continue
			}
			b.Run(fmt.Sprintf("%s/%s", family, s.name), func(b *testing.B) {
				a, lda, bb, ldb, c := benchOperands(s)
				report := gflopsReporter(b, s)
				for b.Loop() {
					sgemmAuto(set, nil, s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n)
				}
				report()
			})
		}
	}
}

// BenchmarkSgemmGonum measures gonum's pure-Go Sgemm on the same shapes, as
// the baseline.
func BenchmarkSgemmGonum(b *testing.B) {
	for _, s := range benchShapes {
		b.Run(s.name, func(b *testing.B) {
			a, lda, bb, ldb, c := benchOperands(s)
			report := gflopsReporter(b, s)
			for b.Loop() {
				gonum.Implementation{}.Sgemm(trans(s.transA), trans(s.transB), s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n)
			}
			report()
		})
	}
}
