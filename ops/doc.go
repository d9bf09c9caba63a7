// Package ops holds differentiable Gorgonia ops that Gorgonia v0.9.18 lacks
// or gets wrong: convolutions in 1, 2 and 3 dimensions and their transposes,
// padding, pooling (max, average, global, adaptive), upsampling, unpooling,
// batch normalisation, dropout, the activations (ReLU6 included), softmax, the dense
// product (Linear), reductions, Add, Concat, Scale, Reshape and the fused
// losses.
//
// # Overview
//
// Each op family is split by level: the exported verb (ops.Conv3D,
// ops.DiceLoss, ...) that checks its arguments, with the op's definition
// (pool.go); its geometry or engine (pool_geometry.go, conv_engine.go); and
// its float32/float64 kernels (pool_kernels.go). Every op is written on
// the op kit (kit.go): a name, a shape function and generic forward and
// backward kernels, with what the backward needs from the forward (an
// argmax, a dropout mask, BatchNorm's batch statistics) passed as named
// saved tensors. The kit implements gorgonia.Op and gorgonia.SDOp for
// them; Gorgonia's reverse-mode autodiff (gorgonia.Grad with a
// TapeMachine) calls SymDiff to build the backward pass. Describe tells
// a program that translates graphs which op a node holds. Every op works
// in float32 and float64.
//
// Ops keep their output buffers between runs of a compiled graph, so a
// training step does not allocate its activations anew; every op instance is
// its own graph node (ops hash with a unique id), so two Dropouts on one
// input, or a Softmax and a LogSoftmax, are never merged. ConvND,
// ConvTransposeND and BatchNorm have fused forms that apply a ReLU inside
// their own output pass (the ReLU field of their parameters); their
// backward masks the gradient with their own output, and no op changes
// another.
//
// # Layout
//
// NCW, NCHW and NCDHW, as in PyTorch. Convolution weights are
// (out, in, k...), grouped-convolution weights (out, in/groups, k...)
// (GroupConv2D, GroupConvND; depthwise when groups = in),
// transposed-convolution weights (in, out, k...).
//
// The rank-specific functions (Conv2D, ConvTranspose2D, MaxPool2D,
// AvgPool2D, ...) take symmetric padding: the same amount before and after
// each axis. The general forms allow uneven padding, as Keras's "same"
// needs when the total is odd: ConvND and ConvTransposeND through
// ConvParams.PadAfter and ConvTransposeParams.PadAfter, MaxPool and AvgPool
// through PoolSpec.PadAfter, and Pad with separate before and after sizes.
//
// # Errors
//
// Bad arguments and shapes are errors, never panics: the message starts with
// "ops: " and the op's name, and gives what was expected and what was
// received. They wrap graph.ErrShape or graph.ErrArg.
package ops
