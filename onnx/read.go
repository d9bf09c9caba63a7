package onnx

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/onnx/internal/onnxpb"
	"github.com/pkg/errors"
	"google.golang.org/protobuf/proto"
	"gorgonia.org/tensor"
)

// Supported opsets of the default ONNX domain.
const (
	MinOpset = 6
	MaxOpset = 17
)

// ReadFile imports the ONNX model in the file at path (see Read).
func ReadFile(path string) (*Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, errors.Wrap(err, "onnx: ReadFile")
	}
	m, err := Read(data)
	if err != nil {
		return nil, errors.Wrapf(err, "onnx: ReadFile %s", path)
	}
	return m, nil
}

// Read imports a serialized ONNX model (ModelProto). It checks the whole
// graph before returning: the opset (6 to 17 of the default domain), every
// node's op and attributes against the supported set, that every node
// input is a graph input, an initializer or another node's output, that
// no value is produced twice, that the graph has no cycle, and that every
// initializer's data matches its shape. A failing check is an error naming
// the node, its op and the opset. Float initializers become Params named
// as in the file (BatchNormalization's mean and variance are buffers, the
// rest weights), so the model can be frozen, fine-tuned and saved;
// initializers read as shapes or other settings stay constants.
func Read(data []byte) (*Model, error) {
	var mp onnxpb.ModelProto
	if err := proto.Unmarshal(data, &mp); err != nil {
		return nil, graph.DataErrorf("onnx: not a serialized ONNX model (truncated or corrupt?): %v", err)
	}
	return fromProto(&mp)
}

// nodeSpec is one node of the imported graph.
type nodeSpec struct {
	name   string
	op     string
	ins    []string
	outs   []string
	attrs  map[string]*onnxpb.AttributeProto
	def    *opDef
	opset  int64
	number int // position in the file, for messages about unnamed nodes
}

// where names the node for messages: `node "conv1" (Conv, opset 13)`.
func (n *nodeSpec) where() string {
	name := n.name
	if name == "" {
		name = fmt.Sprintf("#%d", n.number)
	}
	return fmt.Sprintf("node %q (%s, opset %d)", name, n.op, n.opset)
}

func fromProto(mp *onnxpb.ModelProto) (*Model, error) {
	g := mp.GetGraph()
	if g == nil {
		return nil, graph.DataErrorf("onnx: the model has no graph")
	}
	opset := int64(-1)
	for _, os := range mp.GetOpsetImport() {
		if d := os.GetDomain(); d == "" || d == "ai.onnx" {
			opset = os.GetVersion()
		}
	}
	if opset < 0 {
		return nil, graph.DataErrorf("onnx: the model imports no opset of the default ONNX domain")
	}
	if opset < MinOpset || opset > MaxOpset {
		return nil, unsupportedf("onnx: opset %d is not supported (supported: %d to %d)", opset, MinOpset, MaxOpset)
	}
	m := &Model{opset: opset, producer: mp.GetProducerName(), params: map[string]*graph.Param{}, consts: map[string]*tensor.Dense{}}

	// Initializers.
	inits := map[string]*tensor.Dense{}
	var initOrder []string
	for i, tp := range g.GetInitializer() {
		name := tp.GetName()
		if name == "" {
			return nil, graph.DataErrorf("onnx: initializer %d has no name", i)
		}
		if _, dup := inits[name]; dup {
			return nil, graph.DataErrorf("onnx: initializer %q is given twice", name)
		}
		t, err := tensorFromProto(tp)
		if err != nil {
			return nil, errors.Wrap(err, "onnx: initializer")
		}
		inits[name] = t
		initOrder = append(initOrder, name)
	}
	if len(g.GetSparseInitializer()) > 0 {
		return nil, unsupportedf("onnx: sparse initializers are not supported")
	}

	// Graph inputs (initializers excluded: old files list them as inputs too).
	known := map[string]string{} // value name -> what produces it
	for _, name := range initOrder {
		known[name] = "initializer"
	}
	for _, vi := range g.GetInput() {
		if _, ok := inits[vi.GetName()]; ok {
			continue
		}
		info, err := infoOf(vi)
		if err != nil {
			return nil, errors.Wrapf(err, "onnx: graph input %q", vi.GetName())
		}
		if _, dup := known[info.Name]; dup {
			return nil, graph.DataErrorf("onnx: graph input %q is declared twice", info.Name)
		}
		known[info.Name] = "graph input"
		m.inputs = append(m.inputs, info)
	}

	// Nodes: ops, attributes, producers.
	nodes := make([]*nodeSpec, len(g.GetNode()))
	producer := map[string]int{}
	for i, np := range g.GetNode() {
		n := &nodeSpec{name: np.GetName(), op: np.GetOpType(), ins: np.GetInput(), outs: np.GetOutput(), attrs: map[string]*onnxpb.AttributeProto{}, opset: opset, number: i}
		nodes[i] = n
		if d := np.GetDomain(); d != "" && d != "ai.onnx" {
			return nil, unsupportedf("onnx: %s: domain %q is not supported (only the default ONNX domain is)", n.where(), d)
		}
		def, ok := opTable()[n.op]
		if !ok {
			return nil, unsupportedf("onnx: %s: unsupported op %s", n.where(), n.op)
		}
		n.def = def
		for _, a := range np.GetAttribute() {
			if a.GetRefAttrName() != "" {
				return nil, unsupportedf("onnx: %s: attribute %q refers to a function attribute, which is not supported", n.where(), a.GetName())
			}
			if !def.allows(a.GetName(), opset) {
				return nil, unsupportedf("onnx: %s: unsupported attribute %q", n.where(), a.GetName())
			}
			n.attrs[a.GetName()] = a
		}
		if len(n.outs) == 0 {
			return nil, graph.DataErrorf("onnx: %s has no outputs", n.where())
		}
		for _, o := range n.outs {
			if o == "" {
				continue
			}
			if what, dup := known[o]; dup {
				return nil, graph.DataErrorf("onnx: %s: output %q is also produced by %s", n.where(), o, what)
			}
			known[o] = n.where()
			producer[o] = i
		}
	}

	// Dangling inputs and the topological order (Kahn), which also finds cycles.
	deps := make([][]int, len(nodes)) // node -> nodes that consume its outputs
	missing := make([]int, len(nodes))
	for i, n := range nodes {
		for _, in := range n.ins {
			if in == "" {
				continue
			}
			if _, ok := known[in]; !ok {
				return nil, graph.DataErrorf("onnx: %s: input %q is not a graph input, an initializer or the output of a node (dangling input)", n.where(), in)
			}
			if p, ok := producer[in]; ok {
				deps[p] = append(deps[p], i)
				missing[i]++
			}
		}
	}
	var ready, order []int
	for i := range nodes {
		if missing[i] == 0 {
			ready = append(ready, i)
		}
	}
	for len(ready) > 0 {
		i := ready[0]
		ready = ready[1:]
		order = append(order, i)
		for _, j := range deps[i] {
			if missing[j]--; missing[j] == 0 {
				ready = append(ready, j)
			}
		}
	}
	if len(order) != len(nodes) {
		var stuck []string
		for i, n := range nodes {
			if missing[i] > 0 {
				stuck = append(stuck, n.where())
			}
		}
		sort.Strings(stuck)
		if len(stuck) > 3 {
			stuck = append(stuck[:3], "...")
		}
		return nil, graph.DataErrorf("onnx: the graph has a cycle through %s", strings.Join(stuck, ", "))
	}
	for _, i := range order {
		m.nodes = append(m.nodes, nodes[i])
	}

	// Outputs.
	if len(g.GetOutput()) == 0 {
		return nil, graph.DataErrorf("onnx: the graph has no outputs")
	}
	for _, vi := range g.GetOutput() {
		info, err := infoOf(vi)
		if err != nil {
			return nil, errors.Wrapf(err, "onnx: graph output %q", vi.GetName())
		}
		if _, ok := known[info.Name]; !ok {
			return nil, graph.DataErrorf("onnx: graph output %q is not produced by any node", info.Name)
		}
		m.outputs = append(m.outputs, info)
	}

	// Initializers become Params (float data read as data) or constants.
	kinds := initializerKinds(m.nodes, inits)
	for _, name := range initOrder {
		t := inits[name]
		kind, isParam := kinds[name]
		if !isParam {
			m.consts[name] = t
			continue
		}
		p, err := graph.WrapParam(kind, t)
		if err != nil {
			return nil, errors.Wrapf(err, "onnx: initializer %q", name)
		}
		m.params[name] = p
		m.paramOrder = append(m.paramOrder, name)
	}
	return m, nil
}

