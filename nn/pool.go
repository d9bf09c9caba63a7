package nn

import (
	"fmt"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// poolBase is the one implementation behind MaxPool1D/2D/3D and
// AvgPool1D/2D/3D: rank is the number of spatial axes.
type poolBase struct {
	kind    string // "MaxPool2D", "AvgPool3D", ...
	rank    int
	max     bool
	kernel  []int
	stride  []int
	padding PaddingMode
	pad     []int // Explicit padding
	ceil    bool
}

func newPoolBase(kind string, rank int, max bool, kernel int, opts []PoolOption) (*poolBase, error) {
	ctor := "New" + kind
	c, err := newConfig(ctor, opts)
	if err != nil {
		return nil, err
	}
	if !c.kernelSet && kernel <= 0 {
		return nil, argError(ctor, "kernel size must be positive, got %d", kernel)
	}
	l := &poolBase{kind: kind, rank: rank, max: max, padding: c.padding, ceil: c.ceil}
	if l.kernel, err = spatial(ctor, "kernel size", c.kernel, rank, kernel, 1); err != nil {
		return nil, err
	}
	if c.stride == nil {
		l.stride = append([]int(nil), l.kernel...) // default: the kernel
	} else if l.stride, err = spatial(ctor, "stride", c.stride, rank, 1, 1); err != nil {
		return nil, err
	}
	if l.pad, err = spatial(ctor, "padding", c.pad, rank, 0, 0); err != nil {
		return nil, err
	}
	if err := checkPadding(ctor, c); err != nil {
		return nil, err
	}
	for i := range l.pad {
		if 2*l.pad[i] > l.kernel[i] {
			return nil, argError(ctor, "padding must be at most half the kernel, got padding %s for kernel %s",
				axisValue(l.pad), axisValue(l.kernel))
		}
	}
	return l, nil
}

// padsFor returns the padding before and after each axis for an input of
// the given spatial size.
func (l *poolBase) padsFor(in []int) (before, after []int) {
	return windowPads(l.padding, in, l.kernel, l.stride, nil, l.pad)
}

// Forward pools x.
func (l *poolBase) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	y, _, err := l.forward(b, x, false)
	return y, err
}

func (l *poolBase) forward(b *graph.Builder, x *G.Node, withIndices bool) (y, indices *G.Node, err error) {
	if err := checkInput(b, l.kind, x, l.rank+2, spatialLayout(l.rank), tensor.Dtype{}); err != nil {
		return nil, nil, err
	}
	if err := checkFloat(b, l.kind, x); err != nil {
		return nil, nil, err
	}
	in := []int(x.Shape()[2:])
	for _, d := range x.Shape() {
		if d <= 0 {
			return nil, nil, shapeError(b, l.kind, "dimensions must be positive, got shape %s", graph.FormatShape(x.Shape()))
		}
	}
	before, after := l.padsFor(in)
	if err := checkWindowFits(b, l.kind, "kernel "+graph.FormatShape(l.kernel), x, l.kernel, before, after); err != nil {
		return nil, nil, err
	}
	spec := l.Spec(in)
	switch {
	case withIndices:
		y, indices, err = ops.MaxPoolIndices(x, spec)
	case l.max:
		y, err = ops.MaxPool(x, spec)
	default:
		y, err = ops.AvgPool(x, spec)
	}
	if err != nil {
		return nil, nil, wrapLayer(b, l.kind, err)
	}
	return y, indices, nil
}

// Params is empty: pooling has no weights.
func (l *poolBase) Params() []graph.NamedParam { return nil }

// Kernel returns the window size per spatial axis.
func (l *poolBase) Kernel() []int { return append([]int(nil), l.kernel...) }

// Stride returns the stride per spatial axis.
func (l *poolBase) Stride() []int { return append([]int(nil), l.stride...) }

