package zoo

import (
	"errors"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
)

// TestResidualMergeErrors: when a block's body changes the shape, nn.Add's
// error (the path, the inputs' shapes and the axis that differs) reaches
// the caller with the block's kind and which input is which, as a shape
// error.
func TestResidualMergeErrors(t *testing.T) {
	widen, err := nn.NewConv2D(2, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		block nn.Layer
		want  []string
	}{
		{"InvertedResidual", &InvertedResidual{in: 2, out: 2, stride: 1, conv: indexed(widen)},
			[]string{`zoo: InvertedResidual "blk": adding the input (input 0) and the body's output (input 1): nn: Add "blk": input 1 has shape (1, 3, 4, 4), input 0 has (1, 2, 4, 4): axis 1 differs (3 vs 2)`}},
		{"ResidualBlock", &ResidualBlock{in: 2, out: 2, stride: 1, body: []nn.Child{child("conv1", widen)}, relu: nn.NewReLU()},
			[]string{`zoo: ResidualBlock "blk": adding the body's output (input 0) and the shortcut's (input 1): nn: Add "blk": input 1 has shape (1, 2, 4, 4), input 0 has (1, 3, 4, 4): axis 1 differs (2 vs 3)`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := graph.NewBuilder(graph.Eval)
			x := b.Input("x", widen.Weight().Dtype(), 1, 2, 4, 4)
			_, err := nn.Call(b, "blk", tc.block, x)
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, graph.ErrShape) {
				t.Errorf("error %v is not a graph.ErrShape", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\ndoes not contain\n%s", err, w)
				}
			}
		})
	}
}
