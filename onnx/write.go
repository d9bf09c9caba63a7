package onnx

import (
	"io"
	"strconv"
	"strings"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/internal/atomicfile"
	"github.com/convnet-go/convnet/nn"
	pb "github.com/convnet-go/convnet/onnx/internal/onnxpb"
	"github.com/pkg/errors"
	"google.golang.org/protobuf/proto"
	G "gorgonia.org/gorgonia"
)

// WriteFile exports m to an ONNX model file at path (opset 13), for ONNX
// Runtime, TensorRT, Triton, PyTorch (onnx2torch) or any other ONNX
// consumer. The file is written atomically: a failed export leaves an
// existing file unchanged.
//
// inputShape is the shape of one input batch, batch axis included, such
// as (1, 3, 224, 224). The model is traced in evaluation mode for that
// shape (BatchNorm uses its running statistics, Dropout is the identity);
// the exported graph keeps axis 0 symbolic ("N"), so it runs with any
// batch size, and fixes the other axes. The graph input is called "input"
// and the output "output"; their element type is the model's dtype
// (float32 gives ONNX's FLOAT, float64 DOUBLE).
//
// Every weight and buffer becomes an initializer named as in the model's
// state_dict ("layer1.0.conv1.weight", "bn1.running_mean"), so the names
// match SaveSafetensors and PyTorch. Layers: Conv1D/2D/3D (grouped and
// depthwise too), ConvTranspose1D/2D/3D, Dense, BatchNorm1D/2D/3D, the
// activations (ReLU6 included), ZeroPadding2D,
// Softmax, LogSoftmax, Max/AvgPool1D/2D/3D, GlobalAvgPool,
// AdaptiveAvgPool2D, the UpSampling layers, Flatten, Reshape and Dropout,
// in any container (Sequential, Residual, nn.Functional, zoo models), with
// nn.Add, nn.Concat, nn.ScaledAdd (or ops.Scale) and SegNet's max
// unpooling (nn.MaxUnpool2D) between them,
// and imported models (*Model, see below). Any other layer is an error that
// names it and its path.
//
// An imported model (*Model, alone or inside a container) is written as
// its own ONNX nodes with its Params' current values, so a fine-tuned
// import exports; each op must mean at opset 13 what it meant at the
// model's opset (an error names the node otherwise), and the model keeps
// its declared input shape (a file that fixes the batch size keeps it).
//
// An nn.Functional with several outputs is exported with all of them
// ("output_0", "output_1", ...); one with several inputs needs
// WriteFileMulti.
func WriteFile(path string, m nn.Layer, inputShape []int) error {
	return WriteFileMulti(path, m, inputShape)
}

// WriteFileMulti is WriteFile for a model with any number of inputs, such
// as an nn.Functional: one shape per input, in the model's input order.
// The graph inputs are "input_0", "input_1", ... (just "input" for one).
func WriteFileMulti(path string, m nn.Layer, inputShapes ...[]int) error {
	data, err := encode(m, inputShapes)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	}); err != nil {
		return errors.Wrap(err, "onnx: WriteFile")
	}
	return nil
}

// Write is WriteFile to a writer.
func Write(w io.Writer, m nn.Layer, inputShape []int) error {
	data, err := encode(m, [][]int{inputShape})
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return errors.Wrap(err, "onnx: Write")
}

// encode exports m and serializes the model.
func encode(m nn.Layer, inputShapes [][]int) ([]byte, error) {
	mp, err := exportLayer(m, inputShapes)
	if err != nil {
		return nil, err
	}
	data, err := proto.MarshalOptions{Deterministic: true}.Marshal(mp)
	return data, errors.Wrap(err, "onnx: WriteFile: serializing the model")
}

// multi is a model with several inputs or outputs (nn.Functional).
type multi interface {
	NumInputs() int
	NumOutputs() int
	ForwardAll(b *graph.Builder, xs ...*G.Node) ([]*G.Node, error)
}

// exportLayer traces m on inputs of inputShapes and exports the graph.
func exportLayer(m nn.Layer, inputShapes [][]int) (*pb.ModelProto, error) {
	if m == nil {
		return nil, graph.ArgErrorf("onnx: WriteFile: the model is nil")
	}
	nIn, nOut := 1, 1
	mm, isMulti := m.(multi)
	if isMulti {
		nIn, nOut = mm.NumInputs(), mm.NumOutputs()
	}
	im, isModel := m.(*Model)
	if isModel {
		nIn, nOut = len(im.inputs), len(im.outputs)
	}
	if len(inputShapes) != nIn {
		hint := ""
		if len(inputShapes) == 1 {
			hint = "; use WriteFileMulti with one shape per input"
		}
		return nil, graph.ArgErrorf("onnx: WriteFile: the model has %d inputs, got %d input shapes%s", nIn, len(inputShapes), hint)
	}
	for _, s := range inputShapes {
		if len(s) == 0 {
			return nil, graph.ShapeErrorf("onnx: WriteFile: the input shape must have a batch axis, got ()")
		}
		for _, d := range s {
			if d <= 0 {
				return nil, graph.ShapeErrorf("onnx: WriteFile: every input dimension must be positive, got %s", graph.FormatShape(s))
			}
		}
	}
	dt, err := nn.Dtype(m)
	if err != nil {
		return nil, errors.Wrap(err, "onnx: WriteFile")
	}
	b := graph.NewBuilder(graph.Eval)
	inNames, outNames := graphNames(inputName, nIn), graphNames(outputName, nOut)
	xs := make([]*G.Node, nIn)
	for i, s := range inputShapes {
		xs[i] = b.Input(inNames[i], dt, s...)
	}
	var ys []*G.Node
	switch {
	case isModel:
		ys, err = im.ForwardAll(b, xs...)
	case isMulti:
		ys, err = mm.ForwardAll(b, xs...)
	default:
		var y *G.Node
		if y, err = m.Forward(b, xs[0]); err == nil {
			// the model itself is a call too: a bare layer (a Conv2D
			// alone) is then exported like a layer inside a container
			b.Record(graph.LayerCall{Layer: m, In: xs[0], Out: y})
		}
		ys = []*G.Node{y}
	}
	if err != nil {
		shapes := make([]string, len(inputShapes))
		for i, s := range inputShapes {
			shapes[i] = graph.FormatShape(s)
		}
		return nil, errors.WithMessagef(err, "onnx: WriteFile: tracing the model on inputs of shape %s", strings.Join(shapes, ", "))
	}
	return export(m, b, inNames, xs, outNames, ys)
}

// graphNames returns base for one value and base_0, base_1, ... for several.
func graphNames(base string, n int) []string {
	if n == 1 {
		return []string{base}
	}
	out := make([]string, n)
	for i := range out {
		out[i] = base + "_" + strconv.Itoa(i)
	}
	return out
}
