package ops

import (
	"fmt"

	"github.com/chewxy/hm"
	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/internal/gemm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Dense is the Dense layer's affine map (PyTorch's Linear) y = x·Wᵀ + b, with x (N, in),
// w (out, in) as in PyTorch, and b (out) or nil for no bias. Output (N, out).
func Dense(x, w, b *G.Node) (*G.Node, error) {
	const name = "Dense"
	if err := checkNode(name, "input", x, 2); err != nil {
		return nil, err
	}
	if err := checkNode(name, "weight", w, 2); err != nil {
		return nil, err
	}
	if x.Shape()[1] != w.Shape()[1] {
		return nil, graph.ShapeErrorf("ops: Linear: input has %d features but the weight %s expects %d", x.Shape()[1], graph.FormatShape(w.Shape()), w.Shape()[1])
	}
	nodes := []*G.Node{x, w}
	if b != nil {
		if err := checkNode(name, "bias", b, 1); err != nil {
			return nil, err
		}
		if b.Shape()[0] != w.Shape()[0] {
			return nil, graph.ShapeErrorf("ops: Linear: bias must have shape (%d), got %s", w.Shape()[0], graph.FormatShape(b.Shape()))
		}
		nodes = append(nodes, b)
	}
	if err := sameDtype(name, nodes...); err != nil {
		return nil, err
	}
	return G.ApplyOp(&linearOp{opBase: newOpBase(fmt.Sprintf("Linear(bias=%v)", b != nil)), bias: b != nil}, nodes...)
}

type linearOp struct {
	opBase
	bias bool
	out  buffer
}

func (op *linearOp) Arity() int {
	if op.bias {
		return 3
	}
	return 2
}

func (op *linearOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	m := G.TensorType{Dims: 2, Of: a}
	if op.bias {
		return hm.NewFnType(m, m, G.TensorType{Dims: 1, Of: a}, m)
	}
	return hm.NewFnType(m, m, m)
}

func (op *linearOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	x, w := in[0].(tensor.Shape), in[1].(tensor.Shape)
	return tensor.Shape{x[0], w[0]}, nil
}

func (op *linearOp) Do(vals ...G.Value) (G.Value, error) {
	in, err := denseArgs("Linear", vals, op.Arity())
	if err != nil {
		return nil, err
	}
	x, w := in[0], in[1]
	n, k, m := x.Shape()[0], x.Shape()[1], w.Shape()[0]
	y := op.out.get(x.Dtype(), tensor.Shape{n, m})
	switch xs := x.Data().(type) {
	case []float32:
		ys := y.Data().([]float32)
		beta := float32(0)
		if op.bias {
			fillRows(ys, in[2].Data().([]float32), n)
			beta = 1
		}
		gemm.Sgemm(false, true, n, m, k, 1, xs, k, w.Data().([]float32), k, beta, ys, m)
	case []float64:
		ys := y.Data().([]float64)
		beta := 0.0
		if op.bias {
			fillRows(ys, in[2].Data().([]float64), n)
			beta = 1
		}
		gemm.Dgemm(false, true, n, m, k, 1, xs, k, w.Data().([]float64), k, beta, ys, m)
	default:
		return nil, fmt.Errorf("ops: Linear: dtype %v not supported", x.Dtype())
	}
	return y, nil
}

// fillRows writes row into each of the n rows of dst.
func fillRows[T float](dst, row []T, n int) {
	for i := 0; i < n; i++ {
		copy(dst[i*len(row):(i+1)*len(row)], row)
	}
}

func (op *linearOp) DiffWRT(n int) []bool { return allTrue(n) }

func (op *linearOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	x, w := inputs[0], inputs[1]
	dx, err := G.ApplyOp(newLinearGradOp(0), grad, w)
	if err != nil {
		return nil, err
	}
	dw, err := G.ApplyOp(newLinearGradOp(1), grad, x)
	if err != nil {
		return nil, err
	}
	out := G.Nodes{dx, dw}
	if op.bias {
		db, err := G.ApplyOp(newLinearGradOp(2), grad)
		if err != nil {
			return nil, err
		}
		out = append(out, db)
	}
	return out, nil
}

