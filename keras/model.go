package keras

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/ops"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Model is an imported Keras model: an nn.Functional (a directed acyclic
// graph of layers, each taking the outputs of earlier layers) with one
// input and one output, plus what the Keras file says about them. It
// implements nn.Layer and nn.Container; its Params are named
// "<keras layer name>.<param>", such as "Conv1.weight" or
// "bn_Conv1.running_mean".
type Model struct {
	nn.EvalCache
	name    string
	f       *nn.Functional
	in      *nn.Symbol
	inName  string
	inShape []int // declared input shape without the batch axis (NHWC), -1 unknown
	outName string
	syms    map[string]*nn.Symbol // output symbol of every Keras layer
	layers  map[string]nn.Layer   // convnet layer of every Keras layer that has one
	order   []string              // Keras layer names in topological order
}

// Load reads a TF.js layers model: path is model.json or the folder holding
// it; the weight shards are read from the paths in its manifest, relative to
// model.json's folder.
func Load(p string, opts ...Option) (*Model, error) {
	if st, err := os.Stat(p); err == nil && st.IsDir() {
		p = filepath.Join(p, "model.json")
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, errors.Wrap(err, "keras: Load")
	}
	dir := filepath.Dir(p)
	m, err := Read(data, func(shard string) ([]byte, error) {
		clean := path.Clean(shard)
		if path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
			return nil, errors.Errorf("shard path %q leaves the model's folder", shard)
		}
		return os.ReadFile(filepath.Join(dir, filepath.FromSlash(clean)))
	}, opts...)
	if err != nil {
		return nil, errors.WithMessage(err, p)
	}
	return m, nil
}

// Read builds a Model from the content of model.json; read returns the
// bytes of each weight shard named in the manifest.
func Read(modelJSON []byte, read ShardReader, opts ...Option) (*Model, error) {
	mf, err := parseModelJSON(modelJSON)
	if err != nil {
		return nil, err
	}
	weights, err := readWeights(mf.Manifest, read)
	if err != nil {
		return nil, err
	}
	return build(mf.Topology, weights, opts...)
}

// build converts a topology with its decoded weights into a Model. Every
// manifest weight must belong to a layer: leftovers are an error, as are
// missing or mis-shaped weights.
func build(t topology, weights map[string]*weight, opts ...Option) (*Model, error) {
	var o options
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if o.momentum != nil && !(*o.momentum >= 0 && *o.momentum <= 1) {
		return nil, errors.Errorf("keras: WithMomentum: momentum must be in [0, 1], got %v", *o.momentum)
	}
	if len(t.Inputs) != 1 || len(t.Outputs) != 1 {
		return nil, errors.Errorf("keras: the model has %d inputs and %d outputs; only one of each is supported", len(t.Inputs), len(t.Outputs))
	}
	ws := newWeightSet(weights)
	m := &Model{name: t.Name, syms: map[string]*nn.Symbol{}, layers: map[string]nn.Layer{}, inName: t.Inputs[0], outName: t.Outputs[0]}
	for _, spec := range t.Layers {
		c, err := convertLayer(spec, ws, &o)
		if err != nil {
			return nil, err
		}
		var ins []*nn.Symbol
		for _, in := range spec.Inbound {
			s, ok := m.syms[in]
			if !ok {
				return nil, errors.Errorf("keras: %s %q: inbound layer %q is not defined before it", spec.ClassName, spec.Name, in)
			}
			ins = append(ins, s)
		}
		switch c.kind {
		case kindAdd, kindConcat:
			if len(ins) < 2 {
				return nil, errors.Errorf("keras: %s %q needs at least two inputs, got %d", spec.ClassName, spec.Name, len(ins))
			}
		case kindInput:
		default:
			if len(ins) != 1 {
				return nil, errors.Errorf("keras: %s %q takes one input, got %d", spec.ClassName, spec.Name, len(ins))
			}
		}
		var sym *nn.Symbol
		switch c.kind {
		case kindInput:
			sym = nn.Input(spec.Name)
			if spec.Name == m.inName {
				m.in, m.inShape = sym, c.shape
			}
		case kindLayer:
			sym = nn.Connect(spec.Name, c.layer, ins[0])
			m.layers[spec.Name] = c.layer
		case kindIdentity:
			sym = ins[0]
		case kindAdd:
			sym = nn.Sum(spec.Name, ins...)
		case kindConcat:
			sym = nn.ConnectMulti(spec.Name, concatAxis(spec.Name, c.axis), 1, ins...)[0]
		}
		m.syms[spec.Name] = sym
		m.order = append(m.order, spec.Name)
	}
	if left := ws.unused(); len(left) > 0 {
		sort.Strings(left)
		return nil, errors.Errorf("keras: the weights manifest has weights no layer uses: %s", strings.Join(left, ", "))
	}
	if m.in == nil {
		return nil, errors.Errorf("keras: model input %q is not an InputLayer", m.inName)
	}
	f, err := m.functional(m.outName)
	if err != nil {
		return nil, err
	}
	m.f = f
	return m, nil
}

// functional builds the nn.Functional from the input to the named layer's
// output. nn.NewFunctional initialises the Params; the imported values are
// kept aside and put back.
func (m *Model) functional(outs ...string) (*nn.Functional, error) {
	var saved []*tensor.Dense
	var params []*graph.Param
	for _, name := range m.order {
		if l := m.layers[name]; l != nil {
			for _, np := range l.Params() {
				params = append(params, np.Param)
				saved = append(saved, np.Param.Value().Clone().(*tensor.Dense))
			}
		}
	}
	var syms []*nn.Symbol
	for _, o := range outs {
		s, ok := m.syms[o]
		if !ok {
			return nil, errors.Errorf("keras: model %q has no layer %q", m.name, o)
		}
		syms = append(syms, s)
	}
	f, err := nn.NewFunctional([]*nn.Symbol{m.in}, syms)
	for i, p := range params {
		if err := p.SetValue(saved[i]); err != nil {
			return nil, errors.Wrap(err, "keras: restoring the imported weights")
		}
	}
	if err != nil {
		return nil, errors.WithMessagef(err, "keras: model %q", m.name)
	}
	return f, nil
}

