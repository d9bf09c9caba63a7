// Package graph holds what every layer and op of convnet stands on. Its
// jobs, each in a file group named after it:
//
//   - param*.go: the parameter store. A [Param] owns one tensor (a weight
//     or a buffer); [WrapParam] adopts a decoded tensor; [LockParams]
//     serialises the runs that read and write Params.
//   - initializer.go: seeded initialisers ([HeNormal], [TorchDefault], ...).
//   - builder*.go: the [Builder], which makes one Gorgonia graph for one
//     input shape and one [Mode], with its scopes and layer calls
//     (builder.go) and the binding of Params into the graph under their
//     state_dict names (builder_bind.go).
//   - machine*.go: compiling and running a graph ([NewMachine], [Grad],
//     [Run]) and the guard that turns a panic inside an op into an error
//     (machine_guard.go).
//   - outsize.go: the output-size formulas of convolution and pooling
//     ([ConvOutSize], [PoolOutSize], [ConvTransposeOutSize], padding rules).
//   - memory*.go: overflow-checked tensor sizes and the memory limit
//     ([NumElements], [TensorBytes], [MemoryLimit]; [NewMachine] checks
//     every node of a graph).
//   - eager*.go: eager helpers on tensors outside any graph: shapes and
//     named axes, Sum/Scale/Outer/Dot (eager.go), and conversions to and
//     from []float64 (eager_convert.go).
//   - gradcheck.go: the finite-difference gradient checker
//     ([CheckGradients]) every op and layer is tested with.
//   - errors.go: the sentinel errors and the constructors that wrap them.
//
// Reading and writing safetensors files is the subpackage
// [github.com/convnet-go/convnet/graph/safetensors].
//
// # Overview
//
// Weights live outside graphs. A [Param] owns one tensor (a trainable weight
// or a buffer such as BatchNorm's running mean); layers hold Params, and a
// [Builder] binds those same tensors into each graph it makes. A training
// graph for batch 64 and an evaluation graph for batch 7 therefore read and
// write one set of weights, and an optimiser that updates a Param in place is
// seen by every graph at once.
//
// A Builder is made for one [Mode] (Train or Eval). Layers such as Dropout
// and BatchNorm read the mode while the graph is built; nothing is global.
//
// # Layout
//
// Tensors follow PyTorch: NCW, NCHW, NCDHW; convolution weights are
// (out, in, k...), transposed-convolution weights (in, out, k...), dense
// weights (out, in).
//
// # Errors
//
// Functions return errors instead of panicking on bad input. Messages start
// with "graph: " and name what was expected and what was received. The
// exceptions are the one-axis size formulas (ConvOutSize, PoolOutSize,
// ConvTransposeOutSize, SameTransposePadding): their short messages, such
// as "kernel 5 (dilated to 5) is larger than the padded input 4 (input 4,
// pad 0)", are meant to be wrapped by the caller, which knows the op and
// the axis ("ops: Conv2D: axis H: kernel 5 ..."). Errors about shapes wrap
// [ErrShape], errors about arguments wrap [ErrArg] and errors about
// corrupt files (safetensors) wrap [ErrData], so callers can test them
// with errors.Is.
//
// # Sizes and memory
//
// Tensor sizes are computed with overflow checks ([MulInt], [NumElements],
// [TensorBytes]). A tensor whose size overflows int, or whose bytes exceed
// the memory limit, is an error wrapping [ErrSize] before it is
// allocated: [NewParam] checks every Param, [Builder.CheckSizes] and
// [NewMachine] every node of a graph (the shapes the ops inferred). The
// limit ([MemoryLimit]) is the machine's physical memory (on Linux, or the
// cgroup's limit when smaller); set the environment variable
// CONVNET_MEMORY_LIMIT ("64GiB", "500MB", "off") to raise or lower it. It
// is read at each check, so there is no package state to set.
//
// # Panics in ops
//
// Gorgonia's TapeMachine runs its instructions in a goroutine of its own,
// where a panic ends the process and no caller can recover it. The
// machines [NewMachine] makes recover inside every op instead: a panic
// comes back from RunAll and [Run] as an [OpPanicError] (wrapping
// [ErrOpPanic]) that names the op and its node; %+v prints the stack of
// the panic.
//
// # Concurrency
//
// Graphs bind the Params' own tensors, and a new TapeMachine writes to
// every bound tensor (its engine), so making a machine, and runs that
// write Params (training), take the Params' write locks with
// [LockParams]; runs that only read them take the read locks. nn.Predict
// and the train package do. A Builder, a graph and a machine belong to one
// goroutine at a time.
package graph
