package graph_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	pkgerrors "github.com/pkg/errors"
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

func TestBind(t *testing.T) {
	w1, _ := graph.NewParam(graph.Weight, tensor.Float64, tensor.Shape{2, 2}, graph.Ones(), 1)
	w2, _ := graph.NewParam(graph.Weight, tensor.Float64, tensor.Shape{2, 2}, graph.Ones(), 1)
	s, _ := graph.NewParam(graph.Weight, tensor.Float32, tensor.Shape{3}, graph.Ones(), 1)
	b := graph.NewBuilder(graph.Train)
	b.Enter("enc")
	n1 := b.Bind(w1, "weight")
	again := b.Bind(w1, "other-name")
	b.Leave()
	b.Enter("enc")
	// a second Param with the same name and shape: Gorgonia would merge two
	// same-named nodes, so it must get a node of its own
	n2 := b.Bind(w2, "weight")
	b.Leave()
	ns := b.Bind(s, "scale")
	if n1 != again {
		t.Error("binding a Param twice gave two nodes")
	}
	if n1 == n2 || n1.Name() != "enc.weight" || n2.Name() != "enc.weight#2" {
		t.Errorf("nodes %q and %q", n1.Name(), n2.Name())
	}
	if n1.Value() != w1.Value() {
		t.Error("the node does not hold the Param's tensor")
	}
	if ns.Dtype() != tensor.Float32 || fmt.Sprint(ns.Shape()) != "(3)" {
		t.Errorf("scale node %v %v", ns.Dtype(), ns.Shape())
	}
	bd := b.Bindings()
	if len(bd) != 3 || bd[0].Name != "enc.weight" || bd[0].Param != w1 || bd[0].Node != n1 || bd[1].Name != "enc.weight" || bd[1].Param != w2 || bd[2].Name != "scale" {
		t.Fatalf("bindings %v", bd)
	}
	if got := graph.Nodes(bd); len(got) != 3 || got[0] != n1 || got[1] != n2 || got[2] != ns {
		t.Errorf("Nodes %v", got)
	}
	// the two bound Params really are separate inputs: a graph sums them
	sum, err := G.Add(n1, n2)
	if err != nil || sum == nil {
		t.Fatal(err)
	}
	grads, err := graph.Grad(mustSum(t, sum), n1, n2)
	if err != nil || len(grads) != 2 {
		t.Fatalf("grads %v %v", grads, err)
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

func TestTrackAndTrainable(t *testing.T) {
	w, _ := graph.NewParam(graph.Weight, tensor.Float32, tensor.Shape{2}, nil, 1)
	frozen, _ := graph.NewParam(graph.Weight, tensor.Float32, tensor.Shape{2}, nil, 1)
	frozen.SetFrozen(true)
	stat, _ := graph.NewParam(graph.Buffer, tensor.Float32, tensor.Shape{2}, nil, 1)
	late, _ := graph.NewParam(graph.Weight, tensor.Float32, tensor.Shape{2}, nil, 1)
	b := graph.NewBuilder(graph.Train)
	b.Enter("bn")
	b.Track(stat, "running_mean")
	b.Track(stat, "again") // tracked once
	b.Track(late, "weight")
	wn := b.Bind(w, "bias")
	b.Bind(frozen, "frozen")
	ln := b.Bind(late, "weight") // Bind after Track: gets a node, keeps its place
	b.Track(w, "ignored")        // Track after Bind: nothing changes
	b.Leave()
	bd := b.Bindings()
	var desc []string
	for _, x := range bd {
		desc = append(desc, fmt.Sprintf("%s:%v", x.Name, x.Node != nil))
	}
	if got := strings.Join(desc, " "); got != "bn.running_mean:false bn.weight:true bn.bias:true bn.frozen:true" {
		t.Fatalf("bindings %s", got)
	}
	if bd[1].Node != ln {
		t.Error("the tracked binding did not get Bind's node")
	}
	tr := b.Trainable()
	if len(tr) != 2 || tr[0].Node != ln || tr[1].Node != wn {
		t.Fatalf("trainable %v", tr)
	}
	// Bindings returns a copy
	bd[0].Name = "changed"
	if b.Bindings()[0].Name != "bn.running_mean" {
		t.Error("Bindings returned the builder's own slice")
	}
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

func TestSentinelErrors(t *testing.T) {
	cases := []struct {
		name     string
		err      error
		sentinel error
		msg      string
	}{
		{"shape", graph.ShapeErrorf("graph: x: got %s", graph.FormatShape([]int{8, 64})), graph.ErrShape, "graph: x: got (8, 64)"},
		{"arg", graph.ArgErrorf("graph: stride must be positive, got %d", 0), graph.ErrArg, "graph: stride must be positive, got 0"},
		{"data", graph.DataErrorf("graph: safetensors: %s", "bad"), graph.ErrData, "graph: safetensors: bad"},
	}
	all := []error{graph.ErrShape, graph.ErrArg, graph.ErrData}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, e := range []error{c.err, pkgerrors.Wrap(c.err, "context"), fmt.Errorf("ctx: %w", c.err)} {
				for _, s := range all {
					if errors.Is(e, s) != (s == c.sentinel) {
						t.Errorf("errors.Is(%q, %v) = %v", e, s, errors.Is(e, s))
					}
				}
			}
			if c.err.Error() != c.msg {
				t.Errorf("message %q, want %q (the sentinel's text is not appended)", c.err, c.msg)
			}
			if pkgerrors.Wrap(c.err, "nn: Foo").Error() != "nn: Foo: "+c.msg {
				t.Errorf("wrapped: %q", pkgerrors.Wrap(c.err, "nn: Foo"))
			}
		})
	}
	if graph.FormatShape(nil) != "()" || graph.FormatShape([]int{3}) != "(3)" || graph.Shape(nil) != nil {
		t.Error("FormatShape/Shape")
	}
	if s := graph.Shape(tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(2, 5))); !graph.SameShape(s, []int{2, 5}) {
		t.Errorf("Shape %v", s)
	}
}

