package ops

import (
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// PoolSpec describes a pooling window over the spatial axes of an NCW, NCHW
// or NCDHW input: one entry per spatial axis (1, 2 or 3 of them) in every
// slice. Along each axis the output size is, as in PyTorch,
//
//	out = floor((in + pad + padAfter - k) / stride) + 1
//
// or with Ceil the division rounded up, as long as the last window starts
// inside the input or the leading padding (PyTorch's ceil_mode).
type PoolSpec struct {
	// Kernel is the window size along each spatial axis (required).
	Kernel []int
	// Stride along each axis; nil means Stride = Kernel.
	Stride []int
	// Pad is the padding before each axis, and after it too unless PadAfter
	// is given; nil means 0. Every pad must be at most half the kernel.
	Pad []int
	// PadAfter is the padding after each axis when it differs from Pad
	// (Keras's "same" puts the odd element after); nil means Pad.
	PadAfter []int
	// Ceil rounds the output size up (PyTorch's ceil_mode).
	Ceil bool
	// ExcludePad makes an average pool divide by the number of input
	// elements in the window instead of the padded window size
	// (count_include_pad = false, as Keras does with "same"). Max pooling
	// ignores it: it always pads with -Inf.
	ExcludePad bool
}

// MaxPool1D is max pooling over the last axis of x (N, C, W) with window
// kernel, the given stride and symmetric padding pad (at most kernel/2).
// Output (N, C, W2) with W2 = floor((W + 2·pad - kernel)/stride) + 1.
// Padding counts as -Inf; ties go to the first maximum of the window.
func MaxPool1D(x *G.Node, kernel, stride, pad int) (*G.Node, error) {
	return MaxPool(x, PoolSpec{Kernel: []int{kernel}, Stride: []int{stride}, Pad: []int{pad}})
}

// MaxPool2D is max pooling of x (N, C, H, W) with window kernel (kH, kW),
// the given stride and symmetric padding pad (each at most half the
// kernel), as PyTorch's max_pool2d. Output (N, C, H2, W2) with
// H2 = floor((H + 2·padH - kH)/strideH) + 1 and likewise W2.
func MaxPool2D(x *G.Node, kernel, stride, pad [2]int) (*G.Node, error) {
	return MaxPool(x, PoolSpec{Kernel: kernel[:], Stride: stride[:], Pad: pad[:]})
}

// MaxPool3D is max pooling of x (N, C, D, H, W) with window kernel, stride
// and symmetric padding pad, as PyTorch's max_pool3d. Output
// (N, C, D2, H2, W2) with D2 = floor((D + 2·padD - kD)/strideD) + 1 and
// likewise H2 and W2.
func MaxPool3D(x *G.Node, kernel, stride, pad [3]int) (*G.Node, error) {
	return MaxPool(x, PoolSpec{Kernel: kernel[:], Stride: stride[:], Pad: pad[:]})
}

// AvgPool1D is average pooling over the last axis of x (N, C, W). Padding
// counts as zeros in the average (PyTorch's default count_include_pad =
// true). Output (N, C, W2) with W2 = floor((W + 2·pad - kernel)/stride) + 1.
func AvgPool1D(x *G.Node, kernel, stride, pad int) (*G.Node, error) {
	return AvgPool(x, PoolSpec{Kernel: []int{kernel}, Stride: []int{stride}, Pad: []int{pad}})
}

// AvgPool2D is average pooling of x (N, C, H, W), padding counted in the
// divisor (count_include_pad = true), as PyTorch's avg_pool2d. Output
// (N, C, H2, W2) with H2 = floor((H + 2·padH - kH)/strideH) + 1 and likewise W2.
func AvgPool2D(x *G.Node, kernel, stride, pad [2]int) (*G.Node, error) {
	return AvgPool(x, PoolSpec{Kernel: kernel[:], Stride: stride[:], Pad: pad[:]})
}

// AvgPool3D is average pooling of x (N, C, D, H, W), padding counted in the
// divisor (count_include_pad = true), as PyTorch's avg_pool3d.
func AvgPool3D(x *G.Node, kernel, stride, pad [3]int) (*G.Node, error) {
	return AvgPool(x, PoolSpec{Kernel: kernel[:], Stride: stride[:], Pad: pad[:]})
}

// MaxPool is max pooling of x (N, C, spatial...) with the window spec, for
// 1, 2 or 3 spatial axes (len(spec.Kernel) = rank(x) - 2). Padding counts as
// -Inf, ties go to the first maximum in window order, a NaN wins, as in
// PyTorch. The gradient goes to the maximum of each window.
func MaxPool(x *G.Node, spec PoolSpec) (*G.Node, error) {
	g, err := newPoolGeom("Max", x, spec)
	if err != nil {
		return nil, err
	}
	return applyDef(maxPoolDef(g), x)
}

// AvgPool is average pooling of x (N, C, spatial...) with the window spec,
// for 1, 2 or 3 spatial axes. The divisor is the window size clipped to the
// padded input (PyTorch's count_include_pad), or with spec.ExcludePad the
// number of input elements in the window.
func AvgPool(x *G.Node, spec PoolSpec) (*G.Node, error) {
	g, err := newPoolGeom("Avg", x, spec)
	if err != nil {
		return nil, err
	}
	return applyDef(avgPoolDef(g), x)
}

// maxPoolDef is y = the maximum of each window, on the kit. The forward
// saves the argmax of every window (a flat index into the input plane,
// "argmax") when a gradient or MaxPoolIndices reads it; without one
// (evaluation graphs) the common 2x2 windows and the pair windows of
// pool_pairs.go (kernel 2 along W at stride 2, 1-D to 3-D) skip it. The
// backward routes dy to the saved argmax.
func maxPoolDef(g *poolGeom) *opDef {
	return &opDef{
		name: g.name, attrs: g.attrs(),
		shape: func([]tensor.Shape) (tensor.Shape, error) { return g.yShape.Clone(), nil },
		f32:   maxPoolKernels[float32](g),
		f64:   maxPoolKernels[float64](g),
	}
}

func maxPoolKernels[T float](g *poolGeom) kernels[T] {
	return kernels[T]{
		forward: func(a fwdArgs[T]) error {
			if !a.needGrad && poolPairs(g) && !maxPoolValuesOnly(g) {
				maxPoolPairsValues(g, a.in[0].data, a.out.data)
				return nil
			}
			if !a.needGrad && maxPoolValuesOnly(g) {
				maxPoolValues(g, a.in[0].data, a.out.data)
				return nil
			}
			if !a.needGrad && maxPool1DValuesOnly(g) {
				maxPool1DValues(g, a.in[0].data, a.out.data)
				return nil
			}
			maxPoolForward(g, a.in[0].data, a.out.data, a.saved.ints("argmax", len(a.out.data)))
			return nil
		},
		backward: func(a bwdArgs[T]) error {
			maxPoolBackward(g, a.dy.data, a.dx.data, a.saved.ints("argmax", len(a.dy.data)))
			return nil
		},
	}
}

// avgPoolDef is y = the mean of each window (see poolGeom.cnt for the
// divisor), on the kit; the backward spreads every dy evenly over its
// window.
func avgPoolDef(g *poolGeom) *opDef {
	return &opDef{
		name: g.name, attrs: g.attrs(),
		shape: func([]tensor.Shape) (tensor.Shape, error) { return g.yShape.Clone(), nil },
		f32:   geomKernels(g, avgPoolFwd[float32], avgPoolBwd[float32]),
		f64:   geomKernels(g, avgPoolFwd[float64], avgPoolBwd[float64]),
	}
}
