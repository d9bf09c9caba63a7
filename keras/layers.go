package keras

import (
	"math"
	"strings"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// node kinds beyond a plain nn layer
const (
	kindLayer = iota
	kindInput
	kindAdd
	kindConcat
	kindIdentity
)

// converted is the convnet form of one Keras layer.
type converted struct {
	kind  int
	layer nn.Layer // kindLayer only
	axis  int      // kindConcat: the Keras axis (may be negative)
	shape []int    // kindInput: the declared shape without the batch axis (NHWC), -1 unknown
}

// weightSet finds the manifest weights of a layer and records which were used.
type weightSet struct {
	all  map[string]*weight
	key  map[string][]string // "layer/variable" -> manifest names
	used map[string]bool
}

func newWeightSet(all map[string]*weight) *weightSet {
	ws := &weightSet{all: all, key: map[string][]string{}, used: map[string]bool{}}
	for name := range all {
		n := strings.TrimSuffix(name, ":0")
		parts := strings.Split(n, "/")
		if len(parts) < 2 {
			continue
		}
		k := parts[len(parts)-2] + "/" + parts[len(parts)-1]
		ws.key[k] = append(ws.key[k], name)
	}
	return ws
}

// take returns the weight variable v ("kernel", "gamma", ...) of the layer.
func (ws *weightSet) take(layer, v string) (*weight, error) {
	name := layer + "/" + v
	w := ws.all[name]
	if w == nil {
		switch cands := ws.key[name]; len(cands) {
		case 0:
			return nil, errors.Errorf("the weights manifest has no %q", name)
		case 1:
			w = ws.all[cands[0]]
		default:
			return nil, errors.Errorf("the weights manifest has several weights for %q: %v", name, cands)
		}
	}
	ws.used[w.Name] = true
	return w, nil
}

// unused lists the manifest weights no layer took.
func (ws *weightSet) unused() []string {
	var out []string
	for name := range ws.all {
		if !ws.used[name] {
			out = append(out, name)
		}
	}
	return out
}

// setParam copies data (shape) into p, checking the shape.
func setParam(p *graph.Param, data []float32, shape []int, what string) error {
	if !graph.SameShape(p.Shape(), shape) {
		return errors.Errorf("weight %s converts to shape %s, the layer needs %s", what, graph.FormatShape(shape), graph.FormatShape(p.Shape()))
	}
	for _, v := range data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return errors.Errorf("weight %s holds a non-finite value %v", what, v)
		}
	}
	return p.SetValue(tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data)))
}

// checkShape verifies a weight's Keras shape.
func checkShape(w *weight, want ...int) error {
	if !graph.SameShape(w.Shape, want) {
		return errors.Errorf("weight %q has shape %v, want %v", w.Name, w.Shape, want)
	}
	return nil
}

// hwioToOIHW converts a Keras convolution kernel (kh, kw, in, out) to
// convnet's (out, in, kh, kw).
func hwioToOIHW(w *weight) ([]float32, []int, error) {
	if len(w.Shape) != 4 {
		return nil, nil, errors.Errorf("weight %q must be rank 4 (kh, kw, in, out), got shape %v", w.Name, w.Shape)
	}
	kh, kw, in, out := w.Shape[0], w.Shape[1], w.Shape[2], w.Shape[3]
	dst := make([]float32, len(w.Data))
	for h := 0; h < kh; h++ {
		for x := 0; x < kw; x++ {
			for i := 0; i < in; i++ {
				src := w.Data[((h*kw+x)*in+i)*out : ((h*kw+x)*in+i+1)*out]
				for o, v := range src {
					dst[((o*in+i)*kh+h)*kw+x] = v
				}
			}
		}
	}
	return dst, []int{out, in, kh, kw}, nil
}

