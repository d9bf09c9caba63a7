// Package nn holds convnet's layers, containers and model utilities.
//
// # Overview
//
// A layer is a noun (Conv2D, BatchNorm2D, Dropout, ...) made by a NewX
// constructor that validates its arguments and creates its weights at once,
// with explicit input channels as in PyTorch. Required arguments are
// positional; optional ones are functional options (WithStride, WithPadding,
// WithBias, WithActivation, ...) whose doc comments state the defaults.
//
// Every layer implements [Layer]: Forward adds the layer's computation to a
// graph.Builder's graph, and Params lists its weights and buffers with
// PyTorch state_dict names. Containers ([Sequential], and the zoo's models)
// call their children through [Call], which scopes names: the weight of the
// first layer of a Sequential named "features" is "features.0.weight".
//
// The model-level functions work on any Layer: [NumParams], [Predict],
// [SaveSafetensors], [LoadSafetensors], [Freeze], [Unfreeze], [Summary] and
// [GradCheck].
//
// # Initial weights
//
// A layer made without a seed draws a fresh one, so two NewConv2D(8, 8, 3)
// start from different weights, as in PyTorch and Keras when no seed is
// set. Three ways make weights reproducible, from the smallest scope to the
// largest:
//
//   - WithSeed(s) on one layer: the same s gives the same weights.
//   - A Seeds stream shared by the constructors of a model:
//     seeds := nn.NewSeeds(42), then NewConv2D(1, 8, 3, seeds),
//     NewConv2D(8, 8, 3, seeds), ... gives each layer the next seed of the
//     stream, so rebuilding the model in the same order with NewSeeds(42)
//     gives the same weights (the explicit counterpart of calling
//     torch.manual_seed(42) before building a model).
//   - Initialize(model, s) after building: every Param is redrawn from s
//     and its full name ("features.0.weight"), so the weights depend on the
//     model's structure only, not on the order of construction. The zoo's
//     models do this with their WithSeed option (default 0).
//
// Containers (Sequential, the zoo's blocks) never redraw the weights of the
// layers they are given.
//
// # Layout
//
// NCW, NCHW and NCDHW inputs; dense inputs (N, features). Weights follow
// PyTorch, so safetensors files written from a PyTorch state_dict load here.
//
// # Errors
//
// Constructors and Forward return errors, never panic, on bad arguments and
// shapes. Messages start with "nn: ", name the layer type and its path and
// give what was expected and what was received:
//
//	nn: Conv2D "enc1": input must be rank 4 (N, C, H, W), got shape (8, 64, 64)
//
// They wrap graph.ErrShape or graph.ErrArg for errors.Is.
package nn
