package nn

import (
	"fmt"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ZeroPadding2D adds rows and columns of zeros around each feature map,
// possibly more on one side than the other (Keras's
// ZeroPadding2D(((top, bottom), (left, right))), which MobileNetV2 uses
// before its stride-2 depthwise convolutions):
//
//	x (N, C, H, W) -> y (N, C, top + H + bottom, left + W + right)
//
// It has no parameters; its gradient crops the incoming gradient.
type ZeroPadding2D struct {
	top, bottom, left, right int
}

// NewZeroPadding2D returns a ZeroPadding2D layer. Every size must be >= 0.
func NewZeroPadding2D(top, bottom, left, right int) (*ZeroPadding2D, error) {
	if top < 0 || bottom < 0 || left < 0 || right < 0 {
		return nil, argError("NewZeroPadding2D", "padding must be >= 0, got top=%d, bottom=%d, left=%d, right=%d", top, bottom, left, right)
	}
	return &ZeroPadding2D{top: top, bottom: bottom, left: left, right: right}, nil
}

// Padding returns the sizes (top, bottom, left, right).
func (z *ZeroPadding2D) Padding() (top, bottom, left, right int) {
	return z.top, z.bottom, z.left, z.right
}

// Forward pads x.
func (z *ZeroPadding2D) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	if x == nil {
		return nil, layerError(b, "ZeroPadding2D", graph.ErrArg, "input is nil")
	}
	if x.Shape().Dims() != 4 {
		return nil, shapeError(b, "ZeroPadding2D", "input must be rank 4 (N, C, H, W), got shape %s", graph.FormatShape(x.Shape()))
	}
	if err := checkNotEmpty(b, "ZeroPadding2D", x); err != nil {
		return nil, err
	}
	for i, pads := range [][2]int{{z.top, z.bottom}, {z.left, z.right}} {
		v, ok := graph.AddInt(x.Shape()[2+i], pads[0])
		if ok {
			_, ok = graph.AddInt(v, pads[1])
		}
		if !ok {
			return nil, layerError(b, "ZeroPadding2D", graph.ErrArg, "input %s padded by %d and %d on axis %s overflows int",
				graph.FormatShape(x.Shape()), pads[0], pads[1], spatialAxes(2)[i])
		}
	}
	if z.top == 0 && z.bottom == 0 && z.left == 0 && z.right == 0 {
		return x, nil
	}
	y, err := ops.Pad(x, []int{z.top, z.left}, []int{z.bottom, z.right})
	if err != nil {
		return nil, layerError(b, "ZeroPadding2D", graph.ErrArg, "%v", err)
	}
	return y, nil
}

// Params is empty.
func (z *ZeroPadding2D) Params() []graph.NamedParam { return nil }

// Describe gives the output size per axis.
func (z *ZeroPadding2D) Describe(in, out tensor.Shape) []string {
	if len(in) != 4 || len(out) != 4 {
		return nil
	}
	return []string{
		fmt.Sprintf("H2 = top + H1 + bottom = %d + %d + %d = %d", z.top, in[2], z.bottom, out[2]),
		fmt.Sprintf("W2 = left + W1 + right = %d + %d + %d = %d", z.left, in[3], z.right, out[3]),
	}
}

// String prints the padding as Keras does: ((top, bottom), (left, right)).
func (z *ZeroPadding2D) String() string {
	return fmt.Sprintf("ZeroPadding2D(((%d, %d), (%d, %d)))", z.top, z.bottom, z.left, z.right)
}
