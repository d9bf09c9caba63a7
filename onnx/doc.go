// Package onnx moves models between convnet and ONNX, the interchange
// format that PyTorch, Keras (through tf2onnx) and the model zoos export
// and that ONNX Runtime, TensorRT and Triton serve.
//
// Import: ReadFile (or Read) turns an ONNX file into a *Model, which runs
// with Run (graph inputs in declaration order, evaluation mode) and, when
// it has one input and one output, is an nn.Layer: nn.Predict, nn.Summary,
// nn.Freeze, the safetensors functions and train.Trainer work on it, and
// its float initializers are Params under their ONNX names, so an imported
// model can be frozen and fine-tuned. ReadTensorFile reads one serialized
// TensorProto, such as the reference inputs and outputs of ONNX's test
// data.
//
// Supported: opsets 6 to 17 of the default domain, with the ops Conv,
// ConvTranspose, MaxPool (with its Indices output), MaxUnpool, AveragePool,
// GlobalAveragePool, GlobalMaxPool, BatchNormalization, Relu, LeakyRelu,
// Elu, Selu, PRelu, Sigmoid, HardSigmoid, Tanh, Softplus, Softsign,
// Softmax, LogSoftmax, Dropout, Gemm, MatMul, Add, Sub, Mul, Div, Sum,
// Concat, Flatten, Reshape, Transpose, Squeeze, Unsqueeze, Pad (constant,
// reflect, edge), Upsample, Resize (nearest, linear), Constant, Identity,
// Shape, Gather, Cast and Clip. Shape computations (Shape, Gather,
// Unsqueeze, Concat, arithmetic on constants) run when the graph is built.
// Ops the ops package lacks are composed exactly from differentiable ones:
// Selu from ELU, PRelu, Clip with a bound computed in the graph from ReLUs, reflect and edge
// Pad and nearest and linear Resize from ops.GatherAxis, dilated MaxPool
// from gathers and a max pool, GlobalMaxPool from MaxPool, BatchNormalization
// with computed statistics or training_mode from elementwise ops. Nodes
// that are exactly one of nn's fused ops use it: a fully connected Gemm
// (transB = 1, alpha = beta = 1, C a row) is ops.Dense, Clip(0, 6) is
// ops.ReLU6, any other Clip with bounds known at import and HardSigmoid
// are ops.Clamp, and a linear Resize of H and W with the half_pixel (or
// pytorch_half_pixel) transformation and scales out/in is
// ops.ResizeBilinear2D.
//
// In a training graph (train.Trainer, fine-tuning) Dropout drops and
// BatchNormalization uses batch statistics and updates its running
// statistics unless frozen; Run and nn.Predict use evaluation mode. Each
// node is recorded as a layer call, so nn.Summary lists the nodes with
// their ops, output shapes and parameters.
// An op, attribute, attribute value or element type outside that set is an
// error that wraps ErrUnsupported and names the node, its op and the
// opset; it never gives a wrong result. A truncated or corrupt file, a
// cycle, a dangling input or an initializer whose data does not match its
// shape is an error too.
package onnx
