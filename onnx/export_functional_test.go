package onnx_test

import (
	"testing"

	"github.com/convnet-go/convnet/nn"
	"gorgonia.org/tensor"
)

// functionalCase is an nn.Functional with its input shapes.
type functionalCase struct {
	name  string
	build func() (*nn.Functional, error)
	in    [][]int
}

func functionalCases() []functionalCase {
	return []functionalCase{
		{"two-heads", func() (*nn.Functional, error) {
			// A segmentation head and a classification head on one
			// trunk with a skip connection; the trunk's output is also a
			// model output, and so is one output twice.
			x := nn.Input("image")
			c1 := nn.Connect("conv1", must(nn.NewConv2D(1, 4, 3, nn.WithPad(1), nn.WithActivation(nn.NewReLU()))), x)
			bn := nn.Connect("bn", must(nn.NewBatchNorm2D(4)), c1)
			c2 := nn.Connect("conv2", must(nn.NewConv2D(4, 4, 3, nn.WithPadding(nn.Same))), bn)
			res := nn.Sum("res", c1, c2)
			cat := nn.Cat("cat", res, x)
			seg := nn.Connect("seg", must(nn.NewConv2D(5, 2, 1, nn.WithActivation(nn.NewSigmoid()))), cat)
			p := nn.Connect("pool", must(nn.NewMaxPool2D(2)), res)
			g := nn.Connect("gap", nn.NewGlobalAvgPool(), p)
			cls := nn.Connect("fc", must(nn.NewDense(4, 3)), g)
			return nn.NewFunctional([]*nn.Symbol{x}, []*nn.Symbol{seg, cls, res, cls})
		}, [][]int{{2, 1, 8, 8}}},
		{"two-inputs-shared", func() (*nn.Functional, error) {
			// Two inputs through one shared convolution (a siamese
			// pair), merged; an output that is an input.
			a, b := nn.Input("left"), nn.Input("right")
			conv := must(nn.NewConv2D(2, 3, 3, nn.WithPad(1)))
			ya := nn.Connect("tower", conv, a)
			yb := nn.Connect("tower_b", conv, b)
			d := nn.Connect("head", must(nn.NewConv2D(6, 1, 1)), nn.Cat("both", ya, yb))
			return nn.NewFunctional([]*nn.Symbol{a, b}, []*nn.Symbol{d, b})
		}, [][]int{{2, 2, 5, 5}, {2, 2, 5, 5}}},
	}
}

// TestExportFunctional exports functional models with several outputs
// and inputs and compares every output of ONNX Runtime and of the
// re-imported model with Functional.Run.
func TestExportFunctional(t *testing.T) {
	ck := newExportChecker(t)
	for i, c := range functionalCases() {
		t.Run(c.name, func(t *testing.T) {
			m, err := c.build()
			if err != nil {
				t.Fatal(err)
			}
			randomizeParams(t, m, int64(300+i))
			xs := make([]*tensor.Dense, len(c.in))
			for j, s := range c.in {
				xs[j] = randInput(int64(400+10*i+j), s...)
			}
			outs, err := m.Run(xs...)
			if err != nil {
				t.Fatal(err)
			}
			want := make([]tensor.Tensor, len(outs))
			for k, o := range outs {
				want[k] = o
			}
			ck.check(t, c.name, m, xs, want)
		})
	}
	ck.finish(t)
}
