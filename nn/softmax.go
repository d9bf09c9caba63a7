package nn

import (
	"fmt"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
)

// softmaxLayer is Softmax or LogSoftmax along one axis.
type softmaxLayer struct {
	kind string
	log  bool
	axis int
}

func newSoftmaxLayer(kind string, log bool, opts []SoftmaxOption) (*softmaxLayer, error) {
	c, err := newConfig("New"+kind, opts)
	if err != nil {
		return nil, err
	}
	return &softmaxLayer{kind: kind, log: log, axis: c.axis}, nil
}

// Forward normalises x along the layer's axis.
func (s *softmaxLayer) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	if err := checkNotEmpty(b, s.kind, x); err != nil {
		return nil, err
	}
	if r := x.Shape().Dims(); s.axis >= r || s.axis < -r {
		return nil, shapeError(b, s.kind, "axis %d does not exist in an input of shape %s", s.axis, graph.FormatShape(x.Shape()))
	}
	if s.log {
		return ops.LogSoftmax(x, s.axis)
	}
	return ops.Softmax(x, s.axis)
}

// Axis is the axis the layer normalises along.
func (s *softmaxLayer) Axis() int { return s.axis }

// Params is empty.
func (s *softmaxLayer) Params() []graph.NamedParam { return nil }

// String prints the layer, with its axis when not 1.
func (s *softmaxLayer) String() string {
	if s.axis != 1 {
		return fmt.Sprintf("%s(axis=%d)", s.kind, s.axis)
	}
	return s.kind + "()"
}

// Softmax turns scores into probabilities along an axis (default 1, the
// class axis of (N, K) or (N, K, H, W)): y_k = exp(x_k)/Σ_j exp(x_j),
// computed stably. Output shape = input shape. For training with
// cross-entropy, feed the logits to ops.SoftmaxCrossEntropy instead, which
// fuses the two stably.
type Softmax struct{ softmaxLayer }

// NewSoftmax returns a Softmax layer. Options: WithAxis (default 1).
func NewSoftmax(opts ...SoftmaxOption) (*Softmax, error) {
	s, err := newSoftmaxLayer("Softmax", false, opts)
	if err != nil {
		return nil, err
	}
	return &Softmax{*s}, nil
}

// LogSoftmax is log(softmax(x)) along an axis (default 1), computed as
// x_k - log Σ_j exp(x_j) without overflow. Output shape = input shape.
type LogSoftmax struct{ softmaxLayer }

// NewLogSoftmax returns a LogSoftmax layer. Options: WithAxis (default 1).
func NewLogSoftmax(opts ...SoftmaxOption) (*LogSoftmax, error) {
	s, err := newSoftmaxLayer("LogSoftmax", true, opts)
	if err != nil {
		return nil, err
	}
	return &LogSoftmax{*s}, nil
}
