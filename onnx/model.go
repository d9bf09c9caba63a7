package onnx

import (
	"fmt"
	"strings"
	"sync"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/ops"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Model is an imported ONNX graph. It builds its computation into a
// Gorgonia graph like any convnet layer: with one input and one output it
// is an nn.Layer (nn.Predict, nn.Summary, nn.Freeze, the safetensors
// functions and train.Trainer work on it, and its Params are the float
// initializers under their ONNX names); Run evaluates any model.
//
// Dropout and BatchNormalization follow the builder's mode: in a training
// graph Dropout drops and BatchNormalization normalises with the batch's
// statistics and updates its running statistics (PyTorch's convention), so
// an imported model can be fine-tuned; Run and Predict use evaluation
// mode.
type Model struct {
	nn.EvalCache
	opset      int64
	producer   string
	inputs     []ValueInfo
	outputs    []ValueInfo
	nodes      []*nodeSpec
	params     map[string]*graph.Param
	paramOrder []string
	consts     map[string]*tensor.Dense

	mu   sync.Mutex
	runs map[string]*compiled

	maxElems int // see limit
}

// Opset is the version of the default ONNX domain the model imports.
func (m *Model) Opset() int { return int(m.opset) }

// Inputs describes the graph inputs (initializers excluded), in order.
func (m *Model) Inputs() []ValueInfo { return append([]ValueInfo(nil), m.inputs...) }

// Outputs describes the graph outputs, in order.
func (m *Model) Outputs() []ValueInfo { return append([]ValueInfo(nil), m.outputs...) }

// Ops lists the op types of the graph's nodes, each once, in order of
// first use.
func (m *Model) Ops() []string {
	var out []string
	seen := map[string]bool{}
	for _, n := range m.nodes {
		if !seen[n.op] {
			seen[n.op] = true
			out = append(out, n.op)
		}
	}
	return out
}

// String describes the model: "onnx.Model(opset 13, 53 nodes, 1 input, 1 output)".
func (m *Model) String() string {
	return fmt.Sprintf("onnx.Model(opset %d, %d nodes, %d inputs, %d outputs)", m.opset, len(m.nodes), len(m.inputs), len(m.outputs))
}

// Params lists the float initializers the graph reads as data, under their
// ONNX names, in the file's order.
func (m *Model) Params() []graph.NamedParam {
	out := make([]graph.NamedParam, len(m.paramOrder))
	for i, name := range m.paramOrder {
		out[i] = graph.NamedParam{Name: name, Param: m.params[name]}
	}
	return out
}

// Forward builds a model with one input and one output on x.
func (m *Model) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	if len(m.inputs) != 1 || len(m.outputs) != 1 {
		return nil, graph.ArgErrorf("onnx: Model.Forward needs a model with one input and one output, this one has %d and %d; use ForwardAll or Run", len(m.inputs), len(m.outputs))
	}
	outs, err := m.ForwardAll(b, x)
	if err != nil {
		return nil, err
	}
	return outs[0], nil
}

// ForwardAll builds the model on xs (one node per graph input, in order)
// and returns its outputs. An output that does not depend on the inputs'
// values (such as a Shape) is returned as a constant node.
func (m *Model) ForwardAll(b *graph.Builder, xs ...*G.Node) ([]*G.Node, error) {
	vals, err := m.build(b, xs)
	if err != nil {
		return nil, err
	}
	out := make([]*G.Node, len(m.outputs))
	for i, o := range m.outputs {
		v := vals[o.Name]
		c := &opCtx{b: b, m: m, n: &nodeSpec{name: o.Name, op: "output", opset: m.opset}}
		if out[i], err = c.node(v, o.Name); err != nil {
			return nil, errors.Wrapf(err, "onnx: graph output %q", o.Name)
		}
	}
	return out, nil
}

