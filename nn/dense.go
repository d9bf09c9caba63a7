package nn

import (
	"fmt"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Dense is a fully connected layer (PyTorch's Linear, Keras's Dense):
//
//	y = x·Wᵀ + b,  x (N, in) -> y (N, out)
//
// W has shape (out, in) and b (out). Parameters: in·out + out.
type Dense struct {
	in, out int
	weight  *graph.Param
	bias    *graph.Param
	act     Layer
}

// NewDense returns a Dense layer from in to out features.
// Options: WithBias (default on), WithActivation (default none),
// WithWeightInit and WithBiasInit (default PyTorch's U(±1/√in)), WithSeed,
// WithDtype.
func NewDense(in, out int, opts ...DenseOption) (*Dense, error) {
	c, err := newConfig("NewDense", opts)
	if err != nil {
		return nil, err
	}
	if in <= 0 || out <= 0 {
		return nil, argError("NewDense", "in and out features must be positive, got in=%d, out=%d", in, out)
	}
	if err := checkParamSize("NewDense", "weight (out, in)", c.dtype, out, in); err != nil {
		return nil, err
	}
	d := &Dense{in: in, out: out, act: c.activation}
	winit := c.weightInit
	if winit == nil {
		winit = graph.TorchDefault()
	}
	if d.weight, err = graph.NewParam(graph.Weight, c.dtype, tensor.Shape{out, in}, winit, ParamSeed(c.seed, "weight")); err != nil {
		return nil, err
	}
	if c.bias {
		binit := c.biasInit
		if binit == nil {
			binit = graph.TorchBias(in)
		}
		if d.bias, err = graph.NewParam(graph.Weight, c.dtype, tensor.Shape{out}, binit, ParamSeed(c.seed, "bias")); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// Forward computes x·Wᵀ + b (and the activation, if any).
func (d *Dense) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	if err := checkInput(b, "Dense", x, 2, "(N, features)", d.weight.Dtype()); err != nil {
		return nil, err
	}
	if x.Shape()[1] != d.in {
		return nil, shapeError(b, "Dense", "input must have %d features (axis 1), got shape %s", d.in, graph.FormatShape(x.Shape()))
	}
	var bias *G.Node
	if d.bias != nil {
		bias = b.Bind(d.bias, "bias")
	}
	y, err := ops.Dense(x, b.Bind(d.weight, "weight"), bias)
	if err != nil {
		return nil, err
	}
	return applyActivation(b, d.act, y)
}

// Params lists "weight" and, with a bias, "bias".
func (d *Dense) Params() []graph.NamedParam {
	ps := []graph.NamedParam{{Name: "weight", Param: d.weight}}
	if d.bias != nil {
		ps = append(ps, graph.NamedParam{Name: "bias", Param: d.bias})
	}
	return ps
}

// Weight returns the (out, in) weight.
func (d *Dense) Weight() *graph.Param { return d.weight }

// Bias returns the bias, or nil.
func (d *Dense) Bias() *graph.Param { return d.bias }

// Describe gives the parameter count formula.
func (d *Dense) Describe(in, out tensor.Shape) []string {
	if d.bias == nil {
		return []string{fmt.Sprintf("params = in*out = %d*%d = %d", d.in, d.out, d.in*d.out)}
	}
	return []string{fmt.Sprintf("params = in*out + out = %d*%d + %d = %d", d.in, d.out, d.out, d.in*d.out+d.out)}
}

// String prints the layer like PyTorch.
func (d *Dense) String() string {
	s := fmt.Sprintf("Dense(%d, %d", d.in, d.out)
	if d.bias == nil {
		s += ", bias=false"
	}
	if d.act != nil {
		s += fmt.Sprintf(", activation=%v", d.act)
	}
	return s + ")"
}

// applyActivation applies act (if not nil) inside the scope "activation".
func applyActivation(b *graph.Builder, act Layer, y *G.Node) (*G.Node, error) {
	if act == nil {
		return y, nil
	}
	return act.Forward(b, y)
}