// initializerKinds decides which initializers become Params: float
// initializers that some node reads as data (not only as a static setting
// such as a shape or scales). BatchNormalization's mean and variance are
// buffers.
func initializerKinds(nodes []*nodeSpec, inits map[string]*tensor.Dense) map[string]graph.Kind {
	kinds := map[string]graph.Kind{}
	for _, n := range nodes {
		for pos, in := range n.ins {
			t, ok := inits[in]
			if !ok || (t.Dtype() != tensor.Float32 && t.Dtype() != tensor.Float64) || n.def.isStatic(pos) {
				continue
			}
			kind := graph.Weight
			if n.op == "BatchNormalization" && (pos == 3 || pos == 4) {
				kind = graph.Buffer
			}
			if old, seen := kinds[in]; seen && old == graph.Weight {
				kind = graph.Weight
			}
			kinds[in] = kind
		}
	}
	return kinds
}

// ValueInfo describes a graph input or output: its name, its ONNX element
// type (such as "FLOAT") and its shape, with -1 for a dimension that is
// not fixed (a named or missing dimension, such as the batch axis).
type ValueInfo struct {
	Name     string
	ElemType string
	Shape    []int
	elem     int32
}

func infoOf(vi *onnxpb.ValueInfoProto) (ValueInfo, error) {
	info := ValueInfo{Name: vi.GetName()}
	if info.Name == "" {
		return info, graph.DataErrorf("has no name")
	}
	tt := vi.GetType().GetTensorType()
	if tt == nil {
		if vi.GetType() == nil {
			return info, nil // untyped: allowed for outputs of old files
		}
		return info, unsupportedf("is not a tensor (sequences, maps and optionals are not supported)")
	}
	info.elem = tt.GetElemType()
	info.ElemType = dtypeName(info.elem)
	if tt.GetShape() != nil {
		for _, d := range tt.GetShape().GetDim() {
			if v, ok := d.GetValue().(*onnxpb.TensorShapeProto_Dimension_DimValue); ok && v.DimValue > 0 {
				info.Shape = append(info.Shape, int(v.DimValue))
			} else {
				info.Shape = append(info.Shape, -1)
			}
		}
	}
	return info, nil
}
