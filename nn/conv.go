package nn

import (
	"fmt"
	"math"
	"strings"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// convBase is the one implementation behind Conv1D/2D/3D and
// ConvTranspose1D/2D/3D: rank is the number of spatial axes and transposed
// selects the transposed convolution (see conv_transpose.go).
type convBase struct {
	kind       string // "Conv2D", "ConvTranspose3D", ...
	rank       int
	transposed bool
	in, out    int
	kernel     []int
	stride     []int
	dilation   []int
	padding    PaddingMode
	pad        []int // Explicit padding, or the transposed Same cropping before
	padAfter   []int // transposed only: cropping after
	outPad     []int // transposed only
	groups     int   // 1, or the channel groups of a grouped convolution (conv_grouped.go)
	weight     *graph.Param
	bias       *graph.Param
	act        Layer
}

func newConvBase[O option](kind string, rank int, transposed bool, in, out, kernel int, opts []O) (*convBase, error) {
	ctor := "New" + kind
	c, err := newConfig(ctor, opts)
	if err != nil {
		return nil, err
	}
	if in <= 0 || out <= 0 {
		return nil, argError(ctor, "in and out channels must be positive, got in=%d, out=%d", in, out)
	}
	if !c.kernelSet && kernel <= 0 {
		return nil, argError(ctor, "kernel size must be positive, got %d", kernel)
	}
	l := &convBase{kind: kind, rank: rank, transposed: transposed, in: in, out: out, padding: c.padding, act: c.activation}
	if l.kernel, err = spatial(ctor, "kernel size", c.kernel, rank, kernel, 1); err != nil {
		return nil, err
	}
	if l.stride, err = spatial(ctor, "stride", c.stride, rank, 1, 1); err != nil {
		return nil, err
	}
	if l.dilation, err = spatial(ctor, "dilation", c.dilation, rank, 1, 1); err != nil {
		return nil, err
	}
	if l.pad, err = spatial(ctor, "padding", c.pad, rank, 0, 0); err != nil {
		return nil, err
	}
	if l.outPad, err = spatial(ctor, "output padding", c.outPad, rank, 0, 0); err != nil {
		return nil, err
	}
	if err := checkPadding(ctor, c); err != nil {
		return nil, err
	}
	if transposed {
		if err := l.transposeSettings(ctor, c); err != nil {
			return nil, err
		}
	}

	if err := checkGroups(ctor, c.groups, in, out); err != nil {
		return nil, err
	}
	l.groups = c.groups
	wshape := tensor.Shape{out, in / l.groups}
	if transposed {
		wshape = tensor.Shape{in, out}
	}
	wshape = append(wshape, l.kernel...)
	winit := c.weightInit
	if winit == nil {
		winit = graph.TorchDefault()
	}
	if l.weight, err = graph.NewParam(graph.Weight, c.dtype, wshape, winit, ParamSeed(c.seed, "weight")); err != nil {
		return nil, errors.Wrap(err, "nn: "+ctor)
	}
	if c.bias {
		binit := c.biasInit
		if binit == nil {
			fanIn, _ := graph.Fans(wshape)
			binit = graph.TorchBias(fanIn)
		}
		if l.bias, err = graph.NewParam(graph.Weight, c.dtype, tensor.Shape{out}, binit, ParamSeed(c.seed, "bias")); err != nil {
			return nil, errors.Wrap(err, "nn: "+ctor)
		}
	}
	return l, nil
}

// Forward applies the convolution (and the activation, if any) to x.
func (l *convBase) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	bias, err := l.checkAndBindBias(b, x)
	if err != nil {
		return nil, err
	}
	// a ReLU activation is fused into the convolution's output pass
	relu := fusionOf(l.act) == fuseReLU
	var y *G.Node
	if l.transposed {
		y, err = l.forwardTranspose(b, x, bias, relu)
	} else {
		y, err = l.forwardConv(b, x, b.Bind(l.weight, "weight"), bias, relu, false)
	}
	if err != nil || relu {
		return y, err
	}
	return applyActivation(b, l.act, y)
}