// depthwiseToGrouped converts a Keras depthwise kernel (kh, kw, in,
// multiplier) to a grouped convolution's (in·multiplier, 1, kh, kw): output
// channel i·multiplier + m filters input channel i, as in TensorFlow.
func depthwiseToGrouped(w *weight) ([]float32, []int, error) {
	if len(w.Shape) != 4 {
		return nil, nil, errors.Errorf("weight %q must be rank 4 (kh, kw, in, multiplier), got shape %v", w.Name, w.Shape)
	}
	kh, kw, in, mult := w.Shape[0], w.Shape[1], w.Shape[2], w.Shape[3]
	dst := make([]float32, len(w.Data))
	for h := 0; h < kh; h++ {
		for x := 0; x < kw; x++ {
			for i := 0; i < in; i++ {
				for m := 0; m < mult; m++ {
					dst[((i*mult+m)*kh+h)*kw+x] = w.Data[((h*kw+x)*in+i)*mult+m]
				}
			}
		}
	}
	return dst, []int{in * mult, 1, kh, kw}, nil
}

// transpose2 converts a Dense kernel (in, out) to (out, in).
func transpose2(w *weight) ([]float32, []int, error) {
	if len(w.Shape) != 2 {
		return nil, nil, errors.Errorf("weight %q must be rank 2 (in, out), got shape %v", w.Name, w.Shape)
	}
	in, out := w.Shape[0], w.Shape[1]
	dst := make([]float32, len(w.Data))
	for i := 0; i < in; i++ {
		for o := 0; o < out; o++ {
			dst[o*in+i] = w.Data[i*out+o]
		}
	}
	return dst, []int{out, in}, nil
}

// padding maps Keras's padding string.
func padding(p string) (nn.PaddingMode, error) {
	switch p {
	case "", "valid":
		return nn.Valid, nil
	case "same":
		return nn.Same, nil
	}
	return 0, errors.Errorf("padding %q is not supported (want \"valid\" or \"same\")", p)
}

// activation maps a Keras activation name to a layer; nil for "linear".
func activation(name string) (nn.Layer, error) {
	switch name {
	case "", "linear":
		return nil, nil
	case "relu":
		return nn.NewReLU(), nil
	case "relu6":
		return nn.NewReLU6(), nil
	case "sigmoid":
		return nn.NewSigmoid(), nil
	case "tanh":
		return nn.NewTanh(), nil
	case "softplus":
		return nn.NewSoftplus(), nil
	case "softsign":
		return nn.NewSoftsign(), nil
	case "elu":
		return nn.NewELU(1), nil
	case "softmax":
		// Keras normalises the last axis, the channels: convnet's axis 1
		return nn.NewSoftmax()
	}
	return nil, errors.Errorf("activation %q is not supported (want linear, relu, relu6, sigmoid, tanh, softplus, softsign, elu or softmax)", name)
}

// activationOpt is the WithActivation option of a Keras activation name
// (none for nil or "linear").
func activationOpt(name *string) ([]nn.ActivationOption, error) {
	if name == nil {
		return nil, nil
	}
	a, err := activation(*name)
	if err != nil || a == nil {
		return nil, err
	}
	return []nn.ActivationOption{nn.WithActivation(a)}, nil
}

// withActivation appends the activation options to opts, whose family
// (ConvOption, DenseOption, ...) every ActivationOption belongs to.
func withActivation[O any](opts []O, act []nn.ActivationOption) []O {
	for _, a := range act {
		opts = append(opts, any(a).(O))
	}
	return opts
}

// convertLayer builds the convnet form of one Keras layer and loads its
// weights from ws.
func convertLayer(spec layerSpec, ws *weightSet, o *options) (converted, error) {
	c, err := convertLayerInner(spec, ws, o)
	if err != nil {
		return converted{}, errors.Wrapf(err, "keras: %s %q", spec.ClassName, spec.Name)
	}
	return c, nil
}