// Describe gives the course's output-size formula for every spatial axis
// with the numbers of in and out filled in, and "params = 0".
func (l *poolBase) Describe(in, out tensor.Shape) []string {
	var lines []string
	if len(in) == l.rank+2 && len(out) == l.rank+2 {
		sin, sout := []int(in[2:]), []int(out[2:])
		before, after := l.padsFor(sin)
		for i, axis := range spatialAxes(l.rank) {
			k, s := l.kernel[i], l.stride[i]
			switch {
			case l.padding == Same:
				line := fmt.Sprintf("%s2 = ceil(%s1/S) = ceil(%d/%d) = %d", axis, axis, sin[i], s, sout[i])
				if before[i]+after[i] > 0 {
					line += fmt.Sprintf(" (padding same: %d before, %d after)", before[i], after[i])
				}
				lines = append(lines, line)
			case l.ceil:
				span := sin[i] + 2*before[i] - k
				line := fmt.Sprintf("%s2 = ceil((%s1 - k + 2P)/S) + 1 = ceil((%d - %d + %d)/%d) + 1", axis, axis, sin[i], k, 2*before[i], s)
				if f := (span+s-1)/s + 1; f != sout[i] {
					line += fmt.Sprintf(" - 1 = %d (the last window would start in the padding)", sout[i])
				} else {
					line += fmt.Sprintf(" = %d", sout[i])
				}
				lines = append(lines, line)
			default:
				lines = append(lines, graph.ConvFormula(axis, sin[i], k, s, before[i], 1, sout[i]))
			}
		}
	}
	return append(lines, "params = 0")
}

// String prints the layer like PyTorch, with the settings that differ from
// the defaults.
func (l *poolBase) String() string {
	s := fmt.Sprintf("%s(kernel=%s", l.kind, axisValue(l.kernel))
	if !graph.SameShape(l.stride, l.kernel) {
		s += ", stride=" + axisValue(l.stride)
	}
	switch {
	case l.padding == Same:
		s += ", padding=same"
	case l.padding == Explicit && !allZero(l.pad):
		s += ", pad=" + axisValue(l.pad)
	}
	if l.ceil {
		s += ", ceil_mode=true"
	}
	return s + ")"
}

// MaxPool1D is max pooling over the last axis (PyTorch's MaxPool1d, Keras's
// MaxPooling1D):
//
//	x (N, C, L) -> y (N, C, L2),  y = the maximum of each window
//	L2 = floor((L + 2P - k)/S) + 1        Valid (P = 0) or WithPad(P)
//	L2 = ceil((L + 2P - k)/S) + 1         WithCeilMode(true) (a last window starting in the padding is dropped)
//	L2 = ceil(L/S)                        WithPadding(Same)
//
// Padding counts as -Inf. The gradient goes to the first maximum of each
// window. No parameters.
type MaxPool1D struct{ poolBase }

// NewMaxPool1D returns a MaxPool1D layer with window size kernel.
//
// Options and defaults: WithStride (the kernel size), WithPad (explicit, 0,
// at most kernel/2), WithPadding (Valid; Same pads as Keras, the odd extra
// element after), WithCeilMode (false), WithKernel.
func NewMaxPool1D(kernel int, opts ...PoolOption) (*MaxPool1D, error) {
	l, err := newPoolBase("MaxPool1D", 1, true, kernel, opts)
	if err != nil {
		return nil, err
	}
	return &MaxPool1D{*l}, nil
}

// MaxPool2D is 2-D max pooling (PyTorch's MaxPool2d, Keras's
// MaxPooling2D):
//
//	x (N, C, H, W) -> y (N, C, H2, W2),  y = the maximum of each kh×kw window
//	W2 = floor((W + 2P - k)/S) + 1        Valid (P = 0) or WithPad(P)
//	W2 = ceil((W + 2P - k)/S) + 1         WithCeilMode(true) (a last window starting in the padding is dropped)
//	W2 = ceil(W/S)                        WithPadding(Same)
//
// and likewise for H: the course's W2 = floor((W1 - k + 2P)/S) + 1. Padding counts
// as -Inf. The gradient goes to the first maximum of each window. No
// parameters.
type MaxPool2D struct{ poolBase }

// NewMaxPool2D returns a MaxPool2D layer with a kernel×kernel window.
//
// Options and defaults: WithStride (the kernel size), WithPad (explicit, 0,
// at most kernel/2), WithPadding (Valid; Same pads as Keras, the odd extra
// element after), WithCeilMode (false), WithKernel (non-square windows).
func NewMaxPool2D(kernel int, opts ...PoolOption) (*MaxPool2D, error) {
	l, err := newPoolBase("MaxPool2D", 2, true, kernel, opts)
	if err != nil {
		return nil, err
	}
	return &MaxPool2D{*l}, nil
}

