package train

import (
	"fmt"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/train/data"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// stepGraph is one compiled graph for one batch shape: input x, the model
// output and, with a loss, target y and the loss; for training graphs also
// the gradients of the trainable Params.
type stepGraph struct {
	x, y   *G.Node // y is nil without a loss
	xT, yT *tensor.Dense
	outV   G.Value
	lossV  G.Value
	probs  bool // the model ends in nn.Sigmoid: its output is probabilities
	m      G.VM
	bound  []graph.Binding
	train  []graph.Binding
	gradN  G.Nodes // the gradient nodes of train, in the same order
}

// cached returns the graph under key if it is still valid, closing a
// stale one.
func (t *Trainer) cached(key string) *stepGraph {
	sg, ok := t.graphs[key]
	if !ok {
		return nil
	}
	if graph.Stale(sg.bound) {
		sg.m.Close()
		delete(t.graphs, key)
		return nil
	}
	return sg
}

func batchShape(n int, per []int) []int { return append([]int{n}, per...) }

// trainGraph returns the training graph for batches of n examples of ds.
func (t *Trainer) trainGraph(dt tensor.Dtype, frozen string, n int, ds data.Dataset) (*stepGraph, error) {
	key := fmt.Sprintf("train|%v|%v|%v|%s", dt, batchShape(n, ds.XShape()), batchShape(n, ds.YShape()), frozen)
	if sg := t.cached(key); sg != nil {
		return sg, nil
	}
	b := graph.NewBuilder(graph.Train, graph.WithSeed(deriveSeed(t.cfg.Seed, key, 0)))
	sg, loss, err := t.build(b, dt, n, ds, true)
	if err != nil {
		return nil, err
	}
	sg.train = b.Trainable()
	if len(sg.train) == 0 {
		return nil, graph.ArgErrorf("train: the model has no trainable Params (all frozen?)")
	}
	nodes := graph.Nodes(sg.train)
	grads, err := graph.Grad(loss, nodes...)
	if err != nil {
		return nil, errors.Wrap(err, "train: building the training graph")
	}
	// The gradient nodes' values are taken directly after each run: they
	// are outputs of the graph (nothing consumes them), so the machine
	// leaves them in place until the next run. Binding dual values instead
	// would make the machine add every gradient into a second tensor (and
	// the step clear it again), and gorgonia.Read would copy it: extra
	// passes over all weights per step that Gorgonia runs on one core.
	sg.gradN = grads
	sg.m, err = graph.NewMachineLocked(b.Graph(), sg.bound)
	if err != nil {
		return nil, errors.Wrap(err, "train: building the training graph")
	}
	t.graphs[key] = sg
	return sg, nil
}

// evalGraph returns the evaluation graph for batches of n examples of ds,
// with or without the loss.
func (t *Trainer) evalGraph(dt tensor.Dtype, n int, ds data.Dataset, withLoss bool) (*stepGraph, error) {
	key := fmt.Sprintf("eval|%v|%v|%v|%v", dt, batchShape(n, ds.XShape()), batchShape(n, ds.YShape()), withLoss)
	if sg := t.cached(key); sg != nil {
		return sg, nil
	}
	// only run forward: convolutions and their BatchNorms fold (nn.CallChain)
	b := graph.NewBuilder(graph.Eval, graph.WithSeed(deriveSeed(t.cfg.Seed, key, 0)), graph.WithInference())
	sg, _, err := t.build(b, dt, n, ds, withLoss)
	if err != nil {
		return nil, err
	}
	sg.m, err = graph.NewMachineLocked(b.Graph(), sg.bound)
	if err != nil {
		return nil, errors.Wrap(err, "train: building the evaluation graph")
	}
	t.graphs[key] = sg
	return sg, nil
}

// build adds inputs, the model and (withLoss) the loss to b's graph and
// returns the loss node (nil without a loss).
func (t *Trainer) build(b *graph.Builder, dt tensor.Dtype, n int, ds data.Dataset, withLoss bool) (sg *stepGraph, loss *G.Node, err error) {
	xs, ys := batchShape(n, ds.XShape()), batchShape(n, ds.YShape())
	for _, d := range xs[1:] {
		if d <= 0 {
			return nil, nil, graph.ShapeErrorf("train: dataset example shape %s has a non-positive dimension", graph.FormatShape(ds.XShape()))
		}
	}
	sg = &stepGraph{}
	sg.x = b.Input("x", dt, xs...)
	sg.xT = tensor.New(tensor.Of(dt), tensor.WithShape(xs...))
	out, err := nn.Apply(b, t.model, sg.x)
	if err != nil {
		return nil, nil, errors.Wrapf(err, "train: model on input %s", graph.FormatShape(xs))
	}
	if withLoss {
		sg.y = b.Input("y", dt, ys...)
		sg.yT = tensor.New(tensor.Of(dt), tensor.WithShape(ys...))
		if loss, err = t.cfg.Loss.Build(b, out, sg.y); err != nil {
			return nil, nil, wrapOnce(err, "train: loss "+t.cfg.Loss.Name())
		}
		if loss.Shape().TotalSize() != 1 {
			return nil, nil, graph.ShapeErrorf("train: loss %s must be a scalar, got shape %s", t.cfg.Loss.Name(), graph.FormatShape(loss.Shape()))
		}
		G.Read(loss, &sg.lossV)
	}
	G.Read(out, &sg.outV)
	_, sg.probs = b.Logits(out)
	sg.bound = b.Bindings()
	return sg, loss, nil
}

// run copies a host batch into the inputs, runs the graph and returns the
// loss (0 without a loss).
func (sg *stepGraph) run(hb *hostBatch) (float64, error) {
	if err := fill(sg.xT, hb.x); err != nil {
		return 0, err
	}
	if err := G.Let(sg.x, sg.xT); err != nil {
		return 0, errors.Wrap(err, "train: setting the input")
	}
	if sg.y != nil {
		if err := fill(sg.yT, hb.y); err != nil {
			return 0, err
		}
		if err := G.Let(sg.y, sg.yT); err != nil {
			return 0, errors.Wrap(err, "train: setting the target")
		}
	}
	// A training graph writes Params (BatchNorm's running statistics), an
	// evaluation graph only reads them: see graph.LockParams.
	unlock := graph.LockParams(sg.bound, sg.train != nil)
	err := graph.Run(sg.m)
	unlock()
	if err != nil {
		return 0, err
	}
	if sg.y == nil {
		return 0, nil
	}
	return scalar(sg.lossV)
}

// grads pairs every trainable Param with its gradient of the last run.
// The gradient tensors belong to the graph and are overwritten by the next
// run; nothing accumulates across runs.
func (sg *stepGraph) grads() ([]ParamGrad, error) {
	pgs := make([]ParamGrad, len(sg.train))
	for i, bd := range sg.train {
		gv := sg.gradN[i].Value()
		gd, ok := gv.(*tensor.Dense)
		if !ok {
			return nil, errors.Errorf("train: gradient of %q is %T, not a dense tensor", bd.Name, gv)
		}
		if !graph.SameShape(gd.Shape(), bd.Param.Value().Shape()) {
			return nil, errors.Errorf("train: internal error: gradient of %q has shape %v, want %v", bd.Name, gd.Shape(), bd.Param.Value().Shape())
		}
		pgs[i] = ParamGrad{Param: bd.Param, Grad: gd}
	}
	return pgs, nil
}

// fill copies float32 host data into a float32 or float64 tensor.
func fill(dst *tensor.Dense, src []float32) error {
	switch d := dst.Data().(type) {
	case []float32:
		if len(src) < len(d) {
			return errors.Errorf("train: internal error: batch has %d values for %d", len(src), len(d))
		}
		copy(d, src)
	case []float64:
		if len(src) < len(d) {
			return errors.Errorf("train: internal error: batch has %d values for %d", len(src), len(d))
		}
		for i := range d {
			d[i] = float64(src[i])
		}
	default:
		return errors.Errorf("train: input dtype %v is not float32 or float64", dst.Dtype())
	}
	return nil
}

// scalar reads a one-element value.
func scalar(v G.Value) (float64, error) {
	if v == nil {
		return 0, errors.New("train: internal error: the loss was not computed")
	}
	switch d := v.Data().(type) {
	case float32:
		return float64(d), nil
	case float64:
		return d, nil
	case []float32:
		if len(d) == 1 {
			return float64(d[0]), nil
		}
	case []float64:
		if len(d) == 1 {
			return d[0], nil
		}
	}
	return 0, errors.Errorf("train: the loss must be a float scalar, got %v", v)
}

// metricBuffers holds the float64 copies of a batch that metrics read.
type metricBuffers struct {
	pred, target []float64
}

// update converts the graph's output and the host targets and feeds them
// to every metric.
func (mb *metricBuffers) update(metrics []Metric, sg *stepGraph, hb *hostBatch) error {
	o, ok := sg.outV.(tensor.Tensor)
	if !ok || o == nil {
		return errors.Errorf("train: model output is %T, not a tensor", sg.outV)
	}
	pshape := []int(o.Shape().Clone())
	np := o.Shape().TotalSize()
	if cap(mb.pred) < np {
		mb.pred = make([]float64, np)
	}
	mb.pred = mb.pred[:np]
	switch d := o.Data().(type) {
	case []float32:
		for i, v := range d[:np] {
			mb.pred[i] = float64(v)
		}
	case []float64:
		copy(mb.pred, d)
	default:
		vals, err := graph.Float64s(o)
		if err != nil {
			return err
		}
		copy(mb.pred, vals)
	}
	tshape := append([]int{hb.n}, hb.yshape...)
	nt := hb.n * hb.ys
	if cap(mb.target) < nt {
		mb.target = make([]float64, nt)
	}
	mb.target = mb.target[:nt]
	for i, v := range hb.y[:nt] {
		mb.target[i] = float64(v)
	}
	b := Batch{Pred: mb.pred, Target: mb.target, PredShape: pshape, TargetShape: tshape, Probabilities: sg.probs}
	for _, m := range metrics {
		if err := m.Update(b); err != nil {
			return err
		}
	}
	return nil
}
