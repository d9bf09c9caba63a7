package onnx

import (
	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/ops"
)

// This file maps each nn layer the exporter knows to ONNX nodes.

// conv is what Conv1D/2D/3D and ConvTranspose1D/2D/3D share.
type conv interface {
	nn.Layer
	Weight() *graph.Param
	Bias() *graph.Param
	Kernel() []int
	Stride() []int
	Dilation() []int
	Pads(in []int) (before, after []int)
	OutputPadding() []int
	Activation() nn.Layer
	Groups() int
}

// pool is what MaxPool1D/2D/3D and AvgPool1D/2D/3D share.
type pool interface {
	nn.Layer
	Spec(in []int) ops.PoolSpec
}

// batchNorm is what BatchNorm1D/2D/3D share.
type batchNorm interface {
	nn.Layer
	Weight() *graph.Param
	Bias() *graph.Param
	RunningMean() *graph.Param
	RunningVar() *graph.Param
	Eps() float64
	Momentum() float64
	Channels() int
	Activation() nn.Layer
}

// isLeaf reports whether the exporter translates layer l as a whole.
func isLeaf(l any) bool {
	switch l.(type) {
	case *nn.Conv1D, *nn.Conv2D, *nn.Conv3D,
		*nn.ConvTranspose1D, *nn.ConvTranspose2D, *nn.ConvTranspose3D,
		*nn.Dense, *nn.BatchNorm1D, *nn.BatchNorm2D, *nn.BatchNorm3D,
		*nn.MaxPool1D, *nn.MaxPool2D, *nn.MaxPool3D, *nn.AvgPool1D, *nn.AvgPool2D, *nn.AvgPool3D,
		*nn.GlobalAvgPool, *nn.AdaptiveAvgPool2D,
		*nn.Upsample1D, *nn.Upsample2D, *nn.Upsample3D, *nn.UpsampleBilinear2D,
		*nn.Flatten, *nn.Reshape, *nn.Softmax, *nn.LogSoftmax, *Model, *nn.ZeroPadding2D:
		return true
	}
	op, _ := activationOp(l)
	return op != ""
}

// activationOp returns the ONNX op and attributes of an activation layer.
func activationOp(l any) (string, []attr) {
	switch a := l.(type) {
	case *nn.ReLU:
		return "Relu", nil
	case *nn.Sigmoid:
		return "Sigmoid", nil
	case *nn.Tanh:
		return "Tanh", nil
	case *nn.Softplus:
		return "Softplus", nil
	case *nn.Softsign:
		return "Softsign", nil
	case *nn.LeakyReLU:
		return "LeakyRelu", []attr{{"alpha", a.Alpha()}}
	case *nn.ELU:
		return "Elu", []attr{{"alpha", a.Alpha()}}
	case *nn.ReLU6:
		return "Clip", nil // with the bounds 0 and 6 as inputs (see activationInputs)
	}
	return "", nil
}

