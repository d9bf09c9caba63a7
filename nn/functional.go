package nn

import (
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// MultiLayer is a layer with any number of inputs and outputs, for
// functional models: merges (Add, Concat), splits, and imported graph
// nodes. Layers with one input and one output are plain Layers.
type MultiLayer interface {
	// ForwardMulti adds the layer's computation on xs to b's graph and
	// returns its outputs.
	ForwardMulti(b *graph.Builder, xs []*G.Node) ([]*G.Node, error)
	// Params lists the layer's weights and buffers with names relative to
	// the layer.
	Params() []graph.NamedParam
}

// MergeFunc turns a function of several nodes into a MultiLayer without
// Params and with one output; nn.Add and nn.Concat are such functions:
//
//	sum := nn.ConnectMulti("sum", nn.MergeFunc(nn.Add), 1, a, b)[0]
type MergeFunc func(b *graph.Builder, xs ...*G.Node) (*G.Node, error)

// ForwardMulti calls the function.
func (f MergeFunc) ForwardMulti(b *graph.Builder, xs []*G.Node) ([]*G.Node, error) {
	y, err := f(b, xs...)
	if err != nil {
		return nil, err
	}
	return []*G.Node{y}, nil
}

// Params is empty.
func (f MergeFunc) Params() []graph.NamedParam { return nil }

// Symbol is a symbolic tensor of a functional model: a model input (made by
// Input) or an output of a layer application (made by Connect, ConnectMulti,
// Sum and Cat). Symbols hold no values; NewFunctional turns the graph of
// applications between input and output Symbols into a model.
//
// Errors in an application (a nil layer, a nil input) are kept in the
// Symbol and reported by NewFunctional, so models are written without an
// error check per line.
type Symbol struct {
	name  string
	app   *application // nil for an input
	index int          // output index of app
	err   error
}

// Name returns the symbol's name: the input's name, the application's name
// for a one-output layer, or "name:i" for output i of a multi-output one.
func (s *Symbol) Name() string {
	if s == nil {
		return "<nil>"
	}
	return s.name
}

// application is one call of a layer on symbols.
type application struct {
	name   string
	layer  Layer      // one input, one output
	multi  MultiLayer // otherwise
	ins    []*Symbol
	nOut   int
	outs   []*Symbol
	errIns error
}

// Input returns a new symbolic model input. name describes it in errors
// and summaries; the position of the symbol in NewFunctional's inputs
// decides the order of the model's inputs.
func Input(name string) *Symbol { return &Symbol{name: name} }

// Connect applies layer to x under the name (a state_dict prefix: the layer's
// Params are "name.weight", ...) and returns the output symbol. Applying
// the same Layer value twice shares its weights; its Params are then named
// after its first application.
func Connect(name string, layer Layer, x *Symbol) *Symbol {
	a := &application{name: name, layer: layer, ins: []*Symbol{x}, nOut: 1}
	switch {
	case layer == nil:
		a.errIns = argError("Connect", "layer %q is nil", name)
	case x == nil:
		a.errIns = argError("Connect", "layer %q: input is nil", name)
	}
	return a.outputs()[0]
}

// ConnectMulti applies a MultiLayer to xs under the name and returns its nOut
// output symbols (the layer must return exactly nOut nodes).
func ConnectMulti(name string, layer MultiLayer, nOut int, xs ...*Symbol) []*Symbol {
	a := &application{name: name, multi: layer, ins: xs, nOut: nOut}
	switch {
	case layer == nil:
		a.errIns = argError("ConnectMulti", "layer %q is nil", name)
	case nOut < 1:
		a.errIns = argError("ConnectMulti", "layer %q: number of outputs must be >= 1, got %d", name, nOut)
		a.nOut = 1
	case len(xs) == 0:
		a.errIns = argError("ConnectMulti", "layer %q: needs at least one input", name)
	}
	for i, x := range xs {
		if x == nil && a.errIns == nil {
			a.errIns = argError("ConnectMulti", "layer %q: input %d is nil", name, i)
		}
	}
	return a.outputs()
}

// Sum is ConnectMulti of nn.Add: the elementwise sum of symbols of one shape
// (a residual merge).
func Sum(name string, xs ...*Symbol) *Symbol {
	return ConnectMulti(name, MergeFunc(Add), 1, xs...)[0]
}

// Cat is ConnectMulti of nn.Concat: the concatenation of symbols along the
// channel axis 1 (a skip connection of a UNet, the branches of an
// Inception module).
func Cat(name string, xs ...*Symbol) *Symbol {
	return ConnectMulti(name, MergeFunc(Concat), 1, xs...)[0]
}

func (a *application) outputs() []*Symbol {
	a.outs = make([]*Symbol, a.nOut)
	for i := range a.outs {
		name := a.name
		if a.nOut > 1 {
			name = fmt.Sprintf("%s:%d", a.name, i)
		}
		a.outs[i] = &Symbol{name: name, app: a, index: i, err: a.errIns}
	}
	return a.outs
}

// Functional is a model made of layers applied to symbolic inputs, Keras's
// functional API in Go: any directed acyclic graph of layers, with any
// number of inputs and outputs, skip connections and concatenations
// anywhere.
//
//	x := nn.Input("image")
//	h := nn.Connect("conv1", conv1, x)
//	y := nn.Connect("conv2", conv2, h)
//	out := nn.Cat("cat", h, y) // a skip connection
//	m, err := nn.NewFunctional([]*nn.Symbol{x}, []*nn.Symbol{out})
//
// With one input and one output a Functional is an nn.Layer (Forward), so
// Predict, Summary, Freeze, the safetensors functions and train.Trainer
// work on it. With several, ForwardAll builds all outputs and Run runs
// them; to train a model with several outputs with one loss per output,
// use Packed with train.PerOutput (see Packed).
//
// Params are named after the applications, state_dict style:
// "conv1.weight", "conv1.bias", "conv2.weight", ...
type Functional struct {
	EvalCache
	inputs  []*Symbol
	outputs []*Symbol
	apps    []*application // topological order
	first   map[any]string // layer -> name of its first application

	runs runCache
}

// NewFunctional returns the model computing outputs from inputs. Every
// input a output depends on must be among inputs, names of applications
// must be unique and without dots, and every input must be used. Like the
// other containers it keeps its layers' weights (a pretrained block stays
// pretrained); call Initialize to redraw them all from a seed.
func NewFunctional(inputs, outputs []*Symbol) (*Functional, error) {
	if len(inputs) == 0 || len(outputs) == 0 {
		return nil, argError("NewFunctional", "need at least one input and one output, got %d and %d", len(inputs), len(outputs))
	}
	isInput := map[*Symbol]int{}
	for i, s := range inputs {
		switch {
		case s == nil:
			return nil, argError("NewFunctional", "input %d is nil", i)
		case s.app != nil:
			return nil, argError("NewFunctional", "input %d (%q) is the output of layer %q, not a symbol made by nn.Input", i, s.name, s.app.name)
		}
		if j, dup := isInput[s]; dup {
			return nil, argError("NewFunctional", "input %q is given twice (positions %d and %d)", s.name, j, i)
		}
		isInput[s] = i
	}
	f := &Functional{inputs: append([]*Symbol(nil), inputs...), outputs: append([]*Symbol(nil), outputs...), first: map[any]string{}}
	visited := map[*application]bool{}
	used := map[*Symbol]bool{}
	names := map[string]bool{}
	var visit func(s *Symbol, from string) error
	visit = func(s *Symbol, from string) error {
		if s.err != nil {
			return s.err
		}
		if s.app == nil {
			if _, ok := isInput[s]; !ok {
				return argError("NewFunctional", "%s depends on input %q, which is not among the model's inputs", from, s.name)
			}
			used[s] = true
			return nil
		}
		a := s.app
		if visited[a] {
			return nil
		}
		visited[a] = true
		for _, in := range a.ins {
			if err := visit(in, fmt.Sprintf("layer %q", a.name)); err != nil {
				return err
			}
		}
		switch {
		case a.name == "" || strings.Contains(a.name, "."):
			return argError("NewFunctional", "layer names must be non-empty and without dots, got %q", a.name)
		case names[a.name]:
			return argError("NewFunctional", "layer name %q is used twice", a.name)
		}
		names[a.name] = true
		f.apps = append(f.apps, a)
		key := a.key()
		if _, ok := f.first[key]; !ok {
			f.first[key] = a.name
		}
		return nil
	}
	for i, s := range outputs {
		if s == nil {
			return nil, argError("NewFunctional", "output %d is nil", i)
		}
		if err := visit(s, fmt.Sprintf("output %d (%q)", i, s.name)); err != nil {
			return nil, err
		}
	}
	for i, s := range inputs {
		if !used[s] {
			return nil, argError("NewFunctional", "input %d (%q) is not used by any output", i, s.name)
		}
	}
	return f, nil
}

// key identifies the layer for weight sharing: the layer value itself when
// it is a pointer (applying the same pointer twice shares its weights),
// the application otherwise (values such as MergeFunc may not be
// comparable, and copies of a value share nothing).
func (a *application) key() any {
	var l any = a.multi
	if a.layer != nil {
		l = a.layer
	}
	if reflect.ValueOf(l).Kind() == reflect.Pointer {
		return l
	}
	return a
}

// NumInputs is the number of model inputs.
func (f *Functional) NumInputs() int { return len(f.inputs) }

// NumOutputs is the number of model outputs.
func (f *Functional) NumOutputs() int { return len(f.outputs) }

// Forward applies a model with one input and one output to x. Models with
// several inputs or outputs return an error; use ForwardAll.
func (f *Functional) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	if len(f.inputs) != 1 || len(f.outputs) != 1 {
		return nil, layerError(b, "Functional", graph.ErrArg, "Forward needs a model with one input and one output, this one has %d and %d; use ForwardAll (or Packed to train it)", len(f.inputs), len(f.outputs))
	}
	ys, err := f.ForwardAll(b, x)
	if err != nil {
		return nil, err
	}
	return ys[0], nil
}

