package onnx

import (
	"math"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// window holds the settings of a convolution or pooling node for its
// spatial axes.
type window struct {
	kernel, stride, dil, before, after []int
}

// windowAttrs reads kernel_shape (or the weight's spatial sizes), strides,
// dilations, pads and auto_pad for an input with spatial sizes in.
func (c *opCtx) windowAttrs(in []int, kernelFromWeight []int, autoPad bool) (*window, error) {
	r := len(in)
	w := &window{kernel: make([]int, r), stride: make([]int, r), dil: make([]int, r), before: make([]int, r), after: make([]int, r)}
	ints := func(name string, def int, dst []int) error {
		v := c.attrInts(name)
		if v == nil {
			for i := range dst {
				dst[i] = def
			}
			return nil
		}
		if len(v) != len(dst) {
			return c.errorf("%s %v needs %d values (one per spatial axis)", name, v, len(dst))
		}
		for i, x := range v {
			if x <= 0 && name != "pads" || x < 0 || x > 1<<20 {
				return c.errorf("%s %v has a value out of range", name, v)
			}
			dst[i] = int(x)
		}
		return nil
	}
	if kernelFromWeight != nil {
		copy(w.kernel, kernelFromWeight)
		if ks := c.attrInts("kernel_shape"); ks != nil {
			for i := range ks {
				if i >= r || int(ks[i]) != kernelFromWeight[i] {
					return nil, c.errorf("kernel_shape %v differs from the weight's spatial sizes %v", ks, kernelFromWeight)
				}
			}
		}
	} else if err := ints("kernel_shape", 0, w.kernel); err != nil {
		return nil, err
	} else if c.attr("kernel_shape") == nil {
		return nil, c.errorf("kernel_shape is required")
	}
	if err := ints("strides", 1, w.stride); err != nil {
		return nil, err
	}
	if err := ints("dilations", 1, w.dil); err != nil {
		return nil, err
	}
	pads := make([]int, 2*r)
	if err := ints("pads", 0, pads); err != nil {
		return nil, err
	}
	copy(w.before, pads[:r])
	copy(w.after, pads[r:])
	mode := c.attrString("auto_pad", "NOTSET")
	if !autoPad {
		mode = "NOTSET"
	}
	switch mode {
	case "NOTSET", "":
	case "VALID":
		for i := range w.before {
			w.before[i], w.after[i] = 0, 0
		}
	case "SAME_UPPER", "SAME_LOWER":
		for i := range in {
			out := (in[i] + w.stride[i] - 1) / w.stride[i]
			total := max((out-1)*w.stride[i]+(w.kernel[i]-1)*w.dil[i]+1-in[i], 0)
			small, big := total/2, total-total/2
			if mode == "SAME_UPPER" {
				w.before[i], w.after[i] = small, big
			} else {
				w.before[i], w.after[i] = big, small
			}
		}
	default:
		return nil, c.unsupported("auto_pad %q is not supported", mode)
	}
	return w, nil
}

// spatialInput returns input 0 as a node of rank 3 to 5.
func (c *opCtx) spatialInput(ins []*value) (*G.Node, error) {
	x, err := c.nodeIn(ins, 0)
	if err != nil {
		return nil, err
	}
	if r := x.Shape().Dims(); r < 3 || r > 5 {
		return nil, c.unsupported("inputs with %d spatial axes (shape %s) are not supported (1 to 3 are)", r-2, graph.FormatShape(x.Shape()))
	}
	return x, nil
}

// splitAxis splits x along axis into g equal parts.
func splitAxis(x *G.Node, axis, g int) ([]*G.Node, error) {
	n := x.Shape()[axis] / g
	parts := make([]*G.Node, g)
	for i := range parts {
		p, err := sliceAxis(x, axis, i*n, (i+1)*n)
		if err != nil {
			return nil, err
		}
		parts[i] = p
	}
	return parts, nil
}

func opConv(c *opCtx, ins []*value) ([]*value, error) {
	x, err := c.spatialInput(ins)
	if err != nil {
		return nil, err
	}
	w, err := c.nodeIn(ins, 1)
	if err != nil {
		return nil, err
	}
	xs, ws := []int(x.Shape()), []int(w.Shape())
	if len(ws) != len(xs) {
		return nil, c.errorf("weight %s must have the input's rank %d", graph.FormatShape(ws), len(xs))
	}
	win, err := c.windowAttrs(xs[2:], ws[2:], true)
	if err != nil {
		return nil, err
	}
	var bias *G.Node
	if has(ins, 2) {
		if bias, err = c.nodeIn(ins, 2); err != nil {
			return nil, err
		}
	}
	g := int(c.attrInt("group", 1))
	if g < 1 || xs[1]%g != 0 || ws[0]%g != 0 || ws[1]*g != xs[1] {
		return nil, c.errorf("group %d does not fit input channels %d and weight %s", g, xs[1], graph.FormatShape(ws))
	}
	p := ops.ConvParams{Stride: win.stride, Pad: win.before, PadAfter: win.after, Dilation: win.dil}
	if g == 1 {
		y, err := ops.ConvND(x, w, bias, p)
		return []*value{dyn(y)}, err
	}
	y, err := ops.GroupConvND(x, w, bias, p, g)
	return []*value{dyn(y)}, err
}

func opConvTranspose(c *opCtx, ins []*value) ([]*value, error) {
	x, err := c.spatialInput(ins)
	if err != nil {
		return nil, err
	}
	w, err := c.nodeIn(ins, 1)
	if err != nil {
		return nil, err
	}
	xs, ws := []int(x.Shape()), []int(w.Shape())
	if len(ws) != len(xs) {
		return nil, c.errorf("weight %s must have the input's rank %d", graph.FormatShape(ws), len(xs))
	}
	r := len(xs) - 2
	// auto_pad is applied below from the output size, not as for Conv
	autoPad := c.attrString("auto_pad", "NOTSET")
	win, err := c.windowAttrs(xs[2:], ws[2:], false)
	if err != nil {
		return nil, err
	}
	outPad := make([]int, r)
	if op := c.attrInts("output_padding"); op != nil {
		if len(op) != r {
			return nil, c.errorf("output_padding %v needs %d values", op, r)
		}
		for i, v := range op {
			outPad[i] = int(v)
		}
	}
	outShape := c.attrInts("output_shape")
	if len(outShape) > r {
		outShape = outShape[len(outShape)-r:]
	}
	if outShape == nil && (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
		outShape = make([]int64, r)
		for i := range outShape {
			outShape[i] = int64(xs[2+i] * win.stride[i])
		}
	}
	if outShape != nil {
		for i := 0; i < r; i++ {
			full := win.stride[i]*(xs[2+i]-1) + outPad[i] + (ws[2+i]-1)*win.dil[i] + 1
			total := full - int(outShape[i])
			if total < 0 {
				// the output is larger than the full transposed convolution:
				// the extra rows at the end are zeros plus the bias, which
				// is what output padding gives
				win.before[i], win.after[i] = 0, 0
				outPad[i] += -total
				continue
			}
			if autoPad == "SAME_UPPER" {
				win.before[i], win.after[i] = total/2, total-total/2
			} else {
				win.before[i], win.after[i] = total-total/2, total/2
			}
		}
	} else if autoPad == "VALID" {
		for i := range win.before {
			win.before[i], win.after[i] = 0, 0
		}
	}
	var bias *G.Node
	if has(ins, 2) {
		if bias, err = c.nodeIn(ins, 2); err != nil {
			return nil, err
		}
	}
	g := int(c.attrInt("group", 1))
	if g < 1 || xs[1]%g != 0 || ws[0] != xs[1] {
		return nil, c.errorf("group %d does not fit input channels %d and weight %s", g, xs[1], graph.FormatShape(ws))
	}
	p := ops.ConvTransposeParams{Stride: win.stride, Pad: win.before, PadAfter: win.after, OutPad: outPad, Dilation: win.dil}
	if g == 1 {
		y, err := ops.ConvTransposeND(x, w, bias, p)
		return []*value{dyn(y)}, err
	}
	xg, err := splitAxis(x, 1, g)
	if err != nil {
		return nil, err
	}
	wg, err := splitAxis(w, 0, g)
	if err != nil {
		return nil, err
	}
	var bg []*G.Node
	if bias != nil {
		if bg, err = splitAxis(bias, 0, g); err != nil {
			return nil, err
		}
	}
	ys := make([]*G.Node, g)
	for i := range ys {
		var b *G.Node
		if bg != nil {
			b = bg[i]
		}
		if ys[i], err = ops.ConvTransposeND(xg[i], wg[i], b, p); err != nil {
			return nil, err
		}
	}
	y, err := ops.Concat(1, ys...)
	return []*value{dyn(y)}, err
}

// poolSpec reads a pooling node's window into a PoolSpec; dilations other
// than 1 are an error unless dilated is given, which receives them.
func (c *opCtx) poolSpec(x *G.Node, dilated *[]int) (ops.PoolSpec, error) {
	xs := []int(x.Shape())
	win, err := c.windowAttrs(xs[2:], nil, true)
	if err != nil {
		return ops.PoolSpec{}, err
	}
	for _, d := range win.dil {
		if d != 1 && dilated == nil {
			return ops.PoolSpec{}, c.unsupported("dilations %v are not supported for this op", win.dil)
		}
	}
	if dilated != nil {
		*dilated = win.dil
	}
	if c.attrInt("storage_order", 0) != 0 {
		return ops.PoolSpec{}, c.unsupported("storage_order = 1 (column-major indices) is not supported")
	}
	return ops.PoolSpec{Kernel: win.kernel, Stride: win.stride, Pad: win.before, PadAfter: win.after, Ceil: c.attrInt("ceil_mode", 0) != 0}, nil
}

// bigPads reports whether a pad exceeds half the kernel, which the pooling
// ops do not take: such pads are applied explicitly first.
func bigPads(spec ops.PoolSpec) bool {
	for i, k := range spec.Kernel {
		if 2*spec.Pad[i] > k || 2*spec.PadAfter[i] > k {
			return true
		}
	}
	return false
}

// padExplicit pads the spatial axes of x with the value v as spec says and
// returns spec without padding.
func (c *opCtx) padExplicit(x *G.Node, spec ops.PoolSpec, v float64) (*G.Node, ops.PoolSpec, error) {
	y := x
	for i := range spec.Kernel {
		ax := 2 + i
		var parts []*G.Node
		for _, k := range []int{spec.Pad[i], -1, spec.PadAfter[i]} {
			if k == -1 {
				parts = append(parts, y)
				continue
			}
			if k == 0 {
				continue
			}
			shape := []int(y.Shape().Clone())
			shape[ax] = k
			b, err := c.constNode(y.Dtype(), shape, []float64{v}, "pool_pad")
			if err != nil {
				return nil, spec, err
			}
			parts = append(parts, b)
		}
		if len(parts) > 1 {
			var err error
			if y, err = ops.Concat(ax, parts...); err != nil {
				return nil, spec, err
			}
		}
	}
	zero := make([]int, len(spec.Kernel))
	spec.Pad, spec.PadAfter = zero, zero
	return y, spec, nil
}

func opMaxPool(c *opCtx, ins []*value) ([]*value, error) {
	x, err := c.spatialInput(ins)
	if err != nil {
		return nil, err
	}
	var dil []int
	spec, err := c.poolSpec(x, &dil)
	if err != nil {
		return nil, err
	}
	wantIndices := len(c.n.outs) > 1 && c.n.outs[1] != ""
	for _, d := range dil {
		if d != 1 {
			if wantIndices {
				return nil, c.unsupported("the Indices output of a dilated max pool is not supported")
			}
			y, err := c.dilatedMaxPool(x, spec, dil)
			return []*value{dyn(y)}, err
		}
	}
	if bigPads(spec) {
		if wantIndices {
			return nil, c.unsupported("the Indices output with padding larger than half the kernel is not supported")
		}
		xp, sp, err := c.padExplicit(x, spec, math.Inf(-1))
		if err != nil {
			return nil, err
		}
		y, err := ops.MaxPool(xp, sp)
		return []*value{dyn(y)}, err
	}
	if !wantIndices {
		y, err := ops.MaxPool(x, spec)
		return []*value{dyn(y)}, err
	}
	y, idx, err := ops.MaxPoolIndices(x, spec)
	if err != nil {
		return nil, err
	}
	// ONNX's indices count over the whole tensor: add (n·C + c)·plane
	xs, ys := []int(x.Shape()), []int(y.Shape())
	plane := prod(xs[2:])
	offsets := make([]float64, xs[0]*xs[1])
	for i := range offsets {
		offsets[i] = float64(i * plane)
	}
	shape := append([]int{xs[0], xs[1]}, make([]int, len(ys)-2)...)
	for i := 2; i < len(shape); i++ {
		shape[i] = 1
	}
	off, err := c.constNode(x.Dtype(), shape, offsets, "indices_offset")
	if err != nil {
		return nil, err
	}
	if x.Dtype() == tensor.Float32 && prod(xs) > 1<<24 {
		return nil, c.unsupported("float32 indices are exact only up to 2^24 elements, the input %s has more", graph.FormatShape(xs))
	}
	if idx, err = c.binary("Add", idx, off); err != nil {
		return nil, err
	}
	return []*value{dyn(y), dyn(idx)}, nil
}

func opAveragePool(c *opCtx, ins []*value) ([]*value, error) {
	x, err := c.spatialInput(ins)
	if err != nil {
		return nil, err
	}
	spec, err := c.poolSpec(x, nil)
	if err != nil {
		return nil, err
	}
	spec.ExcludePad = c.attrInt("count_include_pad", 0) == 0
	if bigPads(spec) {
		// zero padding made explicit; without count_include_pad the sum
		// is divided by the pooled count of real elements
		xp, sp, err := c.padExplicit(x, spec, 0)
		if err != nil {
			return nil, err
		}
		sp.ExcludePad = false
		y, err := ops.AvgPool(xp, sp)
		if err != nil || !spec.ExcludePad {
			return []*value{dyn(y)}, err
		}
		ones, err := c.constNode(x.Dtype(), []int(x.Shape()), []float64{1}, "pool_ones")
		if err != nil {
			return nil, err
		}
		op, _, err := c.padExplicit(ones, spec, 0)
		if err != nil {
			return nil, err
		}
		frac, err := ops.AvgPool(op, sp)
		if err != nil {
			return nil, err
		}
		y, err = G.HadamardDiv(y, frac)
		return []*value{dyn(y)}, err
	}
	y, err := ops.AvgPool(x, spec)
	return []*value{dyn(y)}, err
}

// keepDims reshapes a pooled (N, C) to (N, C, 1, ...) with x's rank.
func keepDims(y *G.Node, rank int) (*G.Node, error) {
	s := []int(y.Shape())
	for len(s) < rank {
		s = append(s, 1)
	}
	return ops.Reshape(y, s...)
}

func opGlobalAveragePool(c *opCtx, ins []*value) ([]*value, error) {
	x, err := c.spatialInput(ins)
	if err != nil {
		return nil, err
	}
	y, err := ops.GlobalAvgPool(x)
	if err != nil {
		return nil, err
	}
	y, err = keepDims(y, x.Shape().Dims())
	return []*value{dyn(y)}, err
}

func opGlobalMaxPool(c *opCtx, ins []*value) ([]*value, error) {
	x, err := c.spatialInput(ins)
	if err != nil {
		return nil, err
	}
	k := []int(x.Shape()[2:].Clone())
	y, err := ops.MaxPool(x, ops.PoolSpec{Kernel: k, Stride: k})
	return []*value{dyn(y)}, err
}

func opBatchNorm(c *opCtx, ins []*value) ([]*value, error) {
	x, err := c.nodeIn(ins, 0)
	if err != nil {
		return nil, err
	}
	if x.Shape().Dims() < 2 {
		return nil, c.errorf("input %s must be (N, C, ...)", graph.FormatShape(x.Shape()))
	}
	if c.n.opset < 9 && c.attrInt("spatial", 1) == 0 {
		return nil, c.unsupported("spatial = 0 is not supported")
	}
	gamma, err := c.nodeIn(ins, 1)
	if err != nil {
		return nil, err
	}
	beta, err := c.nodeIn(ins, 2)
	if err != nil {
		return nil, err
	}
	if c.attrInt("training_mode", 0) != 0 {
		return batchNormTraining(c, ins, x, gamma, beta)
	}
	stats := make([]*tensor.Dense, 2)
	var meanParam *graph.Param
	for i := range stats {
		v, err := c.in(ins, 3+i)
		if err != nil {
			return nil, err
		}
		t, ok := static(v)
		if !ok {
			return batchNormComposed(c, ins, x, gamma, beta)
		}
		if t.Dtype() != x.Dtype() {
			return nil, c.errorf("running statistics are %v, the input is %v", t.Dtype(), x.Dtype())
		}
		stats[i] = t
		if i == 0 {
			meanParam = v.param
		}
	}
	eps := c.attrFloat("epsilon", 1e-5)
	momentum := c.attrFloat("momentum", 0.9)
	for i, o := range c.n.outs {
		if i > 0 && o != "" {
			return nil, c.unsupported("output %d (%q) is not supported in inference mode", i, o)
		}
	}
	var y *G.Node
	switch {
	case c.b.Training() && meanParam != nil && !meanParam.Frozen():
		// fine-tuning: batch statistics, running statistics updated in place
		y, err = ops.BatchNormTrain(x, gamma, beta, stats[0], stats[1], 1-momentum, eps)
	default:
		y, err = ops.BatchNormEval(x, gamma, beta, stats[0], stats[1], eps)
	}
	return []*value{dyn(y)}, err
}

func opMaxUnpool(c *opCtx, ins []*value) ([]*value, error) {
	x, err := c.spatialInput(ins)
	if err != nil {
		return nil, err
	}
	xs := []int(x.Shape())
	if len(xs) != 4 {
		return nil, c.unsupported("only 2-D unpooling (N, C, H, W) is supported, got %s", graph.FormatShape(xs))
	}
	idx, err := c.nodeIn(ins, 1)
	if err != nil {
		return nil, err
	}
	win, err := c.windowAttrs(xs[2:], nil, true)
	if err != nil {
		return nil, err
	}
	out := make([]int, 2)
	for i := range out {
		out[i] = (xs[2+i]-1)*win.stride[i] + win.kernel[i] - win.before[i] - win.after[i]
	}
	if has(ins, 2) {
		os, err := c.ints(ins[2], "output_shape")
		if err != nil {
			return nil, err
		}
		if len(os) != 4 {
			return nil, c.errorf("output_shape %v must have 4 values", os)
		}
		out[0], out[1] = int(os[2]), int(os[3])
	}
	// ONNX's indices count over the whole output: subtract (n·C + c)·plane
	plane := out[0] * out[1]
	offsets := make([]float64, xs[0]*xs[1])
	for i := range offsets {
		offsets[i] = -float64(i * plane)
	}
	off, err := c.constNode(x.Dtype(), []int{xs[0], xs[1], 1, 1}, offsets, "indices_offset")
	if err != nil {
		return nil, err
	}
	if idx, err = c.binary("Add", idx, off); err != nil {
		return nil, err
	}
	y, err := ops.MaxUnpool2D(x, idx, out[0], out[1])
	return []*value{dyn(y)}, err
}

// batchNormComposed is inference BatchNormalization with statistics computed
// from the graph's inputs: (x - mean)/sqrt(var + eps)·scale + B, each
// (C) vector broadcast along axis 1.
func batchNormComposed(c *opCtx, ins []*value, x, gamma, beta *G.Node) ([]*value, error) {
	for i, o := range c.n.outs {
		if i > 0 && o != "" {
			return nil, c.unsupported("output %d (%q) is not supported in inference mode", i, o)
		}
	}
	r := x.Shape().Dims()
	col := func(n *G.Node) (*G.Node, error) {
		s := make([]int, r-1)
		for i := range s {
			s[i] = 1
		}
		s[0] = n.Shape().TotalSize()
		if s[0] != x.Shape()[1] {
			return nil, c.errorf("a per-channel input has %d values, the input has %d channels", s[0], x.Shape()[1])
		}
		return ops.Reshape(n, s...)
	}
	mean, err := c.nodeIn(ins, 3)
	if err != nil {
		return nil, err
	}
	variance, err := c.nodeIn(ins, 4)
	if err != nil {
		return nil, err
	}
	nodes := []*G.Node{gamma, beta, mean, variance}
	for i := range nodes {
		if nodes[i], err = col(nodes[i]); err != nil {
			return nil, err
		}
	}
	y, err := normalize(c, x, nodes[0], nodes[1], nodes[2], nodes[3])
	return []*value{dyn(y)}, err
}

// normalize is (x - mean)/sqrt(var + eps)·scale + B with per-channel
// columns (C, 1, ...).
func normalize(c *opCtx, x, scale, bias, mean, variance *G.Node) (*G.Node, error) {
	std, err := addScalar(variance, c.attrFloat("epsilon", 1e-5))
	if err != nil {
		return nil, err
	}
	if std, err = G.Sqrt(std); err != nil {
		return nil, err
	}
	y, err := c.binary("Sub", x, mean)
	if err != nil {
		return nil, err
	}
	if y, err = c.binary("Div", y, std); err != nil {
		return nil, err
	}
	if y, err = c.binary("Mul", y, scale); err != nil {
		return nil, err
	}
	return c.binary("Add", y, bias)
}

// batchNormTraining is BatchNormalization with training_mode = 1 (opset
// 14+): it normalises with the batch's mean and (population) variance over
// every axis but 1 and also returns the updated running statistics,
// mean·momentum + batch_mean·(1 - momentum) and likewise for the variance.
// The model's own buffers are not changed.
func batchNormTraining(c *opCtx, ins []*value, x, gamma, beta *G.Node) ([]*value, error) {
	r := x.Shape().Dims()
	chans := x.Shape()[1]
	axes := []int{0}
	for i := 2; i < r; i++ {
		axes = append(axes, i)
	}
	colShape := make([]int, r-1)
	for i := range colShape {
		colShape[i] = 1
	}
	colShape[0] = chans
	col := func(n *G.Node) (*G.Node, error) {
		if n.Shape().TotalSize() != chans {
			return nil, c.errorf("a per-channel input has %d values, the input has %d channels", n.Shape().TotalSize(), chans)
		}
		return ops.Reshape(n, colShape...)
	}
	mean, err := ops.Mean(x, axes...)
	if err != nil {
		return nil, err
	}
	mcol, err := col(mean)
	if err != nil {
		return nil, err
	}
	d, err := c.binary("Sub", x, mcol)
	if err != nil {
		return nil, err
	}
	sq, err := G.HadamardProd(d, d)
	if err != nil {
		return nil, err
	}
	variance, err := ops.Mean(sq, axes...)
	if err != nil {
		return nil, err
	}
	vcol, err := col(variance)
	if err != nil {
		return nil, err
	}
	g, err := col(gamma)
	if err != nil {
		return nil, err
	}
	b, err := col(beta)
	if err != nil {
		return nil, err
	}
	y, err := normalize(c, x, g, b, mcol, vcol)
	if err != nil {
		return nil, err
	}
	outs := []*value{dyn(y), nil, nil}
	momentum := c.attrFloat("momentum", 0.9)
	for i, batch := range []*G.Node{mean, variance} {
		if len(c.n.outs) <= i+1 || c.n.outs[i+1] == "" {
			continue
		}
		running, err := c.nodeIn(ins, 3+i)
		if err != nil {
			return nil, err
		}
		if running.Shape().TotalSize() != chans {
			return nil, c.errorf("input %d has %d values, the input has %d channels", 3+i, running.Shape().TotalSize(), chans)
		}
		if running, err = ops.Reshape(running, chans); err != nil {
			return nil, err
		}
		a, err := ops.Scale(running, momentum)
		if err != nil {
			return nil, err
		}
		bb, err := ops.Scale(batch, 1-momentum)
		if err != nil {
			return nil, err
		}
		upd, err := G.Add(a, bb)
		if err != nil {
			return nil, err
		}
		outs[i+1] = dyn(upd)
	}
	for i, o := range c.n.outs {
		if i > 2 && o != "" {
			return nil, c.unsupported("output %d (%q) is not supported", i, o)
		}
	}
	return outs, nil
}

// dilatedMaxPool composes a max pool with dilated windows. A max over a
// box is a max over each axis in turn, so the input is padded with -Inf and
// then, axis by axis, every kernel offset's samples along that axis are
// gathered, stacked on a new last axis of (N, C, P, k) and reduced by a max
// pool over it: k_1 + k_2 + ... gathers instead of k_1·k_2·... The output
// sizes follow ONNX: floor (or ceil with ceil_mode) of (in + pads -
// dilated kernel)/stride, plus 1.
func (c *opCtx) dilatedMaxPool(x *G.Node, spec ops.PoolSpec, dil []int) (*G.Node, error) {
	xs := []int(x.Shape())
	r := len(xs) - 2
	out := make([]int, r)
	after := append([]int(nil), spec.PadAfter...)
	gathers := 0
	for _, k := range spec.Kernel {
		gathers += k
	}
	if gathers > 1<<12 {
		return nil, c.unsupported("a dilated kernel %v of more than 4096 rows in all is not supported", spec.Kernel)
	}
	for i := 0; i < r; i++ {
		eff := (spec.Kernel[i]-1)*dil[i] + 1
		span := xs[2+i] + spec.Pad[i] + spec.PadAfter[i] - eff
		if span < 0 {
			return nil, c.errorf("the dilated kernel %d is larger than the padded input %d on spatial axis %d", eff, span+eff, i)
		}
		out[i] = span/spec.Stride[i] + 1
		if spec.Ceil && span%spec.Stride[i] != 0 {
			out[i]++
		}
		if need := (out[i]-1)*spec.Stride[i] + eff; need > xs[2+i]+spec.Pad[i]+after[i] {
			after[i] = need - xs[2+i] - spec.Pad[i]
		}
	}
	padded := spec
	padded.PadAfter = after
	y, _, err := c.padExplicit(x, padded, math.Inf(-1))
	if err != nil {
		return nil, err
	}
	for i := 0; i < r; i++ {
		k := spec.Kernel[i]
		stack := make([]*G.Node, k)
		var shape []int
		for j := 0; j < k; j++ {
			idx := make([]int, out[i])
			for o := range idx {
				idx[o] = o*spec.Stride[i] + j*dil[i]
			}
			g, err := gatherAxis(y, 2+i, idx)
			if err != nil {
				return nil, err
			}
			shape = []int(g.Shape().Clone())
			if stack[j], err = ops.Reshape(g, xs[0], xs[1], prod(shape[2:]), 1); err != nil {
				return nil, err
			}
		}
		all := stack[0]
		if k > 1 {
			if all, err = ops.Concat(3, stack...); err != nil {
				return nil, err
			}
		}
		m, err := ops.MaxPool(all, ops.PoolSpec{Kernel: []int{1, k}, Stride: []int{1, k}})
		if err != nil {
			return nil, err
		}
		if y, err = ops.Reshape(m, shape...); err != nil {
			return nil, err
		}
	}
	return y, nil
}