// Output returns a Model that shares this model's layers and weights and
// ends at the named layer, for taking features from inside a network (the
// pooled features of a pretrained backbone).
func (m *Model) Output(name string) (*Model, error) {
	if _, ok := m.syms[name]; !ok {
		return nil, errors.Errorf("keras: Model.Output: the model has no layer %q", name)
	}
	f, err := m.functional(name)
	if err != nil {
		return nil, err
	}
	return &Model{name: m.name, f: f, in: m.in, inName: m.inName, inShape: m.inShape, outName: name,
		syms: m.syms, layers: m.layers, order: m.order}, nil
}

// Outputs returns an nn.Functional sharing this model's layers and weights
// whose outputs are the named layers' outputs, in order, so that one run
// (Functional.Run) gives several of them: the class probabilities and the
// pooled features, or the feature maps of several blocks.
func (m *Model) Outputs(names ...string) (*nn.Functional, error) {
	if len(names) == 0 {
		return nil, errors.New("keras: Model.Outputs: no layer names given")
	}
	return m.functional(names...)
}

// OutputName is the name of the Keras layer whose output the model returns.
func (m *Model) OutputName() string { return m.outName }

// LayerNames returns the Keras layer names in topological order.
func (m *Model) LayerNames() []string { return append([]string(nil), m.order...) }

// Layer returns the convnet layer of the named Keras layer, or nil when
// there is none (an unknown name, an InputLayer, Add, Concatenate or a
// linear Activation).
func (m *Model) Layer(name string) nn.Layer { return m.layers[name] }

// Functional returns the model's nn.Functional.
func (m *Model) Functional() *nn.Functional { return m.f }

// InputShape returns the input shape the Keras model declares, without the
// batch axis and channels first ((C, H, W) for an image model); -1 marks a
// size left open. Spatial sizes other than the declared ones are accepted
// when the layers allow them (a fully convolutional backbone).
func (m *Model) InputShape() []int {
	s := m.inShape
	if len(s) < 2 {
		return append([]int(nil), s...)
	}
	out := []int{s[len(s)-1]}
	return append(out, s[:len(s)-1]...)
}

// Forward checks x's rank and channels against the declared input and runs
// the layers.
func (m *Model) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	if x == nil {
		return nil, graph.ArgErrorf("keras: model %q: input is nil", m.name)
	}
	if want := m.InputShape(); len(want) > 0 {
		got := x.Shape()
		if got.Dims() != len(want)+1 {
			return nil, graph.ShapeErrorf("keras: model %q: input %q must be rank %d (N, %s), got shape %s", m.name, m.inName, len(want)+1, layoutOf(len(want)+1), graph.FormatShape(got))
		}
		if want[0] > 0 && got[1] != want[0] {
			return nil, graph.ShapeErrorf("keras: model %q: input %q must have %d channels (axis 1), got shape %s", m.name, m.inName, want[0], graph.FormatShape(got))
		}
	}
	return m.f.Forward(b, x)
}

// concatAxis is Keras's Concatenate along axis (Keras's numbering: batch 0,
// channels last) as a merge of convnet tensors (channels at axis 1).
func concatAxis(name string, kerasAxis int) nn.MergeFunc {
	return func(b *graph.Builder, xs ...*G.Node) (*G.Node, error) {
		r := xs[0].Shape().Dims()
		axis := kerasAxis
		if axis < 0 {
			axis += r
		}
		if axis <= 0 || axis >= r {
			return nil, graph.ShapeErrorf("keras: Concatenate %q: axis %d does not exist in a rank-%d input %s (or is the batch axis)", name, kerasAxis, r, graph.FormatShape(xs[0].Shape()))
		}
		// Keras axes (N, d1, ..., C) -> convnet's (N, C, d1, ...)
		switch {
		case r == 2:
		case axis == r-1:
			axis = 1
		default:
			axis++
		}
		for j, x := range xs {
			if x.Shape().Dims() != r {
				return nil, graph.ShapeErrorf("keras: Concatenate %q: input %d has shape %s, input 0 has %s", name, j, graph.FormatShape(x.Shape()), graph.FormatShape(xs[0].Shape()))
			}
			for a := 0; a < r; a++ {
				if a != axis && x.Shape()[a] != xs[0].Shape()[a] {
					return nil, graph.ShapeErrorf("keras: Concatenate %q: input %d has shape %s, input 0 has %s; they may differ only on the concatenation axis", name, j, graph.FormatShape(x.Shape()), graph.FormatShape(xs[0].Shape()))
				}
			}
		}
		y, err := ops.Concat(axis, xs...)
		if err != nil {
			return nil, errors.Wrapf(err, "keras: Concatenate %q", name)
		}
		return y, nil
	}
}

func layoutOf(rank int) string {
	switch rank {
	case 2:
		return "features"
	case 3:
		return "C, L"
	case 4:
		return "C, H, W"
	}
	return "C, ..."
}

// Children lists the layers the output depends on, named by their Keras
// names.
func (m *Model) Children() []nn.Child { return m.f.Children() }

// Params lists the children's Params under their Keras names.
func (m *Model) Params() []graph.NamedParam { return m.f.Params() }

// String names the model, its input and its output layer.
func (m *Model) String() string {
	return fmt.Sprintf("keras.Model(%q, input %q, output %q)", m.name, m.inName, m.outName)
}
