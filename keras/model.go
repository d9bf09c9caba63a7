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
)

// Model is an imported Keras model: a directed acyclic graph of layers,
// each taking the outputs of earlier layers, with one input and one
// output. It implements nn.Layer and nn.Container; its Params are named
// "<keras layer name>.<param>", such as "Conv1.weight" or
// "bn_Conv1.running_mean".
type Model struct {
	nn.EvalCache
	name   string
	nodes  []*node
	byName map[string]int
	input  int
	output int
	live   []bool // nodes the output depends on
}

type node struct {
	name   string
	class  string
	conv   converted
	inputs []int
}

// Load reads a TF.js layers model: path is model.json or the folder holding
// it; the weight shards are read from the paths in its manifest, relative to
// model.json's folder.
func Load(p string) (*Model, error) {
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
	})
	if err != nil {
		return nil, errors.WithMessage(err, p)
	}
	return m, nil
}

// Read builds a Model from the content of model.json; read returns the
// bytes of each weight shard named in the manifest.
func Read(modelJSON []byte, read ShardReader) (*Model, error) {
	mf, err := ParseModelJSON(modelJSON)
	if err != nil {
		return nil, err
	}
	weights, err := ReadWeights(mf.Manifest, read)
	if err != nil {
		return nil, err
	}
	return Build(mf.Topology, weights)
}

// Build converts a topology with its decoded weights into a Model. Every
// manifest weight must belong to a layer: leftovers are an error, as are
// missing or mis-shaped weights.
func Build(t Topology, weights map[string]*Weight) (*Model, error) {
	if len(t.Inputs) != 1 || len(t.Outputs) != 1 {
		return nil, errors.Errorf("keras: the model has %d inputs and %d outputs; only one of each is supported", len(t.Inputs), len(t.Outputs))
	}
	ws := newWeightSet(weights)
	m := &Model{name: t.Name, byName: map[string]int{}}
	for _, spec := range t.Layers {
		c, err := convertLayer(spec, ws)
		if err != nil {
			return nil, err
		}
		n := &node{name: spec.Name, class: spec.ClassName, conv: c}
		for _, in := range spec.Inbound {
			idx, ok := m.byName[in]
			if !ok {
				return nil, errors.Errorf("keras: %s %q: inbound layer %q is not defined before it", spec.ClassName, spec.Name, in)
			}
			n.inputs = append(n.inputs, idx)
		}
		switch c.kind {
		case kindAdd, kindConcat:
			if len(n.inputs) < 2 {
				return nil, errors.Errorf("keras: %s %q needs at least two inputs, got %d", spec.ClassName, spec.Name, len(n.inputs))
			}
		case kindInput:
		default:
			if len(n.inputs) != 1 {
				return nil, errors.Errorf("keras: %s %q takes one input, got %d", spec.ClassName, spec.Name, len(n.inputs))
			}
		}
		m.byName[spec.Name] = len(m.nodes)
		m.nodes = append(m.nodes, n)
	}
	if left := ws.unused(); len(left) > 0 {
		sort.Strings(left)
		return nil, errors.Errorf("keras: the weights manifest has weights no layer uses: %s", strings.Join(left, ", "))
	}
	m.input = m.byName[t.Inputs[0]]
	m.output = m.byName[t.Outputs[0]]
	if err := m.markLive(); err != nil {
		return nil, err
	}
	return m, nil
}

// markLive finds the nodes the output depends on and checks that the
// output depends on the input and on no other InputLayer.
func (m *Model) markLive() error {
	m.live = make([]bool, len(m.nodes))
	m.live[m.output] = true
	for i := m.output; i >= 0; i-- {
		if !m.live[i] {
			continue
		}
		n := m.nodes[i]
		if n.conv.kind == kindInput && i != m.input {
			return errors.Errorf("keras: the output %q depends on InputLayer %q, which is not the model's input", m.nodes[m.output].name, n.name)
		}
		for _, in := range n.inputs {
			m.live[in] = true
		}
	}
	if !m.live[m.input] {
		return errors.Errorf("keras: the output %q does not depend on the input %q", m.nodes[m.output].name, m.nodes[m.input].name)
	}
	return nil
}

// Output returns a Model that shares this model's layers and weights and
// ends at the named layer, for taking features from inside a network (the
// pooled features of a pretrained backbone).
func (m *Model) Output(name string) (*Model, error) {
	idx, ok := m.byName[name]
	if !ok {
		return nil, errors.Errorf("keras: Model.Output: the model has no layer %q", name)
	}
	sub := &Model{name: m.name, nodes: m.nodes, byName: m.byName, input: m.input, output: idx}
	if err := sub.markLive(); err != nil {
		return nil, err
	}
	return sub, nil
}