func convertLayerInner(spec layerSpec, ws *weightSet, o *options) (converted, error) {
	switch spec.ClassName {
	case "InputLayer":
		var c inputConfig
		if err := decodeConfig(spec, &c); err != nil {
			return converted{}, err
		}
		return convertInput(c)
	case "Conv2D":
		var c convConfig
		if err := decodeConfig(spec, &c); err != nil {
			return converted{}, err
		}
		return convertConv(spec.Name, c, ws)
	case "DepthwiseConv2D":
		var c convConfig
		if err := decodeConfig(spec, &c); err != nil {
			return converted{}, err
		}
		return convertDepthwise(spec.Name, c, ws)
	case "BatchNormalization":
		var c bnConfig
		if err := decodeConfig(spec, &c); err != nil {
			return converted{}, err
		}
		return convertBatchNorm(spec.Name, c, ws, o)
	case "Dense":
		var c denseConfig
		if err := decodeConfig(spec, &c); err != nil {
			return converted{}, err
		}
		return convertDense(spec.Name, c, ws)
	case "ReLU":
		var c reluConfig
		if err := decodeConfig(spec, &c); err != nil {
			return converted{}, err
		}
		return convertReLU(c)
	case "Activation":
		var c activationConfig
		if err := decodeConfig(spec, &c); err != nil {
			return converted{}, err
		}
		a, err := activation(c.Activation)
		if err != nil {
			return converted{}, err
		}
		if a == nil {
			return converted{kind: kindIdentity}, nil
		}
		return converted{layer: a}, nil
	case "ZeroPadding2D":
		var c paddingConfig
		if err := decodeConfig(spec, &c); err != nil {
			return converted{}, err
		}
		if err := c.checkFormat(); err != nil {
			return converted{}, err
		}
		t, bo, l, r, err := c.pads()
		if err != nil {
			return converted{}, err
		}
		z, err := nn.NewZeroPadding2D(t, bo, l, r)
		return converted{layer: z}, err
	case "MaxPooling2D", "AveragePooling2D":
		var c poolConfig
		if err := decodeConfig(spec, &c); err != nil {
			return converted{}, err
		}
		return convertPool(spec.ClassName == "MaxPooling2D", c)
	case "GlobalAveragePooling2D":
		var c struct {
			baseConfig
			Keepdims bool `json:"keepdims"`
		}
		if err := decodeConfig(spec, &c); err != nil {
			return converted{}, err
		}
		if err := c.checkFormat(); err != nil {
			return converted{}, err
		}
		if c.Keepdims {
			return converted{}, errors.New("keepdims true is not supported")
		}
		return converted{layer: nn.NewGlobalAvgPool()}, nil
	case "Dropout":
		var c dropoutConfig
		if err := decodeConfig(spec, &c); err != nil {
			return converted{}, err
		}
		if !isNull(c.NoiseShape) {
			return converted{}, errors.New("noise_shape is not supported")
		}
		d, err := nn.NewDropout(c.Rate)
		return converted{layer: d}, err
	case "Flatten":
		var c baseConfig
		if err := decodeConfig(spec, &c); err != nil {
			return converted{}, err
		}
		if err := c.checkFormat(); err != nil {
			return converted{}, err
		}
		return converted{layer: &Flatten{}}, nil
	case "Reshape":
		var c reshapeConfig
		if err := decodeConfig(spec, &c); err != nil {
			return converted{}, err
		}
		r, err := NewReshape(c.TargetShape...)
		return converted{layer: r}, err
	case "Add":
		return converted{kind: kindAdd}, nil
	case "Concatenate":
		var c concatConfig
		if err := decodeConfig(spec, &c); err != nil {
			return converted{}, err
		}
		axis := -1
		if c.Axis != nil {
			axis = *c.Axis
		}
		if axis == 0 {
			return converted{}, errors.New("axis 0 (the batch axis) is not supported")
		}
		return converted{kind: kindConcat, axis: axis}, nil
	}
	return converted{}, errors.Errorf("layer class %s is not supported (supported: InputLayer, Conv2D, DepthwiseConv2D, BatchNormalization, ReLU, Activation, ZeroPadding2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, Dense, Dropout, Flatten, Reshape, Add, Concatenate)", spec.ClassName)
}