// ForwardAll applies the model to xs (one node per input, in order) and
// returns its outputs in order.
func (f *Functional) ForwardAll(b *graph.Builder, xs ...*G.Node) ([]*G.Node, error) {
	if len(xs) != len(f.inputs) {
		return nil, layerError(b, "Functional", graph.ErrArg, "model has %d inputs, got %d nodes", len(f.inputs), len(xs))
	}
	vals := map[*Symbol]*G.Node{}
	for i, s := range f.inputs {
		if xs[i] == nil {
			return nil, layerError(b, "Functional", graph.ErrArg, "input %d (%q) is nil", i, s.name)
		}
		vals[s] = xs[i]
	}
	for _, a := range f.apps {
		ins := make([]*G.Node, len(a.ins))
		for i, s := range a.ins {
			ins[i] = vals[s]
		}
		scope := f.first[a.key()]
		if a.layer != nil {
			y, err := Call(b, scope, a.layer, ins[0])
			if err != nil {
				return nil, err
			}
			vals[a.outs[0]] = y
			continue
		}
		b.Enter(scope)
		ys, err := a.multi.ForwardMulti(b, ins)
		if err == nil && len(ys) != a.nOut {
			err = layerError(b, "Functional", graph.ErrArg, "layer %q returned %d outputs, ConnectMulti declared %d", a.name, len(ys), a.nOut)
		}
		if err == nil {
			b.Record(graph.LayerCall{Path: b.Path(), Layer: a.multi, In: ins[0], Out: ys[0], Depth: b.Depth()})
		}
		b.Leave()
		if err != nil {
			return nil, err
		}
		for i, y := range ys {
			vals[a.outs[i]] = y
		}
	}
	out := make([]*G.Node, len(f.outputs))
	for i, s := range f.outputs {
		out[i] = vals[s]
	}
	return out, nil
}

