package ops_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestReLU6Golden compares output and gradient with PyTorch's relu6
// (testdata/relu6.json; inputs spread over both kinks).
func TestReLU6Golden(t *testing.T) {
	f := loadGolden(t, "relu6.json")
	for _, c := range f.Cases {
		t.Run(c.Name, func(t *testing.T) {
			goldenCase(t, c, c.Inputs, []string{"x"}, func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
				return ops.ReLU6(xs["x"])
			})
		})
	}
}

// TestReLU6GradCheck checks the gradient by finite differences on inputs
// in all three pieces, kept away from the kinks at 0 and 6.
func TestReLU6GradCheck(t *testing.T) {
	rng := graph.NewRand(6)
	for _, shape := range [][]int{{2, 3, 4, 5}, {17}} {
		x := randTensor(rng, shape...)
		data := x.Data().([]float64)
		for i := range data {
			v := data[i] * 4
			for math.Abs(v) < 0.05 || math.Abs(v-6) < 0.05 {
				v += 0.1
			}
			data[i] = v
		}
		gradCheck(t, fmt.Sprint(shape), []*tensor.Dense{x}, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
			return ops.ReLU6(xs[0])
		})
	}
}

// TestReLU6Values checks the pieces, the kinks and NaN, in both dtypes,
// against PyTorch 1.13's relu6: values [nan 0 0 3 6 6] and gradient
// [1 0 0 1 0 0] for inputs [nan -1 0 3 6 7].
func TestReLU6Values(t *testing.T) {
	in := []float64{-3, 0, 2.5, 6, 7, math.NaN()}
	want := []float64{0, 0, 2.5, 6, 6, math.NaN()}
	wantGrad := []float64{0, 0, 1, 0, 0, 1} // NaN passes its gradient, as in PyTorch
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		x := tensor.New(tensor.WithShape(len(in)), tensor.WithBacking(append([]float64(nil), in...)))
		out, _, grads, err := forwardBackward(dt, map[string]*tensor.Dense{"x": x}, []string{"x"},
			tensor.New(tensor.WithShape(len(in)), tensor.WithBacking([]float64{1, 1, 1, 1, 1, 1})),
			func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) { return ops.ReLU6(xs["x"]) })
		if err != nil {
			t.Fatal(err)
		}
		for i := range in {
			if !(out[i] == want[i] || math.IsNaN(out[i]) && math.IsNaN(want[i])) {
				t.Errorf("%v: ReLU6(%v) = %v, want %v", dt, in[i], out[i], want[i])
			}
			if grads["x"][i] != wantGrad[i] {
				t.Errorf("%v: ReLU6'(%v) = %v, want %v", dt, in[i], grads["x"][i], wantGrad[i])
			}
		}
	}
}

func TestReLU6BadArgs(t *testing.T) {
	b := graph.NewBuilder(graph.Eval)
	runBadCases(t, []badCase{
		{"nil", func() (*G.Node, error) { return ops.ReLU6(nil) }, "ops: ReLU6: input is nil", graph.ErrArg},
		{"int", func() (*G.Node, error) { return ops.ReLU6(b.Input("i", tensor.Int, 3)) }, "must be float32 or float64", graph.ErrArg},
	})
}

// ReLU6 clips activations to [0, 6], MobileNet's activation.
func ExampleReLU6() {
	b := graph.NewBuilder(graph.Eval)
	x := b.InputValue("x", tensor.New(tensor.WithShape(5), tensor.WithBacking([]float64{-2, 0.5, 3, 6, 9})))
	y, err := ops.ReLU6(x)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(runExample(b, y)[0].Data())
	// Output:
	// [0 0.5 3 6 6]
}
