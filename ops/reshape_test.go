package ops_test

import (
	"fmt"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestReshapeValues checks that Reshape keeps the row-major order and that
// its gradient is the upstream gradient reshaped back, in both dtypes and
// over several runs of one machine (the op reuses its buffer).
func TestReshapeValues(t *testing.T) {
	rng := graph.NewRand(7)
	for _, c := range []struct {
		in, out []int
	}{{[]int{2, 3, 4}, []int{2, 12}}, {[]int{6}, []int{1, 2, 3}}, {[]int{2, 1, 5, 5}, []int{1, 50}}, {[]int{3, 2}, []int{3, 2}}} {
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			xv := castTo(randTensor(rng, c.in...), dt)
			up := castTo(randTensor(rng, c.out...), dt)
			b := graph.NewBuilder(graph.Train)
			x := b.InputValue("x", xv)
			y, err := ops.Reshape(x, c.out...)
			if err != nil {
				t.Fatal(err)
			}
			r := b.InputValue("r", up)
			prod, err := G.HadamardProd(y, r)
			if err != nil {
				t.Fatal(err)
			}
			cost, err := G.Sum(prod)
			if err != nil {
				t.Fatal(err)
			}
			grads, err := graph.Grad(cost, x)
			if err != nil {
				t.Fatal(err)
			}
			var yv, gv G.Value
			G.Read(y, &yv)
			G.Read(grads[0], &gv)
			m, err := graph.NewMachine(b.Graph())
			if err != nil {
				t.Fatal(err)
			}
			for run := range 2 {
				if err := graph.Run(m); err != nil {
					t.Fatal(err)
				}
				name := fmt.Sprintf("%v->%v %v run %d", c.in, c.out, dt, run)
				if !graph.SameShape(yv.Shape(), tensor.Shape(c.out)) || !graph.SameShape(gv.Shape(), tensor.Shape(c.in)) {
					t.Fatalf("%s: shapes %v and %v", name, yv.Shape(), gv.Shape())
				}
				xs, _ := graph.Float64s(xv)
				ys, _ := graph.Float64s(yv.(tensor.Tensor))
				us, _ := graph.Float64s(up)
				gs, _ := graph.Float64s(gv.(tensor.Tensor))
				for i := range xs {
					if ys[i] != xs[i] || gs[i] != us[i] {
						t.Fatalf("%s: element %d: y %v (x %v), grad %v (upstream %v)", name, i, ys[i], xs[i], gs[i], us[i])
					}
				}
			}
			m.Close()
		}
	}
}

func TestReshapeGradCheck(t *testing.T) {
	rng := graph.NewRand(8)
	gradCheck(t, "reshape", []*tensor.Dense{randTensor(rng, 2, 3, 2)}, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
		return ops.Reshape(xs[0], 3, 4)
	})
}

func TestReshapeShapeAgreement(t *testing.T) {
	checkShapeAgreement(t, "reshape", []*tensor.Dense{randTensor(graph.NewRand(9), 4, 3)}, func(xs []*G.Node) (*G.Node, error) {
		return ops.Reshape(xs[0], 2, 2, 3)
	})
}

func TestReshapeDistinctNodes(t *testing.T) {
	b := graph.NewBuilder(graph.Train)
	x := b.InputValue("x", randTensor(graph.NewRand(1), 2, 3))
	a, err := ops.Reshape(x, 6)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ops.Reshape(x, 6)
	if err != nil {
		t.Fatal(err)
	}
	if a == c {
		t.Error("two reshapes of one input were merged into one node")
	}
}

func TestReshapeBadArgs(t *testing.T) {
	b := graph.NewBuilder(graph.Train)
	x := b.InputValue("x", randTensor(graph.NewRand(1), 2, 3))
	s := G.NewScalar(b.Graph(), tensor.Float64, G.WithName("s"))
	runBadCases(t, []badCase{
		{"size-mismatch", func() (*G.Node, error) { return ops.Reshape(x, 4, 2) }, "ops: Reshape: cannot reshape (2, 3) (6 values) to [4 2] (8 values)", graph.ErrShape},
		{"zero-dim", func() (*G.Node, error) { return ops.Reshape(x, 0, 6) }, "ops: Reshape: dimensions must be positive, got [0 6]", graph.ErrShape},
		{"negative-dim", func() (*G.Node, error) { return ops.Reshape(x, -1, 6) }, "dimensions must be positive", graph.ErrShape},
		{"no-dims", func() (*G.Node, error) { return ops.Reshape(x) }, "cannot reshape (2, 3)", graph.ErrShape},
		{"scalar", func() (*G.Node, error) { return ops.Reshape(s, 1) }, "ops: Reshape: input must have at least one axis", graph.ErrShape},
		{"nil", func() (*G.Node, error) { return ops.Reshape(nil, 1) }, "ops: Reshape: input is nil", graph.ErrArg},
	})
}

func ExampleReshape() {
	b := graph.NewBuilder(graph.Eval)
	// a batch of 2 feature maps (1 channel, 2x2) flattened for a dense layer
	x := b.InputValue("x", tensor.New(tensor.WithShape(2, 1, 2, 2), tensor.WithBacking([]float64{1, 2, 3, 4, 5, 6, 7, 8})))
	y, err := ops.Reshape(x, 2, 4)
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
	fmt.Println(v.Shape(), v.Data())
	// Output: (2, 4) [1 2 3 4 5 6 7 8]
}

func BenchmarkReshape(b *testing.B) {
	bd := graph.NewBuilder(graph.Train)
	x := bd.InputValue("x", castTo(randTensor(graph.NewRand(1), 64, 64, 5, 5), tensor.Float32))
	if _, err := ops.Reshape(x, 64, 1600); err != nil {
		b.Fatal(err)
	}
	m, err := graph.NewMachine(bd.Graph())
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	for range b.N {
		if err := graph.Run(m); err != nil {
			b.Fatal(err)
		}
	}
}
