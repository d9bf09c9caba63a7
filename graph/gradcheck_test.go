package graph_test

import (
	"fmt"
	"hash"
	"hash/fnv"
	"testing"

	"github.com/chewxy/hm"
	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// badDouble computes y = 2x but claims dy/dx = 1: a checker that cannot
// fail would accept it.
type badDouble struct{}

func (badDouble) Arity() int { return 1 }
func (badDouble) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(a, a)
}
func (badDouble) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return in[0].(tensor.Shape).Clone(), nil
}
func (badDouble) Do(vals ...G.Value) (G.Value, error) {
	x := vals[0].(*tensor.Dense)
	out := tensor.New(tensor.WithShape(x.Shape().Clone()...), tensor.Of(tensor.Float64))
	for i, v := range x.Float64s() {
		out.Float64s()[i] = 2 * v
	}
	return out, nil
}
func (badDouble) ReturnsPtr() bool      { return false }
func (badDouble) CallsExtern() bool     { return false }
func (badDouble) OverwritesInput() int  { return -1 }
func (badDouble) WriteHash(h hash.Hash) { fmt.Fprint(h, "badDouble") }
func (o badDouble) Hashcode() uint32 {
	h := fnv.New32a()
	o.WriteHash(h)
	return h.Sum32()
}
func (badDouble) String() string            { return "badDouble" }
func (badDouble) DiffWRT(inputs int) []bool { return []bool{true} }
func (badDouble) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	return G.Nodes{grad}, nil
}

func TestCheckGradients(t *testing.T) {
	x := tensor.New(tensor.WithShape(2, 3), tensor.WithBacking([]float64{-1, -0.5, 0.1, 0.2, 0.7, 1.3}))
	w, err := graph.NewParam(graph.Weight, tensor.Float64, tensor.Shape{2, 3}, graph.Normal(0, 1), 3)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		build   graph.BuildFunc
		results int
		ok      bool
	}{
		{"tanh", func(b *graph.Builder, xs []*G.Node) (*G.Node, error) { return G.Tanh(xs[0]) }, 1, true},
		{"square-x-times-param", func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
			p, err := G.HadamardProd(xs[0], b.Bind(w, "w"))
			if err != nil {
				return nil, err
			}
			return G.Square(p)
		}, 2, true},
		{"wrong-gradient", func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
			return G.ApplyOp(badDouble{}, xs[0])
		}, 1, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep, err := graph.CheckGradients([]*tensor.Dense{x}, c.build, graph.GradCheckOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Results) != c.results || rep.OK() != c.ok {
				t.Fatalf("want %d results, ok=%v; got\n%s", c.results, c.ok, rep)
			}
		})
	}
}
