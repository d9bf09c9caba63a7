package onnx

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
)

// This file exports the ops that models apply between layers: the merges
// of residual blocks, Inception modules and UNets (nn.Add, nn.Concat,
// nn.ScaledAdd and the ops they use), activations applied directly as ops,
// reshapes, and SegNet's max unpooling (nn.MaxUnpool2D). Each is
// recognised by its op's name and parameters as ops.Describe reports them
// ("Add" with "2", "Concat" with "axis=1, [64 64]", "Scale" with "0.17",
// "LeakyReLU" with "alpha=0.01", ...); the arguments of the ONNX op come
// from them and from the node shapes. Ops that are not the ops package's
// are not exported.

// children returns the argument nodes of n in order.
func (e *exporter) children(n *G.Node) []*G.Node {
	var out []*G.Node
	it := e.g.From(n.ID())
	for it.Next() {
		out = append(out, it.Node().(*G.Node))
	}
	return out
}

// glue exports node n, which no known layer produced, from its Gorgonia op.
// hint names the value that consumes n, for the name of its ONNX node.
func (e *exporter) glue(n *G.Node, hint string) (string, error) {
	if n.Op() == nil {
		if c, ok := e.owners[n]; ok {
			return "", e.unsupported(c)
		}
		return "", graph.ArgErrorf("onnx: WriteFile: node %q is a parameter or input that no layer the exporter knows uses; custom layers that bind their own Params cannot be exported", n.Name())
	}
	desc := n.Op().String()
	base := hint
	owner, owned := e.owners[n]
	if owned {
		base = owner.Path
	}
	kind, args, known := ops.Describe(n.Op())
	name := func(op string) string {
		if owned && base != "" {
			return base
		}
		if base == "" {
			return op
		}
		return base + "/" + op
	}
	fail := func() error {
		if owned {
			return e.unsupported(owner)
		}
		return graph.ArgErrorf("onnx: WriteFile: op %q (node %q) is not supported by the exporter", desc, n.Name())
	}
	if !known {
		return "", fail()
	}
	ins := e.children(n)
	inNames := make([]string, len(ins))
	if kind != "MaxUnpool2D" {
		for i, c := range ins {
			v, err := e.visit(c, name(kind))
			if err != nil {
				return "", err
			}
			inNames[i] = v
		}
	}
	switch kind {
	case "Add":
		if len(inNames) == 2 {
			return e.op("Add", name("Add"), inNames), nil
		}
		return e.op("Sum", name("Sum"), inNames), nil
	case "Concat":
		axis, err := intArg(args, "axis=")
		if err != nil {
			return "", fail()
		}
		return e.op("Concat", name("Concat"), inNames, attr{"axis", axis}), nil
	case "Scale":
		s, err := strconv.ParseFloat(args, 64)
		if err != nil || len(inNames) != 1 {
			return "", fail()
		}
		c := e.floatConst(name("Scale")+"/factor", nil, []float64{s})
		return e.op("Mul", name("Mul"), []string{inNames[0], c}), nil
	case "ReLU", "Sigmoid", "Tanh", "Softplus", "Softsign":
		op := map[string]string{"ReLU": "Relu", "Sigmoid": "Sigmoid", "Tanh": "Tanh", "Softplus": "Softplus", "Softsign": "Softsign"}[kind]
		return e.op(op, name(op), inNames), nil
	case "Clamp":
		var lo, hi float64
		if _, err := fmt.Sscanf(args, "lo=%g hi=%g", &lo, &hi); err != nil {
			return "", fail()
		}
		min := e.floatConst(name("Clip")+"/min", nil, []float64{lo})
		max := e.floatConst(name("Clip")+"/max", nil, []float64{hi})
		return e.op("Clip", name("Clip"), []string{inNames[0], min, max}), nil
	case "LeakyReLU", "ELU":
		alpha, err := strconv.ParseFloat(strings.TrimPrefix(args, "alpha="), 64)
		if err != nil {
			return "", fail()
		}
		op := map[string]string{"LeakyReLU": "LeakyRelu", "ELU": "Elu"}[kind]
		return e.op(op, name(op), inNames, attr{"alpha", alpha}), nil
	case "Softmax", "LogSoftmax":
		axis, err := intArg(args, "axis=")
		if err != nil {
			return "", fail()
		}
		return e.op(kind, name(kind), inNames, attr{"axis", normAxis(axis, n.Shape().Dims())}), nil
	case "Reshape":
		return e.reshape(name("Reshape"), inNames[0], []int(ins[0].Shape()), []int(n.Shape()))
	case "MaxUnpool2D":
		return e.unpool(n, ins, name("MaxUnpool"))
	}
	if strings.HasPrefix(kind, "GlobalAvgPool") {
		y := e.op("GlobalAveragePool", name("GlobalAveragePool")+"/pool", inNames)
		return e.op("Flatten", name("Flatten"), []string{y}, attr{"axis", 1}), nil
	}
	if strings.HasSuffix(kind, "Indices") {
		return "", graph.ArgErrorf("onnx: WriteFile: the indices of a max pooling (node %q) can only be exported as the input of a max unpooling", n.Name())
	}
	return "", fail()
}

