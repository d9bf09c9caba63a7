package ops

import (
	"fmt"
	"math"

	"github.com/chewxy/hm"
	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// activation names an elementwise activation function.
type activation int

// The activations of the course. Each has a forward rule f(x) and a
// derivative f'(x) written in terms of x and y = f(x).
const (
	actReLU      activation = iota // max(0, x)
	actLeakyReLU                   // x if x > 0, else alpha·x
	actELU                         // x if x > 0, else alpha·(exp(x) - 1)
	actSigmoid                     // 1 / (1 + exp(-x))
	actTanh                        // tanh(x)
	actSoftplus                    // log(1 + exp(x))
	actSoftsign                    // x / (1 + |x|)
)

var actNames = [...]string{"ReLU", "LeakyReLU", "ELU", "Sigmoid", "Tanh", "Softplus", "Softsign"}

// String returns the activation's name.
func (a activation) String() string {
	if int(a) < len(actNames) {
		return actNames[a]
	}
	return fmt.Sprintf("Activation(%d)", int(a))
}

// activationOp is y = f(x), elementwise.
type activationOp struct {
	opBase
	kind  activation
	alpha float64
	out   buffer
}

func newActivationOp(kind activation, alpha float64) *activationOp {
	return &activationOp{opBase: newOpBase(fmt.Sprintf("%v(%g)", kind, alpha)), kind: kind, alpha: alpha}
}

func (op *activationOp) Arity() int    { return 1 }
func (op *activationOp) Type() hm.Type { return sameType() }

func (op *activationOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) { return firstShape(in) }

func (op *activationOp) Do(vals ...G.Value) (G.Value, error) {
	in, err := denseArgs(op.String(), vals, 1)
	if err != nil {
		return nil, err
	}
	x := in[0]
	y := op.out.get(x.Dtype(), x.Shape())
	switch xs := x.Data().(type) {
	case []float64:
		activate(op.kind, op.alpha, xs, y.Data().([]float64))
	case []float32:
		activate(op.kind, float32(op.alpha), xs, y.Data().([]float32))
	default:
		return nil, fmt.Errorf("ops: %v: dtype %v not supported", op.kind, x.Dtype())
	}
	return y, nil
}

func (op *activationOp) DiffWRT(int) []bool { return []bool{true} }

func (op *activationOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	dx, err := G.ApplyOp(newActivationGradOp(op.kind, op.alpha), inputs[0], output, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx}, nil
}

// activationGradOp is dx = f'(x)·dy, given x, y = f(x) and dy.
type activationGradOp struct {
	gradOpBase
	kind  activation
	alpha float64
	out   buffer
}

func newActivationGradOp(kind activation, alpha float64) *activationGradOp {
	return &activationGradOp{gradOpBase: newGradOpBase(fmt.Sprintf("%vGrad(%g)", kind, alpha)), kind: kind, alpha: alpha}
}

func (op *activationGradOp) Arity() int                                        { return 3 }
func (op *activationGradOp) Type() hm.Type                                     { return sameType3() }
func (op *activationGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) { return firstShape(in) }

func (op *activationGradOp) Do(vals ...G.Value) (G.Value, error) {
	in, err := denseArgs(op.String(), vals, 3)
	if err != nil {
		return nil, err
	}
	x, y, dy := in[0], in[1], in[2]
	dx := op.out.get(x.Dtype(), x.Shape())
	switch xs := x.Data().(type) {
	case []float64:
		activateGrad(op.kind, op.alpha, xs, y.Data().([]float64), dy.Data().([]float64), dx.Data().([]float64))
	case []float32:
		activateGrad(op.kind, float32(op.alpha), xs, y.Data().([]float32), dy.Data().([]float32), dx.Data().([]float32))
	default:
		return nil, fmt.Errorf("ops: %v: dtype %v not supported", op.kind, x.Dtype())
	}
	return dx, nil
}

const elementwiseGrain = 1 << 15

func activate[T float](kind activation, alpha T, x, y []T) {
	parallelFor(len(x), elementwiseGrain, func(lo, hi int) {
		x, y := x[lo:hi], y[lo:hi]
		switch kind {
		case actReLU:
			for i, v := range x {
				y[i] = max(v, 0)
			}
		case actLeakyReLU:
			leakyReLU(alpha, x, y)
		case actELU:
			for i, v := range x {
				if v > 0 {
					y[i] = v
				} else {
					y[i] = alpha * T(math.Expm1(float64(v)))
				}
			}
		case actSigmoid:
			for i, v := range x {
				y[i] = sigmoidT(v)
			}
		case actTanh:
			for i, v := range x {
				y[i] = T(math.Tanh(float64(v)))
			}
		case actSoftplus:
			for i, v := range x {
				y[i] = softplusT(v)
			}
		case actSoftsign:
			for i, v := range x {
				y[i] = v / (1 + abs(v))
			}
		}
	})
}

func activateGrad[T float](kind activation, alpha T, x, y, dy, dx []T) {
	parallelFor(len(x), elementwiseGrain, func(lo, hi int) {
		x, y, dy, dx := x[lo:hi], y[lo:hi], dy[lo:hi], dx[lo:hi]
		switch kind {
		case actReLU:
			reluGrad(x, dy, dx)
		case actLeakyReLU:
			leakyReLUGrad(alpha, x, dy, dx)
		case actELU:
			for i, v := range x {
				if v > 0 {
					dx[i] = dy[i]
				} else {
					dx[i] = (y[i] + alpha) * dy[i] // alpha·e^x = y + alpha
				}
			}
		case actSigmoid:
			for i := range x {
				dx[i] = y[i] * (1 - y[i]) * dy[i]
			}
		case actTanh:
			for i := range x {
				dx[i] = (1 - y[i]*y[i]) * dy[i]
			}
		case actSoftplus:
			for i, v := range x {
				dx[i] = sigmoidT(v) * dy[i] // softplus' = sigmoid
			}
		case actSoftsign:
			for i, v := range x {
				d := 1 + abs(v)
				dx[i] = dy[i] / (d * d)
			}
		}
	})
}

// reluGrad sets dx = dy where x > 0 and 0 elsewhere (NaN included),
// without branches: the signs of random activations defeat the branch
// predictor, which made the branchy loop several times slower.
func reluGrad[T float](x, dy, dx []T) {
	switch xs := any(x).(type) {
	case []float32:
		reluGrad32(xs, any(dy).([]float32), any(dx).([]float32))
	case []float64:
		reluGrad64(xs, any(dy).([]float64), any(dx).([]float64))
	}
}

// notPos32 is all ones when v <= 0 or v is a NaN and zero when v > 0:
// b > 0 as an integer means v > 0 or v is a positive NaN, b | (b-1) has its
// sign set when b <= 0, and 0x7f800000 - b is negative when b is a NaN.
func notPos32(v float32) uint32 {
	b := int32(math.Float32bits(v))
	return uint32((b|(b-1))>>31) | uint32((0x7f800000-b)>>31)
}

// notPos64 is notPos32 for float64.
func notPos64(v float64) uint64 {
	b := int64(math.Float64bits(v))
	return uint64((b|(b-1))>>63) | uint64((0x7ff0000000000000-b)>>63)
}

func reluGrad32(x, dy, dx []float32) {
	dy, dx = dy[:len(x)], dx[:len(x)]
	for i, v := range x {
		dx[i] = math.Float32frombits(math.Float32bits(dy[i]) &^ notPos32(v))
	}
}

func reluGrad64(x, dy, dx []float64) {
	dy, dx = dy[:len(x)], dx[:len(x)]
	for i, v := range x {
		dx[i] = math.Float64frombits(math.Float64bits(dy[i]) &^ notPos64(v))
	}
}

// leakyReLU is y = max(v, 0) + alpha·min(v, 0), without branches: the
// sign of v, random in a layer's input, would mispredict half the time (a
// branchy loop ran 4x slower in BenchmarkOps). NaN stays NaN.
func leakyReLU[T float](alpha T, x, y []T) {
	switch xs := any(x).(type) {
	case []float32:
		a, ys := float32(alpha), any(y).([]float32)[:len(xs)]
		for i, v := range xs {
			b := math.Float32bits(v)
			m := uint32(int32(b) >> 31) // all ones when the sign bit is set
			ys[i] = math.Float32frombits(b&^m) + a*math.Float32frombits(b&m)
		}
	case []float64:
		a, ys := float64(alpha), any(y).([]float64)[:len(xs)]
		for i, v := range xs {
			b := math.Float64bits(v)
			m := uint64(int64(b) >> 63)
			ys[i] = math.Float64frombits(b&^m) + a*math.Float64frombits(b&m)
		}
	}
}

// leakyReLUGrad is dx = dy where x > 0 and alpha·dy elsewhere (x <= 0 or
// NaN), without branches, on reluGrad's mask.
func leakyReLUGrad[T float](alpha T, x, dy, dx []T) {
	switch xs := any(x).(type) {
	case []float32:
		a := float32(alpha)
		dys, dxs := any(dy).([]float32)[:len(xs)], any(dx).([]float32)[:len(xs)]
		for i, v := range xs {
			m := notPos32(v)
			g := math.Float32bits(dys[i])
			dxs[i] = math.Float32frombits(g&^m) + a*math.Float32frombits(g&m)
		}
	case []float64:
		a := float64(alpha)
		dys, dxs := any(dy).([]float64)[:len(xs)], any(dx).([]float64)[:len(xs)]
		for i, v := range xs {
			m := notPos64(v)
			g := math.Float64bits(dys[i])
			dxs[i] = math.Float64frombits(g&^m) + a*math.Float64frombits(g&m)
		}
	}
}

func abs[T float](v T) T {
	if v < 0 {
		return -v
	}
	return v
}

func applyActivation(kind activation, alpha float64, x *G.Node) (*G.Node, error) {
	if err := checkNode(kind.String(), "input", x); err != nil {
		return nil, err
	}
	return G.ApplyOp(newActivationOp(kind, alpha), x)
}

// ReLU is max(0, x), elementwise. Its derivative at 0 is taken as 0, as in PyTorch.
func ReLU(x *G.Node) (*G.Node, error) { return applyActivation(actReLU, 0, x) }

// LeakyReLU is x for x > 0 and alpha·x otherwise (PyTorch's default alpha is 0.01).
func LeakyReLU(x *G.Node, alpha float64) (*G.Node, error) {
	if math.IsNaN(alpha) || math.IsInf(alpha, 0) {
		return nil, graph.ArgErrorf("ops: LeakyReLU: alpha must be finite, got %v", alpha)
	}
	return applyActivation(actLeakyReLU, alpha, x)
}

// ELU is x for x > 0 and alpha·(exp(x) - 1) otherwise. alpha must be >= 0.
func ELU(x *G.Node, alpha float64) (*G.Node, error) {
	if !(alpha >= 0) || math.IsInf(alpha, 0) {
		return nil, graph.ArgErrorf("ops: ELU: alpha must be finite and >= 0, got %v", alpha)
	}
	return applyActivation(actELU, alpha, x)
}

// Sigmoid is 1 / (1 + exp(-x)), computed without overflow for any x.
func Sigmoid(x *G.Node) (*G.Node, error) { return applyActivation(actSigmoid, 0, x) }

// Tanh is the hyperbolic tangent.
func Tanh(x *G.Node) (*G.Node, error) { return applyActivation(actTanh, 0, x) }

// Softplus is log(1 + exp(x)), computed without overflow for any x.
func Softplus(x *G.Node) (*G.Node, error) { return applyActivation(actSoftplus, 0, x) }

// Softsign is x / (1 + |x|).
func Softsign(x *G.Node) (*G.Node, error) { return applyActivation(actSoftsign, 0, x) }
