// Package ops holds differentiable Gorgonia ops that Gorgonia v0.9.18 lacks
// or gets wrong: convolutions in 1, 2 and 3 dimensions and their transposes,
// pooling, upsampling, unpooling, batch normalisation, dropout, the
// activations, reductions and the fused losses.
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
// input, or a SoftMax and a LogSoftMax, are never merged.
//
// # Layout
//
// NCW, NCHW and NCDHW, as in PyTorch. Convolution weights are
// (out, in, k...), transposed-convolution weights (in, out, k...). Padding is
// symmetric.
//
// # Errors
//
// Bad arguments and shapes are errors, never panics: the message starts with
// "ops: " and the op's name, and gives what was expected and what was
// received. They wrap graph.ErrShape or graph.ErrArg.
package ops
