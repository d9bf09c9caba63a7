package ops

import (
	"fmt"
	"math"

	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
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

// activationDef is the op y = f(x), elementwise, on the kit. Its backward
// reads x and y (the ELU, sigmoid and tanh derivatives are cheaper from y).
func activationDef(kind activation, alpha float64) *opDef {
	attrs := ""
	if kind == actLeakyReLU || kind == actELU {
		attrs = fmt.Sprintf("alpha=%g", alpha)
	}
	return &opDef{
		name: kind.String(), attrs: attrs, shape: sameShape,
		f32: kernels[float32]{forward: activationForward[float32](kind, float32(alpha))},
		f64: kernels[float64]{forward: activationForward[float64](kind, alpha)},
		symDiff: func(inputs G.Nodes, y, dy *G.Node) (G.Nodes, error) {
			dx, err := activationGradOf(kind, alpha, inputs[0], y, dy)
			return G.Nodes{dx}, err
		},
	}
}

func activationForward[T float](kind activation, alpha T) func(a fwdArgs[T]) error {
	return func(a fwdArgs[T]) error {
		activate(kind, alpha, a.in[0].data, a.out.data)
		return nil
	}
}

// activationGradOf is the gradient node dx = f'(x)·dy of y = f(x). When dy
// is a scalar broadcast over y (the gradient of a Sum or Mean of y to a
// scalar, see scalarBroadcast), the node reads the scalar, and the
// broadcast tensor is neither filled nor read: one pass over x, y and dx.
func activationGradOf(kind activation, alpha float64, x, y, dy *G.Node) (*G.Node, error) {
	name := kind.String() + "Grad"
	if s, scale, ok := scalarBroadcast(dy); ok {
		return applyDef(&opDef{
			name: name, attrs: "dy broadcast", shape: sameShape, isGrad: true,
			f32: kernels[float32]{forward: activationGradConst[float32](kind, float32(alpha), float32(scale))},
			f64: kernels[float64]{forward: activationGradConst[float64](kind, alpha, scale)},
		}, x, y, s)
	}
	return applyDef(&opDef{
		name: name, shape: sameShape, isGrad: true,
		f32: kernels[float32]{forward: activationGradKernel[float32](kind, float32(alpha))},
		f64: kernels[float64]{forward: activationGradKernel[float64](kind, alpha)},
	}, x, y, dy)
}

// activationGradKernel is dx = f'(x)·dy with inputs x, y = f(x) and dy.
func activationGradKernel[T float](kind activation, alpha T) func(a fwdArgs[T]) error {
	return func(a fwdArgs[T]) error {
		activateGrad(kind, alpha, a.in[0].data, a.in[1].data, a.in[2].data, a.out.data)
		return nil
	}
}

// activationGradConst is dx = f'(x)·scale·s with inputs x, y = f(x) and
// the scalar s. The op keeps a short block of copies of scale·s, so that
// the vectorised gradient kernels read dy from cache.
func activationGradConst[T float](kind activation, alpha, scale T) func(a fwdArgs[T]) error {
	var block []T
	return func(a fwdArgs[T]) error {
		x, y, dx := a.in[0].data, a.in[1].data, a.out.data
		block = constBlock(block, min(len(x), constBlockLen), scale*a.in[2].data[0])
		activateGradConst(kind, alpha, x, y, block, dx)
		return nil
	}
}

// reluGradOf is dx = dy where y > 0 and 0 elsewhere: the backward of an op
// with a fused ReLU, whose output y is zero exactly where its
// pre-activation is <= 0.
func reluGradOf(y, dy *G.Node) (*G.Node, error) {
	return applyDef(&opDef{
		name: "ReLUGrad", shape: sameShape, isGrad: true,
		f32: kernels[float32]{forward: reluGradKernel[float32]},
		f64: kernels[float64]{forward: reluGradKernel[float64]},
	}, y, dy)
}

func reluGradKernel[T float](a fwdArgs[T]) error {
	y, dy, dx := a.in[0].data, a.in[1].data, a.out.data
	parallelFor(len(y), elementwiseGrain, func(lo, hi int) {
		reluGrad(y[lo:hi], dy[lo:hi], dx[lo:hi])
	})
	return nil
}

func applyActivation(kind activation, alpha float64, x *G.Node) (*G.Node, error) {
	if err := checkNode(kind.String(), "input", x); err != nil {
		return nil, err
	}
	return applyDef(activationDef(kind, alpha), x)
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
