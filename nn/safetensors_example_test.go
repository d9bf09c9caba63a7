package nn_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/convnet-go/convnet/nn"
)

// Save a model's weights and load them into another model of the same
// architecture; a file for a different architecture is refused with every
// mismatch named.
func ExampleLoadSafetensors() {
	dir, _ := os.MkdirTemp("", "weights")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "mlp.safetensors")

	build := func(hidden int) *nn.Sequential {
		d1, _ := nn.NewDense(4, hidden, nn.WithActivation(nn.NewReLU()))
		d2, _ := nn.NewDense(hidden, 2)
		m, _ := nn.NewSequential(d1, d2)
		return m
	}
	trained := build(8)
	if err := nn.SaveSafetensors(trained, path); err != nil {
		fmt.Println(err)
		return
	}
	fresh := build(8)
	fmt.Println("load:", nn.LoadSafetensors(fresh, path))
	same := fresh.Layer(1).(*nn.Dense).Weight().Value().Float32s()[0] == trained.Layer(1).(*nn.Dense).Weight().Value().Float32s()[0]
	fmt.Println("same weights:", same)

	err := nn.LoadSafetensors(build(16), path)
	var le *nn.LoadError
	if errors.As(err, &le) {
		fmt.Println("mis-shaped:", le.Mismatched)
	}
	// Output:
	// load: <nil>
	// same weights: true
	// mis-shaped: ["0.bias": file (8), model (16) "0.weight": file (8, 4), model (16, 4) "1.weight": file (2, 8), model (2, 16)]
}
