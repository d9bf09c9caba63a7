package ops

import (
	"testing"

	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// BenchmarkLeNetConvPool runs W1's two convolution+ReLU+pool stages on a
// float32 batch of 64, as one ConvMaxPool2D op per stage ("fused") and as
// ConvND then MaxPool2D ("apart"); with -count the two alternate.
func BenchmarkLeNetConvPool(bm *testing.B) {
	rng := graph.NewRand(1)
	rnd := func(shape ...int) *tensor.Dense {
		t := tensor.New(tensor.WithShape(shape...), tensor.Of(tensor.Float32))
		for i := range t.Data().([]float32) {
			t.Data().([]float32)[i] = float32(rng.NormFloat64())
		}
		return t
	}
	x, w1, b1, w2, b2 := rnd(64, 1, 28, 28), rnd(32, 1, 3, 3), rnd(32), rnd(64, 32, 3, 3), rnd(64)
	for _, fused := range []bool{true, false} {
		name := map[bool]string{true: "fused", false: "apart"}[fused]
		bm.Run(name, func(bm *testing.B) {
			b := graph.NewBuilder(graph.Eval)
			stage := func(h *G.Node, w, bias *tensor.Dense, tag string) *G.Node {
				wn, bn := b.InputValue("w"+tag, w), b.InputValue("b"+tag, bias)
				p := ConvParams{ReLU: true}
				if fused {
					y, err := ConvMaxPool2D(h, wn, bn, p)
					if err != nil {
						bm.Fatal(err)
					}
					return y
				}
				y, err := ConvND(h, wn, bn, p)
				if err != nil {
					bm.Fatal(err)
				}
				if y, err = MaxPool2D(y, [2]int{2, 2}, [2]int{2, 2}, [2]int{}); err != nil {
					bm.Fatal(err)
				}
				return y
			}
			y := stage(stage(b.InputValue("x", x), w1, b1, "1"), w2, b2, "2")
			var v G.Value
			G.Read(y, &v)
			m, err := graph.NewMachine(b.Graph())
			if err != nil {
				bm.Fatal(err)
			}
			defer m.Close()
			bm.ResetTimer()
			c0 := processCPU()
			for range bm.N {
				if err := graph.Run(m); err != nil {
					bm.Fatal(err)
				}
			}
			bm.ReportMetric((processCPU()-c0)/float64(bm.N), "cpu-ms/op")
		})
	}
}
