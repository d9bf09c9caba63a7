package ops_test

import (
	"fmt"
	"log"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// A 1x1 convolution with two output channels followed by an evaluation-mode
// BatchNorm folds into one convolution: each output channel's weights are
// scaled by gamma/sqrt(var + eps) and the bias absorbs the mean and beta.
func ExampleFoldBatchNorm() {
	vec := func(v ...float64) *tensor.Dense { return tensor.New(tensor.WithShape(len(v)), tensor.WithBacking(v)) }
	b := graph.NewBuilder(graph.Eval)
	w := b.InputValue("w", tensor.New(tensor.WithShape(2, 1, 1, 1), tensor.WithBacking([]float64{1, 3})))
	bias := b.InputValue("b", vec(0.5, 0))
	gamma := b.InputValue("gamma", vec(2, 1))
	beta := b.InputValue("beta", vec(0, 1))
	p := ops.BatchNormParams{RunningMean: vec(0.5, 2), RunningVar: vec(4, 9), Eps: 1e-12}
	wf, bf, err := ops.FoldBatchNorm(w, bias, gamma, beta, p)
	if err != nil {
		log.Fatal(err)
	}
	var wv, bv G.Value
	G.Read(wf, &wv)
	G.Read(bf, &bv)
	m, err := graph.NewMachine(b.Graph())
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	if err := graph.Run(m); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("weight %.4f\nbias   %.4f\n", wv.Data(), bv.Data())
	// Output:
	// weight [1.0000 1.0000]
	// bias   [0.0000 0.3333]
}