// build evaluates the graph's nodes in order and returns every value. A
// panic inside Gorgonia while a node is built becomes an error naming the
// node.
func (m *Model) build(b *graph.Builder, xs []*G.Node) (vals map[string]*value, err error) {
	var current *nodeSpec
	defer func() {
		if r := recover(); r != nil {
			where := "the graph"
			if current != nil {
				where = current.where()
			}
			vals, err = nil, errors.Errorf("onnx: %s: internal error while building: %v", where, r)
		}
	}()
	if len(xs) != len(m.inputs) {
		return nil, graph.ArgErrorf("onnx: the model has %d inputs, got %d", len(m.inputs), len(xs))
	}
	vals = map[string]*value{}
	for name, t := range m.consts {
		vals[name] = &value{c: t}
	}
	for name, p := range m.params {
		vals[name] = &value{param: p, pname: name}
	}
	for i, in := range m.inputs {
		x := xs[i]
		if x == nil {
			return nil, graph.ArgErrorf("onnx: input %d (%q) is nil", i, in.Name)
		}
		if err := checkDeclared(in, x.Shape()); err != nil {
			return nil, err
		}
		vals[in.Name] = &value{node: x}
	}
	for _, n := range m.nodes {
		current = n
		ins := make([]*value, len(n.ins))
		for i, name := range n.ins {
			if name != "" {
				ins[i] = vals[name]
			}
		}
		c := &opCtx{b: b, m: m, n: n}
		outs, err := n.def.fn(c, ins)
		if err != nil {
			if strings.HasPrefix(err.Error(), "onnx: node") {
				return nil, err
			}
			return nil, errors.Wrapf(err, "onnx: %s", n.where())
		}
		for i, name := range n.outs {
			if name == "" {
				continue
			}
			if i >= len(outs) || outs[i] == nil {
				return nil, unsupportedf("onnx: %s: output %d (%q) is not supported", n.where(), i, name)
			}
			vals[name] = outs[i]
		}
		for i, v := range outs {
			if v != nil && v.node != nil && v.node.Shape().TotalSize() > m.limit() {
				return nil, unsupportedf("onnx: %s: output %d has shape %s, more than 2^28 elements", n.where(), i, graph.FormatShape(v.node.Shape()))
			}
		}
		m.record(b, n, ins, outs)
	}
	return vals, nil
}

// record adds a node that computes a tensor from the inputs to the
// builder's layer calls, for nn.Summary and for looking at feature maps.
func (m *Model) record(b *graph.Builder, n *nodeSpec, ins, outs []*value) {
	if len(outs) == 0 || outs[0] == nil || outs[0].node == nil {
		return
	}
	var in *G.Node
	for _, v := range ins {
		if v != nil && v.node != nil {
			in = v.node
			break
		}
	}
	nl := &nodeLayer{Name: n.name, Op: n.op}
	if nl.Name == "" {
		nl.Name = fmt.Sprintf("%s_%d", n.op, n.number)
	}
	for _, name := range n.ins {
		if p, ok := m.params[name]; ok {
			nl.params = append(nl.params, graph.NamedParam{Name: name, Param: p})
		}
	}
	b.Record(graph.LayerCall{Path: b.Qualify(nl.Name), Layer: nl, In: in, Out: outs[0].node, Depth: b.Depth() + 1})
}

// nodeLayer stands for one node of an imported graph in the layer calls a
// graph.Builder records (nn.Summary's rows, feature maps): its name, its op
// and the initializers it reads. It cannot run on its own.
type nodeLayer struct {
	Name, Op string
	params   []graph.NamedParam
}

// Forward returns an error: a node runs only inside its Model.
func (l *nodeLayer) Forward(*graph.Builder, *G.Node) (*G.Node, error) {
	return nil, graph.ArgErrorf("onnx: node %q (%s) runs only inside its Model", l.Name, l.Op)
}

// Params lists the initializers the node reads, under their ONNX names.
func (l *nodeLayer) Params() []graph.NamedParam { return l.params }

// String returns the op type.
func (l *nodeLayer) String() string { return l.Op }

// checkDeclared compares an input's shape with its declared shape. The
// batch axis 0 may differ (exporters often fix it at the size they traced
// with); a graph that really depends on it fails at the node that does.
func checkDeclared(in ValueInfo, shape tensor.Shape) error {
	if in.Shape == nil {
		return nil
	}
	ok := len(in.Shape) == len(shape)
	for i := 1; ok && i < len(shape); i++ {
		ok = in.Shape[i] < 0 || in.Shape[i] == shape[i]
	}
	if !ok {
		want := make([]string, len(in.Shape))
		for i, d := range in.Shape {
			want[i] = fmt.Sprint(d)
			if d < 0 {
				want[i] = "?"
			}
		}
		return graph.ShapeErrorf("onnx: input %q must have shape (%s), got %s", in.Name, strings.Join(want, ", "), graph.FormatShape(shape))
	}
	return nil
}