// Params lists the Params of every distinct layer under the name of its
// first application.
func (f *Functional) Params() []graph.NamedParam { return ChildParams(f.Children()...) }

// Children returns the distinct layers that have Params under the names of
// their first applications (layers without Params, such as merges, are
// left out unless they are Layers).
func (f *Functional) Children() []Child {
	var cs []Child
	seen := map[any]bool{}
	for _, a := range f.apps {
		k := a.key()
		if seen[k] {
			continue
		}
		seen[k] = true
		if a.layer != nil {
			cs = append(cs, Child{Name: a.name, Layer: a.layer})
		} else if len(a.multi.Params()) > 0 {
			cs = append(cs, Child{Name: a.name, Layer: multiAsLayer{a.multi}})
		}
	}
	return cs
}

// multiAsLayer lets a MultiLayer be listed among Children (for Params,
// Freeze and Initialize); its Forward applies it to one input.
type multiAsLayer struct{ m MultiLayer }

func (l multiAsLayer) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	ys, err := l.m.ForwardMulti(b, []*G.Node{x})
	if err != nil {
		return nil, err
	}
	if len(ys) != 1 {
		return nil, layerError(b, "Functional", graph.ErrArg, "layer returned %d outputs, want 1", len(ys))
	}
	return ys[0], nil
}

