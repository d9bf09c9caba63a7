package ops

import (
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Every pooling-family op and its gradient op returns errors from Do, never
// panics, when it gets a tensor of the wrong shape or dtype, and refuses
// second derivatives. The max-pool gradient and the indices refuse to run
// before the pooling.
func TestPoolOpsDoErrors(t *testing.T) {
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float64, 4, G.WithShape(1, 2, 4, 4), G.WithName("x"))
	mk := map[string]func() (*G.Node, error){
		"MaxPool2D":          func() (*G.Node, error) { return MaxPool2D(x, [2]int{2, 2}, [2]int{2, 2}, [2]int{}) },
		"AvgPool2D":          func() (*G.Node, error) { return AvgPool2D(x, [2]int{2, 2}, [2]int{2, 2}, [2]int{}) },
		"GlobalAvgPool":      func() (*G.Node, error) { return GlobalAvgPool(x) },
		"Upsample2D":         func() (*G.Node, error) { return Upsample2D(x, [2]int{2, 2}) },
		"UpsampleBilinear2D": func() (*G.Node, error) { return UpsampleBilinear2D(x, [2]int{2, 2}) },
		"MaxUnpool2D":        func() (*G.Node, error) { return MaxUnpool2D(x, x, 8, 8) },
		"Indices": func() (*G.Node, error) {
			_, idx, err := MaxPool2DIndices(x, [2]int{2, 2}, [2]int{2, 2}, [2]int{})
			return idx, err
		},
	}
	wrong := tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(1, 2, 3, 3))
	for name, f := range mk {
		t.Run(name, func(t *testing.T) {
			y, err := f()
			if err != nil {
				t.Fatal(err)
			}
			op := y.Op()
			nargs := op.Arity()
			args := make([]G.Value, nargs)
			for i := range args {
				args[i] = wrong
			}
			if _, err := op.Do(args...); err == nil || !strings.HasPrefix(err.Error(), "ops: ") {
				t.Errorf("Do on a wrong shape: %v", err)
			}
			if _, err := op.Do(); err == nil {
				t.Error("Do without arguments: no error")
			}
			if name == "Indices" {
				if _, err := op.Do(tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(1, 2, 2, 2))); err == nil || !strings.Contains(err.Error(), "has not run") {
					t.Errorf("indices before the pooling: %v", err)
				}
				if _, err := op.(G.SDOp).SymDiff(nil, nil, nil); err == nil {
					t.Error("indices are differentiable")
				}
				return
			}
			// the gradient op
			dy := G.NewTensor(g, tensor.Float64, y.Dims(), G.WithShape(y.Shape().Clone()...), G.WithName("dy_"+name))
			inputs := G.Nodes{x}
			if nargs == 2 {
				inputs = G.Nodes{x, x}
			}
			dxs, err := op.(G.SDOp).SymDiff(inputs, y, dy)
			if err != nil {
				t.Fatal(err)
			}
			gop := dxs[0].Op()
			gargs := make([]G.Value, gop.Arity())
			for i := range gargs {
				gargs[i] = wrong
			}
			if _, err := gop.Do(gargs...); err == nil || !strings.HasPrefix(err.Error(), "ops: ") {
				t.Errorf("gradient Do on a wrong shape: %v", err)
			}
			if _, err := gop.(G.SDOp).SymDiff(nil, nil, nil); err == nil || !strings.Contains(err.Error(), "second derivatives") {
				t.Errorf("second derivative: %v", err)
			}
			if d := gop.(G.SDOp).DiffWRT(gop.Arity()); len(d) != gop.Arity() {
				t.Errorf("DiffWRT %v", d)
			}
			if name == "MaxPool2D" {
				right := tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(y.Shape().Clone()...))
				if _, err := gop.Do(right, right, right); err == nil || !strings.Contains(err.Error(), "has not run") {
					t.Errorf("gradient before the forward pass: %v", err)
				}
			}
			// an integer tensor of the right shape
			if name != "MaxUnpool2D" {
				xi := tensor.New(tensor.Of(tensor.Int), tensor.WithShape(1, 2, 4, 4))
				if _, err := op.Do(xi); err == nil || !strings.Contains(err.Error(), "not supported") {
					t.Errorf("Do on int: %v", err)
				}
			}
		})
	}
}
