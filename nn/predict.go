package nn

import (
	"fmt"
	"sync"

	"github.com/convnet-go/convnet/graph"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// EvalCache keeps the evaluation graphs Predict compiles for a model, one
// per input shape and dtype. Embed it in a model type (Sequential and the
// zoo's models do) so that repeated Predict calls reuse the compiled graph.
// The zero value is ready to use.
type EvalCache struct {
	mu     sync.Mutex
	graphs map[string]*evalGraph
}

func (c *EvalCache) evalCache() *EvalCache { return c }

type cacher interface{ evalCache() *EvalCache }

type evalGraph struct {
	x     *G.Node
	out   G.Value
	m     G.VM
	bound []graph.Binding
}

// Predict runs l in evaluation mode on x (any batch size but 0) and
// returns a new tensor with the output. x is converted to the dtype of l's
// weights. The compiled graph is cached per input shape when l embeds an
// EvalCache.
//
// Predict may be called from several goroutines at once, on one model or
// on several, and while a Trainer fits the same model (see the package
// documentation, "Concurrency").
func Predict(l Layer, x tensor.Tensor) (tensor.Tensor, error) {
	if l == nil || x == nil {
		return nil, graph.ArgErrorf("nn: Predict: layer and input must not be nil")
	}
	dt, err := Dtype(l)
	if err != nil {
		return nil, errors.Wrap(err, "nn: Predict")
	}
	shape := []int(x.Shape().Clone())
	if len(shape) == 0 {
		return nil, graph.ShapeErrorf("nn: Predict: input must have a batch axis, got a scalar")
	}
	xt, err := inputAs(x, dt, shape)
	if err != nil {
		return nil, errors.Wrap(err, "nn: Predict: input")
	}
	key := fmt.Sprintf("%v%v", dt, shape)

	var cache *EvalCache
	if c, ok := l.(cacher); ok {
		cache = c.evalCache()
		cache.mu.Lock()
		defer cache.mu.Unlock()
	}
	var eg *evalGraph
	if cache != nil && cache.graphs != nil {
		if g, ok := cache.graphs[key]; ok && !graph.Stale(g.bound) {
			eg = g
		}
	}
	if eg == nil {
		if eg, err = buildEval(l, dt, shape); err != nil {
			return nil, err
		}
		if cache != nil {
			if cache.graphs == nil {
				cache.graphs = map[string]*evalGraph{}
			}
			if old, ok := cache.graphs[key]; ok {
				old.m.Close()
			}
			cache.graphs[key] = eg
		}
	}
	if cache == nil {
		defer eg.m.Close()
	}
	if err := G.Let(eg.x, xt); err != nil {
		return nil, errors.Wrap(err, "nn: Predict")
	}
	unlock := graph.LockParams(eg.bound, false)
	err = graph.Run(eg.m)
	unlock()
	if err != nil {
		return nil, errors.Wrap(err, "nn: Predict")
	}
	out, ok := eg.out.(*tensor.Dense)
	if !ok {
		return nil, errors.Errorf("nn: Predict: output is %T, not a dense tensor", eg.out)
	}
	return out.Clone().(*tensor.Dense), nil
}

// inputAs returns a copy of x in dtype dt: a plain copy when x already is a
// dense, non-view tensor of that dtype, a conversion otherwise.
func inputAs(x tensor.Tensor, dt tensor.Dtype, shape []int) (*tensor.Dense, error) {
	if d, ok := x.(*tensor.Dense); ok && d.Dtype() == dt && !d.IsView() {
		return d.Clone().(*tensor.Dense), nil
	}
	vals, err := graph.Float64s(x)
	if err != nil {
		return nil, err
	}
	return graph.FromFloat64s(dt, shape, vals)
}

func buildEval(l Layer, dt tensor.Dtype, shape []int) (*evalGraph, error) {
	b := graph.NewBuilder(graph.Eval, graph.WithInference())
	x := b.Input("input", dt, shape...)
	kind := kindOf(l)
	if err := checkNotEmpty(b, kind, x); err != nil {
		return nil, err
	}
	out, err := Apply(b, l, x)
	if err != nil {
		return nil, err
	}
	if err := b.CheckSizes(); err != nil {
		return nil, wrapLayer(b, kind, err)
	}
	eg := &evalGraph{x: x, bound: b.Bindings()}
	G.Read(out, &eg.out)
	eg.m, err = graph.NewMachineLocked(b.Graph(), eg.bound)
	if err != nil {
		return nil, errors.Wrap(err, "nn: Predict")
	}
	return eg, nil
}
