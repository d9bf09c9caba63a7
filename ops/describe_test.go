package ops_test

import (
	"fmt"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ExampleDescribe reads which op a node holds, as a graph exporter does.
func ExampleDescribe() {
	b := graph.NewBuilder(graph.Eval)
	x := b.Input("x", tensor.Float32, 1, 2, 4, 4)
	w := b.Input("w", tensor.Float32, 3, 2, 3, 3)
	y, err := ops.ConvND(x, w, nil, ops.ConvParams{Pad: []int{1, 1}, ReLU: true})
	if err != nil {
		panic(err)
	}
	z, err := ops.Concat(1, y, x)
	if err != nil {
		panic(err)
	}
	for _, n := range []*G.Node{y, z} {
		name, attrs, ok := ops.Describe(n.Op())
		fmt.Printf("%s [%s] %v\n", name, attrs, ok)
	}
	// Output:
	// Conv2D+ReLU [stride=[1 1], pad=[1 1], dilation=[1 1]] true
	// Concat [axis=1, [3 2]] true
}

// TestDescribe checks Describe on the ops the ONNX exporter recognises,
// on Gorgonia's own ops and on gradient ops.
func TestDescribe(t *testing.T) {
	b := graph.NewBuilder(graph.Train)
	x := b.InputValue("x", tensor.New(tensor.WithShape(1, 2, 4, 4), tensor.WithBacking(make([]float64, 32))))
	pooled, idx, err := ops.MaxPool2DIndices(x, [2]int{2, 2}, [2]int{2, 2}, [2]int{})
	if err != nil {
		t.Fatal(err)
	}
	unpooled, err := ops.MaxUnpool2D(pooled, idx, 4, 4)
	if err != nil {
		t.Fatal(err)
	}
	leaky, err := ops.LeakyReLU(x, 0.01)
	if err != nil {
		t.Fatal(err)
	}
	gsum, err := G.Sum(leaky)
	if err != nil {
		t.Fatal(err)
	}
	w := b.InputValue("w", tensor.New(tensor.WithShape(3, 2, 3, 3), tensor.WithBacking(make([]float64, 54))))
	conv, err := ops.Conv2D(x, w, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1})
	if err != nil {
		t.Fatal(err)
	}
	csum, err := G.Sum(conv)
	if err != nil {
		t.Fatal(err)
	}
	total, err := G.Add(gsum, csum)
	if err != nil {
		t.Fatal(err)
	}
	grads, err := graph.Grad(total, x, w)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		n           *G.Node
		name, attrs string
		ok          bool
	}{
		{idx, "MaxPool2DIndices", "k=(2, 2), s=(2, 2), p=(0, 0)", true},
		{unpooled, "MaxUnpool2D", "4, 4", true},
		{leaky, "LeakyReLU", "alpha=0.01", true},
		{gsum, "", "", false},
		{grads[0], "", "", false},
		{conv, "Conv2D", "stride=[1 1], pad=[1 1], dilation=[1 1]", true},
		{grads[1], "", "", false}, // the filter gradient, a kit op itself
	} {
		name, attrs, ok := ops.Describe(c.n.Op())
		if name != c.name || attrs != c.attrs || ok != c.ok {
			t.Errorf("%v: Describe = %q, %q, %v; want %q, %q, %v", c.n.Op(), name, attrs, ok, c.name, c.attrs, c.ok)
		}
	}
}