// LayerNames returns the Keras layer names in topological order.
func (m *Model) LayerNames() []string {
	out := make([]string, len(m.nodes))
	for i, n := range m.nodes {
		out[i] = n.name
	}
	return out
}

// Layer returns the convnet layer of the named Keras layer, or nil when
// there is none (an unknown name, an InputLayer, Add, Concatenate or a
// linear Activation).
func (m *Model) Layer(name string) nn.Layer {
	idx, ok := m.byName[name]
	if !ok {
		return nil
	}
	return m.nodes[idx].conv.layer
}

// InputShape returns the input shape the Keras model declares, without the
// batch axis and channels first ((C, H, W) for an image model); -1 marks a
// size left open. Spatial sizes other than the declared ones are accepted
// when the layers allow them (a fully convolutional backbone).
func (m *Model) InputShape() []int {
	s := m.nodes[m.input].conv.shape
	if len(s) < 2 {
		return append([]int(nil), s...)
	}
	out := []int{s[len(s)-1]}
	return append(out, s[:len(s)-1]...)
}

// Forward runs the layers the output depends on, in order.
func (m *Model) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	in := m.nodes[m.input]
	if x == nil {
		return nil, graph.ArgErrorf("keras: model %q: input is nil", m.name)
	}
	if want := m.InputShape(); len(want) > 0 {
		got := x.Shape()
		if got.Dims() != len(want)+1 {
			return nil, graph.ShapeErrorf("keras: model %q: input %q must be rank %d (N, %s), got shape %s", m.name, in.name, len(want)+1, layoutOf(len(want)+1), graph.FormatShape(got))
		}
		if want[0] > 0 && got[1] != want[0] {
			return nil, graph.ShapeErrorf("keras: model %q: input %q must have %d channels (axis 1), got shape %s", m.name, in.name, want[0], graph.FormatShape(got))
		}
	}
	vals := make([]*G.Node, len(m.nodes))
	vals[m.input] = x
	for i, n := range m.nodes {
		if !m.live[i] || i == m.input {
			continue
		}
		var err error
		switch n.conv.kind {
		case kindLayer:
			vals[i], err = nn.Call(b, n.name, n.conv.layer, vals[n.inputs[0]])
		case kindIdentity:
			vals[i] = vals[n.inputs[0]]
		case kindAdd:
			vals[i], err = m.merge(b, n, vals, false)
		case kindConcat:
			vals[i], err = m.merge(b, n, vals, true)
		case kindInput:
			err = errors.Errorf("keras: InputLayer %q is not the model's input", n.name)
		}
		if err != nil {
			return nil, err
		}
	}
	return vals[m.output], nil
}

func (m *Model) merge(b *graph.Builder, n *node, vals []*G.Node, concat bool) (*G.Node, error) {
	xs := make([]*G.Node, len(n.inputs))
	for j, in := range n.inputs {
		xs[j] = vals[in]
	}
	b.Enter(n.name)
	defer b.Leave()
	if !concat {
		return nn.Add(b, xs...)
	}
	r := xs[0].Shape().Dims()
	axis := n.conv.axis
	if axis < 0 {
		axis += r
	}
	if axis <= 0 || axis >= r {
		return nil, graph.ShapeErrorf("keras: Concatenate %q: axis %d does not exist in a rank-%d input %s (or is the batch axis)", n.name, n.conv.axis, r, graph.FormatShape(xs[0].Shape()))
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
			return nil, graph.ShapeErrorf("keras: Concatenate %q: input %d has shape %s, input 0 has %s", n.name, j, graph.FormatShape(x.Shape()), graph.FormatShape(xs[0].Shape()))
		}
		for a := 0; a < r; a++ {
			if a != axis && x.Shape()[a] != xs[0].Shape()[a] {
				return nil, graph.ShapeErrorf("keras: Concatenate %q: input %d has shape %s, input 0 has %s; they may differ only on the concatenation axis", n.name, j, graph.FormatShape(x.Shape()), graph.FormatShape(xs[0].Shape()))
			}
		}
	}
	y, err := ops.Concat(axis, xs...)
	if err != nil {
		return nil, errors.Wrapf(err, "keras: Concatenate %q", n.name)
	}
	return y, nil
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
// names, in topological order.
func (m *Model) Children() []nn.Child {
	var out []nn.Child
	for i, n := range m.nodes {
		if m.live[i] && n.conv.kind == kindLayer {
			out = append(out, nn.Child{Name: n.name, Layer: n.conv.layer})
		}
	}
	return out
}

// Params lists the children's Params under their Keras names.
func (m *Model) Params() []graph.NamedParam { return nn.ChildParams(m.Children()...) }

// String names the model and counts its layers.
func (m *Model) String() string {
	live := 0
	for _, l := range m.live {
		if l {
			live++
		}
	}
	return fmt.Sprintf("keras.Model(%q, %d layers, output %q)", m.name, live, m.nodes[m.output].name)
}
