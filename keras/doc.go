// Package keras imports Keras models saved in the TensorFlow.js layers format
// (a model.json holding the Keras topology and a weights manifest, plus binary
// weight shards) into convnet layers.
//
// The topology may be a Sequential model or a functional Model whose layers
// branch and merge (Add, Concatenate), such as Keras's MobileNetV2; the result
// is a *Model, a directed acyclic graph of nn layers that implements
// nn.Layer, so nn.Predict, nn.NumParams, nn.Summary, nn.SaveSafetensors and
// the trainer work on it.
//
// Keras computes in NHWC; convnet in NCHW. The imported Model takes and
// returns convnet's layouts: a Keras input (N, H, W, C) is given as
// (N, C, H, W). Weights are converted on import: convolution kernels from
// (kh, kw, in, out) to (out, in, kh, kw), depthwise kernels from
// (kh, kw, in, multiplier) to (in·multiplier, 1, kh, kw), Dense kernels from
// (in, out) to (out, in). Layers whose result depends on the memory order of
// the channel axis (Flatten, Reshape) move the channels last first, as Keras
// sees them, so a Dense after a Flatten gets exactly Keras's input order.
//
// Weights may be stored as float32 or int32, or quantised to uint8 or uint16
// (w = min + q·scale, per tensor) or float16, as the TF.js converter writes
// them; all are loaded as float32.
//
// Supported layers: InputLayer, Conv2D (also grouped), DepthwiseConv2D,
// BatchNormalization (its epsilon and momentum from the file; see
// WithMomentum), ReLU (max_value none or 6; negative_slope for a leaky
// ReLU), Activation (linear, relu, relu6, sigmoid, tanh, softplus, softsign,
// elu, softmax), ZeroPadding2D, Add, Concatenate, MaxPooling2D,
// AveragePooling2D, GlobalAveragePooling2D, Dense, Dropout, Flatten and
// Reshape, with Keras's "valid" and "same" padding (asymmetric, extra
// padding after, for even kernels or strides). Any other layer or an
// unsupported setting (channels_first, shared layers, several inputs or
// outputs) is an error naming the layer.
//
// The Keras "trainable" flags are not applied; use nn.Freeze. Tested against
// tfjs-layers 4.22 on small models and against nsfwjs 4.4.0's MobileNetV2
// on real photos (testdata/README.md).
package keras
