package ops

import (
	"fmt"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// benchKernels times the forward op and its gradient op of one pooling or
// upsampling node by calling their Do directly (float32): the cost of the
// kernels alone, without Gorgonia's graph machinery or a cost function.
func benchKernels(b *testing.B, shape []int, build func(x *G.Node) (*G.Node, error)) {
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float32, len(shape), G.WithShape(shape...), G.WithName("x"))
	y, err := build(x)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	xt := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(shape...))
	for i := range xt.Float32s() {
		xt.Float32s()[i] = float32(rng.NormFloat64())
	}
	dyt := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(y.Shape().Clone()...))
	for i := range dyt.Float32s() {
		dyt.Float32s()[i] = float32(rng.NormFloat64())
	}
	fwd := y.Op()
	yv, err := fwd.Do(xt)
	if err != nil {
		b.Fatal(err)
	}
	dy := G.NewTensor(g, tensor.Float32, y.Dims(), G.WithShape(y.Shape().Clone()...), G.WithName("dy"))
	dxs, err := fwd.(G.SDOp).SymDiff(G.Nodes{x}, y, dy)
	if err != nil {
		b.Fatal(err)
	}
	bwd := dxs[0].Op()
	args := []G.Value{xt, yv, dyt} // a kit gradient takes the inputs, the output and dy
	b.Run("fwd", func(b *testing.B) {
		b.SetBytes(int64(4 * xt.Size()))
		c0 := processCPU()
		for i := 0; i < b.N; i++ {
			if _, err := fwd.Do(xt); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric((processCPU()-c0)/float64(b.N), "cpu-ms/op")
	})
	b.Run("bwd", func(b *testing.B) {
		b.SetBytes(int64(4 * xt.Size()))
		c0 := processCPU()
		for i := 0; i < b.N; i++ {
			if _, err := bwd.Do(args...); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric((processCPU()-c0)/float64(b.N), "cpu-ms/op")
	})
}

func BenchmarkPoolKernels(b *testing.B) {
	pool := []int{64, 32, 26, 26}
	up := []int{32, 64, 28, 28}
	cases := []struct {
		name  string
		shape []int
		build func(x *G.Node) (*G.Node, error)
	}{
		{"MaxPool2D-k2s2", pool, func(x *G.Node) (*G.Node, error) { return MaxPool2D(x, [2]int{2, 2}, [2]int{2, 2}, [2]int{}) }},
		{"MaxPool2D-k3s2p1", pool, func(x *G.Node) (*G.Node, error) { return MaxPool2D(x, [2]int{3, 3}, [2]int{2, 2}, [2]int{1, 1}) }},
		{"MaxPool2D-k3s1p1", pool, func(x *G.Node) (*G.Node, error) { return MaxPool2D(x, [2]int{3, 3}, [2]int{1, 1}, [2]int{1, 1}) }},
		{"AvgPool2D-k2s2", pool, func(x *G.Node) (*G.Node, error) { return AvgPool2D(x, [2]int{2, 2}, [2]int{2, 2}, [2]int{}) }},
		{"AvgPool2D-k3s2p1", pool, func(x *G.Node) (*G.Node, error) { return AvgPool2D(x, [2]int{3, 3}, [2]int{2, 2}, [2]int{1, 1}) }},
		{"MaxPool3D-k2s2", []int{8, 16, 16, 16, 16}, func(x *G.Node) (*G.Node, error) {
			return MaxPool3D(x, [3]int{2, 2, 2}, [3]int{2, 2, 2}, [3]int{})
		}},
		{"MaxPool1D-k2s2", []int{64, 32, 676}, func(x *G.Node) (*G.Node, error) { return MaxPool1D(x, 2, 2, 0) }},
		{"GlobalAvgPool", []int{32, 512, 4, 4}, GlobalAvgPool},
		{"Upsample2D-x2", up, func(x *G.Node) (*G.Node, error) { return Upsample2D(x, [2]int{2, 2}) }},
		{"UpsampleBilinear2D-x2", up, func(x *G.Node) (*G.Node, error) { return UpsampleBilinear2D(x, [2]int{2, 2}) }},
	}
	for _, c := range cases {
		b.Run(fmt.Sprintf("%s-%v", c.name, c.shape), func(b *testing.B) { benchKernels(b, c.shape, c.build) })
	}
}
