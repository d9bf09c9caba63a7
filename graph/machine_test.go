package graph_test

import (
	"fmt"
	"testing"

	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

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
