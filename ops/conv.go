package ops

import (
	"fmt"

	"github.com/convnet-go/convnet/graph"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ConvParams configures ConvND. Each slice has one value per spatial axis
// (1 for NCW, 2 for NCHW, 3 for NCDHW), or is nil for the default.
type ConvParams struct {
	// Stride per axis (default 1).
	Stride []int
	// Pad is the zero padding on both sides of each axis (default 0), or
	// before each axis when PadAfter is set.
	Pad []int
	// PadAfter, when not nil, is the zero padding after each axis (right,
	// bottom, back), so padding may be asymmetric as Keras's "same" needs
	// when the total padding is odd. It costs nothing: the engine reads
	// zeros past the end of the input instead of copying a padded input.
	PadAfter []int
	// Dilation per axis (default 1).
	Dilation []int
	// ReLU applies max(0, ·) to the output inside the convolution's own
	// output pass (after the bias), saving the separate activation pass
	// over memory: ConvND(x, w, b, {ReLU: true}) equals ReLU(ConvND(x, w,
	// b, {})), gradient included (zero where the output is zero).
	ReLU bool
}

// ConvTransposeParams configures ConvTransposeND. Each slice has one value
// per spatial axis, or is nil for the default.
type ConvTransposeParams struct {
	// Stride per axis (default 1).
	Stride []int
	// Pad is removed from both ends of each output axis (default 0), or
	// from the start when PadAfter is set.
	Pad []int
	// PadAfter, when not nil, is removed from the end of each output axis,
	// so the cropping may be asymmetric: Keras's "same" transposed
	// convolution crops total/2 before and the rest after, the adjoint of
	// its "same" convolution.
	PadAfter []int
	// OutPad is added to the end of each output axis (default 0); it must
	// be smaller than the stride or the dilation of that axis.
	OutPad []int
	// Dilation per axis (default 1).
	Dilation []int
	// ReLU applies max(0, ·) to the output, fused as in ConvParams.
	ReLU bool
}

// Conv1D is the 1-D convolution (cross-correlation, as in every framework)
// of x (N, C, L) with w (K, C, k): output (N, K, L2) with
//
//	L2 = floor((L + 2·pad - dilation·(k-1) - 1) / stride) + 1
func Conv1D(x, w *G.Node, stride, pad, dilation int) (*G.Node, error) {
	return conv("Conv1D", 1, x, w, nil, ConvParams{Stride: []int{stride}, Pad: []int{pad}, Dilation: []int{dilation}})
}

// Conv2D is the 2-D convolution of x (N, C, H, W) with w (K, C, kh, kw):
// output (N, K, H2, W2), each axis as in Conv1D (the course's
// W2 = (W1 - k + 2P)/S + 1 for dilation 1). Values are (H, W).
func Conv2D(x, w *G.Node, stride, pad, dilation [2]int) (*G.Node, error) {
	return conv("Conv2D", 2, x, w, nil, ConvParams{Stride: stride[:], Pad: pad[:], Dilation: dilation[:]})
}

// Conv3D is the 3-D convolution of x (N, C, D, H, W) with w (K, C, kd, kh,
// kw): output (N, K, D2, H2, W2), each axis as in Conv1D. Values are
// (D, H, W).
func Conv3D(x, w *G.Node, stride, pad, dilation [3]int) (*G.Node, error) {
	return conv("Conv3D", 3, x, w, nil, ConvParams{Stride: stride[:], Pad: pad[:], Dilation: dilation[:]})
}

// ConvND is the convolution of x (N, C, spatial...) with w (K, C, k...)
// plus an optional bias b (K) (nil for none), for 1, 2 or 3 spatial axes
// (x of rank 3, 4 or 5). Output (N, K, out...) with, per axis,
//
//	out = floor((in + padBefore + padAfter - dilation·(k-1) - 1) / stride) + 1
func ConvND(x, w, b *G.Node, p ConvParams) (*G.Node, error) {
	return conv("ConvND", 0, x, w, b, p)
}

// ConvTranspose1D is the transposed convolution of x (N, C, L) with w
// (C, K, k) (PyTorch's layout: input channels first): output (N, K, L2)
// with
//
//	L2 = (L - 1)·stride - 2·pad + dilation·(k-1) + outPad + 1
//
// outPad must be smaller than stride or dilation. It is the gradient of
// Conv1D with respect to its input: every input value scatters a copy of
// the kernel, scaled by it, into the output, stride apart.
func ConvTranspose1D(x, w *G.Node, stride, pad, outPad, dilation int) (*G.Node, error) {
	return convTranspose("ConvTranspose1D", 1, x, w, nil, ConvTransposeParams{
		Stride: []int{stride}, Pad: []int{pad}, OutPad: []int{outPad}, Dilation: []int{dilation}})
}

// ConvTranspose2D is the transposed convolution of x (N, C, H, W) with w
// (C, K, kh, kw): output (N, K, H2, W2), each axis as in ConvTranspose1D.
// Values are (H, W).
func ConvTranspose2D(x, w *G.Node, stride, pad, outPad, dilation [2]int) (*G.Node, error) {
	return convTranspose("ConvTranspose2D", 2, x, w, nil, ConvTransposeParams{
		Stride: stride[:], Pad: pad[:], OutPad: outPad[:], Dilation: dilation[:]})
}

// ConvTranspose3D is the transposed convolution of x (N, C, D, H, W) with
// w (C, K, kd, kh, kw): output (N, K, D2, H2, W2), each axis as in
// ConvTranspose1D. Values are (D, H, W).
func ConvTranspose3D(x, w *G.Node, stride, pad, outPad, dilation [3]int) (*G.Node, error) {
	return convTranspose("ConvTranspose3D", 3, x, w, nil, ConvTransposeParams{
		Stride: stride[:], Pad: pad[:], OutPad: outPad[:], Dilation: dilation[:]})
}

// ConvTransposeND is the transposed convolution of x (N, C, spatial...)
// with w (C, K, k...) plus an optional bias b (K) (nil for none), for 1, 2
// or 3 spatial axes. Output (N, K, out...) with, per axis,
//
//	out = (in - 1)·stride - padBefore - padAfter + dilation·(k-1) + outPad + 1
func ConvTransposeND(x, w, b *G.Node, p ConvTransposeParams) (*G.Node, error) {
	return convTranspose("ConvTransposeND", 0, x, w, b, p)
}

// axisNames names the spatial axes in messages.
func axisNames(rank int) []string {
	switch rank {
	case 1:
		return []string{"L"}
	case 2:
		return []string{"H", "W"}
	}
	return []string{"D", "H", "W"}
}

func layoutName(rank int) string {
	switch rank {
	case 1:
		return "(N, C, L)"
	case 2:
		return "(N, C, H, W)"
	}
	return "(N, C, D, H, W)"
}

// convRank checks x and w and returns the number of spatial axes and the
// op's name. A fixed rank (1-3) comes from Conv1D/2D/3D; 0 takes it from x.
func convRank(name string, rank int, x, w *G.Node) (int, string, error) {
	if rank == 0 {
		if err := checkNode(name, "input", x, 3, 4, 5); err != nil {
			return 0, "", err
		}
		rank = x.Shape().Dims() - 2
		name = fmt.Sprintf("%s%dD", name[:len(name)-2], rank)
	} else if err := checkNode(name, "input", x); err != nil {
		return 0, "", err
	} else if x.Shape().Dims() != rank+2 {
		return 0, "", graph.ShapeErrorf("ops: %s: input must have rank %d %s, got shape %s", name, rank+2, layoutName(rank), graph.FormatShape(x.Shape()))
	}
	if err := checkNode(name, "weight", w); err != nil {
		return 0, "", err
	}
	if w.Shape().Dims() != rank+2 {
		return 0, "", graph.ShapeErrorf("ops: %s: weight must have rank %d like the input %s, got shape %s", name, rank+2, graph.FormatShape(x.Shape()), graph.FormatShape(w.Shape()))
	}
	return rank, name, nil
}

// perAxis expands an optional per-axis setting.
func perAxis(name, what string, vals []int, rank, def int) ([3]int, error) {
	var out [3]int
	switch len(vals) {
	case 0:
		for i := range rank {
			out[i] = def
		}
	case rank:
		copy(out[:], vals)
	default:
		return out, graph.ArgErrorf("ops: %s: %s needs %d values (one per spatial axis), got %v", name, what, rank, vals)
	}
	return out, nil
}

// convSettings holds the validated per-axis settings, in the op's rank.
type convSettings struct {
	stride, pad, padAfter, outPad, dil [3]int
}

// geom is the engine geometry of a convolution of n images from the image
// side (c channels, spatial sizes in) to the column side (k channels, out),
// kernel ker, with these settings.
func (s convSettings) geom(rank, n, c, k int, in, out, ker []int) convGeom {
	return convGeom{
		n: n, c: c, k: k,
		in:     lift3(in, 1),
		out:    lift3(out, 1),
		ker:    lift3(ker, 1),
		stride: lift(s.stride, rank, 1),
		pad:    lift(s.pad, rank, 0),
		dil:    lift(s.dil, rank, 1),
	}
}

// attrs describes the settings for the op's description: stride=...,
// pad=..., [outPad=...,] dilation=...[, padAfter=...], padAfter only when
// it differs from pad.
func (s convSettings) attrs(rank int, outPad bool) string {
	d := fmt.Sprintf("stride=%v, pad=%v, ", s.stride[:rank], s.pad[:rank])
	if outPad {
		d += fmt.Sprintf("outPad=%v, ", s.outPad[:rank])
	}
	d += fmt.Sprintf("dilation=%v", s.dil[:rank])
	if s.padAfter != s.pad {
		d += fmt.Sprintf(", padAfter=%v", s.padAfter[:rank])
	}
	return d
}

func readSettings(name string, rank int, stride, pad, padAfter, outPad, dil []int, hasAfter bool) (convSettings, error) {
	var s convSettings
	var err error
	if s.stride, err = perAxis(name, "stride", stride, rank, 1); err != nil {
		return s, err
	}
	if s.pad, err = perAxis(name, "pad", pad, rank, 0); err != nil {
		return s, err
	}
	s.padAfter = s.pad
	if hasAfter {
		if s.padAfter, err = perAxis(name, "pad after", padAfter, rank, 0); err != nil {
			return s, err
		}
	}
	if s.outPad, err = perAxis(name, "output padding", outPad, rank, 0); err != nil {
		return s, err
	}
	if s.dil, err = perAxis(name, "dilation", dil, rank, 1); err != nil {
		return s, err
	}
	check := func(what string, v [3]int, min int) error {
		for i := range rank {
			if v[i] < min {
				return graph.ArgErrorf("ops: %s: %s must be >= %d, got %v", name, what, min, v[:rank])
			}
		}
		return nil
	}
	for _, c := range []struct {
		what string
		v    [3]int
		min  int
	}{{"stride", s.stride, 1}, {"pad", s.pad, 0}, {"pad after", s.padAfter, 0}, {"output padding", s.outPad, 0}, {"dilation", s.dil, 1}} {
		if err := check(c.what, c.v, c.min); err != nil {
			return s, err
		}
	}
	return s, nil
}

// axisError re-labels an error from the graph shape formulas with the op
// and the axis, keeping its sentinel.
func axisError(name, axis string, err error) error {
	if errors.Is(err, graph.ErrShape) {
		return graph.ShapeErrorf("ops: %s: axis %s: %v", name, axis, err)
	}
	return graph.ArgErrorf("ops: %s: axis %s: %v", name, axis, err)
}

// lift3 places the rank trailing values of a rank-r shape into a 3-vector
// whose leading unused axes are fill.
func lift3(vals []int, fill int) [3]int {
	out := [3]int{fill, fill, fill}
	copy(out[3-len(vals):], vals)
	return out
}

func lift(v [3]int, rank, fill int) [3]int { return lift3(v[:rank], fill) }

func conv(name string, rank int, x, w, b *G.Node, p ConvParams) (*G.Node, error) {
	r, name, attrs, nodes, err := convSetup(name, rank, x, w, b, p)
	if err != nil {
		return nil, err
	}
	return applyDef(convDef(r, name, attrs, false), nodes...)
}

// convSetup checks the inputs and settings of a forward convolution of
// rank spatial axes (0: from x) and returns its run, its name and attrs,
// and its input nodes.
func convSetup(name string, rank int, x, w, b *G.Node, p ConvParams) (*convRun, string, string, []*G.Node, error) {
	rank, name, err := convRank(name, rank, x, w)
	if err != nil {
		return nil, "", "", nil, err
	}
	s, err := readSettings(name, rank, p.Stride, p.Pad, p.PadAfter, nil, p.Dilation, p.PadAfter != nil)
	if err != nil {
		return nil, "", "", nil, err
	}
	xs, ws := x.Shape(), w.Shape()
	if xs[1] != ws[1] {
		return nil, "", "", nil, graph.ShapeErrorf("ops: %s: input has %d channels (axis 1 of %s) but the weight %s expects %d (its axis 1)",
			name, xs[1], graph.FormatShape(xs), graph.FormatShape(ws), ws[1])
	}
	nodes, err := convInputs(name, x, w, b, ws[0])
	if err != nil {
		return nil, "", "", nil, err
	}
	out := make([]int, rank)
	for i, axis := range axisNames(rank) {
		in, k := xs[2+i], ws[2+i]
		if out[i], err = convOutSizeAsym(in, k, s.stride[i], s.pad[i], s.padAfter[i], s.dil[i]); err != nil {
			return nil, "", "", nil, axisError(name, axis, err)
		}
	}
	g := s.geom(rank, xs[0], xs[1], ws[0], xs[2:], out, ws[2:])
	r := &convRun{kind: convForwardKind, rank: rank, geom: g, bias: b != nil, relu: p.ReLU}
	return r, name, s.attrs(rank, false), nodes, nil
}

// convOutSizeAsym is graph.ConvOutSize with separate padding before and after.
func convOutSizeAsym(in, k, stride, before, after, dil int) (int, error) {
	if before == after {
		return graph.ConvOutSize(in, k, stride, before, dil)
	}
	// the checks of graph.ConvOutSize on the symmetric part, then the sizes
	if _, err := graph.ConvOutSize(in, 1, stride, min(before, after), dil); err != nil {
		return 0, err
	}
	eff := dil*(k-1) + 1
	if k <= 0 {
		return 0, graph.ArgErrorf("kernel size must be positive, got %d", k)
	}
	if in+before+after < eff {
		return 0, graph.ShapeErrorf("kernel %d (dilated to %d) is larger than the padded input %d (input %d, pad %d before and %d after)", k, eff, in+before+after, in, before, after)
	}
	return (in+before+after-eff)/stride + 1, nil
}

// convTransposeOutSizeAsym is graph.ConvTransposeOutSize with separate
// cropping before and after.
func convTransposeOutSizeAsym(in, k, stride, before, after, outPad, dil int) (int, error) {
	if before == after {
		return graph.ConvTransposeOutSize(in, k, stride, before, outPad, dil)
	}
	if _, err := graph.ConvTransposeOutSize(in, k, stride, 0, outPad, dil); err != nil {
		return 0, err
	}
	out := (in-1)*stride - before - after + dil*(k-1) + outPad + 1
	if out <= 0 {
		return 0, graph.ShapeErrorf("output size would be %d for input %d, kernel %d, stride %d, pad %d before and %d after", out, in, k, stride, before, after)
	}
	return out, nil
}

// convInputs checks the bias b (nil, or one value per output channel:
// want) and the dtypes, and returns the op's inputs x, w [, b].
func convInputs(name string, x, w, b *G.Node, want int) ([]*G.Node, error) {
	nodes := []*G.Node{x, w}
	if b != nil {
		if err := checkBias(name, b, want); err != nil {
			return nil, err
		}
		nodes = append(nodes, b)
	}
	if err := sameDtype(name, nodes...); err != nil {
		return nil, err
	}
	return nodes, nil
}

func checkBias(name string, b *G.Node, want int) error {
	if err := checkNode(name, "bias", b, 1); err != nil {
		return err
	}
	if b.Shape()[0] != want {
		return graph.ShapeErrorf("ops: %s: bias must have shape (%d), one value per output channel, got %s", name, want, graph.FormatShape(b.Shape()))
	}
	return nil
}

func convTranspose(name string, rank int, x, w, b *G.Node, p ConvTransposeParams) (*G.Node, error) {
	rank, name, err := convRank(name, rank, x, w)
	if err != nil {
		return nil, err
	}
	s, err := readSettings(name, rank, p.Stride, p.Pad, p.PadAfter, p.OutPad, p.Dilation, p.PadAfter != nil)
	if err != nil {
		return nil, err
	}
	xs, ws := x.Shape(), w.Shape()
	if xs[1] != ws[0] {
		return nil, graph.ShapeErrorf("ops: %s: input has %d channels (axis 1 of %s) but the weight %s (in, out, k...) expects %d (its axis 0)",
			name, xs[1], graph.FormatShape(xs), graph.FormatShape(ws), ws[0])
	}
	nodes, err := convInputs(name, x, w, b, ws[1])
	if err != nil {
		return nil, err
	}
	out := make([]int, rank)
	for i, axis := range axisNames(rank) {
		if out[i], err = convTransposeOutSizeAsym(xs[2+i], ws[2+i], s.stride[i], s.pad[i], s.padAfter[i], s.outPad[i], s.dil[i]); err != nil {
			return nil, axisError(name, axis, err)
		}
	}
	// The transposed convolution is the input gradient of the convolution
	// from its output (the image side, C = out channels) to x (the column
	// side, K = in channels).
	g := s.geom(rank, xs[0], ws[1], ws[0], out, xs[2:], ws[2:])
	return applyDef(convDef(&convRun{kind: convTransposeKind, rank: rank, geom: g, bias: b != nil, relu: p.ReLU}, name, s.attrs(rank, true), false), nodes...)
}

// convKind selects what a convolution computes with its geometry (image
// side (N, C, in...), column side (N, K, out...), weight (K, C, k...)).
type convKind int

const (
	// convForwardKind: inputs image, w [, b (K)] → column side.
	convForwardKind convKind = iota
	// convTransposeKind: inputs column side, w [, b (C)] → image side.
	convTransposeKind
	// convFilterKind: inputs column side, image → weight gradient.
	convFilterKind
)

// convRun is one convolution op's kind, geometry and engine (whose
// scratch is shared by all convolutions; see conv_engine.go). The forward convolution and the
// transposed one are each other's input gradient; both take their filter
// gradient from convFilterKind and their bias gradient from channelSum.
type convRun struct {
	kind convKind
	rank int
	geom convGeom
	bias bool // a bias input (forward kinds)
	relu bool // output max(0, ·) (forward kinds)
	eng  convEngine
}

// convDef is the convolution r on the kit, named name with the settings
// attrs; grad marks the gradient ops (convGrads). A fused ReLU is the op
// name+ReLU; a bias adds ", bias" to attrs.
func convDef(r *convRun, name, attrs string, grad bool) *opDef {
	d := &opDef{
		name: name, attrs: attrs, isGrad: grad,
		shape: func(in []tensor.Shape) (tensor.Shape, error) { return r.checkShapes(name, in) },
		f32:   convKernels[float32](r),
		f64:   convKernels[float64](r),
	}
	if r.relu {
		d.name += "+ReLU"
	}
	if r.bias {
		d.attrs += ", bias"
	}
	if !grad {
		d.symDiff = func(inputs G.Nodes, output, dy *G.Node) (G.Nodes, error) {
			return convGrads(r, name, attrs, inputs, output, dy)
		}
	}
	return d
}

func convKernels[T float](r *convRun) kernels[T] {
	return kernels[T]{forward: func(a fwdArgs[T]) error {
		x, w, y := a.in[0].data, a.in[1].data, a.out.data
		var b []T
		if r.bias {
			b = a.in[2].data
		}
		switch r.kind {
		case convForwardKind:
			convForward(&r.eng, &r.geom, x, w, b, r.relu, y)
		case convTransposeKind:
			convBackwardData(&r.eng, &r.geom, x, w, b, r.relu, y)
		default:
			convBackwardFilter(&r.eng, &r.geom, x, w, y)
		}
		return nil
	}}
}

// convGrads builds the gradients of the convolution r (named name, with
// settings attrs) applied to inputs with this output and output gradient
// dy. With a fused ReLU the output is zero exactly where the
// pre-activation is <= 0, so the output serves as ReLU's input for the
// mask of dy.
func convGrads(r *convRun, name, attrs string, inputs G.Nodes, output, dy *G.Node) (G.Nodes, error) {
	a, w := inputs[0], inputs[1]
	var err error
	if r.relu {
		if dy, err = reluGradOf(output, dy); err != nil {
			return nil, err
		}
	}
	grad := func(kind convKind, suffix string, in ...*G.Node) (*G.Node, error) {
		return applyDef(convDef(&convRun{kind: kind, rank: r.rank, geom: r.geom}, name+suffix, attrs, true), in...)
	}
	var da, dw *G.Node
	switch r.kind {
	case convForwardKind:
		// dx = convT(dy, w), dW = Σ dy·col(x)ᵀ
		if da, err = grad(convTransposeKind, "∂x", dy, w); err != nil {
			return nil, err
		}
		if dw, err = grad(convFilterKind, "∂w", dy, a); err != nil {
			return nil, err
		}
	case convTransposeKind:
		// dx = conv(dy, w), dW = Σ x·col(dy)ᵀ
		if da, err = grad(convForwardKind, "∂x", dy, w); err != nil {
			return nil, err
		}
		if dw, err = grad(convFilterKind, "∂w", a, dy); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("ops: %s: not differentiable", name)
	}
	out := G.Nodes{da, dw}
	if r.bias {
		db, err := channelSum(name+"∂b", dy)
		if err != nil {
			return nil, err
		}
		out = append(out, db)
	}
	return out, nil
}

func (r *convRun) imageShape() tensor.Shape {
	return append(tensor.Shape{r.geom.n, r.geom.c}, r.geom.in[3-r.rank:]...)
}

func (r *convRun) columnShape() tensor.Shape {
	return append(tensor.Shape{r.geom.n, r.geom.k}, r.geom.out[3-r.rank:]...)
}

func (r *convRun) weightShape() tensor.Shape {
	return append(tensor.Shape{r.geom.k, r.geom.c}, r.geom.ker[3-r.rank:]...)
}

// checkShapes is the op's shape function: the input shapes must be those
// of its geometry; it returns the output shape.
func (r *convRun) checkShapes(name string, in []tensor.Shape) (tensor.Shape, error) {
	var want []tensor.Shape
	var out tensor.Shape
	switch r.kind {
	case convForwardKind:
		want, out = []tensor.Shape{r.imageShape(), r.weightShape()}, r.columnShape()
		if r.bias {
			want = append(want, tensor.Shape{r.geom.k})
		}
	case convTransposeKind:
		want, out = []tensor.Shape{r.columnShape(), r.weightShape()}, r.imageShape()
		if r.bias {
			want = append(want, tensor.Shape{r.geom.c})
		}
	default:
		want, out = []tensor.Shape{r.columnShape(), r.imageShape()}, r.weightShape()
	}
	return out, wantShapes(name, in, want)
}

// wantShapes returns an error unless the input shapes in are want.
func wantShapes(name string, in, want []tensor.Shape) error {
	if len(in) != len(want) {
		return graph.ArgErrorf("ops: %s: want %d inputs, got %d", name, len(want), len(in))
	}
	for i, s := range in {
		if !graph.SameShape(s, want[i]) {
			return graph.ShapeErrorf("ops: %s: input %d must have shape %s, got %s", name, i, graph.FormatShape(want[i]), graph.FormatShape(s))
		}
	}
	return nil
}

// channelSum sums dy (N, C, ...) over every axis but the channel axis: the
// bias gradient of the convolutions.
func channelSum(name string, dy *G.Node) (*G.Node, error) {
	return applyDef(&opDef{
		name: name, isGrad: true,
		shape: func(in []tensor.Shape) (tensor.Shape, error) { return tensor.Shape{in[0][1]}, nil },
		f32:   channelSumKernels(new(channelSumLoop[float32])),
		f64:   channelSumKernels(new(channelSumLoop[float64])),
	}, dy)
}

// channelSumKernels are the kernels of a channelSum op, whose calls reuse
// the op's loop value l.
func channelSumKernels[T float](l *channelSumLoop[T]) kernels[T] {
	return kernels[T]{forward: func(a fwdArgs[T]) error {
		s := a.in[0].shape
		n, c := s[0], s[1]
		channelSums(l, a.in[0].data, n, s.TotalSize()/(n*c), a.out.data)
		return nil
	}}
}
