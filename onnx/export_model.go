package onnx

import (
	"encoding/binary"
	"sort"
	"strconv"

	"github.com/convnet-go/convnet/graph"
	pb "github.com/convnet-go/convnet/onnx/internal/onnxpb"
	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// This file exports imported models (*Model): their ONNX nodes are written
// again, with their Params' current values (an imported model may have
// been fine-tuned), inside the exported graph. The file is written at
// opset 13, so every node must mean at opset 13 what it meant at the
// model's opset.

// stableSince gives, for each op the exporter copies, the first opset from
// which the op's definition (for float inference) is the one of opset 13.
// Ops missing here, or from a model of an older opset, are an error.
var stableSince = map[string]int64{
	"Abs": 6, "Neg": 6, "Exp": 6, "Log": 6, "Sqrt": 6, "Reciprocal": 6, "Floor": 6, "Ceil": 6,
	"Relu": 6, "Sigmoid": 6, "Tanh": 6, "LeakyRelu": 6, "Elu": 6, "Selu": 6, "HardSigmoid": 6,
	"Softplus": 1, "Softsign": 1, "PRelu": 9,
	"Add": 7, "Sub": 7, "Mul": 7, "Div": 7, "Pow": 7, "Sum": 8, "Max": 8, "Min": 8, "Mean": 8,
	"Conv": 1, "ConvTranspose": 11, "MaxPool": 1, "AveragePool": 1, "GlobalAveragePool": 1, "GlobalMaxPool": 1,
	"BatchNormalization": 9, "Gemm": 7, "MatMul": 1, "Flatten": 1, "Reshape": 5, "Concat": 4,
	"Transpose": 1, "Identity": 1, "Shape": 1, "Gather": 1, "Constant": 1, "Cast": 6,
	"Clip": 11, "Pad": 11, "Softmax": 13, "LogSoftmax": 13, "Squeeze": 13, "Unsqueeze": 13, "Resize": 13,
}

// model exports the imported model m applied to the values ins under the
// path and returns the names of its outputs.
func (e *exporter) model(m *Model, path string, ins []string) ([]string, error) {
	if len(ins) != len(m.inputs) {
		return nil, graph.ArgErrorf("onnx: WriteFile: %s: the model has %d inputs, got %d", where(path, m), len(m.inputs), len(ins))
	}
	names := map[string]string{} // the model's value names -> ours
	for i, in := range m.inputs {
		names[in.Name] = ins[i]
	}
	prefix := path
	if prefix != "" {
		prefix += "/"
	}
	for _, name := range m.paramOrder {
		n, err := e.param(m.params[name], path, name)
		if err != nil {
			return nil, err
		}
		names[name] = n
	}
	for _, name := range sortedConsts(m.consts) {
		t := m.consts[name]
		tp, err := anyTensor(prefix+name, t)
		if err != nil {
			return nil, errors.WithMessagef(err, "onnx: WriteFile: %s: constant %q", where(path, m), name)
		}
		names[name] = e.constant(tp)
	}
	for _, n := range m.nodes {
		if n.op == "Dropout" { // the identity in evaluation mode
			if len(n.outs) > 1 && n.outs[1] != "" {
				return nil, graph.ArgErrorf("onnx: WriteFile: %s: %s: its mask output cannot be exported", where(path, m), n.where())
			}
			names[n.outs[0]] = names[n.ins[0]]
			continue
		}
		since, ok := stableSince[n.op]
		if !ok || n.opset < since {
			why := "the exporter does not copy this op"
			if ok {
				why = "the op changed before opset " + strconv.FormatInt(since, 10)
			}
			return nil, graph.ArgErrorf("onnx: WriteFile: %s: %s cannot be written at opset 13: %s", where(path, m), n.where(), why)
		}
		inputs := make([]string, len(n.ins))
		for i, in := range n.ins {
			if in == "" {
				continue
			}
			v, ok := names[in]
			if !ok {
				return nil, errors.Errorf("onnx: internal error: %s reads %q before it is computed", n.where(), in)
			}
			inputs[i] = v
		}
		outputs := make([]string, len(n.outs))
		for i, o := range n.outs {
			if o != "" {
				outputs[i] = e.unique(prefix + o)
				names[o] = outputs[i]
			}
		}
		name := n.name
		if name == "" {
			name = n.op
		}
		node := &pb.NodeProto{OpType: &n.op, Input: inputs, Output: outputs}
		nodeName := e.unique(prefix + name + "#node")
		node.Name = &nodeName
		for _, key := range sortedKeys(n.attrs) {
			node.Attribute = append(node.Attribute, n.attrs[key])
		}
		e.nodes = append(e.nodes, node)
	}
	outs := make([]string, len(m.outputs))
	for i, o := range m.outputs {
		v, ok := names[o.Name]
		if !ok {
			return nil, errors.Errorf("onnx: internal error: output %q is not computed", o.Name)
		}
		outs[i] = v
	}
	return outs, nil
}

// anyTensor converts a constant of any dtype the importer keeps (float32,
// float64, int64, int32) to a TensorProto.
func anyTensor(name string, t *tensor.Dense) (*pb.TensorProto, error) {
	shape := []int(t.Shape())
	if t.Shape().IsScalar() {
		shape = nil
	}
	switch d := t.Data().(type) {
	case []float32:
		vals := make([]float64, len(d))
		for i, v := range d {
			vals[i] = float64(v)
		}
		return floatTensor(name, shape, vals, pb.TensorProto_FLOAT), nil
	case []float64:
		return floatTensor(name, shape, d, pb.TensorProto_DOUBLE), nil
	case []int64:
		return int64Tensor(name, shape, d), nil
	case []int:
		return int64Tensor(name, shape, int64s(d)), nil
	case []int32:
		raw := make([]byte, 4*len(d))
		for i, v := range d {
			binary.LittleEndian.PutUint32(raw[4*i:], uint32(v))
		}
		dt := int32(pb.TensorProto_INT32)
		return &pb.TensorProto{Name: &name, Dims: int64s(shape), DataType: &dt, RawData: raw}, nil
	case float32:
		return floatTensor(name, nil, []float64{float64(d)}, pb.TensorProto_FLOAT), nil
	case float64:
		return floatTensor(name, nil, []float64{d}, pb.TensorProto_DOUBLE), nil
	case int64:
		return int64Tensor(name, nil, []int64{d}), nil
	}
	return nil, errors.Errorf("dtype %v is not supported", t.Dtype())
}

// sortedKeys returns the keys of m in order, for a deterministic file.
func sortedKeys(m map[string]*pb.AttributeProto) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// sortedConsts returns the names of the constants in order.
func sortedConsts(m map[string]*tensor.Dense) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
