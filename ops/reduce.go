package ops

import (
	"fmt"
	"sort"

	"github.com/chewxy/hm"
	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Sum adds x over the given axes (any set, in any order; negative axes
// count from the end; no axes means all of them) and removes them from the
// shape, as torch.sum(x, axes) does: (N, C, H, W) summed over (2, 3) is
// (N, C). Summing over every axis gives a scalar. Unlike Gorgonia's Sum it
// is correct for every set of axes. The gradient broadcasts dy back over
// the summed axes.
func Sum(x *G.Node, axes ...int) (*G.Node, error) { return reduce("Sum", false, x, axes) }

// Mean is Sum divided by the number of elements summed (the product of the
// sizes of the reduced axes). The gradient is dy/count, broadcast.
func Mean(x *G.Node, axes ...int) (*G.Node, error) { return reduce("Mean", true, x, axes) }

func reduce(name string, mean bool, x *G.Node, axes []int) (*G.Node, error) {
	if err := checkNode(name, "input", x); err != nil {
		return nil, err
	}
	shape := x.Shape().Clone()
	r := shape.Dims()
	if r == 0 {
		return nil, graph.ShapeErrorf("ops: %s: input must have at least one axis, got a scalar", name)
	}
	red := make([]bool, r)
	if len(axes) == 0 {
		for i := range red {
			red[i] = true
		}
	}
	for _, a := range axes {
		ax, err := normAxis(name, a, r)
		if err != nil {
			return nil, err
		}
		if red[ax] {
			return nil, graph.ArgErrorf("ops: %s: axis %d is given twice in %v", name, ax, axes)
		}
		red[ax] = true
	}
	var outShape tensor.Shape
	var list []int
	count := 1
	for i, d := range shape {
		if red[i] {
			list = append(list, i)
			count *= d
		} else {
			outShape = append(outShape, d)
		}
	}
	sort.Ints(list)
	op := &reduceOp{opBase: newOpBase(fmt.Sprintf("%s%v", name, list)), name: name, mean: mean, axes: list, walk: newAxisWalk(shape, red), inShape: shape, outShape: outShape, count: count}
	return G.ApplyOp(op, x)
}

// reduceOp sums (or averages) over its axes.
type reduceOp struct {
	opBase
	name     string
	mean     bool
	axes     []int
	walk     axisWalk
	inShape  tensor.Shape
	outShape tensor.Shape // empty for a scalar
	count    int
	acc      []float64
	out      buffer
}

func (op *reduceOp) Arity() int    { return 1 }
func (op *reduceOp) Type() hm.Type { return rankType(len(op.inShape), len(op.outShape)) }
func (op *reduceOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	if len(op.outShape) == 0 {
		return tensor.ScalarShape(), nil
	}
	return op.outShape.Clone(), nil
}

func (op *reduceOp) scale() float64 {
	if op.mean {
		return 1 / float64(op.count)
	}
	return 1
}

func (op *reduceOp) Do(vals ...G.Value) (G.Value, error) {
	in, err := denseArgs(op.String(), vals, 1)
	if err != nil {
		return nil, err
	}
	x := in[0]
	if !graph.SameShape(x.Shape(), op.inShape) {
		return nil, fmt.Errorf("ops: %s: input shape %v, built for %v", op.String(), x.Shape(), op.inShape)
	}
	outSize := max(1, op.outShape.TotalSize())
	if cap(op.acc) < outSize {
		op.acc = make([]float64, outSize)
	}
	acc := op.acc[:outSize]
	clear(acc)
	switch xs := x.Data().(type) {
	case []float64:
		reduceSum(xs, acc, &op.walk)
	case []float32:
		reduceSum(xs, acc, &op.walk)
	default:
		return nil, fmt.Errorf("ops: %s: dtype %v not supported", op.String(), x.Dtype())
	}
	sc := op.scale()
	if len(op.outShape) == 0 {
		return scalarOut(x.Dtype(), acc[0]*sc), nil
	}
	y := op.out.get(x.Dtype(), op.outShape)
	switch ys := y.Data().(type) {
	case []float64:
		for i, v := range acc {
			ys[i] = v * sc
		}
	case []float32:
		for i, v := range acc {
			ys[i] = float32(v * sc)
		}
	}
	return y, nil
}

// collapseAxes merges neighbouring axes that are both reduced or both kept
// and drops axes of size 1, so that a reduction walks as few, as long,
// contiguous runs as possible. It returns at least one axis.
func collapseAxes(shape tensor.Shape, red []bool) (dims []int, flags []bool) {
	for i, d := range shape {
		if d == 1 {
			continue
		}
		if n := len(dims); n > 0 && flags[n-1] == red[i] {
			dims[n-1] *= d
			continue
		}
		dims = append(dims, d)
		flags = append(flags, red[i])
	}
	if len(dims) == 0 {
		return []int{1}, []bool{false}
	}
	return dims, flags
}

// axisWalk is how a reduction and its gradient walk the input: the axes
// of the input shape collapsed by collapseAxes (dims, red marking the
// reduced ones), with their input strides (row-major) and output strides
// (0 on reduced axes). It depends on the shapes only, so an op builds it
// once.
type axisWalk struct {
	dims      []int
	red       []bool
	inS, outS []int
}

func newAxisWalk(shape tensor.Shape, red []bool) axisWalk {
	dims, cred := collapseAxes(shape, red)
	in, out := make([]int, len(dims)), make([]int, len(dims))
	si, so := 1, 1
	for i := len(dims) - 1; i >= 0; i-- {
		in[i] = si
		si *= dims[i]
		if !cred[i] {
			out[i] = so
			so *= dims[i]
		}
	}
	return axisWalk{dims: dims, red: cred, inS: in, outS: out}
}

// reduceSum adds x into acc (zeroed by the caller) over the reduced axes.
// Work is split over the first collapsed axis when it is kept (disjoint
// outputs); otherwise it runs on one goroutine.
func reduceSum[T float](x []T, acc []float64, w *axisWalk) {
	dims, red, inS, outS := w.dims, w.red, w.inS, w.outS
	var walk func(level, xo, oo int)
	walk = func(level, xo, oo int) {
		d := dims[level]
		if level == len(dims)-1 {
			if red[level] {
				s := 0.0
				for _, v := range x[xo : xo+d] {
					s += float64(v)
				}
				acc[oo] += s
			} else {
				a := acc[oo : oo+d]
				for j, v := range x[xo : xo+d] {
					a[j] += float64(v)
				}
			}
			return
		}
		for i := 0; i < d; i++ {
			walk(level+1, xo+i*inS[level], oo+i*outS[level])
		}
	}
	if red[0] || len(dims) == 1 {
		walk(0, 0, 0)
		return
	}
	parallelFor(dims[0], max(1, elementwiseGrain/max(1, inS[0])), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			walk(1, i*inS[0], i*outS[0])
		}
	})
}

