package onnx

import (
	"math"
	"slices"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// unary wraps a one-input op on a node.
func unary(f func(c *opCtx, x *G.Node) (*G.Node, error)) func(c *opCtx, ins []*value) ([]*value, error) {
	return func(c *opCtx, ins []*value) ([]*value, error) {
		x, err := c.nodeIn(ins, 0)
		if err != nil {
			return nil, err
		}
		y, err := f(c, x)
		if err != nil {
			return nil, err
		}
		return []*value{dyn(y)}, nil
	}
}

func plain(f func(*G.Node) (*G.Node, error)) func(c *opCtx, ins []*value) ([]*value, error) {
	return unary(func(_ *opCtx, x *G.Node) (*G.Node, error) { return f(x) })
}

func opLeakyRelu(c *opCtx, x *G.Node) (*G.Node, error) {
	return ops.LeakyReLU(x, c.attrFloat("alpha", 0.01))
}

func opElu(c *opCtx, x *G.Node) (*G.Node, error) { return ops.ELU(x, c.attrFloat("alpha", 1)) }

// Selu is gamma·ELU(x, alpha).
func opSelu(c *opCtx, x *G.Node) (*G.Node, error) {
	y, err := ops.ELU(x, c.attrFloat("alpha", 1.67326319217681884765625))
	if err != nil {
		return nil, err
	}
	return ops.Scale(y, c.attrFloat("gamma", 1.05070102214813232421875))
}

// HardSigmoid is clamp(alpha·x + beta, 0, 1).
func opHardSigmoid(c *opCtx, x *G.Node) (*G.Node, error) {
	y, err := ops.Scale(x, c.attrFloat("alpha", 0.2))
	if err != nil {
		return nil, err
	}
	if y, err = addScalar(y, c.attrFloat("beta", 0.5)); err != nil {
		return nil, err
	}
	return ops.Clamp(y, 0, 1)
}

// opClip is min(max(x, min), max). Bounds known at import (attributes
// before opset 11, initialisers or constants after) make one ops.Clamp;
// Clip(0, 6) (MobileNet's activation) is the fused ops.ReLU6, as nn.ReLU6
// computes it. A bound computed in the graph is composed from ReLUs
// (y + relu(min - y), y - relu(y - max)): exact for every element inside
// the bounds, but an infinite or very large element beyond such a bound
// may become NaN or 0. When min > max every element becomes max, as ONNX
// specifies.
func opClip(c *opCtx, ins []*value) ([]*value, error) {
	x, err := c.nodeIn(ins, 0)
	if err != nil {
		return nil, err
	}
	if c.isReLU6(ins) {
		y, err := ops.ReLU6(x)
		return []*value{dyn(y)}, err
	}
	if c.n.opset < 11 {
		// the defaults are float32's lowest and highest values, as ONNX
		// specifies (so -Inf clips to -MaxFloat32 under a max-only Clip)
		y, err := ops.Clamp(x, c.attrFloat("min", -math.MaxFloat32), c.attrFloat("max", math.MaxFloat32))
		return []*value{dyn(y)}, err
	}
	// static bounds: one ops.Clamp; a bound computed in the graph is
	// composed from ReLUs below (exact inside the bounds; an infinite or
	// huge input may become NaN or 0 there)
	lo, hi := math.Inf(-1), math.Inf(1)
	dynamic := false
	for i, what := range []string{"min", "max"} {
		if !has(ins, i+1) {
			continue
		}
		t, ok := static(ins[i+1])
		if !ok {
			dynamic = true
			continue
		}
		vals, err := toFloat64s(t)
		if err != nil {
			return nil, err
		}
		if len(vals) != 1 {
			return nil, c.errorf("%s must be a scalar, got shape %s", what, graph.FormatShape(t.Shape()))
		}
		if i == 0 {
			lo = vals[0]
		} else {
			hi = vals[0]
		}
	}
	if !dynamic {
		y, err := ops.Clamp(x, lo, hi)
		return []*value{dyn(y)}, err
	}
	// max(·, min) first, then min(·, max), so that min > max gives max
	y := x
	for i, what := range []string{"min", "max"} {
		if !has(ins, i+1) {
			continue
		}
		v := ins[i+1]
		if _, ok := static(v); ok {
			if i == 0 {
				y, err = ops.Clamp(y, lo, math.Inf(1))
			} else {
				y, err = ops.Clamp(y, math.Inf(-1), hi)
			}
			if err != nil {
				return nil, err
			}
			continue
		}
		bound, err := c.node(v, c.n.ins[i+1])
		if err != nil {
			return nil, err
		}
		if bound.Shape().TotalSize() != 1 {
			return nil, c.errorf("%s must be a scalar, got shape %s", what, graph.FormatShape(bound.Shape()))
		}
		// min: y + relu(bound - y); max: y - relu(y - bound)
		var d *G.Node
		if i == 0 {
			d, err = c.binary("Sub", bound, y)
		} else {
			d, err = c.binary("Sub", y, bound)
		}
		if err != nil {
			return nil, err
		}
		if d, err = ops.ReLU(d); err != nil {
			return nil, err
		}
		if i == 0 {
			y, err = c.binary("Add", y, d)
		} else {
			y, err = G.Sub(y, d)
		}
		if err != nil {
			return nil, err
		}
	}
	return []*value{dyn(y)}, nil
}

// isReLU6 reports whether a Clip's bounds are min = 0 and max = 6: the
// attributes before opset 11, the inputs (known when the model is
// imported) from opset 11.
func (c *opCtx) isReLU6(ins []*value) bool {
	if c.n.opset < 11 {
		return c.attr("min") != nil && c.attr("max") != nil && c.attrFloat("min", 0) == 0 && c.attrFloat("max", 0) == 6
	}
	bound := func(i int) (float64, bool) {
		if !has(ins, i) {
			return 0, false
		}
		t, ok := static(ins[i])
		if !ok || t.Shape().TotalSize() != 1 {
			return 0, false
		}
		vals, err := toFloat64s(t)
		if err != nil {
			return 0, false
		}
		return vals[0], true
	}
	lo, okLo := bound(1)
	hi, okHi := bound(2)
	return okLo && okHi && lo == 0 && hi == 6
}

// PRelu is relu(x) - slope·relu(-x), slope broadcast to x.
func opPRelu(c *opCtx, ins []*value) ([]*value, error) {
	x, err := c.nodeIn(ins, 0)
	if err != nil {
		return nil, err
	}
	sv, err := c.in(ins, 1)
	if err != nil {
		return nil, err
	}
	// opsets before 9 allow a slope (C) for x (N, C, ...): align it with axis 1
	if ss := shapeOf(sv); c.n.opset < 9 && len(ss) == 1 && x.Shape().Dims() > 2 && ss[0] == x.Shape()[1] && ss[0] != 1 {
		shape := make([]int, x.Shape().Dims()-1)
		for i := range shape {
			shape[i] = 1
		}
		shape[0] = ss[0]
		if sv, err = c.reshapeValue(sv, shape); err != nil {
			return nil, err
		}
	}
	slope, err := c.node(sv, c.n.ins[1])
	if err != nil {
		return nil, err
	}
	pos, err := ops.ReLU(x)
	if err != nil {
		return nil, err
	}
	negx, err := ops.Scale(x, -1)
	if err != nil {
		return nil, err
	}
	neg, err := ops.ReLU(negx)
	if err != nil {
		return nil, err
	}
	sn, err := c.binary("Mul", neg, slope)
	if err != nil {
		return nil, err
	}
	if !graph.SameShape(sn.Shape(), pos.Shape()) {
		return nil, c.errorf("slope %s does not broadcast to the input %s", graph.FormatShape(slope.Shape()), graph.FormatShape(x.Shape()))
	}
	y, err := G.Sub(pos, sn)
	return []*value{dyn(y)}, err
}

// softmax applies Softmax or LogSoftmax: over one axis from opset 13, over
// the flattened axes [axis, rank) before (the input seen as 2-D).
func softmax(log bool) func(c *opCtx, x *G.Node) (*G.Node, error) {
	return func(c *opCtx, x *G.Node) (*G.Node, error) {
		f := ops.Softmax
		if log {
			f = ops.LogSoftmax
		}
		s := []int(x.Shape())
		if c.n.opset >= 13 {
			ax, err := c.normAxis(c.attrInt("axis", -1), len(s))
			if err != nil {
				return nil, err
			}
			return f(x, ax)
		}
		ax, err := c.normAxis(c.attrInt("axis", 1), len(s))
		if err != nil {
			return nil, err
		}
		if ax == len(s)-1 {
			return f(x, ax)
		}
		flat, err := ops.Reshape(x, prod(s[:ax]), prod(s[ax:]))
		if err != nil {
			return nil, err
		}
		y, err := f(flat, 1)
		if err != nil {
			return nil, err
		}
		return ops.Reshape(y, s...)
	}
}

// arith is Add, Sub, Mul or Div with numpy broadcasting; on two build-time
// constants it runs at build time. Opsets before 7 broadcast only with
// broadcast = 1, B aligned at axis.
func arith(op string) func(c *opCtx, ins []*value) ([]*value, error) {
	return func(c *opCtx, ins []*value) ([]*value, error) {
		a, err := c.in(ins, 0)
		if err != nil {
			return nil, err
		}
		b, err := c.in(ins, 1)
		if err != nil {
			return nil, err
		}
		if c.n.opset < 7 && c.attrInt("broadcast", 0) != 0 {
			as, bs := shapeOf(a), shapeOf(b)
			if ax := c.attr("axis"); ax != nil {
				axis, err := c.normAxis(ax.GetI(), len(as))
				if err != nil {
					return nil, err
				}
				shape := append([]int(nil), bs...)
				for len(shape) < len(as)-axis {
					shape = append(shape, 1)
				}
				if b, err = c.reshapeValue(b, shape); err != nil {
					return nil, err
				}
			}
		}
		if isConst(a) && isConst(b) {
			return staticArith(c, op, a.c, b.c)
		}
		an, err := c.node(a, c.n.ins[0])
		if err != nil {
			return nil, err
		}
		bn, err := c.node(b, c.n.ins[1])
		if err != nil {
			return nil, err
		}
		if an.Dtype() != bn.Dtype() {
			return nil, c.errorf("inputs have dtypes %v and %v", an.Dtype(), bn.Dtype())
		}
		y, err := c.binary(op, an, bn)
		return []*value{dyn(y)}, err
	}
}

func staticArith(c *opCtx, op string, a, b *tensor.Dense) ([]*value, error) {
	as, bs := []int(a.Shape()), []int(b.Shape())
	out, ok := broadcastShape(as, bs)
	if !ok {
		return nil, c.errorf("shapes %s and %s do not broadcast", graph.FormatShape(as), graph.FormatShape(bs))
	}
	av, err := toFloat64s(a)
	if err != nil {
		return nil, err
	}
	bv, err := toFloat64s(b)
	if err != nil {
		return nil, err
	}
	dt := staticDtype(a)
	n := int64(1)
	for _, d := range out {
		if n *= int64(d); n > int64(c.m.limit()) {
			return nil, c.unsupported("the result %s has too many elements", graph.FormatShape(out))
		}
	}
	res := make([]float64, prod(out))
	os := strides(out)
	index := func(shape []int, o int) int {
		st := strides(shape)
		k := 0
		off := len(out) - len(shape)
		for i := range shape {
			if shape[i] != 1 {
				k += (o / os[i+off] % out[i+off]) * st[i]
			}
		}
		return k
	}
	for o := range res {
		x, y := av[index(as, o)], bv[index(bs, o)]
		switch op {
		case "Add":
			res[o] = x + y
		case "Sub":
			res[o] = x - y
		case "Mul":
			res[o] = x * y
		case "Div":
			if dt == tensor.Int64 {
				if y == 0 {
					return nil, c.errorf("integer division by zero")
				}
				res[o] = math.Trunc(x / y)
			} else {
				res[o] = x / y
			}
		}
	}
	return []*value{cst(makeStatic(dt, out, res))}, nil
}

func opSum(c *opCtx, ins []*value) ([]*value, error) {
	if len(ins) == 0 {
		return nil, c.errorf("needs at least one input")
	}
	acc, err := c.nodeIn(ins, 0)
	if err != nil {
		return nil, err
	}
	for i := 1; i < len(ins); i++ {
		x, err := c.nodeIn(ins, i)
		if err != nil {
			return nil, err
		}
		if acc, err = c.binary("Add", acc, x); err != nil {
			return nil, err
		}
	}
	if len(ins) == 1 {
		if acc, err = ops.Scale(acc, 1); err != nil {
			return nil, err
		}
	}
	return []*value{dyn(acc)}, nil
}

// matmul multiplies two nodes with numpy's matmul rules for ranks 1 to 4
// (batch axes must match or be absent on one side).
func (c *opCtx) matmul(a, b *G.Node) (*G.Node, error) {
	as, bs := []int(a.Shape()), []int(b.Shape())
	var err error
	squeezeA, squeezeB := false, false
	if len(as) == 1 {
		if a, err = ops.Reshape(a, 1, as[0]); err != nil {
			return nil, err
		}
		as, squeezeA = []int{1, as[0]}, true
	}
	if len(bs) == 1 {
		if b, err = ops.Reshape(b, bs[0], 1); err != nil {
			return nil, err
		}
		bs, squeezeB = []int{bs[0], 1}, true
	}
	if as[len(as)-1] != bs[len(bs)-2] {
		return nil, c.errorf("cannot multiply %s by %s", graph.FormatShape(as), graph.FormatShape(bs))
	}
	var y *G.Node
	var out []int
	switch {
	case len(as) == 2 && len(bs) == 2:
		y, err = G.Mul(a, b)
		out = []int{as[0], bs[1]}
	case len(bs) == 2:
		// (..., M, K) x (K, N): one matrix product over the flattened batch
		m := prod(as[:len(as)-1])
		if a, err = ops.Reshape(a, m, as[len(as)-1]); err != nil {
			return nil, err
		}
		y, err = G.Mul(a, b)
		out = append(append([]int(nil), as[:len(as)-1]...), bs[1])
	default:
		ba, bb := as[:len(as)-2], bs[:len(bs)-2]
		if len(as) == 2 {
			ba = nil
		}
		if len(ba) > 0 && !graph.SameShape(ba, bb) {
			return nil, c.unsupported("broadcasting the batch axes of %s and %s is not supported", graph.FormatShape(as), graph.FormatShape(bs))
		}
		nb := prod(bb)
		if len(ba) == 0 {
			// (M, K) x (..., K, N): repeat a along a new batch axis
			parts := make([]*G.Node, nb)
			ra, err := ops.Reshape(a, 1, as[0], as[1])
			if err != nil {
				return nil, err
			}
			for i := range parts {
				parts[i] = ra
			}
			if a, err = ops.Concat(0, parts...); err != nil {
				return nil, err
			}
		} else if a, err = ops.Reshape(a, nb, as[len(as)-2], as[len(as)-1]); err != nil {
			return nil, err
		}
		if b, err = ops.Reshape(b, nb, bs[len(bs)-2], bs[len(bs)-1]); err != nil {
			return nil, err
		}
		y, err = G.BatchedMatMul(a, b)
		out = append(append([]int(nil), bb...), as[len(as)-2], bs[len(bs)-1])
	}
	if err != nil {
		return nil, err
	}
	if squeezeA {
		out = append(out[:len(out)-2], out[len(out)-1])
	}
	if squeezeB {
		out = out[:len(out)-1]
	}
	if len(out) == 0 {
		return nil, c.unsupported("a scalar matmul result is not supported")
	}
	return ops.Reshape(y, out...)
}

func opMatMul(c *opCtx, ins []*value) ([]*value, error) {
	a, err := c.nodeIn(ins, 0)
	if err != nil {
		return nil, err
	}
	b, err := c.nodeIn(ins, 1)
	if err != nil {
		return nil, err
	}
	y, err := c.matmul(a, b)
	return []*value{dyn(y)}, err
}

// Gemm is alpha·A'·B' + beta·C. A fully connected layer's Gemm (transB =
// 1, transA = 0, alpha = beta = 1, C absent or a row (N) or (1, N) added to
// every row) is the fused ops.Dense, as nn.Dense computes it; any other
// Gemm is a matrix product and a broadcast addition.
func opGemm(c *opCtx, ins []*value) ([]*value, error) {
	a, err := c.nodeIn(ins, 0)
	if err != nil {
		return nil, err
	}
	b, err := c.nodeIn(ins, 1)
	if err != nil {
		return nil, err
	}
	if a.Shape().Dims() != 2 || b.Shape().Dims() != 2 {
		return nil, c.errorf("A and B must be matrices, got %s and %s", graph.FormatShape(a.Shape()), graph.FormatShape(b.Shape()))
	}
	if y, ok, err := c.gemmDense(ins, a, b); ok || err != nil {
		return []*value{dyn(y)}, err
	}
	if c.attrInt("transA", 0) != 0 {
		if a, err = G.Transpose(a); err != nil {
			return nil, err
		}
	}
	if c.attrInt("transB", 0) != 0 {
		if b, err = G.Transpose(b); err != nil {
			return nil, err
		}
	}
	y, err := c.matmul(a, b)
	if err != nil {
		return nil, err
	}
	if alpha := c.attrFloat("alpha", 1); alpha != 1 {
		if y, err = ops.Scale(y, alpha); err != nil {
			return nil, err
		}
	}
	if has(ins, 2) {
		cn, err := c.nodeIn(ins, 2)
		if err != nil {
			return nil, err
		}
		if beta := c.attrFloat("beta", 1); beta != 1 {
			if cn, err = ops.Scale(cn, beta); err != nil {
				return nil, err
			}
		}
		if y, err = c.binary("Add", y, cn); err != nil {
			return nil, err
		}
		if !graph.SameShape(y.Shape(), []int{a.Shape()[0], b.Shape()[1]}) {
			return nil, c.errorf("C does not broadcast to the product (%d, %d)", a.Shape()[0], b.Shape()[1])
		}
	}
	return []*value{dyn(y)}, nil
}

// gemmDense builds a Gemm as ops.Dense(A, B, C) when it is a fully
// connected layer: transB = 1, transA = 0, alpha = beta = 1, A (M, K), B
// (N, K) and C absent, (N) or (1, N). ok is false for any other Gemm.
func (c *opCtx) gemmDense(ins []*value, a, b *G.Node) (y *G.Node, ok bool, err error) {
	if c.attrInt("transA", 0) != 0 || c.attrInt("transB", 0) == 0 || c.attrFloat("alpha", 1) != 1 || c.attrFloat("beta", 1) != 1 {
		return nil, false, nil
	}
	n := b.Shape()[0]
	if a.Shape()[1] != b.Shape()[1] || a.Dtype() != b.Dtype() {
		return nil, false, nil
	}
	var bias *G.Node
	if has(ins, 2) {
		if cs := shapeOf(ins[2]); !slices.Equal(cs, []int{n}) && !slices.Equal(cs, []int{1, n}) || dtypeOf(ins[2]) != a.Dtype() {
			return nil, false, nil
		}
		if bias, err = c.nodeIn(ins, 2); err != nil {
			return nil, true, err
		}
		if bias.Shape().Dims() == 2 {
			if bias, err = ops.Reshape(bias, n); err != nil {
				return nil, true, err
			}
		}
	}
	y, err = ops.Dense(a, b, bias)
	return y, true, err
}