func convertInput(c inputConfig) (converted, error) {
	shape := c.BatchInputShape
	if shape == nil {
		shape = c.BatchShape
	}
	if c.Sparse {
		return converted{}, errors.New("sparse inputs are not supported")
	}
	if len(shape) < 2 {
		return converted{}, errors.Errorf("batch_input_shape must have a batch axis and at least one more, got %d axes", len(shape))
	}
	var dims []int
	for _, d := range shape[1:] {
		switch {
		case d == nil:
			dims = append(dims, -1)
		case *d <= 0:
			return converted{}, errors.Errorf("batch_input_shape has a non-positive size %d", *d)
		default:
			dims = append(dims, *d)
		}
	}
	return converted{kind: kindInput, shape: dims}, nil
}

// geometry reads a convolution's kernel size, strides, dilation and
// padding from its config (Keras's defaults: stride and dilation 1).
func (c convConfig) geometry() (kernel, stride, dil []int, pad nn.PaddingMode, err error) {
	kernel, err = c.KernelSize.get("kernel_size", nil, 1)
	if err != nil || kernel == nil {
		return nil, nil, nil, pad, errors.Errorf("kernel_size missing or invalid: %v", err)
	}
	if stride, err = c.Strides.get("strides", []int{1, 1}, 1); err != nil {
		return nil, nil, nil, pad, err
	}
	if dil, err = c.DilationRate.get("dilation_rate", []int{1, 1}, 1); err != nil {
		return nil, nil, nil, pad, err
	}
	pad, err = padding(c.Padding)
	return kernel, stride, dil, pad, err
}

// loadBias takes layer name's bias from ws, checks that it has n values
// and copies it into p.
func loadBias(ws *weightSet, name string, p *graph.Param, n int) error {
	b, err := ws.take(name, "bias")
	if err != nil {
		return err
	}
	if err := checkShape(b, n); err != nil {
		return err
	}
	return setParam(p, b.Data, b.Shape, "bias")
}

func convertConv(name string, c convConfig, ws *weightSet) (converted, error) {
	if err := c.checkFormat(); err != nil {
		return converted{}, err
	}
	groups := 1
	if c.Groups != nil {
		groups = *c.Groups
	}
	if groups < 1 {
		return converted{}, errors.Errorf("groups must be >= 1, got %d", groups)
	}
	kernel, stride, dil, pad, err := c.geometry()
	if err != nil {
		return converted{}, err
	}
	w, err := ws.take(name, "kernel")
	if err != nil {
		return converted{}, err
	}
	if len(w.Shape) != 4 || w.Shape[0] != kernel[0] || w.Shape[1] != kernel[1] || w.Shape[3] != c.Filters || w.Shape[2] <= 0 {
		return converted{}, errors.Errorf("weight %q has shape %v, want (%d, %d, in/groups, %d)", w.Name, w.Shape, kernel[0], kernel[1], c.Filters)
	}
	useBias := boolOr(c.UseBias, true)
	opts := []nn.ConvOption{nn.WithKernel(kernel...), nn.WithStride(stride...), nn.WithDilation(dil...), nn.WithPadding(pad), nn.WithBias(useBias)}
	act, err := activationOpt(c.Activation)
	if err != nil {
		return converted{}, err
	}
	if groups > 1 {
		// a grouped kernel (kh, kw, in/groups, out) converts like a plain one
		opts = append(opts, nn.WithGroups(groups))
	}
	l, err := nn.NewConv2D(w.Shape[2]*groups, c.Filters, kernel[0], withActivation(opts, act)...)
	if err != nil {
		return converted{}, err
	}
	data, shape, err := hwioToOIHW(w)
	if err != nil {
		return converted{}, err
	}
	if err := setParam(l.Weight(), data, shape, "kernel"); err != nil {
		return converted{}, err
	}
	if useBias {
		if err := loadBias(ws, name, l.Bias(), c.Filters); err != nil {
			return converted{}, err
		}
	}
	return converted{layer: l}, nil
}