// unpool exports ops.MaxUnpool2D(x, indices) where indices come from an
// nn.MaxPool2D layer: MaxUnpool with that pooling's window, its Indices
// output and the output shape (N from x, the rest fixed).
func (e *exporter) unpool(n *G.Node, ins []*G.Node, base string) (string, error) {
	if len(ins) != 2 {
		return "", graph.ArgErrorf("onnx: WriteFile: max unpooling node %q has %d inputs, want 2", n.Name(), len(ins))
	}
	x, err := e.visit(ins[0], base)
	if err != nil {
		return "", err
	}
	idx := ins[1]
	var pooled []*G.Node
	if idx.Op() != nil {
		if kind, _, ok := ops.Describe(idx.Op()); ok && strings.HasSuffix(kind, "Indices") {
			pooled = e.children(idx)
		}
	}
	if len(pooled) != 1 {
		return "", graph.ArgErrorf("onnx: WriteFile: max unpooling node %q: its indices must come from an nn.MaxPool2D layer (MaxPool2D.ForwardWithIndices)", n.Name())
	}
	if _, err := e.visit(pooled[0], base); err != nil {
		return "", err
	}
	pe, ok := e.pools[pooled[0]]
	if !ok {
		return "", graph.ArgErrorf("onnx: WriteFile: max unpooling node %q: its indices must come from an nn.MaxPool2D layer (MaxPool2D.ForwardWithIndices)", n.Name())
	}
	out := []int(n.Shape())
	if !slices.Equal(out, pe.inShape) {
		// ONNX indices count across the whole tensor, PyTorch's (and
		// convnet's) within each plane: they agree only when the unpooled
		// tensor has the pooled tensor's shape.
		return "", graph.ShapeErrorf("onnx: WriteFile: max unpooling node %q: output shape %s differs from the shape %s before the pooling; only that case has an ONNX equivalent",
			n.Name(), graph.FormatShape(out), graph.FormatShape(pe.inShape))
	}
	if len(pe.node.Output) < 2 {
		pe.node.Output = append(pe.node.Output, e.unique(pe.node.GetName()+"/indices"))
	}
	indices := pe.node.Output[1]
	shape := e.op("Shape", base+"/shape", []string{x})
	first := e.constant(int64Tensor(base+"/axis0", []int{1}, []int64{0}))
	batch := e.op("Gather", base+"/batch", []string{shape, first}, attr{"axis", 0})
	rest := e.constant(int64Tensor(base+"/size", []int{len(out) - 1}, int64s(out[1:])))
	size := e.op("Concat", base+"/output_shape", []string{batch, rest}, attr{"axis", 0})
	return e.op("MaxUnpool", base, []string{x, indices, size}, pe.attrs...), nil
}

// unsupported is the error for a layer the exporter cannot translate.
func (e *exporter) unsupported(c graph.LayerCall) error {
	return graph.ArgErrorf("onnx: WriteFile: %s is not supported by the exporter", where(c.Path, c.Layer))
}

// intArg reads the integer after key in an argument list "axis=1, [...]".
func intArg(args, key string) (int, error) {
	i := strings.Index(args, key)
	if i < 0 {
		return 0, fmt.Errorf("no %s in %q", key, args)
	}
	rest := args[i+len(key):]
	if j := strings.IndexAny(rest, ", )"); j >= 0 {
		rest = rest[:j]
	}
	return strconv.Atoi(rest)
}