// ForwardWithIndices pools x like Forward and also returns, for every
// output element, the flat index h·W + w of its maximum inside its (n, c)
// input plane (PyTorch's return_indices), as a node of x's dtype. SegNet's
// decoder passes them to MaxUnpool2D.ForwardWithIndices.
func (l *MaxPool2D) ForwardWithIndices(b *graph.Builder, x *G.Node) (out, indices *G.Node, err error) {
	return l.forward(b, x, true)
}

// MaxPool3D is 3-D max pooling (PyTorch's MaxPool3d, Keras's
// MaxPooling3D):
//
//	x (N, C, D, H, W) -> y (N, C, D2, H2, W2)
//	W2 = floor((W + 2P - k)/S) + 1        Valid (P = 0) or WithPad(P)
//	W2 = ceil((W + 2P - k)/S) + 1         WithCeilMode(true)
//	W2 = ceil(W/S)                        WithPadding(Same)
//
// and likewise for D and H. No parameters.
type MaxPool3D struct{ poolBase }

// NewMaxPool3D returns a MaxPool3D layer with a kernel×kernel×kernel window.
//
// Options and defaults: WithStride (the kernel size), WithPad (explicit, 0,
// at most kernel/2), WithPadding (Valid; Same as Keras), WithCeilMode
// (false), WithKernel.
func NewMaxPool3D(kernel int, opts ...PoolOption) (*MaxPool3D, error) {
	l, err := newPoolBase("MaxPool3D", 3, true, kernel, opts)
	if err != nil {
		return nil, err
	}
	return &MaxPool3D{*l}, nil
}

// AvgPool1D is average pooling over the last axis (PyTorch's AvgPool1d,
// Keras's AveragePooling1D):
//
//	x (N, C, L) -> y (N, C, L2),  y = the mean of each window
//	L2 = floor((L + 2P - k)/S) + 1        Valid (P = 0) or WithPad(P)
//	L2 = ceil((L + 2P - k)/S) + 1         WithCeilMode(true)
//	L2 = ceil(L/S)                        WithPadding(Same)
//
// With WithPad the zero padding counts in the divisor, as PyTorch's default
// count_include_pad; with Same only the input values are averaged, as in
// Keras. No parameters.
type AvgPool1D struct{ poolBase }

// NewAvgPool1D returns an AvgPool1D layer with window size kernel.
//
// Options and defaults: WithStride (the kernel size), WithPad (explicit, 0,
// at most kernel/2), WithPadding (Valid; Same as Keras), WithCeilMode
// (false), WithKernel.
func NewAvgPool1D(kernel int, opts ...PoolOption) (*AvgPool1D, error) {
	l, err := newPoolBase("AvgPool1D", 1, false, kernel, opts)
	if err != nil {
		return nil, err
	}
	return &AvgPool1D{*l}, nil
}

// AvgPool2D is 2-D average pooling (PyTorch's AvgPool2d, Keras's
// AveragePooling2D):
//
//	x (N, C, H, W) -> y (N, C, H2, W2),  y = the mean of each kh×kw window
//	W2 = floor((W + 2P - k)/S) + 1        Valid (P = 0) or WithPad(P)
//	W2 = ceil((W + 2P - k)/S) + 1         WithCeilMode(true)
//	W2 = ceil(W/S)                        WithPadding(Same)
//
// and likewise for H. With WithPad the zero padding counts in the divisor
// (PyTorch's count_include_pad); with Same only the input values are
// averaged (Keras). No parameters.
type AvgPool2D struct{ poolBase }

// NewAvgPool2D returns an AvgPool2D layer with a kernel×kernel window.
//
// Options and defaults: WithStride (the kernel size), WithPad (explicit, 0,
// at most kernel/2), WithPadding (Valid; Same as Keras), WithCeilMode
// (false), WithKernel.
func NewAvgPool2D(kernel int, opts ...PoolOption) (*AvgPool2D, error) {
	l, err := newPoolBase("AvgPool2D", 2, false, kernel, opts)
	if err != nil {
		return nil, err
	}
	return &AvgPool2D{*l}, nil
}