// checkAndBindBias checks the input x and binds the bias (nil without one).
func (l *convBase) checkAndBindBias(b *graph.Builder, x *G.Node) (*G.Node, error) {
	if err := checkInput(b, l.kind, x, l.rank+2, spatialLayout(l.rank), l.weight.Dtype()); err != nil {
		return nil, err
	}
	if err := checkChannels(b, l.kind, x, l.in); err != nil {
		return nil, err
	}
	for _, d := range x.Shape()[2:] {
		if d <= 0 {
			return nil, shapeError(b, l.kind, "spatial sizes must be positive, got shape %s", graph.FormatShape(x.Shape()))
		}
	}
	if l.bias == nil {
		return nil, nil
	}
	return b.Bind(l.bias, "bias"), nil
}

// padsFor returns the padding before and after each axis for an input of
// the given spatial size.
func (l *convBase) padsFor(in []int) (before, after []int) {
	return windowPads(l.padding, in, l.kernel, l.stride, l.dilation, l.pad)
}

// forwardConv convolves x with the weight node w (the layer's weight, or
// one folded from it) and adds bias (nil for none); with pool, the output
// is then max-pooled with 2x2 windows at stride 2 in the same op
// (ops.ConvMaxPool2D: inference graphs, 2-D, no groups).
func (l *convBase) forwardConv(b *graph.Builder, x, w, bias *G.Node, relu, pool bool) (*G.Node, error) {
	p, err := l.opParams(b, x, relu)
	if err != nil {
		return nil, err
	}
	var y *G.Node
	if pool {
		y, err = ops.ConvMaxPool2D(x, w, bias, p)
	} else {
		y, err = ops.GroupConvND(x, w, bias, p, l.groups)
	}
	if err != nil {
		return nil, l.wrap(b, err)
	}
	return y, nil
}

// opParams returns the ops.ConvParams of the layer on input x, with the
// fused ReLU when relu is set; in an inference graph the op caches its
// weight transforms (ops.ConvParams.CacheWeights).
func (l *convBase) opParams(b *graph.Builder, x *G.Node, relu bool) (ops.ConvParams, error) {
	in := []int(x.Shape()[2:])
	before, after := l.padsFor(in)
	span := make([]int, l.rank)
	for i := range span {
		d, ok := graph.MulInt(l.dilation[i], l.kernel[i]-1)
		if !ok || d == math.MaxInt {
			return ops.ConvParams{}, layerError(b, l.kind, graph.ErrArg, "kernel %s dilated by %s overflows int", graph.FormatShape(l.kernel), graph.FormatShape(l.dilation))
		}
		span[i] = d + 1
	}
	window := fmt.Sprintf("kernel %s", graph.FormatShape(l.kernel))
	if !allOnes(l.dilation) {
		window += fmt.Sprintf(" with dilation %s", graph.FormatShape(l.dilation))
	}
	if err := checkWindowFits(b, l.kind, window, x, span, before, after); err != nil {
		return ops.ConvParams{}, err
	}
	p := ops.ConvParams{Stride: l.stride, Pad: before, Dilation: l.dilation, ReLU: relu, CacheWeights: b != nil && b.Inference()}
	if !graph.SameShape(before, after) {
		p.PadAfter = after
	}
	return p, nil
}

// wrap puts the layer's name in front of an error from an op.
func (l *convBase) wrap(b *graph.Builder, err error) error {
	where := l.kind
	if b != nil && b.Path() != "" {
		where = fmt.Sprintf("%s %q", l.kind, b.Path())
	}
	return errors.WithMessage(err, "nn: "+where)
}

// Params lists "weight" and, with a bias, "bias".
func (l *convBase) Params() []graph.NamedParam {
	ps := []graph.NamedParam{{Name: "weight", Param: l.weight}}
	if l.bias != nil {
		ps = append(ps, graph.NamedParam{Name: "bias", Param: l.bias})
	}
	return ps
}

// Weight returns the weight: (out, in, k...) for a convolution,
// (in, out, k...) for a transposed convolution.
func (l *convBase) Weight() *graph.Param { return l.weight }

// Bias returns the bias (out), or nil.
func (l *convBase) Bias() *graph.Param { return l.bias }

// Groups returns the number of channel groups (1 unless WithGroups was
// given; ONNX's and PyTorch's group/groups).
func (l *convBase) Groups() int { return l.groups }

// Kernel returns the kernel size per spatial axis.
func (l *convBase) Kernel() []int { return append([]int(nil), l.kernel...) }