// maxComputed bounds the size of a tensor computed in the graph (2^28
// elements, 1 GiB of float32), so that a corrupt or hostile file cannot
// make a run allocate without limit.
const maxComputed = 1 << 28

// limit is the largest number of elements of a tensor computed or made
// while the graph is built: maxComputed unless maxElems lowers it (tests).
func (m *Model) limit() int {
	if m.maxElems > 0 {
		return m.maxElems
	}
	return maxComputed
}

// compiled is one evaluation graph of Run, for one set of input shapes.
type compiled struct {
	xs    []*G.Node
	outs  []G.Value
	m     G.VM
	bound []graph.Binding
	// static holds the outputs known when the graph is built (Shape,
	// constants), nil for the others.
	static []*tensor.Dense
}

// Run runs the model in evaluation mode on inputs (one per graph input,
// initializers excluded, in declaration order) and returns its outputs in
// order. Float inputs must have the dtype the model declares (float32 for
// FLOAT, float64 for DOUBLE). The compiled graph is cached per input shapes.
// Run may be called from several goroutines at once and together with
// nn.Predict on the model: as nn.Predict, it compiles under the Params'
// write locks and runs under their read locks (graph.LockParams; see the
// nn package's documentation, "Concurrency").
// Outputs declared as integers (MaxPool's Indices, Shape) are int64
// tensors.
func (m *Model) Run(inputs ...*tensor.Dense) ([]*tensor.Dense, error) {
	if len(inputs) != len(m.inputs) {
		return nil, graph.ArgErrorf("onnx: Run: the model has %d inputs (%s), got %d tensors", len(m.inputs), m.inputNames(), len(inputs))
	}
	var key strings.Builder
	for i, x := range inputs {
		if x == nil {
			return nil, graph.ArgErrorf("onnx: Run: input %d (%q) is nil", i, m.inputs[i].Name)
		}
		if dt := x.Dtype(); dt != tensor.Float32 && dt != tensor.Float64 {
			return nil, graph.ArgErrorf("onnx: Run: input %d (%q) has dtype %v; only float32 and float64 inputs are supported", i, m.inputs[i].Name, dt)
		}
		if want := m.inputs[i].elem; (want == 1 && x.Dtype() != tensor.Float32) || (want == 11 && x.Dtype() != tensor.Float64) {
			return nil, graph.ArgErrorf("onnx: Run: input %d (%q) must be %s, got %v", i, m.inputs[i].Name, m.inputs[i].ElemType, x.Dtype())
		}
		fmt.Fprintf(&key, "%v%v;", x.Dtype(), x.Shape())
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.runs == nil {
		m.runs = map[string]*compiled{}
	}
	cg, ok := m.runs[key.String()]
	if ok && graph.Stale(cg.bound) && cg.m != nil {
		cg.m.Close()
		ok = false
	}
	if !ok {
		var err error
		if cg, err = m.compile(inputs); err != nil {
			return nil, err
		}
		m.runs[key.String()] = cg
	}
	for i, x := range inputs {
		if err := G.Let(cg.xs[i], x); err != nil {
			return nil, errors.Wrapf(err, "onnx: Run: input %d", i)
		}
	}
	if cg.m != nil {
		// read locks, as nn.Predict takes them: a Trainer or a Predict may
		// use the same Params
		unlock := graph.LockParams(cg.bound, false)
		err := graph.Run(cg.m)
		unlock()
		if err != nil {
			return nil, errors.Wrap(err, "onnx: Run")
		}
	}
	outs := make([]*tensor.Dense, len(cg.outs))
	for i, v := range cg.outs {
		var d *tensor.Dense
		var err error
		if cg.static[i] != nil {
			d = cg.static[i].Clone().(*tensor.Dense)
		} else if d, err = denseValue(v); err != nil {
			return nil, errors.Wrapf(err, "onnx: Run: output %d (%q)", i, m.outputs[i].Name)
		}
		if outs[i], err = asDeclared(d, m.outputs[i]); err != nil {
			return nil, errors.Wrapf(err, "onnx: Run: output %d (%q)", i, m.outputs[i].Name)
		}
	}
	return outs, nil
}

func (m *Model) inputNames() string {
	names := make([]string, len(m.inputs))
	for i, in := range m.inputs {
		names[i] = fmt.Sprintf("%q", in.Name)
	}
	return strings.Join(names, ", ")
}

func (m *Model) compile(inputs []*tensor.Dense) (*compiled, error) {
	b := graph.NewBuilder(graph.Eval)
	cg := &compiled{xs: make([]*G.Node, len(inputs)), outs: make([]G.Value, len(m.outputs))}
	for i, x := range inputs {
		if x.Shape().Dims() == 0 {
			cg.xs[i] = G.NewScalar(b.Graph(), x.Dtype(), G.WithName(b.UniqueName(m.inputs[i].Name)))
		} else {
			cg.xs[i] = b.Input(m.inputs[i].Name, x.Dtype(), x.Shape().Clone()...)
		}
	}
	vals, err := m.build(b, cg.xs)
	if err != nil {
		return nil, err
	}
	cg.static = make([]*tensor.Dense, len(m.outputs))
	for i, o := range m.outputs {
		v := vals[o.Name]
		if v.c != nil {
			cg.static[i] = v.c
			continue
		}
		c := &opCtx{b: b, m: m, n: &nodeSpec{name: o.Name, op: "output", opset: m.opset}}
		y, err := c.node(v, o.Name)
		if err != nil {
			return nil, errors.Wrapf(err, "onnx: graph output %q", o.Name)
		}
		if y.Op() == nil || isInput(y, cg.xs) {
			// inputs, constants and Params have no op: copy them through
			// one so that they have a value to read after the run.
			if y, err = ops.Scale(y, 1); err != nil {
				return nil, errors.Wrapf(err, "onnx: output %q", m.outputs[i].Name)
			}
		}
		G.Read(y, &cg.outs[i])
	}
	cg.bound = b.Bindings()
	allStatic := true
	for _, st := range cg.static {
		allStatic = allStatic && st != nil
	}
	if allStatic {
		return cg, nil // nothing to compute
	}
	if cg.m, err = graph.NewMachineLocked(b.Graph(), cg.bound); err != nil {
		return nil, errors.Wrap(err, "onnx: Run")
	}
	return cg, nil
}

func isInput(y *G.Node, xs []*G.Node) bool {
	for _, x := range xs {
		if x == y {
			return true
		}
	}
	return false
}

// denseValue copies a Gorgonia value into a new dense tensor.
func denseValue(v G.Value) (*tensor.Dense, error) {
	switch t := v.(type) {
	case *tensor.Dense:
		return t.Clone().(*tensor.Dense), nil
	case *G.F32:
		return tensor.New(tensor.WithShape(), tensor.WithBacking([]float32{float32(*t)})), nil
	case *G.F64:
		return tensor.New(tensor.WithShape(), tensor.WithBacking([]float64{float64(*t)})), nil
	}
	return nil, errors.Errorf("value is %T, not a dense tensor", v)
}

// asDeclared converts a float result to the declared integer type of an
// output (int64 for Indices and Shape outputs).
func asDeclared(d *tensor.Dense, info ValueInfo) (*tensor.Dense, error) {
	switch info.elem {
	case 7, 6: // INT64, INT32
		vals, err := toFloat64s(d)
		if err != nil {
			return nil, err
		}
		ints := make([]int64, len(vals))
		for i, v := range vals {
			ints[i] = int64(v)
		}
		return denseOf(d.Shape().Clone(), ints), nil
	case 9: // BOOL
		vals, err := toFloat64s(d)
		if err != nil {
			return nil, err
		}
		bs := make([]bool, len(vals))
		for i, v := range vals {
			bs[i] = v != 0
		}
		return denseOf(d.Shape().Clone(), bs), nil
	case 1, 11, 0: // FLOAT, DOUBLE, undeclared
		if dt := d.Dtype(); dt == tensor.Float32 || dt == tensor.Float64 || info.elem == 0 {
			return d, nil
		}
		vals, err := toFloat64s(d)
		if err != nil {
			return nil, err
		}
		if info.elem == 11 {
			return makeStatic(tensor.Float64, d.Shape().Clone(), vals), nil
		}
		return makeStatic(tensor.Float32, d.Shape().Clone(), vals), nil
	}
	return d, nil
}
