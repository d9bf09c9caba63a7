package zoo_test

import (
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/zoo"
	"gorgonia.org/tensor"
)

// TestZooEmptyBatch: a batch of 0 examples into a zoo model is an error
// naming the model (Predict) or the first layer with its path (a graph
// built by hand), not a crash in Gorgonia's VM goroutine.
func TestZooEmptyBatch(t *testing.T) {
	m, err := zoo.LeNet5(10)
	if err != nil {
		t.Fatal(err)
	}
	_, err = nn.Predict(m, tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(0, 1, 28, 28)))
	if err == nil || !strings.Contains(err.Error(), "nn: LeNet: empty batch") {
		t.Errorf("Predict: %v", err)
	}
	b := graph.NewBuilder(graph.Train)
	_, err = m.Forward(b, b.Input("x", tensor.Float32, 0, 1, 28, 28))
	if err == nil || !strings.Contains(err.Error(), "empty batch") || !strings.Contains(err.Error(), `Conv2D "`) {
		t.Errorf("Forward: %v", err)
	}
}
