package nn

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/convnet-go/convnet/graph"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Layer is anything that maps one node to another in a graph and may own
// parameters. All of convnet's layers, containers and zoo models are Layers.
type Layer interface {
	// Forward adds the layer's computation on x to b's graph and returns the
	// output node. It binds the layer's Params with b.Bind and reads
	// b.Mode() to decide between training and evaluation behaviour.
	Forward(b *graph.Builder, x *G.Node) (*G.Node, error)
	// Params lists the layer's weights and buffers, its children's
	// included, with names relative to the layer ("weight",
	// "0.bias", "layer1.0.bn1.running_mean").
	Params() []graph.NamedParam
}

// Child is a named sub-layer of a container.
type Child struct {
	Name  string
	Layer Layer
}

// Container is implemented by layers made of sub-layers. Summary and
// Initialize walk containers; Params of a container should equal
// ChildParams(Children()...) plus its own.
type Container interface {
	Layer
	Children() []Child
}

// Describer is implemented by layers that can explain how their output size
// follows from their input size (the course's formulas, filled in), for
// Summary.
type Describer interface {
	Describe(in, out tensor.Shape) []string
}

// ChildParams concatenates the Params of children, each prefixed with the
// child's name.
func ChildParams(children ...Child) []graph.NamedParam {
	var out []graph.NamedParam
	for _, c := range children {
		out = append(out, graph.Prefix(c.Name, c.Layer.Params())...)
	}
	return out
}

// Call applies layer to x inside the scope of a child: errors from the
// layer name its path, and the call is recorded for Summary. Containers
// call every child through Call.
//
// The path is the layer's registered one when the graph is built for a
// model (see Apply): the prefix that the model's Params() puts before the
// layer's own Param names, so that it always agrees with the saved names.
// name is the fallback, joined to the current path, for layers without
// Params and for graphs built without a registration.
func Call(b *graph.Builder, name string, layer Layer, x *G.Node) (*G.Node, error) {
	if layer == nil {
		return nil, graph.ArgErrorf("nn: layer %q is nil", b.Qualify(name))
	}
	return within(b, name, layer, x, func() (*G.Node, error) {
		if err := checkNotEmpty(b, kindOf(layer), x); err != nil {
			return nil, err
		}
		return layer.Forward(b, x)
	})
}

