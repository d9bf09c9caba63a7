package ops_test

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/internal/golden"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Tolerances of the parity tests against PyTorch.
const (
	tol64 = 1e-7
	tol32 = 2e-3
)

// forwardBackward builds out = build(inputs) in a fresh graph, runs it with
// the cost Σ out·upstream and returns the output and the gradient of every
// input listed in wrt (by name), as float64. A gradient whose value does not
// have its input's shape is an error.
func forwardBackward(dt tensor.Dtype, inputs map[string]*tensor.Dense, wrt []string, upstream *tensor.Dense,
	build func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error)) (out []float64, outShape []int, grads map[string][]float64, err error) {
	b := graph.NewBuilder(graph.Train)
	xs := map[string]*G.Node{}
	names := make([]string, 0, len(inputs))
	for name := range inputs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		xs[name] = b.InputValue(name, castTo(inputs[name], dt))
	}
	y, err := build(b, xs)
	if err != nil {
		return nil, nil, nil, err
	}
	var yv G.Value
	G.Read(y, &yv)
	gradVals := make([]G.Value, len(wrt))
	if len(wrt) > 0 {
		var cost *G.Node
		if y.Shape().TotalSize() == 1 && y.IsScalar() {
			cost = y
			if upstream != nil {
				u, _ := graph.Float64s(upstream)
				cost, err = G.Mul(y, G.NewConstant(castScalar(u[0], dt)))
				if err != nil {
					return nil, nil, nil, err
				}
			}
		} else {
			r := b.InputValue("upstream", castTo(upstream, dt))
			prod, err := G.HadamardProd(y, r)
			if err != nil {
				return nil, nil, nil, err
			}
			if cost, err = G.Sum(prod); err != nil {
				return nil, nil, nil, err
			}
		}
		nodes := make(G.Nodes, len(wrt))
		for i, name := range wrt {
			nodes[i] = xs[name]
		}
		gs, err := G.Grad(cost, nodes...)
		if err != nil {
			return nil, nil, nil, err
		}
		for i, gn := range gs {
			G.Read(gn, &gradVals[i])
		}
	}
	m := G.NewTapeMachine(b.Graph())
	defer m.Close()
	if err := m.RunAll(); err != nil {
		return nil, nil, nil, err
	}
	out, err = graph.ValueFloat64s(yv)
	if err != nil {
		return nil, nil, nil, err
	}
	grads = map[string][]float64{}
	for i, name := range wrt {
		if gs, xs := gradVals[i].Shape(), xs[name].Shape(); !graph.SameShape(gs, xs) {
			return nil, nil, nil, fmt.Errorf("the gradient of %s has shape %v, %s has %v", name, gs, name, xs)
		}
		if grads[name], err = graph.ValueFloat64s(gradVals[i]); err != nil {
			return nil, nil, nil, err
		}
	}
	return out, []int(y.Shape().Clone()), grads, nil
}

func castScalar(v float64, dt tensor.Dtype) any {
	if dt == tensor.Float32 {
		return float32(v)
	}
	return v
}

func castTo(t *tensor.Dense, dt tensor.Dtype) *tensor.Dense {
	vals, err := graph.Float64s(t)
	if err != nil {
		panic(err)
	}
	shape := []int(t.Shape().Clone())
	if len(shape) == 0 {
		if dt == tensor.Float32 {
			return tensor.New(tensor.FromScalar(float32(vals[0])))
		}
		return tensor.New(tensor.FromScalar(vals[0]))
	}
	out, err := graph.FromFloat64s(dt, shape, vals)
	if err != nil {
		panic(err)
	}
	return out
}

// goldenCase runs one reference case in float64 and float32 and compares
// the output and the gradients of the inputs listed in wrt.
func goldenCase(t *testing.T, c golden.Case, inputs map[string]golden.Tensor, wrt []string,
	build func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error)) {
	t.Helper()
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		tol := tol64
		if dt == tensor.Float32 {
			tol = tol32
		}
		in := map[string]*tensor.Dense{}
		for k, v := range inputs {
			in[k] = v.Dense(tensor.Float64)
		}
		var up *tensor.Dense
		if c.Upstream.Data != nil {
			up = c.Upstream.Dense(tensor.Float64)
		}
		out, shape, grads, err := forwardBackward(dt, in, wrt, up, build)
		if err != nil {
			t.Fatalf("%s %v: %+v", c.Name, dt, err)
		}
		if _, err := golden.Compare(out, shape, c.Output, tol); err != nil {
			t.Errorf("%s %v: output: %v", c.Name, dt, err)
		}
		for _, name := range wrt {
			want, ok := c.Grads[name]
			if !ok {
				t.Fatalf("%s: no reference gradient for %q", c.Name, name)
			}
			// forwardBackward checked that the gradient has its input's shape
			if _, err := golden.Compare(grads[name], inputs[name].Shape, want, tol); err != nil {
				t.Errorf("%s %v: grad %s: %v", c.Name, dt, name, err)
			}
		}
	}
}

func loadGolden(t *testing.T, name string) *golden.File {
	t.Helper()
	f, err := golden.Load(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) == 0 {
		t.Fatalf("%s has no cases", name)
	}
	return f
}

// randTensor returns a float64 tensor of the given shape with N(0,1) entries.
func randTensor(rng *rand.Rand, shape ...int) *tensor.Dense {
	n := 1
	for _, d := range shape {
		n *= d
	}
	data := make([]float64, n)
	for i := range data {
		data[i] = rng.NormFloat64()
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data))
}

// gradCheck runs the finite-difference check and fails the test on a bad gradient.
func gradCheck(t *testing.T, name string, inputs []*tensor.Dense, build graph.BuildFunc) {
	t.Helper()
	rep, err := graph.CheckGradients(inputs, build, graph.GradCheckOptions{Tol: 1e-6})
	if err != nil {
		t.Fatalf("%s: %+v", name, err)
	}
	if !rep.OK() {
		t.Errorf("%s: gradient check failed:\n%s", name, rep)
	}
}

func shapeName(prefix string, vals ...any) string {
	return fmt.Sprint(append([]any{prefix}, vals...)...)
}
