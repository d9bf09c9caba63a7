package ops_test

import (
	"fmt"
	"log"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// A 1x1 convolution followed by an evaluation-mode BatchNorm, as one
// inference op. It keeps the folded weight between runs, and a change to
// any of its weight inputs (here gamma, written in place) is seen by the
// next run.
func ExampleConvBatchNorm() {
	vec := func(v ...float64) *tensor.Dense { return tensor.New(tensor.WithShape(len(v)), tensor.WithBacking(v)) }
	b := graph.NewBuilder(graph.Eval)
	x := b.InputValue("x", tensor.New(tensor.WithShape(1, 1, 1, 3), tensor.WithBacking([]float64{1, 2, 3})))
	w := b.InputValue("w", tensor.New(tensor.WithShape(1, 1, 1, 1), tensor.WithBacking([]float64{2})))
	gammaT := vec(1)
	gamma := b.InputValue("gamma", gammaT)
	beta := b.InputValue("beta", vec(0.5))
	bn := ops.BatchNormParams{RunningMean: vec(2), RunningVar: vec(4), Eps: 1e-12}
	y, err := ops.ConvBatchNorm(x, w, nil, gamma, beta, bn, ops.ConvParams{})
	if err != nil {
		log.Fatal(err)
	}
	var v G.Value
	G.Read(y, &v)
	m, err := graph.NewMachine(b.Graph())
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	for _, g := range []float64{1, 2} {
		gammaT.Data().([]float64)[0] = g
		if err := graph.Run(m); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("gamma %v: %.2f\n", g, v.Data())
	}
	// Output:
	// gamma 1: [0.50 1.50 2.50]
	// gamma 2: [0.50 2.50 4.50]
}
