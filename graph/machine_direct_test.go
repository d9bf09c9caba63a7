package graph

import (
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestDirectRunMatchesRunAll checks that NewMachine's machines run on the
// calling goroutine (directRun) and give what Gorgonia's RunAll gives:
// the same outputs and gradients, run after run, and the same error.
func TestDirectRunMatchesRunAll(t *testing.T) {
	build := func() (*G.ExprGraph, *G.Node, *G.Node, *G.Node) {
		g := G.NewGraph()
		x := G.NewMatrix(g, tensor.Float64, G.WithShape(3, 4), G.WithName("x"),
			G.WithValue(tensor.New(tensor.WithShape(3, 4), tensor.WithBacking([]float64{1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -12}))))
		w := G.NewMatrix(g, tensor.Float64, G.WithShape(4, 2), G.WithName("w"),
			G.WithValue(tensor.New(tensor.WithShape(4, 2), tensor.WithBacking([]float64{0.5, -1, 2, 0.25, -0.75, 1.5, 1, -2}))))
		y := G.Must(G.Tanh(G.Must(G.Mul(x, w))))
		cost := G.Must(G.Sum(y))
		if _, err := G.Grad(cost, w); err != nil {
			t.Fatal(err)
		}
		return g, w, y, cost
	}
	type result struct {
		y    []float64
		cost float64
		gw   []float64
	}
	runs := func(direct bool) []result {
		g, w, y, cost := build()
		vm, err := NewMachine(g)
		if err != nil {
			t.Fatal(err)
		}
		gm := vm.(*guardedMachine)
		if gm.direct == nil {
			t.Fatal("NewMachine's machine does not run directly")
		}
		if !direct {
			gm.direct = nil
		}
		var out []result
		for range 3 {
			if err := Run(vm); err != nil {
				t.Fatal(err)
			}
			gw, err := w.Grad()
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, result{
				y:    append([]float64(nil), y.Value().Data().([]float64)...),
				cost: cost.Value().Data().(float64),
				gw:   append([]float64(nil), gw.Data().([]float64)...),
			})
		}
		return out
	}
	want, got := runs(false), runs(true)
	for i := range want {
		if got[i].cost != want[i].cost {
			t.Errorf("run %d: cost %v, RunAll %v", i, got[i].cost, want[i].cost)
		}
		for j := range want[i].y {
			if got[i].y[j] != want[i].y[j] {
				t.Errorf("run %d: y[%d] = %v, RunAll %v", i, j, got[i].y[j], want[i].y[j])
			}
		}
		for j := range want[i].gw {
			if got[i].gw[j] != want[i].gw[j] {
				t.Errorf("run %d: dw[%d] = %v, RunAll %v", i, j, got[i].gw[j], want[i].gw[j])
			}
		}
	}
}

// TestDirectRunSeesNewInputs checks that every run of a machine computes
// from the inputs of that run: an input changed between runs changes the
// output (a run that did nothing would leave the last output in place).
func TestDirectRunSeesNewInputs(t *testing.T) {
	g := G.NewGraph()
	x := G.NewVector(g, tensor.Float64, G.WithShape(3), G.WithName("x"))
	y := G.Must(G.Mul(x, G.NewConstant(2.0)))
	vm, err := NewMachine(g)
	if err != nil {
		t.Fatal(err)
	}
	defer vm.Close()
	if vm.(*guardedMachine).direct == nil {
		t.Fatal("NewMachine's machine does not run directly")
	}
	for run, in := range [][]float64{{1, 2, 3}, {-4, 5, 0.5}, {7, 7, 7}} {
		if err := G.Let(x, tensor.New(tensor.WithShape(3), tensor.WithBacking(append([]float64(nil), in...)))); err != nil {
			t.Fatal(err)
		}
		if err := Run(vm); err != nil {
			t.Fatal(err)
		}
		got := y.Value().Data().([]float64)
		for i := range in {
			if got[i] != 2*in[i] {
				t.Fatalf("run %d: y = %v, want 2·%v", run, got, in)
			}
		}
	}
}
