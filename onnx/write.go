package onnx

import (
	"io"

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
// match SaveSafetensors and PyTorch. Layers: Conv1D/2D/3D,
// ConvTranspose1D/2D/3D, Dense, BatchNorm1D/2D/3D, the activations,
// Softmax, LogSoftmax, Max/AvgPool1D/2D/3D, GlobalAvgPool,
// AdaptiveAvgPool2D (to a size that divides the input), the UpSampling
// layers, Flatten, Reshape and Dropout, in any container (Sequential,
// Residual, zoo models), with nn.Add, nn.Concat, ops.Scale and the
// max unpooling of SegNet between them. Any other layer is an error that
// names it and its path.
func WriteFile(path string, m nn.Layer, inputShape []int) error {
	data, err := encode(m, inputShape)
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
	data, err := encode(m, inputShape)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return errors.Wrap(err, "onnx: Write")
}

// encode exports m and serializes the model.
func encode(m nn.Layer, inputShape []int) ([]byte, error) {
	mp, err := exportLayer(m, inputShape)
	if err != nil {
		return nil, err
	}
	data, err := proto.MarshalOptions{Deterministic: true}.Marshal(mp)
	return data, errors.Wrap(err, "onnx: WriteFile: serializing the model")
}

// exportLayer traces m on one input of inputShape and exports the graph.
func exportLayer(m nn.Layer, inputShape []int) (*pb.ModelProto, error) {
	if m == nil {
		return nil, graph.ArgErrorf("onnx: WriteFile: the model is nil")
	}
	if len(inputShape) == 0 {
		return nil, graph.ShapeErrorf("onnx: WriteFile: the input shape must have a batch axis, got ()")
	}
	for _, d := range inputShape {
		if d <= 0 {
			return nil, graph.ShapeErrorf("onnx: WriteFile: every input dimension must be positive, got %s", graph.FormatShape(inputShape))
		}
	}
	dt, err := nn.Dtype(m)
	if err != nil {
		return nil, errors.Wrap(err, "onnx: WriteFile")
	}
	b := graph.NewBuilder(graph.Eval)
	x := b.Input(inputName, dt, inputShape...)
	y, err := m.Forward(b, x)
	if err != nil {
		return nil, errors.WithMessagef(err, "onnx: WriteFile: tracing the model on an input of shape %s", graph.FormatShape(inputShape))
	}
	return export(m, b, []string{inputName}, []*G.Node{x}, []string{outputName}, []*G.Node{y})
}
