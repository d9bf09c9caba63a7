package nn

import (
	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
)

// transposeSettings fills the transposed convolution's padding and output
// padding and checks them. Same follows Keras: out = in·stride, cropping
// total/2 before and the rest after, where total = d·(k-1) + 1 - stride
// (or, when that is negative, adding -total as output padding); it is the
// exact adjoint of the Same convolution. Otherwise the output padding must
// be smaller than the stride or the dilation.
func (l *convBase) transposeSettings(ctor string, c *config) error {
	l.padAfter = append([]int(nil), l.pad...)
	if l.padding == Same {
		if c.outPadSet {
			return argError(ctor, "WithOutputPadding(%v) cannot be combined with WithPadding(same), which chooses the output padding", c.outPad)
		}
		for i := range l.rank {
			total := l.dilation[i]*(l.kernel[i]-1) + 1 - l.stride[i]
			if total >= 0 {
				l.pad[i], l.padAfter[i], l.outPad[i] = total/2, total-total/2, 0
			} else {
				l.pad[i], l.padAfter[i], l.outPad[i] = 0, 0, -total
			}
		}
		return nil
	}
	for i := range l.rank {
		if l.outPad[i] >= l.stride[i] && l.outPad[i] >= l.dilation[i] {
			return argError(ctor, "output padding must be smaller than the stride or the dilation, got output padding %s, stride %s, dilation %s",
				graph.FormatShape(l.outPad), graph.FormatShape(l.stride), graph.FormatShape(l.dilation))
		}
	}
	return nil
}

func (l *convBase) forwardTranspose(b *graph.Builder, x, bias *G.Node, relu bool) (*G.Node, error) {
	in := []int(x.Shape()[2:])
	for i := range l.rank {
		// Same always has out = in·stride > 0; the other modes are symmetric
		if _, err := graph.ConvTransposeOutSize(in[i], l.kernel[i], l.stride[i], l.pad[i], l.outPad[i], l.dilation[i]); err != nil && l.padding != Same {
			return nil, shapeError(b, l.kind, "axis %s of input shape %s: %v", spatialAxes(l.rank)[i], graph.FormatShape(x.Shape()), err)
		}
		if _, ok := graph.MulInt(in[i], l.stride[i]); !ok {
			return nil, layerError(b, l.kind, graph.ErrArg, "axis %s of input shape %s: output size %d·%d overflows int", spatialAxes(l.rank)[i], graph.FormatShape(x.Shape()), in[i], l.stride[i])
		}
	}
	p := ops.ConvTransposeParams{Stride: l.stride, Pad: l.pad, OutPad: l.outPad, Dilation: l.dilation, ReLU: relu,
		CacheWeights: b != nil && b.Inference()} // inference graphs keep the packed weight between runs
	if !graph.SameShape(l.pad, l.padAfter) {
		p.PadAfter = l.padAfter
	}
	y, err := ops.ConvTransposeND(x, b.Bind(l.weight, "weight"), bias, p)
	if err != nil {
		return nil, l.wrap(b, err)
	}
	return y, nil
}

// ConvTranspose1D is a 1-D transposed convolution layer (PyTorch's
// ConvTranspose1d, Keras's Conv1DTranspose), the gradient of a convolution
// with respect to its input, used to upsample:
//
//	x (N, in, L) -> y (N, out, L2)
//	L2 = (L - 1)·S - 2P + d·(k-1) + OP + 1     Valid (P = OP = 0), WithPad(P), WithOutputPadding(OP)
//	L2 = L·S                                    WithPadding(Same)
//
// The weight has shape (in, out, k) as in PyTorch, and the bias (out).
// Parameters: (k·in)·out + out.
type ConvTranspose1D struct{ convBase }

// NewConvTranspose1D returns a ConvTranspose1D layer from in to out
// channels with kernel size k.
//
// Options and defaults: WithStride (1), WithPadding (Valid; Same gives
// out = in·stride and crops as Keras, the odd extra element at the end, so
// it is the exact transpose of Conv1D's Same), WithPad (explicit, 0), WithOutputPadding (0, smaller
// than the stride or the dilation), WithDilation (1), WithBias (on),
// WithActivation (none), WithWeightInit (graph.TorchDefault(), whose fan-in
// is out·k as PyTorch computes it from the weight's axis 1), WithBiasInit
// (U(±1/√(out·k))), WithSeed (0), WithDtype (float32), WithKernel.
func NewConvTranspose1D(in, out, kernel int, opts ...ConvTransposeOption) (*ConvTranspose1D, error) {
	l, err := newConvBase("ConvTranspose1D", 1, true, in, out, kernel, opts)
	if err != nil {
		return nil, err
	}
	return &ConvTranspose1D{*l}, nil
}

// ConvTranspose2D is a 2-D transposed convolution layer (PyTorch's
// ConvTranspose2d, Keras's Conv2DTranspose):
//
//	x (N, in, H, W) -> y (N, out, H2, W2)
//	W2 = (W - 1)·S - 2P + d·(k-1) + OP + 1     Valid (P = OP = 0), WithPad(P), WithOutputPadding(OP)
//	W2 = W·S                                    WithPadding(Same)
//
// and likewise for H. With kernel 2, stride 2 and Same padding it doubles
// H and W, as in the decoders of UNet and SegNet. The weight has shape
// (in, out, kh, kw) as in PyTorch, and the bias (out). Parameters:
// (kh·kw·in)·out + out.
type ConvTranspose2D struct{ convBase }

// NewConvTranspose2D returns a ConvTranspose2D layer from in to out
// channels with a kernel×kernel window (WithKernel(kh, kw) for other
// shapes). Options and defaults as for NewConvTranspose1D, with the fan-in
// out·kh·kw.
func NewConvTranspose2D(in, out, kernel int, opts ...ConvTransposeOption) (*ConvTranspose2D, error) {
	l, err := newConvBase("ConvTranspose2D", 2, true, in, out, kernel, opts)
	if err != nil {
		return nil, err
	}
	return &ConvTranspose2D{*l}, nil
}

// ConvTranspose3D is a 3-D transposed convolution layer (PyTorch's
// ConvTranspose3d, Keras's Conv3DTranspose):
//
//	x (N, in, D, H, W) -> y (N, out, D2, H2, W2)
//
// with each spatial size as in ConvTranspose2D. The weight has shape
// (in, out, kd, kh, kw) and the bias (out). Parameters:
// (kd·kh·kw·in)·out + out.
type ConvTranspose3D struct{ convBase }

// NewConvTranspose3D returns a ConvTranspose3D layer from in to out
// channels with a cubic kernel (WithKernel(kd, kh, kw) for other shapes).
// Options and defaults as for NewConvTranspose1D, with the fan-in
// out·kd·kh·kw.
func NewConvTranspose3D(in, out, kernel int, opts ...ConvTransposeOption) (*ConvTranspose3D, error) {
	l, err := newConvBase("ConvTranspose3D", 3, true, in, out, kernel, opts)
	if err != nil {
		return nil, err
	}
	return &ConvTranspose3D{*l}, nil
}