// Describe gives the course's output-size formula for every spatial axis
// with the numbers of in and out filled in, and the parameter count.
func (l *convBase) Describe(in, out tensor.Shape) []string {
	var lines []string
	if len(in) == l.rank+2 && len(out) == l.rank+2 {
		sin, sout := []int(in[2:]), []int(out[2:])
		if l.transposed {
			for i, axis := range spatialAxes(l.rank) {
				if l.pad[i] == l.padAfter[i] {
					lines = append(lines, graph.ConvTransposeFormula(axis, sin[i], l.kernel[i], l.stride[i], l.pad[i], l.outPad[i], l.dilation[i], sout[i]))
					continue
				}
				lines = append(lines, fmt.Sprintf("%s2 = (%s1 - 1)S - P1 - P2 + d(k-1) + OP + 1 = (%d - 1)·%d - %d - %d + %d·%d + %d + 1 = %d",
					axis, axis, sin[i], l.stride[i], l.pad[i], l.padAfter[i], l.dilation[i], l.kernel[i]-1, l.outPad[i], sout[i]))
			}
		} else {
			before, after := l.padsFor(sin)
			for i, axis := range spatialAxes(l.rank) {
				if before[i] == after[i] {
					lines = append(lines, graph.ConvFormula(axis, sin[i], l.kernel[i], l.stride[i], before[i], l.dilation[i], sout[i]))
					continue
				}
				kname := "k"
				if l.dilation[i] != 1 {
					kname = "d(k-1)+1"
				}
				eff := l.dilation[i]*(l.kernel[i]-1) + 1
				lines = append(lines, fmt.Sprintf("%s2 = floor((%s1 - %s + P1 + P2)/S) + 1 = floor((%d - %d + %d + %d)/%d) + 1 = %d",
					axis, axis, kname, sin[i], eff, before[i], after[i], l.stride[i], sout[i]))
			}
		}
	}
	return append(lines, l.paramFormula())
}

// paramFormula is the course's parameter count,
// params = (k*k*C1)*n + n = (3*3*1)*32 + 32 = 320.
func (l *convBase) paramFormula() string {
	syms, nums := make([]string, l.rank), make([]string, l.rank)
	square := true
	for i, k := range l.kernel {
		nums[i] = fmt.Sprint(k)
		square = square && k == l.kernel[0]
	}
	for i, axis := range spatialAxes(l.rank) {
		syms[i] = "k"
		if !square {
			syms[i] = "k" + strings.ToLower(axis)
		}
	}
	per := l.in / l.groups
	for _, k := range l.kernel {
		per *= k
	}
	s := fmt.Sprintf("params = (%s*C1)*n", strings.Join(syms, "*"))
	v := fmt.Sprintf("(%s*%d)*%d", strings.Join(nums, "*"), l.in, l.out)
	if l.groups > 1 {
		s = fmt.Sprintf("params = (%s*C1/g)*n", strings.Join(syms, "*"))
		v = fmt.Sprintf("(%s*%d/%d)*%d", strings.Join(nums, "*"), l.in, l.groups, l.out)
	}
	total := per * l.out
	if l.bias != nil {
		s += " + n"
		v += fmt.Sprintf(" + %d", l.out)
		total += l.out
	}
	return fmt.Sprintf("%s = %s = %d", s, v, total)
}

// String prints the layer like PyTorch, with the settings that differ from
// the defaults.
func (l *convBase) String() string {
	s := fmt.Sprintf("%s(%d, %d, kernel=%s", l.kind, l.in, l.out, axisValue(l.kernel))
	if !allOnes(l.stride) {
		s += ", stride=" + axisValue(l.stride)
	}
	switch {
	case l.padding == Same:
		s += ", padding=same"
	case l.padding == Explicit && !allZero(l.pad):
		s += ", pad=" + axisValue(l.pad)
	}
	if l.transposed && l.padding != Same && !allZero(l.outPad) {
		s += ", output_padding=" + axisValue(l.outPad)
	}
	if !allOnes(l.dilation) {
		s += ", dilation=" + axisValue(l.dilation)
	}
	if l.groups > 1 {
		s += fmt.Sprintf(", groups=%d", l.groups)
	}
	if l.bias == nil {
		s += ", bias=false"
	}
	if l.act != nil {
		s += fmt.Sprintf(", activation=%v", l.act)
	}
	return s + ")"
}

