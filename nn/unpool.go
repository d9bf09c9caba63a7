package nn

import (
	"fmt"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
)

// MaxUnpool2D is the partial inverse of a MaxPool2D (PyTorch's
// MaxUnpool2d, the upsampling of SegNet's decoder): every element of x
// (N, C, h, w) goes to the position its pooling took it from, given by the
// indices of MaxPool2D.ForwardWithIndices, in an output of zeros
// (N, C, H, W). The gradient flows back to x through the same positions.
// No parameters.
//
// It takes two inputs, so it is not a Layer: a container calls
// ForwardWithIndices with the pooling's indices, as SegNet does.
type MaxUnpool2D struct{ kernel int }

// NewMaxUnpool2D returns the unpooling that inverts a MaxPool2D with a
// kernel×kernel window and stride kernel (the output size it assumes when
// none is given is kernel times the input's).
func NewMaxUnpool2D(kernel int) (*MaxUnpool2D, error) {
	if kernel <= 0 {
		return nil, argError("NewMaxUnpool2D", "kernel must be positive, got %d", kernel)
	}
	return &MaxUnpool2D{kernel: kernel}, nil
}

// ForwardWithIndices unpools x (N, C, h, w) with indices (x's shape, from
// MaxPool2D.ForwardWithIndices) into (N, C, size[0], size[1]): the
// spatial size of the pooling's input, which the pooling's own formula
// cannot recover when it floored (a 7-pixel side pooled by 2 gives 3). A
// zero size means (h·kernel, w·kernel).
func (l *MaxUnpool2D) ForwardWithIndices(b *graph.Builder, x, indices *G.Node, size [2]int) (*G.Node, error) {
	const kind = "MaxUnpool2D"
	if err := checkNotEmpty(b, kind, x); err != nil {
		return nil, err
	}
	if indices == nil {
		return nil, layerError(b, kind, graph.ErrArg, "indices is nil")
	}
	xs := x.Shape()
	if xs.Dims() != 4 {
		return nil, shapeError(b, kind, "input must be rank 4 (N, C, H, W), got shape %s", graph.FormatShape(xs))
	}
	if size == [2]int{} {
		var ok1, ok2 bool
		size[0], ok1 = graph.MulInt(xs[2], l.kernel)
		size[1], ok2 = graph.MulInt(xs[3], l.kernel)
		if !ok1 || !ok2 {
			return nil, shapeError(b, kind, "output size of input %s times kernel %d overflows int", graph.FormatShape(xs), l.kernel)
		}
	}
	y, err := ops.MaxUnpool2D(x, indices, size[0], size[1])
	if err != nil {
		return nil, wrapLayer(b, kind, err)
	}
	return y, nil
}

// Params returns nil: unpooling has no parameters.
func (l *MaxUnpool2D) Params() []graph.NamedParam { return nil }

// String prints "MaxUnpool2D(2)".
func (l *MaxUnpool2D) String() string { return fmt.Sprintf("MaxUnpool2D(%d)", l.kernel) }
