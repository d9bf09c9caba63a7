package nn

import (
	"github.com/convnet-go/convnet/ops"
	"slices"
)

// This file gives read access to the settings of the layers, for code that
// translates a model into another format (the ONNX exporter) or inspects
// it. Each accessor returns a copy: changing it does not change the layer.

// Stride returns the stride per spatial axis.
func (l *convBase) Stride() []int { return append([]int(nil), l.stride...) }

// Dilation returns the dilation per spatial axis.
func (l *convBase) Dilation() []int { return append([]int(nil), l.dilation...) }

// Padding returns the padding mode (Valid, Same or Explicit).
func (l *convBase) Padding() PaddingMode { return l.padding }

// Pads returns the padding before and after each spatial axis for an
// input of spatial size in (Same depends on it). For a transposed
// convolution they are the cropping of the full output before and after,
// whatever in is (ONNX's ConvTranspose pads).
func (l *convBase) Pads(in []int) (before, after []int) {
	if l.transposed {
		return append([]int(nil), l.pad...), append([]int(nil), l.padAfter...)
	}
	return l.padsFor(in)
}

// OutputPadding returns the output padding per spatial axis of a
// transposed convolution (zeros for a convolution).
func (l *convBase) OutputPadding() []int { return append([]int(nil), l.outPad...) }

// Activation returns the activation applied to the output, or nil.
func (l *convBase) Activation() Layer { return l.act }

// Activation returns the activation applied to the output, or nil.
func (d *Dense) Activation() Layer { return d.act }

// Activation returns the activation applied to the output, or nil.
func (bn *batchNorm) Activation() Layer { return bn.act }

// Spec returns the pooling the layer applies to an input of spatial size
// in: window, stride, padding before and after each axis, ceil mode and,
// for an average, whether padded elements are left out of the count.
func (l *poolBase) Spec(in []int) ops.PoolSpec {
	before, after := l.padsFor(in)
	spec := ops.PoolSpec{Kernel: l.Kernel(), Stride: l.Stride(), Pad: before, Ceil: l.ceil && l.padding != Same}
	if !slices.Equal(before, after) {
		spec.PadAfter = after
	}
	if !l.max && l.padding == Same {
		spec.ExcludePad = true // Keras: the average of the input values only
	}
	return spec
}

// Padding returns the padding mode (Valid, Same or Explicit).
func (l *poolBase) Padding() PaddingMode { return l.padding }