func (l multiAsLayer) Params() []graph.NamedParam { return l.m.Params() }

// String describes the model.
func (f *Functional) String() string {
	return fmt.Sprintf("Functional(%d inputs, %d layers, %d outputs)", len(f.inputs), len(f.apps), len(f.outputs))
}

type multiGraph struct {
	xs    []*G.Node
	outs  []G.Value
	m     G.VM
	bound []graph.Binding
}

// Run runs the model in evaluation mode on xs (one tensor per input, in
// order, all of one float dtype) and returns new tensors with the outputs.
// The compiled graph is cached per input shapes and dtype. Params are
// converted to nothing: the inputs must have the dtype of the weights
// (nn.Dtype) when the model has weights.
func (f *Functional) Run(xs ...*tensor.Dense) ([]*tensor.Dense, error) {
	if len(xs) != len(f.inputs) {
		return nil, graph.ArgErrorf("nn: Functional.Run: model has %d inputs, got %d tensors", len(f.inputs), len(xs))
	}
	return f.runs.Run(xs, len(f.outputs), func(b *graph.Builder, nodes []*G.Node) ([]*G.Node, error) {
		return f.ForwardAll(b, nodes...)
	})
}

// runCache keeps the compiled evaluation graphs of a Functional model with
// several inputs or outputs, one per input shapes and dtypes. The zero
// value is ready to use; it is safe for concurrent use.
type runCache struct {
	mu     sync.Mutex
	graphs map[string]*multiGraph
}

