package onnx

import (
	"fmt"
	"reflect"
	"strconv"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	pb "github.com/convnet-go/convnet/onnx/internal/onnxpb"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// How the exporter works
//
// A convnet model is Go code (Forward methods), not a data structure, so the
// exporter traces it: it builds the model's evaluation graph for the given
// input shape with a graph.Builder, which records every layer applied
// through nn.Call (its path, the layer, its input and output nodes). It then
// walks the Gorgonia graph back from the output. A node that is the output
// of a layer the exporter knows (Conv2D, BatchNorm2D, Dense, ...) becomes
// that layer's ONNX nodes, with the layer's settings read from the layer
// and its Params as initializers under their state_dict names; the walk
// goes on from the layer's input. Any other node is glue written between
// layers (nn.Add, nn.Concat, nn.ScaledAdd, nn.MaxUnpool2D in the zoo's
// residual blocks, Inception modules, UNet and SegNet, or ops called
// directly) and becomes
// the ONNX op of its Gorgonia op. Anything else is an error naming the
// layer or op. Axis 0 of every value is left symbolic ("N"), so the file
// runs with any batch size.

const (
	opsetVersion  = 13
	irVersion     = 7 // the IR version of opset 13 (ONNX 1.8)
	batchAxisName = "N"
	inputName     = "input"
	outputName    = "output"
)

// exporter builds one ONNX graph from a traced model.
type exporter struct {
	et         pb.TensorProto_DataType
	dt         tensor.Dtype
	nodes      []*pb.NodeProto
	inits      []*pb.TensorProto
	initNames  map[string]bool
	paramNames map[*graph.Param]string // state_dict names
	leaves     map[*G.Node]graph.LayerCall
	owners     map[*G.Node]graph.LayerCall // deepest call (any layer) by output, for messages
	values     map[*G.Node]string          // ONNX value name of each visited node
	visiting   map[*G.Node]bool
	graphNames map[string]bool        // graph inputs and outputs
	pools      map[*G.Node]poolExport // max poolings by output node, for MaxUnpool
	used       map[string]int
	g          *G.ExprGraph
}

// poolExport remembers an exported MaxPool node, whose Indices output a
// later MaxUnpool may need.
type poolExport struct {
	node    *pb.NodeProto
	attrs   []attr // kernel_shape, strides, pads
	inShape []int  // the shape of the pooled tensor
}

// export builds the ModelProto of the graph that b traced, with the given
// graph inputs and outputs (names and nodes).
func export(m nn.Layer, b *graph.Builder, inNames []string, ins []*G.Node, outNames []string, outs []*G.Node) (*pb.ModelProto, error) {
	dt, err := nn.Dtype(m)
	if err != nil {
		return nil, errors.Wrap(err, "onnx: WriteFile")
	}
	et, err := elemType(dt)
	if err != nil {
		return nil, err
	}
	e := &exporter{
		et: et, dt: dt, initNames: map[string]bool{}, paramNames: map[*graph.Param]string{},
		leaves: map[*G.Node]graph.LayerCall{}, owners: map[*G.Node]graph.LayerCall{},
		values: map[*G.Node]string{}, visiting: map[*G.Node]bool{}, graphNames: map[string]bool{},
		pools: map[*G.Node]poolExport{}, used: map[string]int{}, g: b.Graph(),
	}
	for _, np := range nn.NamedParams(m) {
		e.paramNames[np.Param] = np.Name
	}
	for _, c := range b.Calls() {
		if c.Out == nil || c.Out == c.In {
			continue // identities (Dropout in eval, input checks)
		}
		if prev, ok := e.owners[c.Out]; !ok || c.Depth > prev.Depth {
			e.owners[c.Out] = c
		}
		if !isLeaf(c.Layer) {
			continue
		}
		if prev, ok := e.leaves[c.Out]; !ok || c.Depth > prev.Depth {
			e.leaves[c.Out] = c
		}
	}
	gp := &pb.GraphProto{}
	for i, x := range ins {
		e.graphNames[inNames[i]] = true
		e.values[x] = inNames[i]
		e.used[inNames[i]]++
		gp.Input = append(gp.Input, valueInfo(inNames[i], et, []int(x.Shape()), true))
		if im, ok := m.(*Model); ok && len(im.inputs[i].Shape) == len(x.Shape()) {
			// an imported model keeps its declared shapes: its nodes may
			// fix the batch size (mnist-8 reshapes to (1, 256))
			gp.Input[i] = valueInfo(inNames[i], et, im.inputs[i].Shape, false)
		}
	}
	for _, n := range outNames {
		e.used[n]++
	}
	var modelOuts []string
	if im, ok := m.(*Model); ok { // an imported model: its nodes, not a trace
		if modelOuts, err = e.model(im, "", inNames); err != nil {
			return nil, err
		}
	}
	for i, y := range outs {
		var name string
		if modelOuts != nil {
			name = modelOuts[i]
		} else if name, err = e.visit(y, ""); err != nil {
			return nil, err
		}
		e.nameOutput(name, outNames[i])
		gp.Output = append(gp.Output, valueInfo(outNames[i], et, []int(y.Shape()), true))
		if im, ok := m.(*Model); ok && len(im.outputs[i].Shape) == len(y.Shape()) {
			gp.Output[i] = valueInfo(outNames[i], et, im.outputs[i].Shape, false)
		}
	}
	gname := reflect.TypeOf(m).String()
	if s, ok := m.(fmt.Stringer); ok {
		gname = s.String()
	}
	gp.Name = &gname
	gp.Node = e.nodes
	gp.Initializer = e.inits
	ir, producer, domain, version := int64(irVersion), "convnet", "", int64(opsetVersion)
	return &pb.ModelProto{
		IrVersion:    &ir,
		ProducerName: &producer,
		OpsetImport:  []*pb.OperatorSetIdProto{{Domain: &domain, Version: &version}},
		Graph:        gp,
	}, nil
}

// nameOutput gives the graph output the name out: the node that produces
// the value name is renamed, or, when name is a graph input or output
// already, an Identity node copies it.
func (e *exporter) nameOutput(name, out string) {
	defer func() { e.graphNames[out] = true }()
	if name == out {
		return
	}
	if !e.graphNames[name] {
		for _, n := range e.nodes {
			for j, o := range n.Output {
				if o != name {
					continue
				}
				n.Output[j] = out
				for _, c := range e.nodes {
					for k, in := range c.Input {
						if in == name {
							c.Input[k] = out
						}
					}
				}
				for node, v := range e.values {
					if v == name {
						e.values[node] = out
					}
				}
				return
			}
		}
	}
	e.add("Identity", out, []string{name}, []string{out})
}

// visit returns the ONNX value name of n, exporting what computes it first.
// hint names the value that consumes n, for glue nodes without a name of
// their own.
func (e *exporter) visit(n *G.Node, hint string) (string, error) {
	if name, ok := e.values[n]; ok {
		return name, nil
	}
	if e.visiting[n] {
		return "", errors.Errorf("onnx: internal error: the graph has a cycle at node %q", n.Name())
	}
	e.visiting[n] = true
	defer delete(e.visiting, n)
	var name string
	var err error
	if c, ok := e.leaves[n]; ok {
		in, err := e.visit(c.In, c.Path)
		if err != nil {
			return "", err
		}
		if name, err = e.layer(c, in); err != nil {
			return "", err
		}
	} else {
		name, err = e.glue(n, hint)
		if err != nil {
			return "", err
		}
	}
	e.values[n] = name
	return name, nil
}

// unique returns base, or base_2, base_3, ... if it is taken.
func (e *exporter) unique(base string) string {
	if base == "" {
		base = "value"
	}
	e.used[base]++
	if n := e.used[base]; n > 1 {
		for {
			cand := base + "_" + strconv.Itoa(n)
			if e.used[cand] == 0 {
				e.used[cand]++
				return cand
			}
			n++
		}
	}
	return base
}

// add appends a node of op type op with the given inputs and outputs.
func (e *exporter) add(op, name string, inputs, outputs []string, attrs ...attr) *pb.NodeProto {
	n := &pb.NodeProto{OpType: &op, Name: &name, Input: inputs, Output: outputs}
	for _, a := range attrs {
		n.Attribute = append(n.Attribute, attrProto(a))
	}
	e.nodes = append(e.nodes, n)
	return n
}

// op adds a one-output node named after base and returns its output's name.
func (e *exporter) op(op, base string, inputs []string, attrs ...attr) string {
	out := e.unique(base)
	e.add(op, out, inputs, []string{out}, attrs...)
	return out
}

// param adds p as an initializer under its state_dict name (or path.local
// when the model does not list it) and returns the name.
func (e *exporter) param(p *graph.Param, path, local string) (string, error) {
	name, ok := e.paramNames[p]
	if !ok {
		name = qualify(path, local)
		e.paramNames[p] = name
	}
	if e.initNames[name] {
		return name, nil
	}
	t, err := denseTensor(name, p.Value(), e.et)
	if err != nil {
		return "", err
	}
	e.initNames[name] = true
	e.used[name]++
	e.inits = append(e.inits, t)
	return name, nil
}

// constant adds an initializer that is no Param (a scale of ones, a
// shape) under a name derived from base.
func (e *exporter) constant(t *pb.TensorProto) string {
	name := e.unique(t.GetName())
	t.Name = &name
	e.initNames[name] = true
	e.inits = append(e.inits, t)
	return name
}

// floatConst adds a float constant of the model's element type.
func (e *exporter) floatConst(base string, shape []int, vals []float64) string {
	return e.constant(floatTensor(base, shape, vals, e.et))
}

func qualify(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// where names a layer for messages: `layer "features.3" (*nn.Foo)`.
func where(path string, l any) string {
	if path == "" {
		return fmt.Sprintf("the model (%T)", l)
	}
	return fmt.Sprintf("layer %q (%T)", path, l)
}
