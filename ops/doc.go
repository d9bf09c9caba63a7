// Package ops holds differentiable Gorgonia ops that Gorgonia v0.9.18 lacks
// or gets wrong: convolutions in 1, 2 and 3 dimensions and their transposes,
// padding, pooling (max, average, global, adaptive), upsampling, unpooling,
// batch normalisation, dropout, the activations, softmax, the dense
// product (Linear), reductions, Add, Concat, Scale, Reshape and the fused
// losses.
//
// # Overview
//
// Each file holds one op family: an unexported op type that implements
// gorgonia.Op and gorgonia.SDOp, its gradient op right beside it, and an
// exported verb (ops.Conv3D, ops.DiceLoss, ...) that checks its arguments
// and calls gorgonia.ApplyOp. Gorgonia's reverse-mode autodiff
// (gorgonia.Grad with a TapeMachine) calls SymDiff to build the backward
// pass. Every op works in float32 and float64.
//
// Ops keep their output buffers between runs of a compiled graph, so a
// training step does not allocate its activations anew; every op instance is
// its own graph node (ops hash with a unique id), so two Dropouts on one
// input, or a Softmax and a LogSoftmax, are never merged. ConvND,
// ConvTransposeND and BatchNorm can apply a ReLU inside their own output
// pass (the ReLU field of their parameters).
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