// layer exports the layer call c whose input is the value in, and returns
// the name of its output value.
func (e *exporter) layer(c graph.LayerCall, in string) (string, error) {
	inShape, outShape := []int(c.In.Shape()), []int(c.Out.Shape())
	path := c.Path
	switch l := c.Layer.(type) {
	case *nn.Conv1D, *nn.Conv2D, *nn.Conv3D:
		return e.conv(l.(conv), "Conv", path, in, inShape)
	case *nn.ConvTranspose1D, *nn.ConvTranspose2D, *nn.ConvTranspose3D:
		return e.conv(l.(conv), "ConvTranspose", path, in, inShape)
	case *nn.Dense:
		w, err := e.param(l.Weight(), path, "weight")
		if err != nil {
			return "", err
		}
		inputs := []string{in, w}
		if l.Bias() != nil {
			bias, err := e.param(l.Bias(), path, "bias")
			if err != nil {
				return "", err
			}
			inputs = append(inputs, bias)
		}
		name := path
		if l.Activation() != nil {
			name = path + "/Gemm"
		}
		y := e.op("Gemm", name, inputs, attr{"transB", 1})
		return e.activation(l.Activation(), path, y)
	case *nn.BatchNorm1D, *nn.BatchNorm2D, *nn.BatchNorm3D:
		return e.batchNorm(l.(batchNorm), path, in)
	case *nn.MaxPool1D, *nn.MaxPool2D, *nn.MaxPool3D:
		spec := l.(pool).Spec(inShape[2:])
		attrs := poolAttrs(spec)
		out := e.unique(path)
		n := e.add("MaxPool", out, []string{in}, []string{out}, append(attrs, attr{"ceil_mode", b2i(spec.Ceil)})...)
		e.pools[c.Out] = poolExport{node: n, attrs: attrs, inShape: inShape}
		return out, nil
	case *nn.AvgPool1D, *nn.AvgPool2D, *nn.AvgPool3D:
		spec := l.(pool).Spec(inShape[2:])
		attrs := append(poolAttrs(spec), attr{"ceil_mode", b2i(spec.Ceil)}, attr{"count_include_pad", b2i(!spec.ExcludePad)})
		return e.op("AveragePool", path, []string{in}, attrs...), nil
	case *nn.GlobalAvgPool:
		y := e.op("GlobalAveragePool", path+"/pool", []string{in})
		return e.op("Flatten", path, []string{y}, attr{"axis", 1}), nil
	case *nn.AdaptiveAvgPool2D:
		return e.adaptivePool(l, path, in, inShape)
	case *nn.Upsample1D, *nn.Upsample2D, *nn.Upsample3D:
		return e.resize(path, in, inShape, outShape, attr{"mode", "nearest"},
			attr{"coordinate_transformation_mode", "asymmetric"}, attr{"nearest_mode", "floor"}), nil
	case *nn.UpsampleBilinear2D:
		return e.resize(path, in, inShape, outShape, attr{"mode", "linear"},
			attr{"coordinate_transformation_mode", "pytorch_half_pixel"}), nil
	case *nn.Flatten:
		return e.op("Flatten", path, []string{in}, attr{"axis", 1}), nil
	case *nn.Reshape:
		return e.reshape(path, in, inShape, outShape)
	case *Model:
		outs, err := e.model(l, path, []string{in})
		if err != nil {
			return "", err
		}
		return outs[0], nil
	case *nn.ZeroPadding2D:
		top, bottom, left, right := l.Padding()
		pads := e.constant(int64Tensor(path+"/pads", []int{8}, []int64{0, 0, int64(top), int64(left), 0, 0, int64(bottom), int64(right)}))
		return e.op("Pad", path, []string{in, pads}), nil
	case *nn.Softmax:
		return e.op("Softmax", path, []string{in}, attr{"axis", normAxis(l.Axis(), len(inShape))}), nil
	case *nn.LogSoftmax:
		return e.op("LogSoftmax", path, []string{in}, attr{"axis", normAxis(l.Axis(), len(inShape))}), nil
	}
	if op, attrs := activationOp(c.Layer); op != "" {
		return e.op(op, path, e.activationInputs(op, path, in), attrs...), nil
	}
	return "", graph.ArgErrorf("onnx: WriteFile: %s is not supported by the exporter", where(path, c.Layer))
}

// conv exports a convolution (op "Conv") or transposed convolution
// ("ConvTranspose") and its activation.
func (e *exporter) conv(l conv, op, path, in string, inShape []int) (string, error) {
	w, err := e.param(l.Weight(), path, "weight")
	if err != nil {
		return "", err
	}
	inputs := []string{in, w}
	if l.Bias() != nil {
		bias, err := e.param(l.Bias(), path, "bias")
		if err != nil {
			return "", err
		}
		inputs = append(inputs, bias)
	}
	before, after := l.Pads(inShape[2:])
	attrs := []attr{
		{"kernel_shape", l.Kernel()}, {"strides", l.Stride()}, {"dilations", l.Dilation()},
		{"pads", append(append([]int(nil), before...), after...)},
	}
	if op == "ConvTranspose" {
		attrs = append(attrs, attr{"output_padding", l.OutputPadding()})
		if g := l.Groups(); g != 1 {
			attrs = append(attrs, attr{"group", g})
		}
	} else {
		attrs = append(attrs, attr{"group", l.Groups()})
	}
	name := path
	if l.Activation() != nil {
		name = path + "/" + op
	}
	y := e.op(op, name, inputs, attrs...)
	return e.activation(l.Activation(), path, y)
}

// batchNorm exports an inference-mode BatchNormalization and its
// activation. A layer without scale or shift gets constant ones or zeros.
func (e *exporter) batchNorm(l batchNorm, path, in string) (string, error) {
	c := l.Channels()
	var scale, shift string
	var err error
	if l.Weight() != nil {
		if scale, err = e.param(l.Weight(), path, "weight"); err != nil {
			return "", err
		}
	} else {
		scale = e.floatConst(path+"/scale", []int{c}, fill(c, 1))
	}
	if l.Bias() != nil {
		if shift, err = e.param(l.Bias(), path, "bias"); err != nil {
			return "", err
		}
	} else {
		shift = e.floatConst(path+"/shift", []int{c}, fill(c, 0))
	}
	mean, err := e.param(l.RunningMean(), path, "running_mean")
	if err != nil {
		return "", err
	}
	variance, err := e.param(l.RunningVar(), path, "running_var")
	if err != nil {
		return "", err
	}
	name := path
	if l.Activation() != nil {
		name = path + "/BatchNormalization"
	}
	// ONNX's momentum weighs the old running statistic, PyTorch's the new one.
	y := e.op("BatchNormalization", name, []string{in, scale, shift, mean, variance},
		attr{"epsilon", l.Eps()}, attr{"momentum", 1 - l.Momentum()})
	return e.activation(l.Activation(), path, y)
}

