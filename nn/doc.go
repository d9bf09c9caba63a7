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
// first layer of a Sequential named "features" is "features.0.weight" (see
// Names below).
//
// # Weights and graphs
//
// Weights live in the layers (graph.Param), not in graphs. Every graph
// built from a model — Predict's cached evaluation graphs, each training
// graph of a train.Trainer, Summary's and GradCheck's — binds the same
// tensors by reference, and the optimizers update them in place, as do
// LoadSafetensors and Initialize. A change through any of them is seen by
// every compiled graph at its next run. SetDtype (and GradCheck, which
// uses it) gives the Params new tensors: graphs compiled before no longer
// see them and are rebuilt by Predict and the Trainer.
//
// Branches are merged on nodes inside a Forward with [Add], [ScaledAdd]
// (the x + s·r of Inception-ResNet) and [Concat]; a max pooling's indices
// (MaxPool2D.ForwardWithIndices) go to a [MaxUnpool2D]. The zoo's models
// are written with these and the layers alone.
//
// Containers (Sequential, Residual) never touch their children's weights:
// wrapping a loaded or pretrained layer keeps what it holds. Initialize
// redraws every weight of a model from a seed; the zoo's constructors call
// it on the models they assemble.
//
// # Names
//
// A model's Params() is the one registration of its parameter names, as
// module registration is in PyTorch: SaveSafetensors and LoadSafetensors
// use those names, and so does every graph built through [Apply] (Predict,
// Summary, GradCheck and the train package do): each Param's node and
// binding is named after its registered name, and [Call] scopes a child
// under the path its Params are registered at, so errors and Summary rows
// name it the same way, even when a custom layer calls child.Forward
// directly or passes Call another name. A graph that binds a Param its
// model's Params() does not list is an error naming the Param: it would be
// trained but neither counted nor saved. So a custom layer lists every
// child in Params() (ChildParams) and Children(), and calls children
// through Call so that its errors and Summary rows name them.
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
//
// An input with an empty axis (a batch of 0 examples) is an error naming
// the layer, from Predict, from every layer's Forward and from inside a
// container (with the child's path):
//
//	nn: Conv2D "features.0": empty batch: input must have at least one example (axis 0), got shape (0, 3, 32, 32)
//
// Sizes too large to allocate are errors wrapping graph.ErrSize, before
// anything is allocated: a constructor whose weights, or a layer whose
// output (an upsampling factor, a padding), overflow int or need more
// bytes than the memory limit (graph.MemoryLimit: the physical memory,
// or the environment variable CONVNET_MEMORY_LIMIT, such as "64GiB" or
// "off"). A panic inside an op while Predict runs the graph is an error
// wrapping graph.ErrOpPanic that names the op.
//
// # Concurrency
//
// Predict may be called from any number of goroutines at once, on one
// model or on several, for every layer type: compiling a graph (which
// writes Gorgonia's bookkeeping into the bound weight tensors) holds the
// Params' write locks, and models that embed an EvalCache (Sequential,
// the zoo's models) run one cached graph at a time. Predict may also run
// while a train.Trainer fits the same model, from another goroutine or
// from a callback: every graph run holds the Params' read locks
// (graph.LockParams), every training step their write locks, so Predict
// sees the weights between two steps. LoadSafetensors (through
// graph.Param.SetValue) and Initialize (Param.Reinit) take the write locks
// too and may run while other goroutines call Predict.
//
// Not safe while the model is in use elsewhere: SetDtype (it replaces the
// Params' tensors), Freeze and Unfreeze, writing to a Param's tensor
// directly, and building graphs with a Forward of your own that reads or
// writes Params outside graph runs. A graph.Builder and a compiled machine
// belong to one goroutine.
package nn