// within builds f's nodes inside the scope in which Call applies layer as
// child name, then checks their sizes (errors name the layer) and records
// the call of layer on in with f's result as its output: Call's
// bookkeeping, shared with the folded convolutions of CallChain.
func within(b *graph.Builder, name string, layer Layer, in *G.Node, f func() (*G.Node, error)) (out *G.Node, err error) {
	err = inScope(b, name, layer, func() error {
		if out, err = f(); err != nil {
			return err
		}
		if err := b.CheckSizes(); err != nil {
			return wrapLayer(b, kindOf(layer), err)
		}
		b.Record(graph.LayerCall{Path: b.Path(), Layer: layer, In: in, Out: out, Depth: b.Depth()})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// inScope runs f inside the scope in which Call applies layer as child
// name (Params bound there get the child's names, errors name its path).
func inScope(b *graph.Builder, name string, layer Layer, f func() error) error {
	enterCall(b, name, layer)
	defer b.Leave()
	return f()
}

// enterCall enters the scope in which Call applies layer as child name.
func enterCall(b *graph.Builder, name string, layer Layer) {
	if path, ok := registeredPath(b, layer, name); ok {
		b.EnterPath(path)
	} else {
		b.Enter(name)
	}
}

// registeredPath returns the path under which the model registered layer
// (see graph.Builder.Register): a prefix that the registered names of all
// its Params have before their names relative to the layer. A layer shared
// by several places has several such paths: the one named by the call
// (current path + name) is taken when it is among them. It reports false
// when the layer has no registered Params or its Params agree on no single
// path.
func registeredPath(b *graph.Builder, layer Layer, name string) (string, bool) {
	if !b.HasRegistration() {
		return "", false
	}
	var common map[string]bool
	for _, np := range layer.Params() {
		cands := map[string]bool{}
		for _, full := range b.RegisteredNames(np.Param) {
			switch {
			case full == np.Name:
				cands[""] = true
			case strings.HasSuffix(full, "."+np.Name):
				cands[strings.TrimSuffix(full, "."+np.Name)] = true
			}
		}
		if len(b.RegisteredNames(np.Param)) == 0 {
			continue // not registered: Apply reports it
		}
		if common == nil {
			common = cands
			continue
		}
		for p := range common {
			if !cands[p] {
				delete(common, p)
			}
		}
	}
	if q := b.Qualify(name); common[q] {
		return q, true
	}
	if len(common) == 1 {
		for p := range common {
			return p, true
		}
	}
	return "", false
}

// Apply builds model on x as the root of b's graph, the way Predict, the
// trainer, Summary and GradCheck do: it registers model's Params with b
// (graph.Builder.Register), so that every Param's node, Binding and
// error path is named after its state_dict name, calls model.Forward, and
// returns an error naming every Param that the graph binds but
// model.Params() does not list (it would be trained but neither counted by
// NumParams nor saved by SaveSafetensors).
func Apply(b *graph.Builder, model Layer, x *G.Node) (*G.Node, error) {
	if model == nil {
		return nil, graph.ArgErrorf("nn: model is nil")
	}
	b.Register(model.Params())
	out, err := model.Forward(b, x)
	if err != nil {
		return nil, err
	}
	if un := b.Unregistered(); len(un) > 0 {
		names := make([]string, len(un))
		for i, bd := range un {
			names[i] = fmt.Sprintf("%q (%s %s)", bd.Name, bd.Param.Kind(), graph.FormatShape(bd.Param.Shape()))
		}
		return nil, graph.ArgErrorf("nn: %T: the graph binds %d Param(s) that its Params() does not list: %s; they would be trained but neither counted nor saved: list the layers that own them in Params() (nn.ChildParams) and Children()",
			model, len(un), strings.Join(names, ", "))
	}
	return out, nil
}

// layerError formats an error about a layer of type kind at b's current
// path: `nn: Conv2D "enc1": ...`.
func layerError(b *graph.Builder, kind string, sentinel error, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	where := kind
	if b != nil && b.Path() != "" {
		where = fmt.Sprintf("%s %q", kind, b.Path())
	}
	if sentinel == graph.ErrShape {
		return graph.ShapeErrorf("nn: %s: %s", where, msg)
	}
	return graph.ArgErrorf("nn: %s: %s", where, msg)
}

// shapeError is layerError for shape mismatches.
func shapeError(b *graph.Builder, kind string, format string, args ...any) error {
	return layerError(b, kind, graph.ErrShape, format, args...)
}

// argError formats an error from a constructor: `nn: NewConv2D: ...`.
func argError(kind string, format string, args ...any) error {
	return graph.ArgErrorf("nn: %s: %s", kind, fmt.Sprintf(format, args...))
}

// inputDtype returns x's dtype.
func inputDtype(x *G.Node) (dt tensor.Dtype, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("node %q has no element type", x.Name())
		}
	}()
	return x.Dtype(), nil
}

// spatialLayout names the axes of an input with rank spatial axes:
// "(N, C, L)", "(N, C, H, W)" or "(N, C, D, H, W)".
func spatialLayout(rank int) string {
	switch rank {
	case 1:
		return "(N, C, L)"
	case 2:
		return "(N, C, H, W)"
	}
	return "(N, C, D, H, W)"
}

// spatialAxes names the rank spatial axes: L; H, W; or D, H, W.
func spatialAxes(rank int) []string {
	switch rank {
	case 1:
		return []string{"L"}
	case 2:
		return []string{"H", "W"}
	}
	return []string{"D", "H", "W"}
}

// windowPads returns the padding before and after each spatial axis of an
// input of spatial size in, for a window (kernel, stride, dilation; nil
// dilation is 1) under the padding mode; pad is the Explicit padding.
func windowPads(mode PaddingMode, in, kernel, stride, dilation, pad []int) (before, after []int) {
	before, after = make([]int, len(in)), make([]int, len(in))
	for i := range in {
		switch mode {
		case Same:
			d := 1
			if dilation != nil {
				d = dilation[i]
			}
			before[i], after[i] = graph.SamePadding(in[i], kernel[i], stride[i], d)
		case Explicit:
			before[i], after[i] = pad[i], pad[i]
		}
	}
	return before, after
}

// checkWindowFits returns a shape error when, on some spatial axis, the
// padded input of x is smaller than span (the window's extent); window
// names it in the message, such as "kernel (3, 3)".
func checkWindowFits(b *graph.Builder, kind, window string, x *G.Node, span, before, after []int) error {
	in := []int(x.Shape()[2:])
	for i := range in {
		padded, ok := graph.AddInt(in[i], before[i])
		if ok {
			padded, ok = graph.AddInt(padded, after[i])
		}
		if !ok {
			return layerError(b, kind, graph.ErrArg, "input %s padded by %s before and %s after overflows int on axis %s",
				graph.FormatShape(x.Shape()), graph.FormatShape(before), graph.FormatShape(after), spatialAxes(len(in))[i])
		}
		if padded < span[i] {
			padded := make([]int, len(in))
			for j := range padded {
				padded[j] = in[j] + before[j] + after[j]
			}
			return shapeError(b, kind, "%s is larger than the padded input %s on axis %s (input shape %s, padding %s before and %s after)",
				window, graph.FormatShape(padded), spatialAxes(len(in))[i], graph.FormatShape(x.Shape()), graph.FormatShape(before), graph.FormatShape(after))
		}
	}
	return nil
}

// checkInput verifies that x has the given rank and dtype (any float dtype
// when dt is the zero Dtype); layout names the axes for the message, such
// as "(N, C, H, W)".
func checkInput(b *graph.Builder, kind string, x *G.Node, rank int, layout string, dt tensor.Dtype) error {
	if x == nil {
		return layerError(b, kind, graph.ErrArg, "input is nil")
	}
	if x.Shape().Dims() != rank {
		return shapeError(b, kind, "input must be rank %d %s, got shape %s", rank, layout, graph.FormatShape(x.Shape()))
	}
	got, err := inputDtype(x)
	if err != nil {
		return layerError(b, kind, graph.ErrArg, "%v", err)
	}
	if dt != (tensor.Dtype{}) && got != dt {
		return layerError(b, kind, graph.ErrArg, "input dtype must be %v like the layer's weights, got %v", dt, got)
	}
	return checkNotEmpty(b, kind, x)
}

// checkNotEmpty returns an error when x is nil or has an axis of size 0,
// such as an empty batch (Gorgonia cannot run on empty tensors).
func checkNotEmpty(b *graph.Builder, kind string, x *G.Node) error {
	if x == nil {
		return layerError(b, kind, graph.ErrArg, "input is nil")
	}
	s := x.Shape()
	for i, d := range s {
		if d > 0 {
			continue
		}
		if i == 0 {
			return shapeError(b, kind, "empty batch: input must have at least one example (axis 0), got shape %s", graph.FormatShape(s))
		}
		return shapeError(b, kind, "input axis %d is empty: every axis must have a size of at least 1, got shape %s", i, graph.FormatShape(s))
	}
	return nil
}

// checkParamSize returns an error from the constructor ctor when a Param
// of dtype dt and the given shape would overflow int or exceed the memory
// limit (graph.MemoryLimit); what names the Param.
func checkParamSize(ctor, what string, dt tensor.Dtype, shape ...int) error {
	if err := graph.CheckTensorSize(what, dt, shape); err != nil {
		return errors.WithMessage(err, "nn: "+ctor)
	}
	return nil
}

// kindOf names a layer's type for messages: "Conv2D", "ResNet".
func kindOf(l Layer) string {
	t := reflect.TypeOf(l)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Name() == "" {
		return fmt.Sprintf("%T", l)
	}
	return t.Name()
}

// checkChannels verifies the channel axis (1) of x.
func checkChannels(b *graph.Builder, kind string, x *G.Node, want int) error {
	if got := x.Shape()[1]; got != want {
		return shapeError(b, kind, "input must have %d channels (axis 1), got %d in shape %s", want, got, graph.FormatShape(x.Shape()))
	}
	return nil
}
