package nn_test

import (
	"errors"
	"fmt"
	"hash"
	"hash/fnv"
	"strings"
	"testing"

	"github.com/chewxy/hm"
	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// wrongGrad computes y = 2x but claims dy/dx = 1.
type wrongGrad struct{}

func (wrongGrad) Arity() int { return 1 }
func (wrongGrad) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(a, a)
}
func (wrongGrad) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return in[0].(tensor.Shape).Clone(), nil
}
func (wrongGrad) Do(vals ...G.Value) (G.Value, error) {
	x := vals[0].(*tensor.Dense)
	out := tensor.New(tensor.WithShape(x.Shape().Clone()...), tensor.Of(tensor.Float64))
	for i, v := range x.Float64s() {
		out.Float64s()[i] = 2 * v
	}
	return out, nil
}
func (wrongGrad) ReturnsPtr() bool      { return false }
func (wrongGrad) CallsExtern() bool     { return false }
func (wrongGrad) OverwritesInput() int  { return -1 }
func (wrongGrad) WriteHash(h hash.Hash) { fmt.Fprint(h, "wrongGrad") }
func (o wrongGrad) Hashcode() uint32 {
	h := fnv.New32a()
	o.WriteHash(h)
	return h.Sum32()
}
func (wrongGrad) String() string            { return "wrongGrad" }
func (wrongGrad) DiffWRT(inputs int) []bool { return []bool{true} }
func (wrongGrad) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	return G.Nodes{grad}, nil
}

// brokenLayer is a layer whose op has a wrong gradient.
type brokenLayer struct{}

func (brokenLayer) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	return G.ApplyOp(wrongGrad{}, x)
}
func (brokenLayer) Params() []graph.NamedParam { return nil }

func TestGradCheckRestoresDtype(t *testing.T) {
	model := mlpOf(t, tensor.Float32, 9)
	before := paramBits(t, model)
	rep, err := nn.GradCheck(model, []int{3, 4}, graph.GradCheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || len(rep.Results) != 5 {
		t.Fatalf("report\n%s", rep)
	}
	if dt, _ := nn.Dtype(model); dt != tensor.Float32 {
		t.Fatalf("dtype %v after the check", dt)
	}
	if fmt.Sprint(paramBits(t, model)) != fmt.Sprint(before) {
		t.Fatal("the check changed the weights")
	}
	// float64 layers stay float64
	m64 := mlpOf(t, tensor.Float64, 9)
	if _, err := nn.GradCheck(m64, []int{1, 4}, graph.GradCheckOptions{Mode: graph.Eval}); err != nil {
		t.Fatal(err)
	}
	if dt, _ := nn.Dtype(m64); dt != tensor.Float64 {
		t.Fatalf("dtype %v", dt)
	}
}

func TestGradCheckFindsWrongGradient(t *testing.T) {
	model, err := nn.NewSequential(mustDense(t, 2, 3), brokenLayer{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := nn.GradCheck(model, []int{2, 2}, graph.GradCheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || !strings.Contains(rep.String(), "FAIL") {
		t.Fatalf("a wrong gradient passed:\n%s", rep)
	}
}

func TestGradCheckSkipsFrozen(t *testing.T) {
	model := mlpOf(t, tensor.Float32, 1)
	nn.Freeze(model, "0")
	rep, err := nn.GradCheck(model, []int{2, 4}, graph.GradCheckOptions{Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range rep.Results {
		names = append(names, r.Name)
	}
	if got := strings.Join(names, " "); got != "input 0 1.bias 1.weight" || !rep.OK() {
		t.Fatalf("checked %q\n%s", got, rep)
	}
}

func TestGradCheckErrors(t *testing.T) {
	model := mlpOf(t, tensor.Float32, 1)
	cases := []struct {
		name     string
		layer    nn.Layer
		shape    []int
		sentinel error
		msg      string
	}{
		{"nil-layer", nil, []int{1, 4}, graph.ErrArg, "layer is nil"},
		{"no-shape", model, nil, graph.ErrShape, "batch axis"},
		{"negative-dim", model, []int{-1, 4}, graph.ErrShape, "(-1, 4)"},
		{"wrong-features", model, []int{2, 5}, graph.ErrShape, "input must have 4 features"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := nn.GradCheck(c.layer, c.shape, graph.GradCheckOptions{})
			if err == nil || !errors.Is(err, c.sentinel) || !strings.Contains(err.Error(), c.msg) || !strings.HasPrefix(err.Error(), "nn: GradCheck") {
				t.Fatalf("got %v, want %v mentioning %q", err, c.sentinel, c.msg)
			}
		})
	}
	if dt, _ := nn.Dtype(model); dt != tensor.Float32 {
		t.Fatalf("dtype %v after a failed check", dt)
	}
}
