package graph_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

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
