package graph_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestModeAndBuilderBasics(t *testing.T) {
	if graph.Train.String() != "train" || graph.Eval.String() != "eval" {
		t.Error("Mode.String")
	}
	b := graph.NewBuilder(graph.Eval)
	if b.Mode() != graph.Eval || b.Training() || b.Graph() == nil {
		t.Error("eval builder")
	}
	if !graph.NewBuilder(graph.Train).Training() {
		t.Error("train builder")
	}
}

func TestBuilderSeed(t *testing.T) {
	seq := func(opts ...graph.BuilderOption) []int64 {
		b := graph.NewBuilder(graph.Train, opts...)
		return []int64{b.Seed(), b.Seed(), b.Seed()}
	}
	a, b, c := seq(graph.WithSeed(5)), seq(graph.WithSeed(5)), seq(graph.WithSeed(6))
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("same seed, different sequences: %v %v", a, b)
	}
	if fmt.Sprint(a) == fmt.Sprint(c) || a[0] == a[1] {
		t.Errorf("sequences %v %v", a, c)
	}
	if fmt.Sprint(seq()) != fmt.Sprint(seq(graph.WithSeed(0))) {
		t.Error("the default seed is not 0")
	}
}

func TestUniqueName(t *testing.T) {
	b := graph.NewBuilder(graph.Train)
	got := []string{b.UniqueName("x"), b.UniqueName("x"), b.UniqueName("y"), b.UniqueName("x"), b.UniqueName(""), b.UniqueName("")}
	want := "x x#2 y x#3 node node#2"
	if strings.Join(got, " ") != want {
		t.Fatalf("got %q, want %q", strings.Join(got, " "), want)
	}
	// Input and InputValue name through UniqueName: two inputs called "x" are distinct nodes
	x1 := b.Input("in", tensor.Float32, 2, 3)
	x2 := b.Input("in", tensor.Float32, 2, 3)
	if x1 == x2 || x1.Name() != "in" || x2.Name() != "in#2" {
		t.Fatalf("inputs %q %q", x1.Name(), x2.Name())
	}
	if fmt.Sprint(x1.Shape()) != "(2, 3)" || x1.Dtype() != tensor.Float32 {
		t.Errorf("input %v %v", x1.Shape(), x1.Dtype())
	}
	v := tensor.New(tensor.WithShape(2), tensor.WithBacking([]float64{1, 2}))
	xv := b.InputValue("in", v)
	if xv.Name() != "in#3" || xv.Value() == nil || fmt.Sprint(xv.Value().Data()) != "[1 2]" {
		t.Errorf("InputValue %q %v", xv.Name(), xv.Value())
	}
}

func TestScopes(t *testing.T) {
	b := graph.NewBuilder(graph.Train)
	if b.Path() != "" || b.Qualify("weight") != "weight" || b.Depth() != 0 {
		t.Fatal("top level")
	}
	b.Enter("layer1")
	b.Enter("0")
	if b.Path() != "layer1.0" || b.Qualify("conv1") != "layer1.0.conv1" || b.Qualify("") != "layer1.0" || b.Depth() != 2 {
		t.Fatalf("path %q qualify %q depth %d", b.Path(), b.Qualify("conv1"), b.Depth())
	}
	b.Leave()
	if b.Path() != "layer1" {
		t.Fatalf("after Leave: %q", b.Path())
	}
	b.Leave()
	b.Leave() // one Leave too many does nothing
	if b.Path() != "" || b.Depth() != 0 {
		t.Fatalf("path %q depth %d", b.Path(), b.Depth())
	}
}

func mustSum(t *testing.T, n *G.Node) *G.Node {
	t.Helper()
	s, err := G.Sum(n)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRecordCalls(t *testing.T) {
	b := graph.NewBuilder(graph.Eval)
	if len(b.Calls()) != 0 {
		t.Fatal("calls before recording")
	}
	x := b.Input("x", tensor.Float64, 1, 2)
	b.Record(graph.LayerCall{Path: "0", Layer: "a", In: x, Out: x, Depth: 1})
	b.Record(graph.LayerCall{Path: "1", Layer: "b", In: x, Out: x, Depth: 1})
	if c := b.Calls(); len(c) != 2 || c[0].Path != "0" || c[1].Layer != "b" {
		t.Fatalf("calls %v", c)
	}
}
