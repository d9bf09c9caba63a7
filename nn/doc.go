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