// NewMachine, Grad and Run turn Gorgonia's panics into errors.
func TestMachineHelpers(t *testing.T) {
	b := graph.NewBuilder(graph.Train)
	x := b.InputValue("x", tensor.New(tensor.WithShape(2), tensor.WithBacking([]float64{1, 2})))
	y, err := G.Mul(x, G.NewConstant(3.0))
	if err != nil {
		t.Fatal(err)
	}
	cost := mustSum(t, y)
	grads, err := graph.Grad(cost, x)
	if err != nil {
		t.Fatal(err)
	}
	var gv G.Value
	G.Read(grads[0], &gv)
	m, err := graph.NewMachine(b.Graph())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for i := 0; i < 2; i++ { // Run resets, so it can run again
		if err := graph.Run(m); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(gv.Data()) != "[3 3]" || fmt.Sprint(cost.Value().Data()) != "9" {
			t.Fatalf("run %d: grad %v cost %v", i, gv.Data(), cost.Value())
		}
	}
	// differentiating with respect to a node the cost does not depend on
	other := b.Input("other", tensor.Float64, 2)
	if _, err := graph.Grad(cost, other); err == nil {
		t.Error("Grad with respect to an unrelated node: no error")
	}
}

// TestStale: bindings go stale when a bound Param's tensor is replaced
// (ConvertTo), and only then.
func TestStale(t *testing.T) {
	p, err := graph.NewParam(graph.Weight, tensor.Float32, tensor.Shape{2, 3}, graph.Ones(), 1)
	if err != nil {
		t.Fatal(err)
	}
	b := graph.NewBuilder(graph.Eval)
	b.Bind(p, "w")
	bound := b.Bindings()
	if graph.Stale(bound) {
		t.Fatal("fresh bindings reported stale")
	}
	if err := p.ConvertTo(tensor.Float32); err != nil {
		t.Fatal(err)
	}
	if graph.Stale(bound) {
		t.Error("ConvertTo to the same dtype replaced nothing but bindings went stale")
	}
	if err := p.ConvertTo(tensor.Float64); err != nil {
		t.Fatal(err)
	}
	if !graph.Stale(bound) {
		t.Error("bindings not stale after ConvertTo(Float64) replaced the tensor")
	}
}
