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

// TestReLU6MatchesPyTorch compares output and gradient with PyTorch's
// relu6: relu6.json (gen_grouped_conv_relu6.py, inputs spread over both
// kinks) and relu6_boundaries.json (gen_relu6.py, inputs at 0 and 6
// exactly).
func TestReLU6MatchesPyTorch(t *testing.T) {
	for _, file := range []string{"relu6.json", "relu6_boundaries.json"} {
		f := loadGolden(t, file)
		for _, c := range f.Cases {
			t.Run(c.Name, func(t *testing.T) {
				goldenCase(t, c, c.Inputs, []string{"x"}, func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
					return ops.ReLU6(xs["x"])
				})
			})
		}
	}
}

func TestReLU6GradCheck(t *testing.T) {
	rng := graph.NewRand(6)
	for _, shape := range [][]int{{7}, {2, 3, 4}, {2, 1, 3, 3, 2}} {
		x := randTensor(rng, shape...)
		// spread over (-4, 10) and keep away from the kinks at 0 and 6,
		// where a finite difference is meaningless
		for i, v := range x.Float64s() {
			v = 3 + 3*v
			if math.Abs(v) < 1e-3 || math.Abs(v-6) < 1e-3 {
				v = 2.5
			}
			x.Float64s()[i] = v
		}
		gradCheck(t, shapeName("ReLU6", shape), []*tensor.Dense{x}, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
			return ops.ReLU6(xs[0])
		})
	}
}

func TestReLU6Edges(t *testing.T) {
	in := []float64{math.NaN(), math.Inf(-1), math.Inf(1), math.Copysign(0, -1), 0, 6, 3}
	wantY := []float64{math.NaN(), 0, 6, 0, 0, 6, 3}
	wantDx := []float64{1, 0, 0, 0, 0, 0, 1} // PyTorch 1.13: relu6'(NaN) = 1
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		x := castTo(tensor.New(tensor.WithShape(len(in)), tensor.WithBacking(append([]float64(nil), in...))), dt)
		ones := castTo(tensor.New(tensor.WithShape(len(in)), tensor.WithBacking([]float64{1, 1, 1, 1, 1, 1, 1})), dt)
		y, _, grads, err := forwardBackward(dt, map[string]*tensor.Dense{"x": x}, []string{"x"}, ones,
			func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) { return ops.ReLU6(xs["x"]) })
		if err != nil {
			t.Fatalf("%v: %+v", dt, err)
		}
		for i := range in {
			if !(y[i] == wantY[i] || math.IsNaN(y[i]) && math.IsNaN(wantY[i])) || grads["x"][i] != wantDx[i] {
				t.Errorf("%v: ReLU6(%v) = %v with gradient %v, want %v and %v", dt, in[i], y[i], grads["x"][i], wantY[i], wantDx[i])
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

// Two ReLU6 nodes on one input stay two nodes (the kit's ops hash with a
// unique id), and each has its own gradient.
func TestReLU6NotMerged(t *testing.T) {
	b := graph.NewBuilder(graph.Train)
	x := b.InputValue("x", tensor.New(tensor.WithShape(3), tensor.WithBacking([]float64{-1, 2, 7})))
	y1, err := ops.ReLU6(x)
	if err != nil {
		t.Fatal(err)
	}
	y2, err := ops.ReLU6(x)
	if err != nil {
		t.Fatal(err)
	}
	if y1 == y2 {
		t.Fatal("two ReLU6 ops on one input were merged into one node")
	}
}

func ExampleReLU6() {
	b := graph.NewBuilder(graph.Eval)
	x := b.InputValue("x", tensor.New(tensor.WithShape(5), tensor.WithBacking([]float64{-2, 0, 3, 6, 9})))
	y, err := ops.ReLU6(x)
	if err != nil {
		panic(err)
	}
	var v G.Value
	G.Read(y, &v)
	m := G.NewTapeMachine(b.Graph())
	defer m.Close()
	if err := m.RunAll(); err != nil {
		panic(err)
	}
	fmt.Println(v.Data())
	// Output: [0 0 3 6 6]
}