func convertDepthwise(name string, c convConfig, ws *weightSet) (converted, error) {
	if err := c.checkFormat(); err != nil {
		return converted{}, err
	}
	kernel, stride, dil, pad, err := c.geometry()
	if err != nil {
		return converted{}, err
	}
	mult := 1
	if c.DepthMultiplier != nil {
		mult = *c.DepthMultiplier
	}
	if mult < 1 {
		return converted{}, errors.Errorf("depth_multiplier must be >= 1, got %d", mult)
	}
	w, err := ws.take(name, "depthwise_kernel")
	if err != nil {
		return converted{}, err
	}
	if len(w.Shape) != 4 || w.Shape[0] != kernel[0] || w.Shape[1] != kernel[1] || w.Shape[3] != mult || w.Shape[2] <= 0 {
		return converted{}, errors.Errorf("weight %q has shape %v, want (%d, %d, in, %d)", w.Name, w.Shape, kernel[0], kernel[1], mult)
	}
	in := w.Shape[2]
	useBias := boolOr(c.UseBias, true)
	act, err := activationOpt(c.Activation)
	if err != nil {
		return converted{}, err
	}
	opts := withActivation([]nn.DepthwiseConvOption{nn.WithKernel(kernel...), nn.WithStride(stride...), nn.WithDilation(dil...), nn.WithPadding(pad), nn.WithBias(useBias)}, act)
	l, err := nn.NewDepthwiseConv2D(in, mult, kernel[0], opts...)
	if err != nil {
		return converted{}, err
	}
	data, shape, err := depthwiseToGrouped(w)
	if err != nil {
		return converted{}, err
	}
	if err := setParam(l.Weight(), data, shape, "depthwise_kernel"); err != nil {
		return converted{}, err
	}
	if useBias {
		if err := loadBias(ws, name, l.Bias(), in*mult); err != nil {
			return converted{}, err
		}
	}
	return converted{layer: l}, nil
}

func convertDense(name string, c denseConfig, ws *weightSet) (converted, error) {
	w, err := ws.take(name, "kernel")
	if err != nil {
		return converted{}, err
	}
	if len(w.Shape) != 2 || w.Shape[1] != c.Units || w.Shape[0] <= 0 {
		return converted{}, errors.Errorf("weight %q has shape %v, want (in, %d)", w.Name, w.Shape, c.Units)
	}
	useBias := boolOr(c.UseBias, true)
	act, err := activationOpt(c.Activation)
	if err != nil {
		return converted{}, err
	}
	l, err := nn.NewDense(w.Shape[0], c.Units, withActivation([]nn.DenseOption{nn.WithBias(useBias)}, act)...)
	if err != nil {
		return converted{}, err
	}
	data, shape, err := transpose2(w)
	if err != nil {
		return converted{}, err
	}
	if err := setParam(l.Weight(), data, shape, "kernel"); err != nil {
		return converted{}, err
	}
	if useBias {
		if err := loadBias(ws, name, l.Bias(), c.Units); err != nil {
			return converted{}, err
		}
	}
	return converted{layer: l}, nil
}

