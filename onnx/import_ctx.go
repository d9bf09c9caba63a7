package onnx

import (
	"fmt"
	"math"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/onnx/internal/onnxpb"
	"github.com/convnet-go/convnet/ops"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ErrUnsupported is wrapped by every error about an op, an attribute, an
// attribute value, an opset or an element type that the importer does not
// support (errors.Is(err, onnx.ErrUnsupported)), as opposed to a model
// that is broken.
var ErrUnsupported = errors.New("unsupported")

type unsupportedError struct{ msg string }

func (e *unsupportedError) Error() string        { return e.msg }
func (e *unsupportedError) Is(target error) bool { return target == ErrUnsupported }

func unsupportedf(format string, args ...any) error {
	return &unsupportedError{msg: fmt.Sprintf(format, args...)}
}

// value is what an ONNX value name stands for while a graph is built: a
// Gorgonia node (computed from the inputs), a constant known when the
// graph is built (c: int64, float32 or float64), or a Param bound on first
// use.
type value struct {
	node  *G.Node
	c     *tensor.Dense
	param *graph.Param
	pname string
}

// opDef describes one supported op.
type opDef struct {
	fn     func(c *opCtx, ins []*value) ([]*value, error)
	attrs  []string
	static []int // input positions read when the graph is built
}

func (d *opDef) allows(attr string, _ int64) bool {
	for _, a := range d.attrs {
		if a == attr {
			return true
		}
	}
	return false
}

func (d *opDef) isStatic(pos int) bool {
	for _, p := range d.static {
		if p == pos {
			return true
		}
	}
	return false
}

// opCtx is the context of one node while its computation is built.
type opCtx struct {
	b *graph.Builder
	m *Model
	n *nodeSpec
}

func (c *opCtx) errorf(format string, args ...any) error {
	return graph.ArgErrorf("onnx: %s: %s", c.n.where(), fmt.Sprintf(format, args...))
}

func (c *opCtx) unsupported(format string, args ...any) error {
	return unsupportedf("onnx: %s: %s", c.n.where(), fmt.Sprintf(format, args...))
}

// --- attributes ---

func (c *opCtx) attr(name string) *onnxpb.AttributeProto { return c.n.attrs[name] }

func (c *opCtx) attrInt(name string, def int64) int64 {
	if a := c.attr(name); a != nil {
		return a.GetI()
	}
	return def
}

func (c *opCtx) attrFloat(name string, def float64) float64 {
	if a := c.attr(name); a != nil {
		return float64(a.GetF())
	}
	return def
}

func (c *opCtx) attrString(name, def string) string {
	if a := c.attr(name); a != nil {
		return string(a.GetS())
	}
	return def
}

func (c *opCtx) attrInts(name string) []int64 {
	if a := c.attr(name); a != nil {
		return a.GetInts()
	}
	return nil
}

// --- inputs ---

// in returns input i, or an error when it is missing and required.
func (c *opCtx) in(ins []*value, i int) (*value, error) {
	if i >= len(ins) || ins[i] == nil {
		return nil, c.errorf("input %d is missing", i)
	}
	return ins[i], nil
}

// has reports whether optional input i is given.
func has(ins []*value, i int) bool { return i < len(ins) && ins[i] != nil }

// static returns the value's tensor when it is known at build time.
func static(v *value) (*tensor.Dense, bool) {
	switch {
	case v == nil:
		return nil, false
	case v.c != nil:
		return v.c, true
	case v.param != nil:
		return v.param.Value(), true
	}
	return nil, false
}

// isConst reports whether v is a build-time constant that is not a Param
// (Params stay in the graph so that they can be trained).
func isConst(v *value) bool { return v != nil && v.c != nil }

// ints reads a build-time integer (or float) tensor as int64s.
func (c *opCtx) ints(v *value, what string) ([]int64, error) {
	t, ok := static(v)
	if !ok {
		return nil, c.unsupported("%s must be known when the model is imported (a constant or an initializer), it is computed from the inputs", what)
	}
	vals, err := toFloat64s(t)
	if err != nil {
		return nil, c.errorf("%s: %v", what, err)
	}
	out := make([]int64, len(vals))
	for i, x := range vals {
		out[i] = int64(x)
	}
	return out, nil
}

// floats reads a build-time tensor as float64s.
func (c *opCtx) floats(v *value, what string) ([]float64, error) {
	t, ok := static(v)
	if !ok {
		return nil, c.unsupported("%s must be known when the model is imported (a constant or an initializer), it is computed from the inputs", what)
	}
	vals, err := toFloat64s(t)
	if err != nil {
		return nil, c.errorf("%s: %v", what, err)
	}
	return vals, nil
}

// toFloat64s reads any supported dense tensor as float64s.
func toFloat64s(t *tensor.Dense) ([]float64, error) {
	switch d := t.Data().(type) {
	case []int64:
		out := make([]float64, len(d))
		for i, v := range d {
			out[i] = float64(v)
		}
		return out, nil
	case int64:
		return []float64{float64(d)}, nil
	case []int32:
		out := make([]float64, len(d))
		for i, v := range d {
			out[i] = float64(v)
		}
		return out, nil
	case []bool:
		out := make([]float64, len(d))
		for i, v := range d {
			if v {
				out[i] = 1
			}
		}
		return out, nil
	}
	return graph.Float64s(t)
}

// shape returns the shape of a value.
func shapeOf(v *value) []int {
	if t, ok := static(v); ok {
		return []int(t.Shape().Clone())
	}
	return []int(v.node.Shape().Clone())
}

// dtypeOf returns a value's element type.
func dtypeOf(v *value) tensor.Dtype {
	if t, ok := static(v); ok {
		return t.Dtype()
	}
	return v.node.Dtype()
}

// node returns v as a node of the graph: a Param is bound under its ONNX
// name, a float constant becomes a constant input.
func (c *opCtx) node(v *value, name string) (*G.Node, error) {
	switch {
	case v == nil:
		return nil, c.errorf("input %q is missing", name)
	case v.node != nil:
		return v.node, nil
	case v.param != nil:
		return c.b.Bind(v.param, v.pname), nil
	}
	t := v.c
	if dt := t.Dtype(); dt != tensor.Float32 && dt != tensor.Float64 {
		return nil, c.unsupported("a %v tensor (%q) would have to be computed in the graph; only float32 and float64 are", dt, name)
	}
	if t.Shape().Dims() == 0 {
		t = t.Clone().(*tensor.Dense)
		if err := t.Reshape(1); err != nil {
			return nil, err
		}
	}
	v.node = c.b.InputValue(name, t.Clone().(*tensor.Dense))
	return v.node, nil
}

// nodeIn returns input i as a node.
func (c *opCtx) nodeIn(ins []*value, i int) (*G.Node, error) {
	v, err := c.in(ins, i)
	if err != nil {
		return nil, err
	}
	return c.node(v, c.n.ins[i])
}

func dyn(n *G.Node) *value { return &value{node: n} }

func cst(t *tensor.Dense) *value { return &value{c: t} }

// normAxis turns a possibly negative axis into [0, rank).
func (c *opCtx) normAxis(axis int64, rank int) (int, error) {
	if axis < -int64(rank) || axis >= int64(rank) {
		return 0, c.errorf("axis %d is out of range for rank %d", axis, rank)
	}
	if axis < 0 {
		axis += int64(rank)
	}
	return int(axis), nil
}

// constNode makes a constant node of dtype dt and the given shape, filled
// from vals (one value repeated when len(vals) == 1).
func (c *opCtx) constNode(dt tensor.Dtype, shape []int, vals []float64, name string) (*G.Node, error) {
	n := 1
	for _, d := range shape {
		if d <= 0 || d > c.m.limit() || n*d > c.m.limit() {
			return nil, c.unsupported("a constant of shape %s is too large (more than the limit of 2^28 elements)", graph.FormatShape(shape))
		}
		n *= d
	}
	full := vals
	if len(vals) == 1 && n != 1 {
		full = make([]float64, n)
		for i := range full {
			full[i] = vals[0]
		}
	}
	t, err := graph.FromFloat64s(dt, shape, full)
	if err != nil {
		return nil, err
	}
	return c.b.InputValue(c.b.Qualify(name), t), nil
}

// scalarNode is a constant scalar of x's dtype, for elementwise arithmetic.
func scalarNode(x *G.Node, v float64) *G.Node {
	if x.Dtype() == tensor.Float32 {
		return G.NewConstant(float32(v))
	}
	return G.NewConstant(v)
}

// addScalar returns x + v.
func addScalar(x *G.Node, v float64) (*G.Node, error) {
	if v == 0 {
		return x, nil
	}
	return G.Add(x, scalarNode(x, v))
}

// broadcastShape returns the numpy broadcast of two shapes.
func broadcastShape(a, b []int) ([]int, bool) {
	r := max(len(a), len(b))
	out := make([]int, r)
	for i := 0; i < r; i++ {
		da, db := 1, 1
		if j := len(a) - r + i; j >= 0 {
			da = a[j]
		}
		if j := len(b) - r + i; j >= 0 {
			db = b[j]
		}
		switch {
		case da == db, db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			return nil, false
		}
	}
	return out, true
}

// binary applies an elementwise op with numpy broadcasting to two nodes.
// Axes are first merged into runs with the same broadcast pattern (Gorgonia
// broadcasts wrongly on rank 5), then the result is reshaped back.
func (c *opCtx) binary(op string, a, b *G.Node) (*G.Node, error) {
	as, bs := []int(a.Shape()), []int(b.Shape())
	if len(as) == 0 || len(bs) == 0 {
		// a scalar operand: Gorgonia's scalar-tensor arithmetic
		switch op {
		case "Add":
			return G.Add(a, b)
		case "Sub":
			return G.Sub(a, b)
		case "Mul":
			return G.HadamardProd(a, b)
		case "Div":
			return G.HadamardDiv(a, b)
		}
	}
	out, ok := broadcastShape(as, bs)
	if !ok {
		return nil, c.errorf("shapes %s and %s do not broadcast", graph.FormatShape(as), graph.FormatShape(bs))
	}
	full := func(s []int) []int {
		ns := make([]int, len(out))
		for i := range ns {
			ns[i] = 1
		}
		copy(ns[len(out)-len(s):], s)
		return ns
	}
	fa, fb := full(as), full(bs)
	// merge runs of axes with the same (a broadcast, b broadcast) state
	var ma, mb, mo []int
	var pa, pb []byte
	prev := -1
	for i := range out {
		state := 0
		if fa[i] != out[i] {
			state |= 1
		}
		if fb[i] != out[i] {
			state |= 2
		}
		if out[i] == 1 {
			state = prev // size-1 axes join any run
			if state < 0 {
				state = 0
			}
		}
		if state == prev && len(mo) > 0 {
			k := len(mo) - 1
			ma[k] *= fa[i]
			mb[k] *= fb[i]
			mo[k] *= out[i]
			continue
		}
		ma, mb, mo = append(ma, fa[i]), append(mb, fb[i]), append(mo, out[i])
		if state&1 != 0 {
			pa = append(pa, byte(len(mo)-1))
		}
		if state&2 != 0 {
			pb = append(pb, byte(len(mo)-1))
		}
		prev = state
	}
	var err error
	if !graph.SameShape(as, ma) {
		if a, err = ops.Reshape(a, ma...); err != nil {
			return nil, err
		}
	}
	if !graph.SameShape(bs, mb) {
		if b, err = ops.Reshape(b, mb...); err != nil {
			return nil, err
		}
	}
	var y *G.Node
	if len(pa) == 0 && len(pb) == 0 {
		switch op {
		case "Add":
			y, err = G.Add(a, b)
		case "Sub":
			y, err = G.Sub(a, b)
		case "Mul":
			y, err = G.HadamardProd(a, b)
		case "Div":
			y, err = G.HadamardDiv(a, b)
		}
	} else {
		switch op {
		case "Add":
			y, err = G.BroadcastAdd(a, b, pa, pb)
		case "Sub":
			y, err = G.BroadcastSub(a, b, pa, pb)
		case "Mul":
			y, err = G.BroadcastHadamardProd(a, b, pa, pb)
		case "Div":
			y, err = G.BroadcastHadamardDiv(a, b, pa, pb)
		}
	}
	if err != nil {
		return nil, err
	}
	if y == nil {
		return nil, c.errorf("unknown elementwise op %s", op)
	}
	if !graph.SameShape(y.Shape(), out) {
		return ops.Reshape(y, out...)
	}
	return y, nil
}

// sliceAxis returns x[lo:hi] along axis (the rank is kept).
func sliceAxis(x *G.Node, axis, lo, hi int) (*G.Node, error) {
	if lo == 0 && hi == x.Shape()[axis] {
		return x, nil
	}
	return ops.GatherAxis(x, axis, seq(lo, hi))
}

// gatherAxis returns the slices idx of x along axis (x itself when idx is
// every index in order).
func gatherAxis(x *G.Node, axis int, idx []int) (*G.Node, error) {
	same := len(idx) == x.Shape()[axis]
	for i, j := range idx {
		same = same && i == j
	}
	if same {
		return x, nil
	}
	return ops.GatherAxis(x, axis, idx)
}

// finite reports whether v is neither NaN nor infinite.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
