package ops_test

import (
	"fmt"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// benchPool times one run of fn on a float32 input of the given shape:
// the forward pass alone ("fwd") and forward plus backward with the cost
// Σ y ("fwd+bwd"), the way the Gorgonia research notes measured.
func benchPool(b *testing.B, shape []int, fn func(x *G.Node) (*G.Node, error)) {
	for _, backward := range []bool{false, true} {
		name := "fwd"
		if backward {
			name = "fwd+bwd"
		}
		b.Run(name, func(b *testing.B) {
			rng := graph.NewRand(1)
			n := tensor.Shape(shape).TotalSize()
			data := make([]float32, n)
			for i := range data {
				data[i] = float32(rng.NormFloat64())
			}
			bd := graph.NewBuilder(graph.Train)
			x := bd.InputValue("x", tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data)))
			y, err := fn(x)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(4 * n))
			benchMachine(b, bd, y, backward, x)
		})
	}
}

// BenchmarkMaxPool2D: k2 s2 on (64, 32, 26, 26), ours and Gorgonia's.
func BenchmarkMaxPool2D(b *testing.B) {
	shape := []int{64, 32, 26, 26}
	b.Run("k2s2", func(b *testing.B) {
		benchPool(b, shape, func(x *G.Node) (*G.Node, error) {
			return ops.MaxPool2D(x, [2]int{2, 2}, [2]int{2, 2}, [2]int{})
		})
	})
	b.Run("k3s2p1", func(b *testing.B) {
		benchPool(b, shape, func(x *G.Node) (*G.Node, error) {
			return ops.MaxPool2D(x, [2]int{3, 3}, [2]int{2, 2}, [2]int{1, 1})
		})
	})
	b.Run("gorgonia-k2s2", func(b *testing.B) {
		benchPool(b, shape, func(x *G.Node) (*G.Node, error) {
			return G.MaxPool2D(x, tensor.Shape{2, 2}, []int{0, 0}, []int{2, 2})
		})
	})
}

// BenchmarkAvgPool2D: k2 s2 and k3 s2 p1 on (64, 32, 26, 26).
func BenchmarkAvgPool2D(b *testing.B) {
	shape := []int{64, 32, 26, 26}
	b.Run("k2s2", func(b *testing.B) {
		benchPool(b, shape, func(x *G.Node) (*G.Node, error) {
			return ops.AvgPool2D(x, [2]int{2, 2}, [2]int{2, 2}, [2]int{})
		})
	})
	b.Run("k3s2p1", func(b *testing.B) {
		benchPool(b, shape, func(x *G.Node) (*G.Node, error) {
			return ops.AvgPool2D(x, [2]int{3, 3}, [2]int{2, 2}, [2]int{1, 1})
		})
	})
}

// BenchmarkMaxPool3D: k2 s2 on (8, 16, 16, 16, 16).
func BenchmarkMaxPool3D(b *testing.B) {
	benchPool(b, []int{8, 16, 16, 16, 16}, func(x *G.Node) (*G.Node, error) {
		return ops.MaxPool3D(x, [3]int{2, 2, 2}, [3]int{2, 2, 2}, [3]int{})
	})
}

// BenchmarkGlobalAvgPool: (32, 512, 4, 4) -> (32, 512).
func BenchmarkGlobalAvgPool(b *testing.B) {
	benchPool(b, []int{32, 512, 4, 4}, ops.GlobalAvgPool)
}

// BenchmarkMaxPoolUnpool2D: SegNet's pool with indices and unpool, k2 s2
// on (32, 64, 28, 28).
func BenchmarkMaxPoolUnpool2D(b *testing.B) {
	benchPool(b, []int{32, 64, 28, 28}, func(x *G.Node) (*G.Node, error) {
		out, idx, err := ops.MaxPool2DIndices(x, [2]int{2, 2}, [2]int{2, 2}, [2]int{})
		if err != nil {
			return nil, err
		}
		return ops.MaxUnpool2D(out, idx, 28, 28)
	})
}

// BenchmarkUpsample2D: x2 on (32, 64, 28, 28), nearest (ours and
// Gorgonia's) and bilinear. Gorgonia's is skipped with -short (it takes
// about half a second per run).
func BenchmarkUpsample2D(b *testing.B) {
	shape := []int{32, 64, 28, 28}
	b.Run("nearest", func(b *testing.B) {
		benchPool(b, shape, func(x *G.Node) (*G.Node, error) { return ops.Upsample2D(x, [2]int{2, 2}) })
	})
	b.Run("bilinear", func(b *testing.B) {
		benchPool(b, shape, func(x *G.Node) (*G.Node, error) { return ops.UpsampleBilinear2D(x, [2]int{2, 2}) })
	})
	b.Run("gorgonia-nearest", func(b *testing.B) {
		if testing.Short() {
			b.Skip("slow")
		}
		benchPool(b, shape, func(x *G.Node) (*G.Node, error) { return G.Upsample2D(x, 1) })
	})
}

// BenchmarkSumBaseline times the cost Σ y alone (Gorgonia's Sum and its
// gradient), the part of every fwd+bwd number above that is not the op:
// on the pooling input (64, 32, 26, 26) and on the upsampling output
// (32, 64, 56, 56).
func BenchmarkSumBaseline(b *testing.B) {
	for _, shape := range [][]int{{64, 32, 26, 26}, {32, 64, 56, 56}} {
		b.Run(fmt.Sprint(shape), func(b *testing.B) {
			benchPool(b, shape, func(x *G.Node) (*G.Node, error) { return x, nil })
		})
	}
}
