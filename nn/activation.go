package nn

import (
	"fmt"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
)

// activation is an elementwise layer without parameters; output shape = input shape.
type activation struct {
	kind string
	fn   func(x *G.Node) (*G.Node, error)
}

func (a *activation) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	if err := checkNotEmpty(b, a.kind, x); err != nil {
		return nil, err
	}
	return a.fn(x)
}

func (a *activation) Params() []graph.NamedParam { return nil }
func (a *activation) String() string             { return a.kind + "()" }

// ReLU is max(0, x), elementwise.
type ReLU struct{ activation }

// NewReLU returns a ReLU layer.
func NewReLU() *ReLU { return &ReLU{activation{"ReLU", ops.ReLU}} }

// Sigmoid is 1/(1+exp(-x)), elementwise.
type Sigmoid struct{ activation }

// NewSigmoid returns a Sigmoid layer.
func NewSigmoid() *Sigmoid { return &Sigmoid{activation{"Sigmoid", ops.Sigmoid}} }

// Tanh is the hyperbolic tangent, elementwise.
type Tanh struct{ activation }

// NewTanh returns a Tanh layer.
func NewTanh() *Tanh { return &Tanh{activation{"Tanh", ops.Tanh}} }

// Softplus is log(1+exp(x)), elementwise.
type Softplus struct{ activation }

// NewSoftplus returns a Softplus layer.
func NewSoftplus() *Softplus { return &Softplus{activation{"Softplus", ops.Softplus}} }

// Softsign is x/(1+|x|), elementwise.
type Softsign struct{ activation }

// NewSoftsign returns a Softsign layer.
func NewSoftsign() *Softsign { return &Softsign{activation{"Softsign", ops.Softsign}} }

// LeakyReLU is x for x > 0 and Alpha·x otherwise.
type LeakyReLU struct {
	activation
	Alpha float64
}

// NewLeakyReLU returns a LeakyReLU layer (PyTorch's default alpha is 0.01,
// Keras's 0.3).
func NewLeakyReLU(alpha float64) *LeakyReLU {
	return &LeakyReLU{activation{fmt.Sprintf("LeakyReLU(%g)", alpha), func(x *G.Node) (*G.Node, error) { return ops.LeakyReLU(x, alpha) }}, alpha}
}

// String prints the layer with its alpha.
func (l *LeakyReLU) String() string { return l.kind }

// ELU is x for x > 0 and Alpha·(exp(x)-1) otherwise.
type ELU struct {
	activation
	Alpha float64
}

// NewELU returns an ELU layer (the usual alpha is 1).
func NewELU(alpha float64) *ELU {
	return &ELU{activation{fmt.Sprintf("ELU(%g)", alpha), func(x *G.Node) (*G.Node, error) { return ops.ELU(x, alpha) }}, alpha}
}

// String prints the layer with its alpha.
func (l *ELU) String() string { return l.kind }
