package train

import (
	"math"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Gradient is the gradient of a loss with respect to one trainable Param,
// with the Param's state_dict name ("features.0.weight"), as Gradients
// returns it.
type Gradient struct {
	Name string
	ParamGrad
}

// Norm returns the L2 norm of the gradient, sqrt(Σ g²).
func (g Gradient) Norm() float64 {
	vals, err := graph.Float64s(g.Grad)
	if err != nil {
		return math.NaN()
	}
	s := 0.0
	for _, v := range vals {
		s += v * v
	}
	return math.Sqrt(s)
}

// Gradients computes the gradient of loss(model(x), y) with respect to
// every trainable Param of model for one batch, in training mode, as a
// training step sees it before the optimizer's update — for looking at
// gradients layer by layer (vanishing gradients) or checking that a frozen
// part of a model gets none. Nothing is updated: the weights and the
// buffers (BatchNorm's running statistics, which a training graph moves)
// are as they were before the call.
//
// x is a batch of inputs and y the matching targets (batch axis first);
// both are converted to the model's dtype. Frozen Params are left out.
// The gradients are copies, each with its Param's shape and dtype, in the
// order of nn.NamedParams (the state_dict order, layer by layer).
func Gradients(model nn.Layer, loss Loss, x, y tensor.Tensor) ([]Gradient, error) {
	if model == nil || loss == nil || x == nil || y == nil {
		return nil, graph.ArgErrorf("train: Gradients: model, loss, x and y must not be nil")
	}
	dt, err := nn.Dtype(model)
	if err != nil {
		return nil, errors.Wrap(err, "train: Gradients")
	}
	xd, err := convert(x, dt)
	if err != nil {
		return nil, errors.Wrap(err, "train: Gradients: x")
	}
	yd, err := convert(y, dt)
	if err != nil {
		return nil, errors.Wrap(err, "train: Gradients: y")
	}
	if xd.Dims() == 0 || yd.Dims() == 0 || xd.Shape()[0] != yd.Shape()[0] {
		return nil, graph.ShapeErrorf("train: Gradients: x and y must have the same batch size (axis 0), got shapes %s and %s",
			graph.FormatShape(xd.Shape()), graph.FormatShape(yd.Shape()))
	}

	snap := takeSnapshot(model)
	grads, err := gradients(model, loss, xd, yd)
	if rerr := snap.restore(); rerr != nil && err == nil {
		err = errors.Wrap(rerr, "train: Gradients")
	}
	if err != nil {
		return nil, err
	}
	return grads, nil
}

func gradients(model nn.Layer, loss Loss, x, y *tensor.Dense) ([]Gradient, error) {
	b := graph.NewBuilder(graph.Train)
	xn := b.InputValue("x", x)
	yn := b.InputValue("y", y)
	out, err := nn.Apply(b, model, xn)
	if err != nil {
		return nil, errors.Wrapf(err, "train: Gradients: model on input %s", graph.FormatShape(x.Shape()))
	}
	l, err := loss.Build(b, out, yn)
	if err != nil {
		return nil, errors.Wrap(wrapOnce(err, "train: loss "+loss.Name()), "train: Gradients")
	}
	if l.Shape().TotalSize() != 1 {
		return nil, graph.ShapeErrorf("train: Gradients: loss %s must be a scalar, got shape %s", loss.Name(), graph.FormatShape(l.Shape()))
	}
	trainable := b.Trainable()
	if len(trainable) == 0 {
		return nil, graph.ArgErrorf("train: Gradients: the model has no trainable Params (all frozen?)")
	}
	nodes := graph.Nodes(trainable)
	if _, err := graph.Grad(l, nodes...); err != nil {
		return nil, errors.Wrap(err, "train: Gradients")
	}
	m, err := graph.NewMachine(b.Graph(), G.BindDualValues(nodes...))
	if err != nil {
		return nil, errors.Wrap(err, "train: Gradients")
	}
	defer m.Close()
	unlock := graph.LockParams(b.Bindings(), true)
	err = graph.Run(m)
	unlock()
	if err != nil {
		return nil, errors.Wrap(err, "train: Gradients")
	}
	byParam := map[*graph.Param]*tensor.Dense{}
	for _, bd := range trainable {
		gv, err := bd.Node.Grad()
		if err != nil {
			return nil, errors.Wrapf(err, "train: Gradients: gradient of %q", bd.Name)
		}
		gd, ok := gv.(*tensor.Dense)
		if !ok {
			return nil, errors.Errorf("train: Gradients: gradient of %q is %T, not a dense tensor", bd.Name, gv)
		}
		byParam[bd.Param] = gd.Clone().(*tensor.Dense)
	}
	grads := make([]Gradient, 0, len(byParam))
	for _, np := range nn.NamedParams(model) {
		if g, ok := byParam[np.Param]; ok {
			grads = append(grads, Gradient{Name: np.Name, ParamGrad: ParamGrad{Param: np.Param, Grad: g}})
			delete(byParam, np.Param)
		}
	}
	if len(byParam) > 0 {
		return nil, errors.Errorf("train: Gradients: internal error: %d bound Params are not among the model's Params", len(byParam))
	}
	return grads, nil
}

// convert returns a new dense tensor of dtype dt with t's values (any
// float dtype, views included), so that the graph never aliases the
// caller's tensor.
func convert(t tensor.Tensor, dt tensor.Dtype) (*tensor.Dense, error) {
	vals, err := graph.Float64s(t)
	if err != nil {
		return nil, err
	}
	return graph.FromFloat64s(dt, t.Shape().Clone(), vals)
}
