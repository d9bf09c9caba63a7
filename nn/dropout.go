package nn

import (
	"fmt"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
)

// Dropout zeroes each input element with probability p in training graphs
// and scales the kept ones by 1/(1-p) (inverted dropout, Srivastava et al.
// 2014), so that the expected output equals the input. Evaluation graphs
// pass the input through unchanged. Input and output have any shape.
//
// Each training graph draws a new mask on every run, from a generator
// seeded by the builder (graph.WithSeed), so runs are reproducible.
type Dropout struct {
	p float64
}

// NewDropout returns a Dropout layer with drop probability p in [0, 1).
func NewDropout(p float64) (*Dropout, error) {
	if !(p >= 0 && p < 1) {
		return nil, argError("NewDropout", "p must be in [0, 1), got %v", p)
	}
	return &Dropout{p: p}, nil
}

// Forward applies the mask in training graphs and is the identity otherwise.
func (d *Dropout) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	if err := checkNotEmpty(b, "Dropout", x); err != nil {
		return nil, err
	}
	if _, err := inputDtype(x); err != nil {
		return nil, layerError(b, "Dropout", graph.ErrArg, "%v", err)
	}
	if !b.Training() || d.p == 0 {
		return x, nil
	}
	if x.Shape().Dims() == 0 {
		return nil, shapeError(b, "Dropout", "input must be a tensor, got a scalar")
	}
	return ops.Dropout(x, d.p, b.Seed())
}

// P is the drop probability.
func (d *Dropout) P() float64 { return d.p }

// Params is empty.
func (d *Dropout) Params() []graph.NamedParam { return nil }

// String prints "Dropout(p=0.5)".
func (d *Dropout) String() string { return fmt.Sprintf("Dropout(p=%g)", d.p) }
