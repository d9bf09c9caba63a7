package keras

import (
	"encoding/json"
	"fmt"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/ops"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// toChannelsLast moves axis 1 of (N, C, d1, ...) to the end: (N, d1, ...,
// C), Keras's memory order. Rank-2 inputs are returned unchanged.
func toChannelsLast(x *G.Node) (*G.Node, error) {
	r := x.Shape().Dims()
	if r <= 2 {
		return x, nil
	}
	axes := []int{0}
	for i := 2; i < r; i++ {
		axes = append(axes, i)
	}
	axes = append(axes, 1)
	return G.Transpose(x, axes...)
}

// toChannelsFirst moves the last axis of (N, d1, ..., C) to axis 1.
func toChannelsFirst(x *G.Node) (*G.Node, error) {
	r := x.Shape().Dims()
	if r <= 2 {
		return x, nil
	}
	axes := []int{0, r - 1}
	for i := 1; i < r-1; i++ {
		axes = append(axes, i)
	}
	return G.Transpose(x, axes...)
}

// Flatten is Keras's Flatten with data_format channels_last: (N, C, H, W)
// becomes (N, H·W·C) with the elements in Keras's (H, W, C) order, so the
// Dense layer after it reads its weights' rows as Keras does.
type Flatten struct{}

// Forward flattens x in channels-last order.
func (f *Flatten) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	if x == nil || x.Shape().Dims() < 2 {
		return nil, layerErr(b, "Flatten", "input must have a batch axis and at least one more, got %v", shapeOf(x))
	}
	if x.Shape().Dims() == 2 {
		return x, nil
	}
	y, err := toChannelsLast(x)
	if err != nil {
		return nil, errors.Wrap(err, where(b, "Flatten"))
	}
	s := x.Shape()
	return ops.Reshape(y, s[0], s.TotalSize()/s[0])
}

// Params is empty.
func (f *Flatten) Params() []graph.NamedParam { return nil }

// String returns "Flatten(channels_last)".
func (f *Flatten) String() string { return "Flatten(channels_last)" }

// Reshape is Keras's Reshape: each example, read in channels-last order,
// gets the target shape (Keras's axes, channels last); the result is
// returned channels first again: a target (H, W, C) gives (N, C, H, W).
type Reshape struct {
	target []int
}

// NewReshape returns a Reshape to target (without the batch axis); one entry
// may be -1, inferred from the input size.
func NewReshape(target ...int) (*Reshape, error) {
	infer := 0
	for _, d := range target {
		if d == -1 {
			infer++
		} else if d <= 0 {
			return nil, errors.Errorf("target_shape entries must be positive or -1, got %v", target)
		}
	}
	if len(target) == 0 || infer > 1 {
		return nil, errors.Errorf("target_shape needs at least one entry and at most one -1, got %v", target)
	}
	return &Reshape{target: append([]int(nil), target...)}, nil
}

// Forward reshapes x.
func (r *Reshape) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	if x == nil || x.Shape().Dims() < 2 {
		return nil, layerErr(b, "Reshape", "input must have a batch axis and at least one more, got %v", shapeOf(x))
	}
	s := x.Shape()
	per := s.TotalSize() / s[0]
	target := append([]int(nil), r.target...)
	known, at := 1, -1
	for i, d := range target {
		if d == -1 {
			at = i
		} else {
			known *= d
		}
	}
	if at >= 0 {
		if per%known != 0 {
			return nil, layerErr(b, "Reshape", "cannot reshape %d elements per example (input %s) to %v", per, graph.FormatShape(s), r.target)
		}
		target[at] = per / known
	} else if known != per {
		return nil, layerErr(b, "Reshape", "cannot reshape %d elements per example (input %s) to %v", per, graph.FormatShape(s), r.target)
	}
	y, err := toChannelsLast(x)
	if err != nil {
		return nil, errors.Wrap(err, where(b, "Reshape"))
	}
	if y, err = ops.Reshape(y, append([]int{s[0]}, target...)...); err != nil {
		return nil, errors.Wrap(err, where(b, "Reshape"))
	}
	return toChannelsFirst(y)
}

// Params is empty.
func (r *Reshape) Params() []graph.NamedParam { return nil }

// String prints the Keras target shape.
func (r *Reshape) String() string { return fmt.Sprintf("Reshape(channels_last, %v)", r.target) }

// BatchNorm is Keras's BatchNormalization over the last (channel) axis: an
// nn.BatchNorm2D that also takes (N, C) inputs (a BatchNormalization after a
// Dense layer). Its Params are the BatchNorm2D's ("weight", "bias",
// "running_mean", "running_var").
type BatchNorm struct {
	bn   *nn.BatchNorm2D
	axis int // Keras axis: -1 or rank-1
}

// Forward normalises x's channel axis.
func (l *BatchNorm) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	if x == nil {
		return nil, layerErr(b, "BatchNormalization", "input is nil")
	}
	r := x.Shape().Dims()
	if l.axis != -1 && l.axis != r-1 {
		return nil, layerErr(b, "BatchNormalization", "axis %d is not the channel axis of a rank-%d input %s; only the last Keras axis is supported", l.axis, r, graph.FormatShape(x.Shape()))
	}
	if r != 2 {
		return l.bn.Forward(b, x)
	}
	s := x.Shape()
	y, err := ops.Reshape(x, s[0], s[1], 1, 1)
	if err != nil {
		return nil, err
	}
	if y, err = l.bn.Forward(b, y); err != nil {
		return nil, err
	}
	return ops.Reshape(y, s[0], s[1])
}

// Params lists the BatchNorm2D's Params.
func (l *BatchNorm) Params() []graph.NamedParam { return l.bn.Params() }

// Norm returns the underlying BatchNorm2D.
func (l *BatchNorm) Norm() *nn.BatchNorm2D { return l.bn }

// String prints the BatchNorm2D.
func (l *BatchNorm) String() string { return fmt.Sprintf("%v", l.bn) }

func where(b *graph.Builder, kind string) string {
	if b != nil && b.Path() != "" {
		return fmt.Sprintf("keras: %s %q", kind, b.Path())
	}
	return "keras: " + kind
}

func layerErr(b *graph.Builder, kind, format string, args ...any) error {
	return graph.ShapeErrorf("%s: %s", where(b, kind), fmt.Sprintf(format, args...))
}

func shapeOf(x *G.Node) string {
	if x == nil {
		return "nil"
	}
	return graph.FormatShape(x.Shape())
}

func jsonInt(b json.RawMessage, v *int) bool    { return json.Unmarshal(b, v) == nil }
func jsonInts(b json.RawMessage, v *[]int) bool { return json.Unmarshal(b, v) == nil }
