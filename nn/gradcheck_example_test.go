package nn_test

import (
	"fmt"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
)

// Check the gradients of a small Dense+Tanh network: for the input and for
// every weight, autodiff agrees with finite differences.
func ExampleGradCheck() {
	hidden, _ := nn.NewDense(3, 4, nn.WithActivation(nn.NewTanh()), nn.WithSeed(1))
	out, _ := nn.NewDense(4, 2, nn.WithSeed(2))
	model, _ := nn.NewSequential(hidden, out)

	rep, err := nn.GradCheck(model, []int{2, 3}, graph.GradCheckOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range rep.Results {
		fmt.Printf("%-8s ok=%v\n", r.Name, r.MaxRel <= rep.Tol)
	}
	if rep.OK() {
		fmt.Println("ok")
	}
	// Output:
	// input 0  ok=true
	// 0.bias   ok=true
	// 0.weight ok=true
	// 1.bias   ok=true
	// 1.weight ok=true
	// ok
}
