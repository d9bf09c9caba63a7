package onnx_test

import (
	"path/filepath"
	"testing"

	"github.com/convnet-go/convnet/internal/ort"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/onnx"
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
			c1 := nn.Apply("conv1", must(nn.NewConv2D(1, 4, 3, nn.WithPad(1), nn.WithActivation(nn.NewReLU()))), x)
			bn := nn.Apply("bn", must(nn.NewBatchNorm2D(4)), c1)
			c2 := nn.Apply("conv2", must(nn.NewConv2D(4, 4, 3, nn.WithPadding(nn.Same))), bn)
			res := nn.Sum("res", c1, c2)
			cat := nn.Cat("cat", res, x)
			seg := nn.Apply("seg", must(nn.NewConv2D(5, 2, 1, nn.WithActivation(nn.NewSigmoid()))), cat)
			p := nn.Apply("pool", must(nn.NewMaxPool2D(2)), res)
			g := nn.Apply("gap", nn.NewGlobalAvgPool(), p)
			cls := nn.Apply("fc", must(nn.NewDense(4, 3)), g)
			return nn.NewFunctional([]*nn.Symbol{x}, []*nn.Symbol{seg, cls, res, cls})
		}, [][]int{{2, 1, 8, 8}}},
		{"two-inputs-shared", func() (*nn.Functional, error) {
			// Two inputs through one shared convolution (a siamese
			// pair), merged; an output that is an input.
			a, b := nn.Input("left"), nn.Input("right")
			conv := must(nn.NewConv2D(2, 3, 3, nn.WithPad(1)))
			ya := nn.Apply("tower", conv, a)
			yb := nn.Apply("tower_b", conv, b)
			d := nn.Apply("head", must(nn.NewConv2D(6, 1, 1)), nn.Cat("both", ya, yb))
			return nn.NewFunctional([]*nn.Symbol{a, b}, []*nn.Symbol{d, b})
		}, [][]int{{2, 2, 5, 5}, {2, 2, 5, 5}}},
	}
}

// TestExportFunctionalMatchesONNXRuntime exports functional models with
// several outputs and inputs and compares every output of ONNX Runtime
// with Functional.Run.
func TestExportFunctionalMatchesONNXRuntime(t *testing.T) {
	requireORT(t)
	dir := t.TempDir()
	var files []string
	for i, c := range functionalCases() {
		t.Run(c.name, func(t *testing.T) {
			m, err := c.build()
			if err != nil {
				t.Fatal(err)
			}
			randomizeParams(t, m, int64(300+i))
			file := filepath.Join(dir, c.name+".onnx")
			shapes := make([][]int, len(c.in))
			xs := make([]*tensor.Dense, len(c.in))
			for j, s := range c.in {
				shapes[j] = append([]int{1}, s[1:]...)
				xs[j] = randInput(int64(400+10*i+j), s...)
			}
			if err := onnx.WriteFileMulti(file, m, shapes...); err != nil {
				t.Fatalf("%+v", err)
			}
			want, err := m.Run(xs...)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ort.Run(file, xs...)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("ONNX Runtime gave %d outputs, want %d", len(got), len(want))
			}
			for k := range want {
				d := maxRelDiff(t, got[k], want[k])
				t.Logf("output %d: max rel diff %.3g (shape %v, max |output| %.3g)", k, d, want[k].Shape(), maxAbs(t, want[k]))
				if d > ortTolerance {
					t.Errorf("output %d: ONNX Runtime and Functional.Run differ: max rel diff %.3g > %g", k, d, ortTolerance)
				}
			}
			files = append(files, file)
		})
	}
	checkONNX(t, files)
}
