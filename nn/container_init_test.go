package nn_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/convnet-go/convnet/nn"
	"gorgonia.org/tensor"
)

// Wrapping a loaded model in a container keeps its weights: containers
// never re-initialise their children (they used to redraw them from seed 0,
// silently throwing a pretrained block away).
func TestContainersKeepChildWeights(t *testing.T) {
	path := filepath.Join(t.TempDir(), "block.safetensors")
	if err := nn.SaveSafetensors(mlpOf(t, tensor.Float32, 42), path); err != nil {
		t.Fatal(err)
	}
	wraps := []struct {
		name string
		wrap func(l nn.Layer) (nn.Layer, error)
	}{
		{"NewSequential", func(l nn.Layer) (nn.Layer, error) { return nn.NewSequential(l, nn.NewReLU()) }},
		{"NewSequentialNamed", func(l nn.Layer) (nn.Layer, error) {
			return nn.NewSequentialNamed(nn.Child{Name: "backbone", Layer: l})
		}},
		{"NewResidual", func(l nn.Layer) (nn.Layer, error) {
			d, err := nn.NewDense(4, 3)
			if err != nil {
				return nil, err
			}
			return nn.NewResidual(l, d)
		}},
	}
	for _, w := range wraps {
		t.Run(w.name, func(t *testing.T) {
			loaded := mlpOf(t, tensor.Float32, 1)
			if err := nn.LoadSafetensors(loaded, path); err != nil {
				t.Fatal(err)
			}
			before := paramBits(t, loaded)
			if _, err := w.wrap(loaded); err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(before) != fmt.Sprint(paramBits(t, loaded)) {
				t.Fatal("wrapping the loaded model changed its weights")
			}
		})
	}
}
