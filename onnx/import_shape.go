package onnx

import (
	"math"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/onnx/internal/onnxpb"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The ops of this file move data around (shapes, constants, gathers); on
// values known at build time they run at build time, so that the shape
// computations of exported models (Shape -> Gather -> Unsqueeze -> Concat
// -> Reshape) fold into constants.

// makeStatic builds a build-time tensor of dtype dt (int64, float32 or
// float64) from float64 values.
func makeStatic(dt tensor.Dtype, shape []int, vals []float64) *tensor.Dense {
	switch dt {
	case tensor.Int64:
		v := make([]int64, len(vals))
		for i, x := range vals {
			v[i] = int64(x)
		}
		return denseOf(shape, v)
	case tensor.Float32:
		v := make([]float32, len(vals))
		for i, x := range vals {
			v[i] = float32(x)
		}
		return denseOf(shape, v)
	}
	return denseOf(shape, append([]float64(nil), vals...))
}

// staticDtype maps the element types of build-time tensors: integers and
// bools are computed as int64.
func staticDtype(t *tensor.Dense) tensor.Dtype {
	switch t.Dtype() {
	case tensor.Float32, tensor.Float64:
		return t.Dtype()
	}
	return tensor.Int64
}

func strides(shape []int) []int {
	s := make([]int, len(shape))
	acc := 1
	for i := len(shape) - 1; i >= 0; i-- {
		s[i] = acc
		acc *= shape[i]
	}
	return s
}

func prod(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// reshapeValue gives v a new shape (same number of elements).
func (c *opCtx) reshapeValue(v *value, shape []int) (*value, error) {
	if prod(shape) != prod(shapeOf(v)) {
		return nil, c.errorf("cannot reshape %s to %s", graph.FormatShape(shapeOf(v)), graph.FormatShape(shape))
	}
	if t, ok := static(v); ok && isConst(v) {
		vals, err := toFloat64s(t)
		if err != nil {
			return nil, err
		}
		return cst(makeStatic(staticDtype(t), shape, vals)), nil
	}
	x, err := c.node(v, c.n.ins[0])
	if err != nil {
		return nil, err
	}
	if graph.SameShape(x.Shape(), shape) {
		return dyn(x), nil
	}
	if len(shape) == 0 {
		return nil, c.unsupported("reshaping a computed tensor to a scalar is not supported")
	}
	y, err := ops.Reshape(x, shape...)
	if err != nil {
		return nil, err
	}
	return dyn(y), nil
}

func opIdentity(c *opCtx, ins []*value) ([]*value, error) {
	v, err := c.in(ins, 0)
	if err != nil {
		return nil, err
	}
	return []*value{v}, nil
}

func opConstant(c *opCtx, _ []*value) ([]*value, error) {
	for name, a := range c.n.attrs {
		switch name {
		case "value":
			t, err := tensorFromProto(a.GetT())
			if err != nil {
				return nil, c.errorf("%v", err)
			}
			return []*value{cst(t)}, nil
		case "value_float":
			return []*value{cst(denseOf(nil, []float32{a.GetF()}))}, nil
		case "value_floats":
			return []*value{cst(denseOf([]int{len(a.GetFloats())}, append([]float32(nil), a.GetFloats()...)))}, nil
		case "value_int":
			return []*value{cst(denseOf(nil, []int64{a.GetI()}))}, nil
		case "value_ints":
			return []*value{cst(denseOf([]int{len(a.GetInts())}, append([]int64(nil), a.GetInts()...)))}, nil
		default:
			return nil, c.unsupported("attribute %q is not supported", name)
		}
	}
	return nil, c.errorf("has no value attribute")
}

func opShape(c *opCtx, ins []*value) ([]*value, error) {
	v, err := c.in(ins, 0)
	if err != nil {
		return nil, err
	}
	s := shapeOf(v)
	r := int64(len(s))
	start, end := c.attrInt("start", 0), c.attrInt("end", r)
	clamp := func(i int64) int64 {
		if i < 0 {
			i += r
		}
		return max(0, min(i, r))
	}
	start, end = clamp(start), clamp(end)
	var out []float64
	for i := start; i < end; i++ {
		out = append(out, float64(s[i]))
	}
	if len(out) == 0 {
		return nil, c.unsupported("an empty shape is not supported")
	}
	return []*value{cst(makeStatic(tensor.Int64, []int{len(out)}, out))}, nil
}

func opCast(c *opCtx, ins []*value) ([]*value, error) {
	v, err := c.in(ins, 0)
	if err != nil {
		return nil, err
	}
	to := onnxpb.TensorProto_DataType(c.attrInt("to", 0))
	var dt tensor.Dtype
	switch to {
	case onnxpb.TensorProto_FLOAT:
		dt = tensor.Float32
	case onnxpb.TensorProto_DOUBLE:
		dt = tensor.Float64
	case onnxpb.TensorProto_INT64, onnxpb.TensorProto_INT32:
		dt = tensor.Int64
	default:
		return nil, c.unsupported("cast to %s is not supported", dtypeName(int32(to)))
	}
	if t, ok := static(v); ok && isConst(v) {
		vals, err := toFloat64s(t)
		if err != nil {
			return nil, err
		}
		if dt == tensor.Int64 {
			for i := range vals {
				vals[i] = math.Trunc(vals[i])
			}
		}
		return []*value{cst(makeStatic(dt, shapeOf(v), vals))}, nil
	}
	if dtypeOf(v) != dt {
		return nil, c.unsupported("casting a computed %v tensor to %s is not supported", dtypeOf(v), dtypeName(int32(to)))
	}
	return []*value{v}, nil
}

func opReshape(c *opCtx, ins []*value) ([]*value, error) {
	v, err := c.in(ins, 0)
	if err != nil {
		return nil, err
	}
	var target []int64
	if c.n.opset < 5 {
		target = c.attrInts("shape")
	} else {
		sv, err := c.in(ins, 1)
		if err != nil {
			return nil, err
		}
		if target, err = c.ints(sv, "the shape input"); err != nil {
			return nil, err
		}
	}
	in := shapeOf(v)
	allowZero := c.attrInt("allowzero", 0) != 0
	out := make([]int, len(target))
	infer := -1
	known := 1
	for i, d := range target {
		switch {
		case d == 0 && !allowZero:
			if i >= len(in) {
				return nil, c.errorf("shape %v copies axis %d, the input %s has rank %d", target, i, graph.FormatShape(in), len(in))
			}
			out[i] = in[i]
		case d == -1:
			if infer >= 0 {
				return nil, c.errorf("shape %v has two -1", target)
			}
			infer = i
			continue
		case d <= 0:
			return nil, c.errorf("shape %v has a dimension %d", target, d)
		default:
			out[i] = int(d)
		}
		known *= out[i]
	}
	if infer >= 0 {
		if known == 0 || prod(in)%known != 0 {
			return nil, c.errorf("cannot infer the -1 of shape %v from input %s", target, graph.FormatShape(in))
		}
		out[infer] = prod(in) / known
	}
	r, err := c.reshapeValue(v, out)
	return []*value{r}, err
}

func opFlatten(c *opCtx, ins []*value) ([]*value, error) {
	v, err := c.in(ins, 0)
	if err != nil {
		return nil, err
	}
	s := shapeOf(v)
	axis := c.attrInt("axis", 1)
	if axis < -int64(len(s)) || axis > int64(len(s)) {
		return nil, c.errorf("axis %d is out of range for rank %d", axis, len(s))
	}
	if axis < 0 {
		axis += int64(len(s))
	}
	r, err := c.reshapeValue(v, []int{prod(s[:axis]), prod(s[axis:])})
	return []*value{r}, err
}

// axesArg reads the axes of Squeeze/Unsqueeze: an attribute before opset
// 13, the optional input 1 from 13.
func (c *opCtx) axesArg(ins []*value) ([]int64, bool, error) {
	if c.n.opset < 13 {
		a := c.attr("axes")
		return c.attrInts("axes"), a != nil, nil
	}
	if !has(ins, 1) {
		return nil, false, nil
	}
	ax, err := c.ints(ins[1], "the axes input")
	return ax, true, err
}

func opSqueeze(c *opCtx, ins []*value) ([]*value, error) {
	v, err := c.in(ins, 0)
	if err != nil {
		return nil, err
	}
	s := shapeOf(v)
	axes, given, err := c.axesArg(ins)
	if err != nil {
		return nil, err
	}
	drop := map[int]bool{}
	if given {
		for _, a := range axes {
			ax, err := c.normAxis(a, len(s))
			if err != nil {
				return nil, err
			}
			if s[ax] != 1 {
				return nil, c.errorf("axis %d of %s is not 1", ax, graph.FormatShape(s))
			}
			drop[ax] = true
		}
	} else {
		for i, d := range s {
			if d == 1 {
				drop[i] = true
			}
		}
	}
	var out []int
	for i, d := range s {
		if !drop[i] {
			out = append(out, d)
		}
	}
	r, err := c.reshapeValue(v, out)
	return []*value{r}, err
}

func opUnsqueeze(c *opCtx, ins []*value) ([]*value, error) {
	v, err := c.in(ins, 0)
	if err != nil {
		return nil, err
	}
	s := shapeOf(v)
	axes, given, err := c.axesArg(ins)
	if err != nil {
		return nil, err
	}
	if !given {
		return nil, c.errorf("axes are required")
	}
	r := len(s) + len(axes)
	ones := map[int]bool{}
	for _, a := range axes {
		ax, err := c.normAxis(a, r)
		if err != nil {
			return nil, err
		}
		if ones[ax] {
			return nil, c.errorf("axis %d is given twice", ax)
		}
		ones[ax] = true
	}
	out := make([]int, 0, r)
	j := 0
	for i := 0; i < r; i++ {
		if ones[i] {
			out = append(out, 1)
		} else {
			out = append(out, s[j])
			j++
		}
	}
	res, err := c.reshapeValue(v, out)
	return []*value{res}, err
}

func opTranspose(c *opCtx, ins []*value) ([]*value, error) {
	v, err := c.in(ins, 0)
	if err != nil {
		return nil, err
	}
	s := shapeOf(v)
	perm := make([]int, len(s))
	if p := c.attrInts("perm"); p != nil {
		if len(p) != len(s) {
			return nil, c.errorf("perm %v does not have one entry per axis of %s", p, graph.FormatShape(s))
		}
		seen := map[int64]bool{}
		for i, a := range p {
			if a < 0 || a >= int64(len(s)) || seen[a] {
				return nil, c.errorf("perm %v is not a permutation of the %d axes", p, len(s))
			}
			seen[a] = true
			perm[i] = int(a)
		}
	} else {
		for i := range perm {
			perm[i] = len(s) - 1 - i
		}
	}
	if t, ok := static(v); ok && isConst(v) {
		vals, err := toFloat64s(t)
		if err != nil {
			return nil, err
		}
		out := make([]int, len(s))
		for i, p := range perm {
			out[i] = s[p]
		}
		res := make([]float64, len(vals))
		is, os := strides(s), strides(out)
		for o := range res {
			src := 0
			for i := range out {
				src += (o / os[i] % out[i]) * is[perm[i]]
			}
			res[o] = vals[src]
		}
		return []*value{cst(makeStatic(staticDtype(t), out, res))}, nil
	}
	x, err := c.node(v, c.n.ins[0])
	if err != nil {
		return nil, err
	}
	identity := true
	for i, p := range perm {
		identity = identity && i == p
	}
	if identity {
		return []*value{dyn(x)}, nil
	}
	y, err := G.Transpose(x, perm...)
	if err != nil {
		return nil, err
	}
	// a copy in row-major order: Gorgonia's transpose can be a view
	y, err = ops.Reshape(y, []int(y.Shape())...)
	return []*value{dyn(y)}, err
}

func opConcat(c *opCtx, ins []*value) ([]*value, error) {
	if len(ins) == 0 {
		return nil, c.errorf("needs at least one input")
	}
	var present []*value
	for _, v := range ins {
		if v != nil {
			present = append(present, v)
		}
	}
	if len(present) == 0 {
		return nil, c.errorf("needs at least one input")
	}
	s0 := shapeOf(present[0])
	ax, err := c.normAxis(c.attrInt("axis", 1), len(s0))
	if err != nil {
		return nil, err
	}
	allConst := true
	for _, v := range present {
		allConst = allConst && isConst(v)
	}
	if allConst {
		out := append([]int(nil), s0...)
		out[ax] = 0
		for i, v := range present {
			s := shapeOf(v)
			if len(s) != len(s0) {
				return nil, c.errorf("input %d has rank %d, input 0 has %d", i, len(s), len(s0))
			}
			out[ax] += s[ax]
		}
		outer, inner := prod(out[:ax]), prod(out[ax+1:])
		if prod(out) > c.m.limit() {
			return nil, c.unsupported("the result %s has too many elements", graph.FormatShape(out))
		}
		res := make([]float64, 0, prod(out))
		vals := make([][]float64, len(present))
		for i, v := range present {
			if vals[i], err = toFloat64s(v.c); err != nil {
				return nil, err
			}
		}
		for o := 0; o < outer; o++ {
			for i, v := range present {
				chunk := shapeOf(v)[ax] * inner
				res = append(res, vals[i][o*chunk:(o+1)*chunk]...)
			}
		}
		return []*value{cst(makeStatic(staticDtype(present[0].c), out, res))}, nil
	}
	nodes := make([]*G.Node, len(present))
	for i, v := range present {
		if nodes[i], err = c.node(v, c.n.ins[i]); err != nil {
			return nil, err
		}
	}
	if len(nodes) == 1 {
		return []*value{dyn(nodes[0])}, nil
	}
	y, err := ops.Concat(ax, nodes...)
	return []*value{dyn(y)}, err
}

func opGather(c *opCtx, ins []*value) ([]*value, error) {
	v, err := c.in(ins, 0)
	if err != nil {
		return nil, err
	}
	iv, err := c.in(ins, 1)
	if err != nil {
		return nil, err
	}
	s := shapeOf(v)
	ax, err := c.normAxis(c.attrInt("axis", 0), len(s))
	if err != nil {
		return nil, err
	}
	idx64, err := c.ints(iv, "the indices")
	if err != nil {
		return nil, err
	}
	idx := make([]int, len(idx64))
	for i, j := range idx64 {
		if j < -int64(s[ax]) || j >= int64(s[ax]) {
			return nil, c.errorf("index %d is out of range for axis %d of size %d", j, ax, s[ax])
		}
		if j < 0 {
			j += int64(s[ax])
		}
		idx[i] = int(j)
	}
	is := shapeOf(iv)
	out := append(append(append([]int(nil), s[:ax]...), is...), s[ax+1:]...)
	if t, ok := static(v); ok && isConst(v) {
		vals, err := toFloat64s(t)
		if err != nil {
			return nil, err
		}
		outer, inner := prod(s[:ax]), prod(s[ax+1:])
		if int64(outer)*int64(len(idx))*int64(inner) > int64(c.m.limit()) {
			return nil, c.unsupported("the result %s has too many elements", graph.FormatShape(out))
		}
		res := make([]float64, 0, outer*len(idx)*inner)
		for o := 0; o < outer; o++ {
			for _, j := range idx {
				base := (o*s[ax] + j) * inner
				res = append(res, vals[base:base+inner]...)
			}
		}
		return []*value{cst(makeStatic(staticDtype(t), out, res))}, nil
	}
	x, err := c.node(v, c.n.ins[0])
	if err != nil {
		return nil, err
	}
	y, err := gatherAxis(x, ax, idx)
	if err != nil {
		return nil, err
	}
	r, err := c.reshapeValue(dyn(y), out)
	return []*value{r}, err
}

func opDropout(c *opCtx, ins []*value) ([]*value, error) {
	v, err := c.in(ins, 0)
	if err != nil {
		return nil, err
	}
	ratio := c.attrFloat("ratio", 0.5)
	training := false
	if c.n.opset >= 12 {
		if has(ins, 2) {
			t, err := c.ints(ins[2], "the training_mode input")
			if err != nil {
				return nil, err
			}
			training = t[0] != 0
		}
		// the ratio matters only when the graph drops
		if has(ins, 1) && (training || c.b.Training()) {
			r, err := c.floats(ins[1], "the ratio input")
			if err != nil {
				return nil, err
			}
			ratio = r[0]
		}
	}
	if training {
		return nil, c.unsupported("training_mode = true (random masks cannot match a reference) is not supported")
	}
	ones := make([]float64, prod(shapeOf(v)))
	for i := range ones {
		ones[i] = 1
	}
	mask := cst(makeStatic(tensor.Int64, shapeOf(v), ones))
	if c.b.Training() && ratio > 0 && !isConst(v) {
		x, err := c.node(v, c.n.ins[0])
		if err != nil {
			return nil, err
		}
		y, err := ops.Dropout(x, ratio, c.b.Seed())
		if err != nil {
			return nil, err
		}
		return []*value{dyn(y), nil}, nil
	}
	return []*value{v, mask}, nil
}