// axisValue prints one number when every axis has the same value and a
// tuple otherwise.
func axisValue(v []int) string {
	for _, x := range v {
		if x != v[0] {
			return graph.FormatShape(v)
		}
	}
	return fmt.Sprint(v[0])
}

func allOnes(v []int) bool {
	for _, x := range v {
		if x != 1 {
			return false
		}
	}
	return true
}

func allZero(v []int) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}

// Conv1D is a 1-D convolution layer (PyTorch's Conv1d, Keras's Conv1D):
//
//	x (N, in, L) -> y (N, out, L2),  y = conv(x, W) + b
//	L2 = floor((L + 2P - d·(k-1) - 1)/S) + 1          Valid (P = 0) or WithPad(P)
//	L2 = ceil(L/S)                                     WithPadding(Same)
//
// W has shape (out, in, k) and b (out). Parameters: (k·in)·out + out.
type Conv1D struct{ convBase }

// NewConv1D returns a Conv1D layer from in to out channels with kernel
// size k.
//
// Options and defaults: WithStride (1), WithPadding (Valid; Same pads as
// Keras, the odd extra element after), WithPad (explicit, 0), WithDilation
// (1), WithBias (on), WithActivation (none), WithWeightInit
// (graph.TorchDefault(), U(±1/√(in·k))), WithBiasInit (U(±1/√(in·k))),
// WithSeed (0), WithDtype (float32), WithKernel.
func NewConv1D(in, out, kernel int, opts ...ConvOption) (*Conv1D, error) {
	l, err := newConvBase("Conv1D", 1, false, in, out, kernel, opts)
	if err != nil {
		return nil, err
	}
	return &Conv1D{*l}, nil
}

// Conv2D is a 2-D convolution layer (PyTorch's Conv2d, Keras's Conv2D):
//
//	x (N, in, H, W) -> y (N, out, H2, W2),  y = conv(x, W) + b
//	W2 = floor((W + 2P - d·(k-1) - 1)/S) + 1          Valid (P = 0) or WithPad(P)
//	W2 = ceil(W/S)                                     WithPadding(Same)
//
// and likewise for H (the course's W2 = floor((W1 - k + 2P)/S) + 1 when d = 1).
// The weight has shape (out, in, kh, kw) and the bias (out). Parameters:
// (kh·kw·in)·out + out.
type Conv2D struct{ convBase }

// NewConv2D returns a Conv2D layer from in to out channels with a
// kernel×kernel window (WithKernel(kh, kw) for other shapes).
//
// Options and defaults: WithStride (1), WithPadding (Valid; Same pads as
// Keras, the odd extra row and column after), WithPad (explicit, 0),
// WithDilation (1), WithBias (on), WithActivation (none), WithWeightInit
// (graph.TorchDefault(), U(±1/√(in·kh·kw))), WithBiasInit
// (U(±1/√(in·kh·kw))), WithSeed (0), WithDtype (float32), WithKernel.
func NewConv2D(in, out, kernel int, opts ...ConvOption) (*Conv2D, error) {
	l, err := newConvBase("Conv2D", 2, false, in, out, kernel, opts)
	if err != nil {
		return nil, err
	}
	return &Conv2D{*l}, nil
}

// Conv3D is a 3-D convolution layer (PyTorch's Conv3d, Keras's Conv3D):
//
//	x (N, in, D, H, W) -> y (N, out, D2, H2, W2),  y = conv(x, W) + b
//
// with each spatial size as in Conv2D. The weight has shape
// (out, in, kd, kh, kw) and the bias (out). Parameters:
// (kd·kh·kw·in)·out + out.
type Conv3D struct{ convBase }

// NewConv3D returns a Conv3D layer from in to out channels with a cubic
// kernel (WithKernel(kd, kh, kw) for other shapes). Options and defaults
// as for NewConv2D.
func NewConv3D(in, out, kernel int, opts ...ConvOption) (*Conv3D, error) {
	l, err := newConvBase("Conv3D", 3, false, in, out, kernel, opts)
	if err != nil {
		return nil, err
	}
	return &Conv3D{*l}, nil
}
