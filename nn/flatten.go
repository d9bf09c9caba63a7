package nn

import (
	"fmt"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Flatten reshapes (N, d1, d2, ...) to (N, d1·d2·...), as torch.flatten(x, 1).
type Flatten struct{}

// NewFlatten returns a Flatten layer.
func NewFlatten() *Flatten { return &Flatten{} }

// Forward reshapes x.
func (f *Flatten) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	if x == nil || x.Shape().Dims() < 2 {
		var s tensor.Shape
		if x != nil {
			s = x.Shape()
		}
		return nil, shapeError(b, "Flatten", "input must have a batch axis and at least one more, got shape %s", graph.FormatShape(s))
	}
	if err := checkNotEmpty(b, "Flatten", x); err != nil {
		return nil, err
	}
	s := x.Shape()
	if s.Dims() == 2 {
		return x, nil
	}
	return ops.Reshape(x, s[0], s.TotalSize()/s[0])
}

// Params is empty.
func (f *Flatten) Params() []graph.NamedParam { return nil }

// String returns "Flatten()".
func (f *Flatten) String() string { return "Flatten()" }

// Reshape reshapes every example to a fixed shape: (N, ...) -> (N, Shape...).
type Reshape struct {
	shape []int
}

// NewReshape returns a layer reshaping each example to shape (the batch
// axis is kept). At most one entry may be -1, which is inferred.
func NewReshape(shape ...int) (*Reshape, error) {
	infer := 0
	for _, d := range shape {
		if d == -1 {
			infer++
		} else if d <= 0 {
			return nil, argError("NewReshape", "dimensions must be positive or -1, got %v", shape)
		}
	}
	if infer > 1 || len(shape) == 0 {
		return nil, argError("NewReshape", "need at least one dimension and at most one -1, got %v", shape)
	}
	return &Reshape{shape: append([]int(nil), shape...)}, nil
}

// Forward reshapes x.
func (r *Reshape) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	if x == nil || x.Shape().Dims() < 1 {
		return nil, shapeError(b, "Reshape", "input must have a batch axis")
	}
	if err := checkNotEmpty(b, "Reshape", x); err != nil {
		return nil, err
	}
	s := x.Shape()
	per := s.TotalSize() / s[0]
	target := tensor.Shape{s[0]}
	known, at := 1, -1
	for i, d := range r.shape {
		if d == -1 {
			at = i
		} else {
			known *= d
		}
		target = append(target, d)
	}
	if at >= 0 {
		if per%known != 0 {
			return nil, shapeError(b, "Reshape", "cannot reshape %s to (N, %v)", graph.FormatShape(s), r.shape)
		}
		target[at+1] = per / known
	} else if known != per {
		return nil, shapeError(b, "Reshape", "cannot reshape %s (%d values per example) to (N, %v) (%d values)", graph.FormatShape(s), per, r.shape, known)
	}
	return ops.Reshape(x, target...)
}

// Params is empty.
func (r *Reshape) Params() []graph.NamedParam { return nil }

// String prints the target shape.
func (r *Reshape) String() string { return fmt.Sprintf("Reshape%v", r.shape) }
