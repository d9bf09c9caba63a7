package ops

import (
	"fmt"
	"slices"

	"github.com/chewxy/hm"
	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The op kit: one adapter between Gorgonia and the ops of this package.
//
// An op on the kit is an opDef: a name, a shape function and a forward and
// a backward kernel per element type. The kit supplies everything Gorgonia
// asks of an op (Arity, Type, InferShape, Do, DiffWRT, SymDiff, the hash),
// the float32/float64 dispatch, the output buffers kept between runs, and
// the gradient nodes. A new op is its kernels plus a few lines:
//
//	// relu6 is min(max(x, 0), 6).
//	func ReLU6(x *G.Node) (*G.Node, error) {
//		if err := checkNode("ReLU6", "input", x); err != nil {
//			return nil, err
//		}
//		return applyDef(&opDef{
//			name:  "ReLU6",
//			shape: sameShape,
//			f32:   kernels[float32]{forward: relu6Forward[float32], backward: relu6Backward[float32]},
//			f64:   kernels[float64]{forward: relu6Forward[float64], backward: relu6Backward[float64]},
//		}, x)
//	}
//
// Kernels. forward gets the inputs and the output (fwdArgs) and must write
// every element of the output: its buffer is reused from the previous run.
// backward is called once per differentiated input (bwdArgs.wrt) with the
// inputs, the forward output, the output gradient dy and the buffer dx of
// that input's gradient, which it must also overwrite entirely.
//
// Saved tensors. What the backward needs from the forward besides the
// inputs and the output (an argmax, a mask, batch statistics) is passed
// explicitly: the forward stores it in its saved[T] under a name
// (saved.floats, saved.ints, saved.bytes, and saved.stats for per-channel
// statistics kept in float64 whatever T is) and the backward reads it from
// there under the same name. The saved tensors belong to the op instance
// (one node, one graph), are reused from run to run, and nothing but the
// op's own backward (or its gradient ops, below) reads or writes them.
// The backward's gradient node takes the forward's output as an input, so
// the tape always runs the forward first. fwdArgs.needGrad says whether
// any backward will run, so a forward may skip saving what no one reads.
//
// Parameters (a window, an alpha) are captured by the kernels' closures and
// must also be written into opDef.attrs: attrs is part of the op's name in
// error messages and graph dumps.
//
// Scratch. An op that keeps work buffers between runs for speed creates
// them when it builds its opDef and captures them in its kernels'
// closures: every applied op has its own opDef, so every node has its own
// scratch, as it has its own output buffer. Scratch holds nothing a later
// kernel reads, so large scratch is better shared: the convolutions take
// their im2col matrices from one pool for the length of a call
// (convEngine in conv_engine.go), and a graph holds the scratch of its
// largest convolution rather than one set per layer.
//
// Gradient graphs. An op whose gradients are best written as other kit
// ops sets opDef.symDiff and builds them itself: Add passes dy on as it
// is, a convolution's input gradient is the transposed convolution (whose
// input gradient is the convolution), and BatchNorm computes the
// per-channel sums its three gradients share in one node. Those gradient
// ops are kit ops with isGrad set; one that needs the forward's saved
// tensors gets them with kitOpOf(output) and savedOf, and takes the
// output as an input.
//
// Index inputs. Inputs listed in opDef.index (MaxUnpool2D's indices) may
// have any element type; the kit checks their shape only, never
// differentiates them, and hands them to the kernels as tensors
// (fwdArgs.dense, bwdArgs.dense) with an empty view.
//
// Fused ops (Conv2D+ReLU, BatchNorm+ReLU) are ops of their own, named so,
// chosen by the caller when it builds the graph; their gradients mask dy
// with their own output. No op changes another op.
//
// Graph hygiene: every applied op gets a fresh id in its hash, so Gorgonia's
// hash-consing never merges two op instances (two Dropouts on one input, a
// Softmax and a LogSoftmax). The kit returns errors, never panics, for
// wrong dtypes or arities; shape errors come from the shape function.
//
// An op that reads another op's saved tensors (MaxPoolIndices reads the
// pool's argmax) gets that op with kitOpOf and its tensors with savedOf,
// and must take the other op's output as an input so that it runs after it.
//
// The API of this file (opDef, kernels, fwdArgs, bwdArgs, view, saved,
// applyDef, sameShape, geomKernels, kitOpOf, savedOf) is stable: other
// files build on it. Describe is its exported face: what an importer or
// exporter may read of an op.

// opDef describes an op on the kit.
type opDef struct {
	// name is the op's name ("ReLU6", "MaxPool2D"), used in errors.
	name string
	// attrs describes the parameters, e.g. "k=(2,2) s=(2,2)"; may be empty.
	attrs string
	// shape returns the output shape from the input shapes. It runs when
	// the graph is built; its errors should wrap graph.ErrShape.
	shape func(in []tensor.Shape) (tensor.Shape, error)
	// f32 and f64 are the kernels per element type.
	f32 kernels[float32]
	f64 kernels[float64]
	// noGrad lists the inputs that are not differentiated (labels,
	// indices). Every other input is.
	noGrad []int
	// index lists the inputs that may have any element type (indices of
	// ints or floats); they are not differentiated either.
	index []int
	// isGrad marks an op that computes a gradient (it is built by another
	// op's backward, has no backward of its own, and graph.NewMachine may
	// leave it out when nothing reads it).
	isGrad bool
	// symDiff, when set, builds the gradients as graph nodes instead of
	// the kit's backward kernels: for ops whose gradient is another node as
	// it is (Add passes dy on unchanged, without a copy), or other kit ops
	// (the convolutions, BatchNorm; see "Gradient graphs" above).
	symDiff func(inputs G.Nodes, output, dy *G.Node) (G.Nodes, error)
	// meta is what other ops may learn about this one when they are built
	// on its output (MaxUnpool2D checks the pooling behind its indices).
	meta any
}

// kernels are an op's forward and backward kernels for one element type.
// backward may be nil for an op that has no gradient.
type kernels[T float] struct {
	forward  func(a fwdArgs[T]) error
	backward func(a bwdArgs[T]) error
}

// view is a tensor's data and shape as a kernel sees them.
type view[T float] struct {
	data  []T
	shape tensor.Shape
}

// fwdArgs are a forward kernel's arguments.
type fwdArgs[T float] struct {
	in       []view[T]       // the inputs
	dense    []*tensor.Dense // the inputs as tensors (index inputs: only here)
	out      view[T]         // the output, to be overwritten entirely
	saved    *saved[T]       // what the backward will read
	needGrad bool            // a backward of this op, or a reader of its saved tensors, will run
}

// bwdArgs are a backward kernel's arguments.
type bwdArgs[T float] struct {
	wrt   int             // which input's gradient to compute
	in    []view[T]       // the forward's inputs
	dense []*tensor.Dense // the forward's inputs as tensors (index inputs: only here)
	out   view[T]         // the forward's output
	dy    view[T]         // the gradient of the output
	dx    view[T]         // the gradient of input wrt, to be overwritten entirely
	saved *saved[T]       // what the forward saved
}

// saved holds the tensors a forward keeps for its backward, by name.
type saved[T float] struct {
	f map[string][]T
	s map[string][]float64
	i map[string][]int32
	b map[string][]uint8
}

// floats returns the saved float tensor called name, with n elements. The
// forward fills it; the backward reads it. It keeps its contents between
// calls with the same n.
func (s *saved[T]) floats(name string, n int) []T {
	if s.f == nil {
		s.f = map[string][]T{}
	}
	b := s.f[name]
	if len(b) != n {
		b = make([]T, n)
		s.f[name] = b
	}
	return b
}

// stats is floats for float64 tensors whatever T is: statistics (a
// per-channel mean) that the backward reads at full precision.
func (s *saved[T]) stats(name string, n int) []float64 {
	if s.s == nil {
		s.s = map[string][]float64{}
	}
	b := s.s[name]
	if len(b) != n {
		b = make([]float64, n)
		s.s[name] = b
	}
	return b
}

// ints is floats for int32 tensors (argmax indices, masks).
func (s *saved[T]) ints(name string, n int) []int32 {
	if s.i == nil {
		s.i = map[string][]int32{}
	}
	b := s.i[name]
	if len(b) != n {
		b = make([]int32, n)
		s.i[name] = b
	}
	return b
}

// bytes is floats for uint8 tensors (dropout masks).
func (s *saved[T]) bytes(name string, n int) []uint8 {
	if s.b == nil {
		s.b = map[string][]uint8{}
	}
	b := s.b[name]
	if len(b) != n {
		b = make([]uint8, n)
		s.b[name] = b
	}
	return b
}

// geomKernels are the kernels of a one-input op whose forward is
// fwd(g, x, y) and whose backward needs only dy: bwd(g, dy, dx), for a
// geometry g (a pooling window, an upsampling).
func geomKernels[T float, Geom any](g Geom, fwd, bwd func(g Geom, in, out []T)) kernels[T] {
	return kernels[T]{
		forward: func(a fwdArgs[T]) error {
			fwd(g, a.in[0].data, a.out.data)
			return nil
		},
		backward: func(a bwdArgs[T]) error {
			bwd(g, a.dy.data, a.dx.data)
			return nil
		},
	}
}

// sameShape is an opDef.shape for ops whose output has the shape of their
// first input.
func sameShape(in []tensor.Shape) (tensor.Shape, error) { return in[0].Clone(), nil }

// applyDef adds the op d, applied to inputs, to their graph. The inputs'
// dtypes must agree and be float32 or float64 (checkNode checks each),
// except those of index inputs (d.index), which the caller checks.
func applyDef(d *opDef, inputs ...*G.Node) (*G.Node, error) {
	floats := make([]*G.Node, 0, len(inputs))
	for i, n := range inputs {
		if !slices.Contains(d.index, i) {
			floats = append(floats, n)
		}
	}
	if err := sameDtype(d.name, floats...); err != nil {
		return nil, err
	}
	shapes := make([]tensor.Shape, len(inputs))
	for i, n := range inputs {
		shapes[i] = n.Shape().Clone()
	}
	out, err := d.shape(shapes)
	if err != nil {
		return nil, err
	}
	desc := d.name
	if d.attrs != "" {
		desc += "(" + d.attrs + ")"
	}
	op := &kitOp{opBase: newOpBase(desc), def: d, in: shapes, out: out}
	return G.ApplyOp(op, inputs...)
}

// Describe returns the name and the parameters of op when it is an op of
// this package, for programs that translate a graph (the ONNX exporter):
// name as the op calls itself ("Add", "Concat", "LeakyReLU",
// "MaxPool2DIndices", "MaxUnpool2D", "Conv2D+ReLU") and attrs as they
// appear between the parentheses of its String ("axis=1, [64 64]" for a
// Concat, "alpha=0.01" for a LeakyReLU; empty when it has none). ok is false
// for any other op (Gorgonia's own) and for the gradient ops.
func Describe(op G.Op) (name, attrs string, ok bool) {
	k, isKit := op.(*kitOp)
	if !isKit || k.def.isGrad {
		return "", "", false
	}
	return k.def.name, k.def.attrs, true
}

// kitType is the Hindley-Milner type of an op from input shapes to output
// shape: a tensor of each rank over one element type (a scalar is the type
// itself); index inputs have an element type of their own.
func kitType(in []tensor.Shape, index []int, out tensor.Shape) hm.Type {
	a := hm.TypeVariable('a')
	of := func(s tensor.Shape, t hm.TypeVariable) hm.Type {
		if s.Dims() == 0 {
			return t
		}
		return G.TensorType{Dims: s.Dims(), Of: t}
	}
	ts := make([]hm.Type, 0, len(in)+1)
	for i, s := range in {
		t := a
		if slices.Contains(index, i) {
			// Gorgonia's inference names the result b: index types avoid it
			t = hm.TypeVariable('i' + rune(i))
		}
		ts = append(ts, of(s, t))
	}
	return hm.NewFnType(append(ts, of(out, a))...)
}

// argBuf holds an op's arguments, as tensors and as views, from run to
// run, so that running an op allocates nothing.
type argBuf struct {
	dense   []*tensor.Dense
	scalars []*tensor.Dense // per input: a Gorgonia scalar argument as a 1-element tensor
	v32     []view[float32]
	v64     []view[float64]
}

// scalar returns the op's 1-element tensor of dtype dt for input i, made
// on the first run and reused by the next ones.
func (b *argBuf) scalar(i int, dt tensor.Dtype) *tensor.Dense {
	if len(b.scalars) <= i {
		b.scalars = append(b.scalars, make([]*tensor.Dense, i+1-len(b.scalars))...)
	}
	if t := b.scalars[i]; t != nil && t.Dtype() == dt {
		return t
	}
	b.scalars[i] = tensor.New(tensor.Of(dt), tensor.WithShape(1))
	return b.scalars[i]
}

// kitOp is a forward op on the kit.
type kitOp struct {
	opBase
	def      *opDef
	in       []tensor.Shape
	out      tensor.Shape
	buf      buffer
	args     argBuf
	needGrad bool
	ran      bool // the forward has run at least once
	s32      saved[float32]
	s64      saved[float64]
}

func (op *kitOp) Arity() int                                     { return len(op.in) }
func (op *kitOp) Type() hm.Type                                  { return kitType(op.in, op.def.index, op.out) }
func (op *kitOp) InferShape(...G.DimSizer) (tensor.Shape, error) { return op.out.Clone(), nil }

func (op *kitOp) Do(vals ...G.Value) (G.Value, error) {
	in, dt, err := kitArgs(op.String(), vals, op.in, op.def.index, &op.args)
	if err != nil {
		return nil, err
	}
	y := op.buf.get(dt, bufShape(op.out))
	switch dt {
	case tensor.Float32:
		err = runForward(op.def.f32, in, op.def.index, &op.args.v32, y, &op.s32, op.needGrad)
	case tensor.Float64:
		err = runForward(op.def.f64, in, op.def.index, &op.args.v64, y, &op.s64, op.needGrad)
	default:
		err = fmt.Errorf("dtype %v not supported", dt)
	}
	if err != nil {
		return nil, fmt.Errorf("ops: %s: %w", op, err)
	}
	op.ran = true
	if op.out.Dims() == 0 {
		v, err := scalarValue(op.String(), y)
		return scalarOut(y.Dtype(), v), err
	}
	return y, nil
}

// bufShape is the shape of the buffer that holds an output of shape s: a
// scalar is computed in a one-element tensor and returned as a Gorgonia
// scalar.
func bufShape(s tensor.Shape) tensor.Shape {
	if s.Dims() == 0 {
		return tensor.Shape{1}
	}
	return s
}

func runForward[T float](k kernels[T], in []*tensor.Dense, index []int, vbuf *[]view[T], y *tensor.Dense, s *saved[T], needGrad bool) error {
	if k.forward == nil {
		return fmt.Errorf("no %v kernel", y.Dtype())
	}
	return k.forward(fwdArgs[T]{in: viewsInto(vbuf, in, index), dense: in, out: viewOf[T](y), saved: s, needGrad: needGrad})
}

// IsGradient reports whether the op computes a gradient (graph.GradientOp).
func (op *kitOp) IsGradient() bool { return op.def.isGrad }

func (op *kitOp) DiffWRT(n int) []bool {
	if op.def.isGrad {
		return make([]bool, n)
	}
	out := allTrue(n)
	for _, i := range append(slices.Clone(op.def.noGrad), op.def.index...) {
		if i < n {
			out[i] = false
		}
	}
	return out
}

func (op *kitOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if op.def.isGrad {
		return nil, fmt.Errorf("ops: %s: second derivatives are not implemented", op)
	}
	wrt := op.DiffWRT(len(inputs))
	if !slices.Contains(wrt, true) {
		return nil, fmt.Errorf("ops: %s: not differentiable", op)
	}
	if op.def.symDiff != nil {
		return op.def.symDiff(inputs, output, grad)
	}
	op.needGrad = true
	args := append(append(G.Nodes{}, inputs...), output, grad)
	out := make(G.Nodes, len(inputs))
	for i := range inputs {
		if !wrt[i] {
			continue
		}
		g := &kitGradOp{opBase: newOpBase(fmt.Sprintf("%sGrad%d", op, i)), fwd: op, wrt: i,
			shapes: append(slices.Clone(op.in), op.out, op.out)}
		dx, err := G.ApplyOp(g, args...)
		if err != nil {
			return nil, err
		}
		out[i] = dx
	}
	return out, nil
}

// kitOpOf returns the kit op of node n, for an op that reads n's saved
// tensors (as MaxPoolIndices reads the pool's argmax), and makes its
// forward save them (fwdArgs.needGrad) even when no gradient is taken.
func kitOpOf(n *G.Node) (*kitOp, bool) {
	op, ok := n.Op().(*kitOp)
	if ok {
		op.needGrad = true
	}
	return op, ok
}

// savedOf returns op's saved tensors of element type T, and whether its
// forward has run.
func savedOf[T float](op *kitOp) (*saved[T], bool) {
	var s any
	var zero T
	switch any(zero).(type) {
	case float32:
		s = &op.s32
	case float64:
		s = &op.s64
	}
	return s.(*saved[T]), op.ran
}

// kitGradOp is the gradient of a kitOp with respect to input wrt, given
// the inputs, the output and the output gradient. It is not itself
// differentiable (second derivatives are not implemented).
type kitGradOp struct {
	opBase
	fwd    *kitOp
	wrt    int
	shapes []tensor.Shape // of the inputs: the forward's inputs, output and output gradient
	buf    buffer
	args   argBuf
}

// IsGradient reports true (graph.GradientOp): an unused gradient node is
// left out of the compiled program.
func (op *kitGradOp) IsGradient() bool { return true }

func (op *kitGradOp) Arity() int { return len(op.shapes) }

func (op *kitGradOp) Type() hm.Type {
	return kitType(op.shapes, op.fwd.def.index, op.fwd.in[op.wrt])
}

func (op *kitGradOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return op.fwd.in[op.wrt].Clone(), nil
}

// DiffWRT and SymDiff implement gorgonia.SDOp: no input is differentiated.
func (op *kitGradOp) DiffWRT(n int) []bool { return make([]bool, n) }

func (op *kitGradOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, fmt.Errorf("ops: %s: second derivatives are not implemented", op)
}

func (op *kitGradOp) Do(vals ...G.Value) (G.Value, error) {
	f := op.fwd
	n := len(f.in)
	in, dt, err := kitArgs(op.String(), vals, op.shapes, f.def.index, &op.args)
	if err != nil {
		return nil, err
	}
	if !f.ran {
		return nil, fmt.Errorf("ops: %s: the forward pass has not run", op)
	}
	dx := op.buf.get(dt, bufShape(f.in[op.wrt]))
	switch dt {
	case tensor.Float32:
		err = runBackward(f.def.f32, op.wrt, in[:n], f.def.index, &op.args.v32, in[n], in[n+1], dx, &f.s32)
	case tensor.Float64:
		err = runBackward(f.def.f64, op.wrt, in[:n], f.def.index, &op.args.v64, in[n], in[n+1], dx, &f.s64)
	default:
		err = fmt.Errorf("dtype %v not supported", dt)
	}
	if err != nil {
		return nil, fmt.Errorf("ops: %s: %w", op, err)
	}
	if f.in[op.wrt].Dims() == 0 {
		v, err := scalarValue(op.String(), dx)
		return scalarOut(dx.Dtype(), v), err
	}
	return dx, nil
}

func runBackward[T float](k kernels[T], wrt int, in []*tensor.Dense, index []int, vbuf *[]view[T], y, dy, dx *tensor.Dense, s *saved[T]) error {
	if k.backward == nil {
		return fmt.Errorf("no %v gradient kernel", dx.Dtype())
	}
	return k.backward(bwdArgs[T]{wrt: wrt, in: viewsInto(vbuf, in, index), dense: in,
		out: viewOf[T](y), dy: viewOf[T](dy), dx: viewOf[T](dx), saved: s})
}

// kitArgs converts an op's arguments to dense tensors in buf of the shapes
// the op was built for, all but the index inputs of one float dtype, which
// it returns.
func kitArgs(op string, vals []G.Value, shapes []tensor.Shape, index []int, buf *argBuf) ([]*tensor.Dense, tensor.Dtype, error) {
	var dt tensor.Dtype
	if len(vals) != len(shapes) {
		return nil, dt, fmt.Errorf("ops: %s: want %d inputs, got %d", op, len(shapes), len(vals))
	}
	if cap(buf.dense) < len(vals) {
		buf.dense = make([]*tensor.Dense, len(vals))
	}
	in := buf.dense[:len(vals)]
	for i, v := range vals {
		var t *tensor.Dense
		switch s := v.(type) {
		case *tensor.Dense:
			t = s
		case *G.F64: // Gorgonia scalars, as the gradient of a scalar output
			t = buf.scalar(i, tensor.Float64)
			t.Float64s()[0] = float64(*s)
		case *G.F32:
			t = buf.scalar(i, tensor.Float32)
			t.Float32s()[0] = float32(*s)
		default:
			return nil, dt, fmt.Errorf("ops: %s: input %d must be a dense tensor, got %T", op, i, v)
		}
		if t.IsView() { // a transposed or sliced tensor from a Gorgonia op
			t = t.Materialize().(*tensor.Dense)
		}
		in[i] = t
	}
	first := -1
	for i, t := range in {
		if !slices.Contains(index, i) {
			if first < 0 {
				first, dt = i, t.Dtype()
			} else if t.Dtype() != dt {
				return nil, dt, fmt.Errorf("ops: %s: input %d is %v, input %d is %v", op, i, t.Dtype(), first, dt)
			}
		}
		if s := t.Shape(); !graph.SameShape(s, shapes[i]) && !(s.TotalSize() == 1 && shapes[i].TotalSize() == 1) {
			return nil, dt, graph.ShapeErrorf("ops: %s: input %d must have shape %s, got %s", op, i, graph.FormatShape(shapes[i]), graph.FormatShape(s))
		}
	}
	return in, dt, nil
}

// viewOf is t as a view; t's dtype must be T's (a scalar is one element).
func viewOf[T float](t *tensor.Dense) view[T] {
	var data []T
	switch d := any(&data).(type) {
	case *[]float32:
		*d = t.Float32s()
	case *[]float64:
		*d = t.Float64s()
	}
	return view[T]{data: data, shape: t.Shape()}
}

// viewsInto returns ts as views, in *buf (reused); index inputs get their
// shape and no data.
func viewsInto[T float](buf *[]view[T], ts []*tensor.Dense, index []int) []view[T] {
	if cap(*buf) < len(ts) {
		*buf = make([]view[T], len(ts))
	}
	out := (*buf)[:len(ts)]
	for i, t := range ts {
		if slices.Contains(index, i) {
			out[i] = view[T]{shape: t.Shape()}
			continue
		}
		out[i] = viewOf[T](t)
	}
	return out
}