func (op *reduceOp) DiffWRT(int) []bool { return []bool{true} }

func (op *reduceOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	dx, err := G.ApplyOp(&broadcastOp{gradOpBase: newGradOpBase(fmt.Sprintf("%sGrad%v", op.name, op.axes)), fwd: op}, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx}, nil
}

// broadcastOp is the gradient of a reduction: dx = scale·dy, repeated over
// the reduced axes.
type broadcastOp struct {
	gradOpBase
	fwd *reduceOp
	out buffer
}

func (op *broadcastOp) Arity() int { return 1 }
func (op *broadcastOp) Type() hm.Type {
	if len(op.fwd.outShape) == 0 { // the gradient of a scalar is a scalar
		a := hm.TypeVariable('a')
		return hm.NewFnType(a, G.TensorType{Dims: len(op.fwd.inShape), Of: a})
	}
	return rankType(len(op.fwd.outShape), len(op.fwd.inShape))
}
func (op *broadcastOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return op.fwd.inShape.Clone(), nil
}

func (op *broadcastOp) Do(vals ...G.Value) (G.Value, error) {
	if len(vals) != 1 {
		return nil, fmt.Errorf("ops: %s: want 1 input, got %d", op, len(vals))
	}
	sc := op.fwd.scale()
	dt := vals[0].Dtype()
	var dy64 []float64
	var dy32 []float32
	if d, ok := vals[0].(*tensor.Dense); ok && !d.IsScalar() {
		if d.Shape().TotalSize() != max(1, op.fwd.outShape.TotalSize()) {
			return nil, fmt.Errorf("ops: %s: gradient shape %v, want %v", op, d.Shape(), op.fwd.outShape)
		}
		switch data := d.Data().(type) {
		case []float64:
			dy64 = data
		case []float32:
			dy32 = data
		}
	} else {
		s, err := scalarValue(op.String(), vals[0])
		if err != nil {
			return nil, err
		}
		dy64, dy32 = []float64{s}, []float32{float32(s)}
	}
	dx := op.out.get(dt, op.fwd.inShape)
	switch dt {
	case tensor.Float64:
		broadcastInto(dy64, dx.Float64s(), &op.fwd.walk, sc)
	case tensor.Float32:
		broadcastInto(dy32, dx.Float32s(), &op.fwd.walk, float32(sc))
	default:
		return nil, fmt.Errorf("ops: %s: dtype %v not supported", op, dt)
	}
	return dx, nil
}

// broadcastInto writes dx[i] = sc·dy[out(i)].
func broadcastInto[T float](dy, dx []T, w *axisWalk, sc T) {
	dims, red, inS, outS := w.dims, w.red, w.inS, w.outS
	var walk func(level, xo, oo int)
	walk = func(level, xo, oo int) {
		d := dims[level]
		if level == len(dims)-1 {
			xs := dx[xo : xo+d]
			if red[level] {
				v := sc * dy[oo]
				for j := range xs {
					xs[j] = v
				}
			} else {
				for j, v := range dy[oo : oo+d] {
					xs[j] = sc * v
				}
			}
			return
		}
		for i := 0; i < d; i++ {
			walk(level+1, xo+i*inS[level], oo+i*outS[level])
		}
	}
	if len(dims) == 1 {
		walk(0, 0, 0)
		return
	}
	parallelFor(dims[0], max(1, elementwiseGrain/max(1, inS[0])), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			walk(1, i*inS[0], i*outS[0])
		}
	})
}