func convertBatchNorm(name string, c bnConfig, ws *weightSet, o *options) (converted, error) {
	axis := -1
	if !isNull(c.Axis) {
		var one int
		var list []int
		switch {
		case jsonInt(c.Axis, &one):
			axis = one
		case jsonInts(c.Axis, &list) && len(list) == 1:
			axis = list[0]
		default:
			return converted{}, errors.Errorf("axis %s is not supported (one axis, the channels)", string(c.Axis))
		}
	}
	if axis == 0 {
		return converted{}, errors.New("axis 0 (the batch axis) is not supported")
	}
	eps := 1e-3
	if c.Epsilon != nil {
		eps = *c.Epsilon
	}
	momentum := 0.99
	if c.Momentum != nil {
		momentum = *c.Momentum
	}
	center, scale := boolOr(c.Center, true), boolOr(c.Scale, true)
	mean, err := ws.take(name, "moving_mean")
	if err != nil {
		return converted{}, err
	}
	if len(mean.Shape) != 1 || mean.Shape[0] <= 0 {
		return converted{}, errors.Errorf("weight %q has shape %v, want (channels)", mean.Name, mean.Shape)
	}
	ch := mean.Shape[0]
	torchMomentum := 1 - momentum // Keras keeps momentum·old, PyTorch (1-momentum)·old
	if o.momentum != nil {
		torchMomentum = *o.momentum
	}
	opts := []nn.BatchNormOption{nn.WithEps(eps), nn.WithMomentum(torchMomentum)}
	switch {
	case !center && !scale:
		opts = append(opts, nn.WithAffine(false))
	case !scale:
		opts = append(opts, nn.WithScale(false))
	}
	bn, err := nn.NewBatchNorm2D(ch, opts...)
	if err != nil {
		return converted{}, err
	}
	vars := []struct {
		v     string
		p     *graph.Param
		given bool
	}{{"moving_mean", bn.RunningMean(), true}, {"moving_variance", bn.RunningVar(), true}, {"gamma", bn.Weight(), scale}, {"beta", bn.Bias(), center}}
	for _, v := range vars {
		if !v.given {
			continue
		}
		w, err := ws.take(name, v.v)
		if err != nil {
			return converted{}, err
		}
		if err := checkShape(w, ch); err != nil {
			return converted{}, err
		}
		if err := setParam(v.p, w.Data, w.Shape, v.v); err != nil {
			return converted{}, err
		}
	}
	if scale && !center {
		// Keras has no beta here: keep convnet's bias at zero, untrained
		bn.Bias().SetFrozen(true)
	}
	return converted{layer: &BatchNorm{bn: bn, axis: axis}}, nil
}

func convertReLU(c reluConfig) (converted, error) {
	if c.Threshold != nil && *c.Threshold != 0 {
		return converted{}, errors.Errorf("threshold %v is not supported (only 0)", *c.Threshold)
	}
	slope := 0.0
	if c.NegativeSlope != nil {
		slope = *c.NegativeSlope
	}
	switch {
	case c.MaxValue == nil && slope == 0:
		return converted{layer: nn.NewReLU()}, nil
	case c.MaxValue == nil:
		return converted{layer: nn.NewLeakyReLU(slope)}, nil
	case *c.MaxValue == 6 && slope == 0:
		return converted{layer: nn.NewReLU6()}, nil
	}
	return converted{}, errors.Errorf("max_value %v with negative_slope %v is not supported (max_value must be none or 6 with negative_slope 0)", *c.MaxValue, slope)
}

func convertPool(isMax bool, c poolConfig) (converted, error) {
	if err := c.checkFormat(); err != nil {
		return converted{}, err
	}
	size, err := c.PoolSize.get("pool_size", []int{2, 2}, 1)
	if err != nil {
		return converted{}, err
	}
	stride, err := c.Strides.get("strides", size, 1)
	if err != nil {
		return converted{}, err
	}
	pad, err := padding(c.Padding)
	if err != nil {
		return converted{}, err
	}
	opts := []nn.PoolOption{nn.WithKernel(size...), nn.WithStride(stride...), nn.WithPadding(pad)}
	if isMax {
		l, err := nn.NewMaxPool2D(size[0], opts...)
		return converted{layer: l}, err
	}
	l, err := nn.NewAvgPool2D(size[0], opts...)
	return converted{layer: l}, err
}