// AvgPool3D is 3-D average pooling (PyTorch's AvgPool3d, Keras's
// AveragePooling3D):
//
//	x (N, C, D, H, W) -> y (N, C, D2, H2, W2)
//	W2 = floor((W + 2P - k)/S) + 1        Valid (P = 0) or WithPad(P)
//	W2 = ceil((W + 2P - k)/S) + 1         WithCeilMode(true)
//	W2 = ceil(W/S)                        WithPadding(Same)
//
// and likewise for D and H; padding counts as with AvgPool2D. No
// parameters.
type AvgPool3D struct{ poolBase }

// NewAvgPool3D returns an AvgPool3D layer with a kernel×kernel×kernel
// window.
//
// Options and defaults: WithStride (the kernel size), WithPad (explicit, 0,
// at most kernel/2), WithPadding (Valid; Same as Keras), WithCeilMode
// (false), WithKernel.
func NewAvgPool3D(kernel int, opts ...PoolOption) (*AvgPool3D, error) {
	l, err := newPoolBase("AvgPool3D", 3, false, kernel, opts)
	if err != nil {
		return nil, err
	}
	return &AvgPool3D{*l}, nil
}

// GlobalAvgPool averages every feature map to one number (PyTorch's
// AdaptiveAvgPool2d(1) followed by flatten, Keras's GlobalAveragePooling2D):
//
//	x (N, C, spatial...) -> y (N, C),  y[n][c] = the mean of x[n][c]
//
// for any number (at least one) of spatial axes. No parameters.
type GlobalAvgPool struct{}

// NewGlobalAvgPool returns a GlobalAvgPool layer.
func NewGlobalAvgPool() *GlobalAvgPool { return &GlobalAvgPool{} }

// Forward averages x over its spatial axes.
func (l *GlobalAvgPool) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	const kind = "GlobalAvgPool"
	if err := checkNotEmpty(b, kind, x); err != nil {
		return nil, err
	}
	if x.Shape().Dims() < 3 {
		return nil, shapeError(b, kind, "input must be rank 3 or more (N, C, spatial...), got shape %s", graph.FormatShape(x.Shape()))
	}
	if err := checkFloat(b, kind, x); err != nil {
		return nil, err
	}
	for _, d := range x.Shape() {
		if d <= 0 {
			return nil, shapeError(b, kind, "dimensions must be positive, got shape %s", graph.FormatShape(x.Shape()))
		}
	}
	y, err := ops.GlobalAvgPool(x)
	if err != nil {
		return nil, wrapLayer(b, kind, err)
	}
	return y, nil
}

// Params is empty.
func (l *GlobalAvgPool) Params() []graph.NamedParam { return nil }

// String returns "GlobalAvgPool()".
func (l *GlobalAvgPool) String() string { return "GlobalAvgPool()" }

// Describe says how many values each output averages, and "params = 0".
func (l *GlobalAvgPool) Describe(in, out tensor.Shape) []string {
	if len(in) < 3 {
		return []string{"params = 0"}
	}
	n := 1
	parts := ""
	for i, d := range in[2:] {
		n *= d
		if i > 0 {
			parts += "*"
		}
		parts += fmt.Sprint(d)
	}
	return []string{fmt.Sprintf("out[n][c] = mean of %s = %d values", parts, n), "params = 0"}
}

// checkFloat verifies that x is float32 or float64.
func checkFloat(b *graph.Builder, kind string, x *G.Node) error {
	dt, err := inputDtype(x)
	if err != nil {
		return layerError(b, kind, graph.ErrArg, "%v", err)
	}
	if dt != tensor.Float32 && dt != tensor.Float64 {
		return layerError(b, kind, graph.ErrArg, "input dtype must be float32 or float64, got %v", dt)
	}
	return nil
}

// wrapLayer puts the layer's name in front of an error from an op.
func wrapLayer(b *graph.Builder, kind string, err error) error {
	where := kind
	if b != nil && b.Path() != "" {
		where = fmt.Sprintf("%s %q", kind, b.Path())
	}
	return errors.WithMessage(err, "nn: "+where)
}