// activation exports the activation layer act (nil: none) applied to in.
func (e *exporter) activation(act nn.Layer, path, in string) (string, error) {
	if act == nil {
		return in, nil
	}
	op, attrs := activationOp(act)
	if op == "" {
		return "", graph.ArgErrorf("onnx: WriteFile: layer %q: its activation %T is not supported by the exporter", path, act)
	}
	return e.op(op, path, e.activationInputs(op, path, in), attrs...), nil
}

// activationInputs returns the inputs of an activation node: in, and for
// Clip (ReLU6) the bounds 0 and 6 as scalar constants.
func (e *exporter) activationInputs(op, path, in string) []string {
	if op != "Clip" {
		return []string{in}
	}
	lo := e.floatConst(path+"/min", nil, []float64{0})
	hi := e.floatConst(path+"/max", nil, []float64{6})
	return []string{in, lo, hi}
}

// adaptivePool exports an AdaptiveAvgPool2D: GlobalAveragePool for a 1x1
// output, an AveragePool when the input size is a multiple of the output
// size, and otherwise (bins of different sizes, or repeated elements when
// the input is smaller) the exact linear map it is: y = Rows · x · Colsᵀ,
// two MatMuls with constant bin-weight matrices (Rows (outH, H), Colsᵀ
// (W, outW)).
func (e *exporter) adaptivePool(l *nn.AdaptiveAvgPool2D, path, in string, inShape []int) (string, error) {
	oh, ow := l.OutputSize()
	h, w := inShape[2], inShape[3]
	switch {
	case oh == 1 && ow == 1:
		return e.op("GlobalAveragePool", path, []string{in}), nil
	case h%oh == 0 && w%ow == 0:
		k := []int{h / oh, w / ow}
		return e.op("AveragePool", path, []string{in}, attr{"kernel_shape", k}, attr{"strides", k}), nil
	}
	cols := e.floatConst(path+"/cols", []int{w, ow}, transpose(binWeights(w, ow), ow, w))
	y := e.op("MatMul", path+"/MatMul_cols", []string{in, cols})
	rows := e.floatConst(path+"/rows", []int{oh, h}, binWeights(h, oh))
	return e.op("MatMul", path, []string{rows, y}), nil
}

// binWeights is the (out, in) matrix of adaptive average pooling along one
// axis: row i averages the inputs [floor(i·in/out), ceil((i+1)·in/out)).
func binWeights(in, out int) []float64 {
	m := make([]float64, out*in)
	for i := range out {
		lo, hi := i*in/out, ((i+1)*in+out-1)/out
		for j := lo; j < hi; j++ {
			m[i*in+j] = 1 / float64(hi-lo)
		}
	}
	return m
}

// transpose returns the transpose of the (r, c) row-major matrix m.
func transpose(m []float64, r, c int) []float64 {
	out := make([]float64, len(m))
	for i := range r {
		for j := range c {
			out[j*r+i] = m[i*c+j]
		}
	}
	return out
}

// resize exports a nearest or bilinear upsampling as Resize with scales.
func (e *exporter) resize(path, in string, inShape, outShape []int, attrs ...attr) string {
	scales := make([]float64, len(inShape))
	for i := range scales {
		scales[i] = float64(outShape[i]) / float64(inShape[i])
	}
	s := e.constant(floatTensor(path+"/scales", []int{len(scales)}, scales, floatElem))
	return e.op("Resize", path, []string{in, "", s}, attrs...)
}

// reshape exports a reshape that keeps the batch axis.
func (e *exporter) reshape(path, in string, inShape, outShape []int) (string, error) {
	if len(inShape) == 0 || len(outShape) == 0 || inShape[0] != outShape[0] {
		return "", graph.ShapeErrorf("onnx: WriteFile: %q: a reshape from %s to %s changes the batch axis, which the exported graph keeps symbolic",
			path, graph.FormatShape(inShape), graph.FormatShape(outShape))
	}
	target := make([]int64, len(outShape))
	for i, d := range outShape[1:] {
		target[i+1] = int64(d) // target[0] = 0: copy the batch size
	}
	s := e.constant(int64Tensor(path+"/shape", []int{len(target)}, target))
	return e.op("Reshape", path, []string{in, s}), nil
}

// poolAttrs returns kernel_shape, strides and pads of a pooling.
func poolAttrs(spec ops.PoolSpec) []attr {
	n := len(spec.Kernel)
	stride := spec.Stride
	if stride == nil {
		stride = spec.Kernel
	}
	before := spec.Pad
	if before == nil {
		before = make([]int, n)
	}
	after := spec.PadAfter
	if after == nil {
		after = before
	}
	return []attr{{"kernel_shape", append([]int(nil), spec.Kernel...)}, {"strides", append([]int(nil), stride...)},
		{"pads", append(append([]int(nil), before...), after...)}}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func fill(n int, v float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func normAxis(axis, rank int) int {
	if axis < 0 {
		return axis + rank
	}
	return axis
}