// Run compiles (once per input shapes and dtypes) and runs an evaluation
// graph built by forward on inputs xs, and returns copies of its nOut
// outputs. It is the engine of Functional.Run.
func (c *runCache) Run(xs []*tensor.Dense, nOut int, forward func(b *graph.Builder, xs []*G.Node) ([]*G.Node, error)) ([]*tensor.Dense, error) {
	var key strings.Builder
	for i, x := range xs {
		if x == nil {
			return nil, graph.ArgErrorf("nn: Run: input %d is nil", i)
		}
		if x.Dtype() != tensor.Float32 && x.Dtype() != tensor.Float64 {
			return nil, graph.ArgErrorf("nn: Run: input %d has dtype %v, want float32 or float64", i, x.Dtype())
		}
		fmt.Fprintf(&key, "%v%v;", x.Dtype(), x.Shape())
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.graphs == nil {
		c.graphs = map[string]*multiGraph{}
	}
	mg, ok := c.graphs[key.String()]
	if ok && graph.Stale(mg.bound) {
		mg.m.Close()
		ok = false
	}
	if !ok {
		b := graph.NewBuilder(graph.Eval, graph.WithInference())
		nodes := make([]*G.Node, len(xs))
		for i, x := range xs {
			name := fmt.Sprintf("input%d", i)
			if len(x.Shape()) == 0 {
				nodes[i] = G.NewScalar(b.Graph(), x.Dtype(), G.WithName(b.UniqueName(name)))
			} else {
				nodes[i] = b.Input(name, x.Dtype(), x.Shape().Clone()...)
			}
		}
		ys, err := forward(b, nodes)
		if err != nil {
			return nil, err
		}
		if len(ys) != nOut {
			return nil, errors.Errorf("nn: Run: internal error: %d outputs, want %d", len(ys), nOut)
		}
		mg = &multiGraph{xs: nodes, outs: make([]G.Value, nOut), bound: b.Bindings()}
		for i, y := range ys {
			// An output that is an input or a Param is copied through an
			// identity op, so that it has a value to read after the run.
			if y.Op() == nil {
				if y, err = ops.Scale(y, 1); err != nil {
					return nil, errors.Wrap(err, "nn: Run")
				}
			}
			G.Read(y, &mg.outs[i])
		}
		if mg.m, err = graph.NewMachineLocked(b.Graph(), mg.bound); err != nil {
			return nil, errors.Wrap(err, "nn: Run")
		}
		c.graphs[key.String()] = mg
	}
	for i, x := range xs {
		if err := G.Let(mg.xs[i], x); err != nil {
			return nil, errors.Wrapf(err, "nn: Run: input %d", i)
		}
	}
	// read locks, as in Predict: a Trainer may be training the same layers
	unlock := graph.LockParams(mg.bound, false)
	err := graph.Run(mg.m)
	unlock()
	if err != nil {
		return nil, errors.Wrap(err, "nn: Run")
	}
	outs := make([]*tensor.Dense, nOut)
	for i, v := range mg.outs {
		d, ok := v.(*tensor.Dense)
		if !ok {
			if s, isScalar := v.(G.Scalar); isScalar {
				d = tensor.New(tensor.FromScalar(s.Data()))
			} else {
				return nil, errors.Errorf("nn: Run: output %d is %T, not a dense tensor", i, v)
			}
		}
		outs[i] = d.Clone().(*tensor.Dense)
	}
	return outs, nil
}

// Packed returns a one-input, one-output view of a model with one input and
// several outputs, for training it with train.Trainer and one loss per
// output: its output is every output of the model flattened per example and
// concatenated, (N, size_0 + size_1 + ...), in output order. Give the
// Trainer a dataset whose targets are the per-example targets flattened
// and concatenated the same way, and the loss train.PerOutput, which cuts
// both apart again and sums one loss per output. The Packed view shares the
// model's Params.
func (f *Functional) Packed() (Layer, error) {
	if len(f.inputs) != 1 {
		return nil, argError("Functional.Packed", "model must have one input, has %d", len(f.inputs))
	}
	return &packed{f: f}, nil
}

type packed struct {
	EvalCache
	f *Functional
}

func (p *packed) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	ys, err := p.f.ForwardAll(b, x)
	if err != nil {
		return nil, err
	}
	flat := make([]*G.Node, len(ys))
	for i, y := range ys {
		s := y.Shape()
		if s.Dims() < 1 {
			return nil, layerError(b, "Functional.Packed", graph.ErrShape, "output %d is a scalar; outputs need a batch axis", i)
		}
		if flat[i], err = ops.Reshape(y, s[0], s.TotalSize()/s[0]); err != nil {
			return nil, errors.Wrapf(err, "nn: Functional.Packed: output %d", i)
		}
	}
	if len(flat) == 1 {
		return flat[0], nil
	}
	return ops.Concat(1, flat...)
}

func (p *packed) Params() []graph.NamedParam { return p.f.Params() }

func (p *packed) Children() []Child { return p.f.Children() }

func (p *packed) String() string { return fmt.Sprintf("Packed(%v)", p.f) }
