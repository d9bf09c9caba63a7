package ops

import (
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// rowMaxTimes is a test op on the kit with two inputs, a saved tensor and
// an output of another rank: y_i = w · max_j x_ij for x (R, C) and w of
// shape (1). The backward routes through the argmax and uses the row
// maxima the forward saved.
func rowMaxTimes(x, w *G.Node) (*G.Node, error) {
	return applyDef(&opDef{
		name: "RowMaxTimes",
		shape: func(in []tensor.Shape) (tensor.Shape, error) {
			if in[0].Dims() != 2 {
				return nil, graph.ShapeErrorf("ops: RowMaxTimes: x must have rank 2, got %v", in[0])
			}
			return tensor.Shape{in[0][0]}, nil
		},
		f32: kernels[float32]{forward: rowMaxTimesFwd[float32], backward: rowMaxTimesBwd[float32]},
		f64: kernels[float64]{forward: rowMaxTimesFwd[float64], backward: rowMaxTimesBwd[float64]},
	}, x, w)
}

func rowMaxTimesFwd[T float](a fwdArgs[T]) error {
	x, w, y := a.in[0], a.in[1].data[0], a.out.data
	c := x.shape[1]
	arg := a.saved.ints("argmax", len(y))
	rowMax := a.saved.floats("rowmax", len(y))
	for r := range y {
		row := x.data[r*c : (r+1)*c]
		best := 0
		for j, v := range row {
			if v > row[best] {
				best = j
			}
		}
		arg[r] = int32(best)
		rowMax[r] = row[best]
		y[r] = w * row[best]
	}
	return nil
}

func rowMaxTimesBwd[T float](a bwdArgs[T]) error {
	x, w, dy, dx := a.in[0], a.in[1].data[0], a.dy.data, a.dx.data
	c := x.shape[1]
	arg := a.saved.ints("argmax", len(dy))
	if a.wrt == 1 {
		var s T
		for r, g := range dy {
			s += g * a.saved.floats("rowmax", len(dy))[r]
		}
		dx[0] = s
		return nil
	}
	clear(dx)
	for r, g := range dy {
		dx[r*c+int(arg[r])] = w * g
	}
	return nil
}

func TestKitGradientsThroughSavedTensors(t *testing.T) {
	x := tensor.New(tensor.WithShape(3, 4), tensor.WithBacking([]float64{
		1, 5, 2, 0, -3, -1, -2, -4, 0.5, 0.25, 2, 1.5}))
	w := tensor.New(tensor.WithShape(1), tensor.WithBacking([]float64{-1.5}))
	rep, err := graph.CheckGradients([]*tensor.Dense{x, w}, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
		return rowMaxTimes(xs[0], xs[1])
	}, graph.GradCheckOptions{Tol: 1e-6})
	if err != nil {
		t.Fatalf("%+v", err)
	}
	if !rep.OK() {
		t.Errorf("gradient check failed:\n%s", rep)
	}
}

func TestKitErrors(t *testing.T) {
	b := graph.NewBuilder(graph.Train)
	x64 := b.InputValue("x64", tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]float64{1, 2, 3, 4})))
	x32 := b.InputValue("x32", tensor.New(tensor.WithShape(1), tensor.WithBacking([]float32{1})))
	if _, err := rowMaxTimes(x64, x32); err == nil || !strings.Contains(err.Error(), "RowMaxTimes") {
		t.Errorf("mixed dtypes: got %v, want an error naming the op", err)
	}
	v := b.InputValue("v", tensor.New(tensor.WithShape(4), tensor.WithBacking([]float64{1, 2, 3, 4})))
	w := b.InputValue("w", tensor.New(tensor.WithShape(1), tensor.WithBacking([]float64{1})))
	if _, err := rowMaxTimes(v, w); err == nil || !strings.Contains(err.Error(), "rank 2") {
		t.Errorf("rank 1 input: got %v, want the shape function's error", err)
	}
}

func TestKitSkipsNoGradInputs(t *testing.T) {
	d := &opDef{name: "T", shape: sameShape, noGrad: []int{1}}
	op := &kitOp{opBase: newOpBase("T"), def: d}
	if got := op.DiffWRT(3); !got[0] || got[1] || !got[2] {
		t.Errorf("DiffWRT = %v, want [true false true]", got)
	}
}
