package nn

import (
	"fmt"
	"math"
	"strings"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Residual is a residual connection (He et al. 2016,
// https://arxiv.org/abs/1512.03385): y = body(x) + shortcut(x), where a nil
// shortcut is the identity. The gradient reaches x through the shortcut
// undiminished, which is what lets very deep networks train.
//
// The body's output must have the shape of the shortcut's output (of x for
// the identity); when the body changes the channels or the resolution, give
// a projection shortcut (a 1x1 convolution with the same stride, often
// followed by BatchNorm2D). Input any shape the body accepts; output the
// body's output shape.
//
// Children are named "body" and "shortcut", so Params are "body.0.weight",
// "shortcut.0.weight", ... when both are Sequentials.
type Residual struct {
	EvalCache
	body, shortcut Layer
}

// NewResidual returns body(x) + shortcut(x); shortcut may be nil (the
// identity). body and shortcut keep their weights: a container never
// re-initialises its children.
func NewResidual(body, shortcut Layer) (*Residual, error) {
	if body == nil {
		return nil, argError("NewResidual", "body is nil")
	}
	return &Residual{body: body, shortcut: shortcut}, nil
}

// Forward computes body(x) + shortcut(x).
func (r *Residual) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	if x == nil {
		return nil, layerError(b, "Residual", graph.ErrArg, "input is nil")
	}
	y, err := Call(b, "body", r.body, x)
	if err != nil {
		return nil, err
	}
	s := x
	if r.shortcut != nil {
		if s, err = Call(b, "shortcut", r.shortcut, x); err != nil {
			return nil, err
		}
	}
	if !graph.SameShape(y.Shape(), s.Shape()) {
		what := "the input"
		if r.shortcut != nil {
			what = "the shortcut's output"
		}
		return nil, shapeError(b, "Residual", "the body's output %s differs from %s %s; add a projection shortcut", graph.FormatShape(y.Shape()), what, graph.FormatShape(s.Shape()))
	}
	if err := sameDtypes(b, "Residual", y, s); err != nil {
		return nil, err
	}
	return ops.Add(y, s)
}

// Params lists the body's Params under "body." and the shortcut's under "shortcut.".
func (r *Residual) Params() []graph.NamedParam { return ChildParams(r.Children()...) }

// Children returns the body and, if any, the shortcut.
func (r *Residual) Children() []Child {
	cs := []Child{{Name: "body", Layer: r.body}}
	if r.shortcut != nil {
		cs = append(cs, Child{Name: "shortcut", Layer: r.shortcut})
	}
	return cs
}

// Body returns the residual branch.
func (r *Residual) Body() Layer { return r.body }

// Shortcut returns the shortcut branch, or nil for the identity.
func (r *Residual) Shortcut() Layer { return r.shortcut }

// String prints "Residual(body + identity)" or "Residual(body + shortcut)".
func (r *Residual) String() string {
	if r.shortcut == nil {
		return fmt.Sprintf("Residual(%v + identity)", r.body)
	}
	return fmt.Sprintf("Residual(%v + %v)", r.body, r.shortcut)
}

// sameDtypes returns an error naming the layer unless all xs share a dtype.
func sameDtypes(b *graph.Builder, kind string, xs ...*G.Node) error {
	var want tensor.Dtype
	for i, x := range xs {
		dt, err := inputDtype(x)
		if err != nil {
			return layerError(b, kind, graph.ErrArg, "input %d: %v", i, err)
		}
		if i == 0 {
			want = dt
		} else if dt != want {
			return layerError(b, kind, graph.ErrArg, "input %d has dtype %v, input 0 has %v", i, dt, want)
		}
	}
	return nil
}

// checkMerge validates the inputs of Add and Concat: at least one, none
// nil, one dtype, one rank (at least minRank), and equal sizes on every
// axis except skip (-1 for none).
func checkMerge(b *graph.Builder, kind string, xs []*G.Node, minRank, skip int) error {
	if len(xs) == 0 {
		return layerError(b, kind, graph.ErrArg, "need at least one input, got none")
	}
	for i, x := range xs {
		if x == nil {
			return layerError(b, kind, graph.ErrArg, "input %d is nil", i)
		}
	}
	first := xs[0].Shape()
	if first.Dims() < minRank {
		return shapeError(b, kind, "inputs must have rank >= %d, input 0 has shape %s", minRank, graph.FormatShape(first))
	}
	for i, x := range xs[1:] {
		s := x.Shape()
		if s.Dims() != first.Dims() {
			return shapeError(b, kind, "input %d has rank %d (shape %s), input 0 has rank %d (shape %s)", i+1, s.Dims(), graph.FormatShape(s), first.Dims(), graph.FormatShape(first))
		}
		for d := range s {
			if d != skip && s[d] != first[d] {
				return shapeError(b, kind, "input %d has shape %s, input 0 has %s: axis %d differs (%d vs %d)", i+1, graph.FormatShape(s), graph.FormatShape(first), d, s[d], first[d])
			}
		}
	}
	return sameDtypes(b, kind, xs...)
}

// Add is the elementwise sum of nodes of one shape, for functional graphs
// (a residual merge written by hand: nn.Add(b, body, x)). Errors name the
// input and the axis whose size differs.
func Add(b *graph.Builder, xs ...*G.Node) (*G.Node, error) {
	if err := checkMerge(b, "Add", xs, 1, -1); err != nil {
		return nil, err
	}
	out, err := ops.Add(xs...)
	if err != nil {
		return nil, err
	}
	recordMerge(b, "Add", xs, out)
	return out, nil
}

// ScaledAdd is x + scale·y for two nodes of one shape: the residual merge
// of Inception-ResNet blocks (Keras's CustomScaleLayer), which scale the
// residual y by 0.1 to 0.3 to keep very wide residual networks stable
// early in training. scale must be finite. Errors name the input and the
// axis whose size differs.
func ScaledAdd(b *graph.Builder, x, y *G.Node, scale float64) (*G.Node, error) {
	xs := []*G.Node{x, y}
	if err := checkMerge(b, "ScaledAdd", xs, 1, -1); err != nil {
		return nil, err
	}
	if math.IsNaN(scale) || math.IsInf(scale, 0) {
		return nil, layerError(b, "ScaledAdd", graph.ErrArg, "scale must be finite, got %v", scale)
	}
	scaled, err := ops.Scale(y, scale)
	if err != nil {
		return nil, wrapLayer(b, "ScaledAdd", err)
	}
	out, err := ops.Add(x, scaled)
	if err != nil {
		return nil, wrapLayer(b, "ScaledAdd", err)
	}
	recordMerge(b, "ScaledAdd", xs, out)
	return out, nil
}

// Concat joins nodes along the channel axis 1, for functional graphs (the
// branches of an Inception module, the skip connections of a UNet). All
// inputs are (N, C_i, ...) with the same N and spatial sizes; the output is
// (N, ΣC_i, ...). Errors name the input and the axis whose size differs.
func Concat(b *graph.Builder, xs ...*G.Node) (*G.Node, error) {
	if err := checkMerge(b, "Concat", xs, 2, 1); err != nil {
		return nil, err
	}
	out, err := ops.Concat(1, xs...)
	if err != nil {
		return nil, err
	}
	recordMerge(b, "Concat", xs, out)
	return out, nil
}

// mergeCall is what Summary shows for an Add or a Concat: a row of its own
// (no parameters) under the layer whose Forward merged the nodes.
type mergeCall struct {
	kind   string
	shapes []string
}

// String prints the merge with its input shapes: "Concat((1, 8, 4, 4), (1, 8, 4, 4))".
func (m mergeCall) String() string { return m.kind + "(" + strings.Join(m.shapes, ", ") + ")" }

// recordMerge records a merge of xs into out for Summary, as a call one
// level below the current scope, named "add", "concat" ("concat#2", ...
// for later ones in the same graph).
func recordMerge(b *graph.Builder, kind string, xs []*G.Node, out *G.Node) {
	if b == nil {
		return
	}
	m := mergeCall{kind: kind}
	for _, x := range xs {
		m.shapes = append(m.shapes, graph.FormatShape(x.Shape()))
	}
	path := b.UniqueName(b.Qualify(strings.ToLower(kind)))
	b.Record(graph.LayerCall{Path: path, Layer: m, In: xs[0], Out: out, Depth: b.Depth() + 1})
}
