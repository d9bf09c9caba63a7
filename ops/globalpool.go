package ops

import (
	"fmt"

	"github.com/chewxy/hm"
	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// GlobalAvgPool averages every (n, c) plane of x (N, C, ...) with at least
// one spatial axis: y[n][c] = mean over the spatial axes of x[n][c].
// Output (N, C). The gradient spreads dy[n][c] evenly over the plane.
// (Gorgonia's GlobalAveragePool2D has no gradient, and its Mean over the
// middle axes 2, 3 is wrong.)
func GlobalAvgPool(x *G.Node) (*G.Node, error) {
	const name = "GlobalAvgPool"
	if err := checkNode(name, "input", x); err != nil {
		return nil, err
	}
	s := x.Shape()
	if s.Dims() < 3 {
		return nil, graph.ShapeErrorf("ops: %s: input must have rank 3 or more (N, C, spatial...), got shape %s", name, graph.FormatShape(s))
	}
	for i, d := range s {
		if d <= 0 {
			return nil, graph.ShapeErrorf("ops: %s: input dimensions must be positive, got shape %s (axis %d)", name, graph.FormatShape(s), i)
		}
	}
	return G.ApplyOp(&globalAvgPoolOp{opBase: newOpBase("GlobalAvgPool" + graph.FormatShape(s)), xShape: s.Clone()}, x)
}

// globalAvgPoolOp is y (N, C) = the mean of each plane of x (N, C, ...).
type globalAvgPoolOp struct {
	opBase
	xShape tensor.Shape
	out    buffer
}

func (op *globalAvgPoolOp) planes() int { return op.xShape[0] * op.xShape[1] }
func (op *globalAvgPoolOp) plane() int  { return op.xShape.TotalSize() / op.planes() }
func (op *globalAvgPoolOp) yShape() tensor.Shape {
	return tensor.Shape{op.xShape[0], op.xShape[1]}
}

func (op *globalAvgPoolOp) Arity() int { return 1 }
func (op *globalAvgPoolOp) Type() hm.Type {
	return rankType(op.xShape.Dims(), 2)
}
func (op *globalAvgPoolOp) InferShape(...G.DimSizer) (tensor.Shape, error) { return op.yShape(), nil }

func (op *globalAvgPoolOp) Do(vals ...G.Value) (G.Value, error) {
	in, err := denseArgs("GlobalAvgPool", vals, 1)
	if err != nil {
		return nil, err
	}
	x := in[0]
	if !graph.SameShape(x.Shape(), op.xShape) {
		return nil, graph.ShapeErrorf("ops: GlobalAvgPool: input must have shape %s, got %s", graph.FormatShape(op.xShape), graph.FormatShape(x.Shape()))
	}
	y := op.out.get(x.Dtype(), op.yShape())
	switch xs := x.Data().(type) {
	case []float64:
		planeMeans(xs, y.Data().([]float64), op.plane())
	case []float32:
		planeMeans(xs, y.Data().([]float32), op.plane())
	default:
		return nil, fmt.Errorf("ops: GlobalAvgPool: dtype %v not supported", x.Dtype())
	}
	return y, nil
}

func (op *globalAvgPoolOp) DiffWRT(int) []bool { return []bool{true} }

func (op *globalAvgPoolOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	dx, err := G.ApplyOp(&globalAvgPoolGradOp{gradOpBase: newGradOpBase("GlobalAvgPoolGrad" + graph.FormatShape(op.xShape)), xShape: op.xShape}, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx}, nil
}

// globalAvgPoolGradOp is dx[n][c][...] = dy[n][c] / plane size.
type globalAvgPoolGradOp struct {
	gradOpBase
	xShape tensor.Shape
	out    buffer
}

func (op *globalAvgPoolGradOp) Arity() int { return 1 }
func (op *globalAvgPoolGradOp) Type() hm.Type {
	return rankType(2, op.xShape.Dims())
}
func (op *globalAvgPoolGradOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return op.xShape.Clone(), nil
}

func (op *globalAvgPoolGradOp) Do(vals ...G.Value) (G.Value, error) {
	in, err := denseArgs("GlobalAvgPoolGrad", vals, 1)
	if err != nil {
		return nil, err
	}
	dy := in[0]
	want := tensor.Shape{op.xShape[0], op.xShape[1]}
	if !graph.SameShape(dy.Shape(), want) {
		return nil, graph.ShapeErrorf("ops: GlobalAvgPool: output gradient must have shape %s, got %s", graph.FormatShape(want), graph.FormatShape(dy.Shape()))
	}
	dx := op.out.get(dy.Dtype(), op.xShape)
	plane := op.xShape.TotalSize() / want.TotalSize()
	switch dys := dy.Data().(type) {
	case []float64:
		spreadMeans(dys, dx.Data().([]float64), plane)
	case []float32:
		spreadMeans(dys, dx.Data().([]float32), plane)
	default:
		return nil, fmt.Errorf("ops: GlobalAvgPoolGrad: dtype %v not supported", dy.Dtype())
	}
	return dx, nil
}

// planeMeans sets y[p] to the mean of x[p·plane : (p+1)·plane].
func planeMeans[T float](x, y []T, plane int) {
	parallelFor(len(y), planeGrain(plane), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			var s float64 // float32 planes are summed in float64 too
			for _, v := range x[p*plane : (p+1)*plane] {
				s += float64(v)
			}
			y[p] = T(s / float64(plane))
		}
	})
}

// spreadMeans sets every element of plane p of dx to dy[p]/plane.
func spreadMeans[T float](dy, dx []T, plane int) {
	parallelFor(len(dy), planeGrain(plane), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			v := T(float64(dy[p]) / float64(plane))
			d := dx[p*plane : (p+1)*plane]
			for i := range d {
				d[i] = v
			}
		}
	})
}