// linearGradOp computes one gradient of Linear from dy (N, out):
// wrt 0: dx = dy·W (inputs dy, W); wrt 1: dW = dyᵀ·x (inputs dy, x);
// wrt 2: db = Σ_n dy (input dy).
type linearGradOp struct {
	gradOpBase
	wrt int
	out buffer
}

func newLinearGradOp(wrt int) *linearGradOp {
	return &linearGradOp{gradOpBase: newGradOpBase(fmt.Sprintf("LinearGrad(%d)", wrt)), wrt: wrt}
}

func (op *linearGradOp) Arity() int {
	if op.wrt == 2 {
		return 1
	}
	return 2
}

func (op *linearGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	m := G.TensorType{Dims: 2, Of: a}
	if op.wrt == 2 {
		return hm.NewFnType(m, G.TensorType{Dims: 1, Of: a})
	}
	return hm.NewFnType(m, m, m)
}

func (op *linearGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	dy := in[0].(tensor.Shape)
	switch op.wrt {
	case 0:
		return tensor.Shape{dy[0], in[1].(tensor.Shape)[1]}, nil
	case 1:
		return tensor.Shape{dy[1], in[1].(tensor.Shape)[1]}, nil
	}
	return tensor.Shape{dy[1]}, nil
}

func (op *linearGradOp) Do(vals ...G.Value) (G.Value, error) {
	in, err := denseArgs(op.String(), vals, op.Arity())
	if err != nil {
		return nil, err
	}
	dy := in[0]
	n, m := dy.Shape()[0], dy.Shape()[1]
	switch op.wrt {
	case 0: // dx (n, k) = dy (n, m) · W (m, k)
		w := in[1]
		k := w.Shape()[1]
		out := op.out.get(dy.Dtype(), tensor.Shape{n, k})
		if dy.Dtype() == tensor.Float32 {
			gemm.Sgemm(false, false, n, k, m, 1, dy.Data().([]float32), m, w.Data().([]float32), k, 0, out.Data().([]float32), k)
		} else {
			gemm.Dgemm(false, false, n, k, m, 1, dy.Data().([]float64), m, w.Data().([]float64), k, 0, out.Data().([]float64), k)
		}
		return out, nil
	case 1: // dW (m, k) = dyᵀ (m, n) · x (n, k)
		x := in[1]
		k := x.Shape()[1]
		out := op.out.get(dy.Dtype(), tensor.Shape{m, k})
		if dy.Dtype() == tensor.Float32 {
			gemm.Sgemm(true, false, m, k, n, 1, dy.Data().([]float32), m, x.Data().([]float32), k, 0, out.Data().([]float32), k)
		} else {
			gemm.Dgemm(true, false, m, k, n, 1, dy.Data().([]float64), m, x.Data().([]float64), k, 0, out.Data().([]float64), k)
		}
		return out, nil
	}
	out := op.out.get(dy.Dtype(), tensor.Shape{m})
	if dy.Dtype() == tensor.Float32 {
		sumRows(dy.Data().([]float32), out.Data().([]float32), n)
	} else {
		sumRows(dy.Data().([]float64), out.Data().([]float64), n)
	}
	return out, nil
}

// sumRows sets dst to the sum of the n rows of src.
func sumRows[T float](src, dst []T, n int) {
	clear(dst)
	m := len(dst)
	for i := 0; i < n; i++ {
		row := src[i*m : (i+1)*m]
		for j, v := range row {
			dst[j] += v
		}
	}
}

// IsGradient reports true: the op computes a gradient of Linear
// (graph.GradientOp).
func (op *linearGradOp) IsGradient() bool { return true }
