package nn

import (
	"fmt"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// AdaptiveAvgPool2D averages each channel over an outH x outW grid of bins
// whatever the input size, as PyTorch's AdaptiveAvgPool2d. torchvision puts
// one before the classifier (AlexNet 6x6, VGG 7x7, ResNet 1x1) so that the
// classifier sees a fixed size for any input resolution.
//
// Input (N, C, H, W); output (N, C, outH, outW). Bin i along an axis of
// input size in covers [floor(i·in/out), ceil((i+1)·in/out)): with in = k·out
// it is AvgPool2D with kernel = stride = k; with out = 1 it is global
// average pooling; with in < out elements are repeated. No parameters.
type AdaptiveAvgPool2D struct {
	outH, outW int
}

// NewAdaptiveAvgPool2D returns an AdaptiveAvgPool2D with output size
// (outH, outW), both positive. It takes no options but WithDtype and
// WithSeed, which it ignores (it has no weights).
func NewAdaptiveAvgPool2D(outH, outW int, opts ...Option) (*AdaptiveAvgPool2D, error) {
	const ctor = "NewAdaptiveAvgPool2D"
	if _, err := newConfig(ctor, opts); err != nil {
		return nil, err
	}
	if outH <= 0 || outW <= 0 {
		return nil, argError(ctor, "output size must be positive, got (%d, %d)", outH, outW)
	}
	return &AdaptiveAvgPool2D{outH: outH, outW: outW}, nil
}

// Forward pools x (N, C, H, W) to (N, C, outH, outW).
func (a *AdaptiveAvgPool2D) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	const kind = "AdaptiveAvgPool2D"
	if err := checkInput(b, kind, x, 4, "(N, C, H, W)", tensor.Dtype{}); err != nil {
		return nil, err
	}
	for _, d := range x.Shape() {
		if d <= 0 {
			return nil, shapeError(b, kind, "every input dimension must be positive, got shape %s", graph.FormatShape(x.Shape()))
		}
	}
	y, err := ops.AdaptiveAvgPool2D(x, a.outH, a.outW)
	if err != nil {
		return nil, errors.WithMessagef(err, "nn: %s %q", kind, b.Path())
	}
	return y, nil
}

// OutputSize returns (outH, outW).
func (a *AdaptiveAvgPool2D) OutputSize() (outH, outW int) { return a.outH, a.outW }

// Params is empty.
func (a *AdaptiveAvgPool2D) Params() []graph.NamedParam { return nil }

// Describe gives the bin formula for each axis with the sizes filled in.
func (a *AdaptiveAvgPool2D) Describe(in, out tensor.Shape) []string {
	if len(in) != 4 {
		return nil
	}
	var lines []string
	for i, axis := range []string{"H", "W"} {
		lines = append(lines, adaptiveFormula(axis, in[2+i], []int{a.outH, a.outW}[i]))
	}
	return append(lines, "params = 0")
}

// adaptiveFormula explains the bins of one axis: their bounds and, when
// all bins have one size, the equivalent kernel and stride.
func adaptiveFormula(axis string, in, out int) string {
	lo, hi := in, 0
	for i := range out {
		n := ((i+1)*in+out-1)/out - i*in/out
		lo, hi = min(lo, n), max(hi, n)
	}
	s := fmt.Sprintf("%s2 = %d bins over %s1 = %d: bin i = [floor(i·%d/%d), ceil((i+1)·%d/%d))", axis, out, axis, in, in, out, in, out)
	if in%out == 0 {
		return s + fmt.Sprintf(", kernel = stride = %d/%d = %d", in, out, in/out)
	}
	if lo == hi {
		return s + fmt.Sprintf(", %d elements each", lo)
	}
	return s + fmt.Sprintf(", %d to %d elements each", lo, hi)
}

// String prints the layer like PyTorch: "AdaptiveAvgPool2D(output_size=(7, 7))".
func (a *AdaptiveAvgPool2D) String() string {
	return fmt.Sprintf("AdaptiveAvgPool2D(output_size=(%d, %d))", a.outH, a.outW)
}
