package nn

import (
	"fmt"
	"io"
	"reflect"
	"sort"
	"strings"

	"github.com/convnet-go/convnet/graph"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Summary describes l applied to an input of inputShape (batch axis
// included, such as (1, 1, 28, 28)) as a table, one row per layer call:
// the layer's path, its type (its String method, or its type name when it
// has none), its output shape and its
// number of learnable parameters (the weights it owns, its children's
// excluded). Under each layer that implements Describer come the course's
// formulas with the numbers filled in:
//
//	H2 = floor((H1 - k + 2P)/S) + 1 = floor((28 - 3 + 0)/1) + 1 = 26
//	params = (k*k*C1)*n + n = (3*3*1)*32 + 32 = 320
//
// The totals follow: all learnable parameters (NumParams, PyTorch's
// count), trainable ones, non-trainable (frozen) ones and the buffers
// (running statistics), which are not parameters.
//
// Summary builds an evaluation graph for the shape (it runs nothing) and
// reads the layer calls that containers record through Call; the merges of
// Add and Concat get rows of their own. The input has the dtype of l's
// weights.
func Summary(l Layer, inputShape []int) (string, error) {
	var sb strings.Builder
	if err := WriteSummary(&sb, l, inputShape); err != nil {
		return "", err
	}
	return sb.String(), nil
}

// WriteSummary writes Summary's table to w.
func WriteSummary(w io.Writer, l Layer, inputShape []int) error {
	if l == nil {
		return graph.ArgErrorf("nn: Summary: layer is nil")
	}
	if len(inputShape) == 0 {
		return graph.ShapeErrorf("nn: Summary: input shape must have a batch axis, got ()")
	}
	for _, d := range inputShape {
		if d <= 0 {
			return graph.ShapeErrorf("nn: Summary: every input dimension must be positive, got %s", graph.FormatShape(inputShape))
		}
	}
	dt, err := Dtype(l)
	if err != nil {
		return errors.Wrap(err, "nn: Summary")
	}
	b := graph.NewBuilder(graph.Eval)
	x := b.Input("input", dt, inputShape...)
	out, err := Apply(b, l, x)
	if err != nil {
		return errors.Wrap(err, "nn: Summary")
	}
	root := callTree(b.Calls(), graph.LayerCall{Layer: l, In: x, Out: out})
	attributeParams(root)

	var rows []summaryRow
	var walk func(n *callNode)
	walk = func(n *callNode) {
		rows = append(rows, n.row())
		for _, c := range n.children {
			walk(c)
		}
	}
	if len(root.children) == 0 || root.own > 0 {
		rows = append(rows, root.row())
	}
	for _, c := range root.children {
		walk(c)
	}
	return writeTable(w, l, inputShape, dt, rows)
}

// callNode is one recorded layer call with the calls made inside it.
type callNode struct {
	call     graph.LayerCall
	depth    int // 0 for the root
	children []*callNode
	own      int // learnable values attributed to this call
}

// callTree rebuilds the call tree from the calls in the order they
// finished (children before their parent) and the root call.
func callTree(calls []graph.LayerCall, root graph.LayerCall) *callNode {
	var stack []*callNode
	for _, c := range calls {
		n := &callNode{call: c, depth: c.Depth}
		i := len(stack)
		for i > 0 && stack[i-1].depth > c.Depth {
			i--
		}
		n.children = append(n.children, stack[i:]...)
		stack = append(stack[:i], n)
	}
	return &callNode{call: root, children: stack}
}

// attributeParams gives each weight to the deepest call whose layer lists
// it (the first one when a layer is called twice).
func attributeParams(root *callNode) {
	var all []*callNode
	var collect func(n *callNode)
	collect = func(n *callNode) {
		all = append(all, n)
		for _, c := range n.children {
			collect(c)
		}
	}
	collect(root)
	sort.SliceStable(all, func(i, j int) bool { return all[i].depth > all[j].depth })
	seen := map[*graph.Param]bool{}
	for _, n := range all {
		layer, ok := n.call.Layer.(Layer)
		if !ok {
			continue
		}
		for _, np := range layer.Params() {
			if np.Param == nil || np.Param.Kind() != graph.Weight || seen[np.Param] {
				continue
			}
			seen[np.Param] = true
			n.own += np.Param.Size()
		}
	}
}

type summaryRow struct {
	path, kind, shape, params string
	depth                     int
	lines                     []string
}

func (n *callNode) row() summaryRow {
	r := summaryRow{path: n.call.Path, kind: layerKind(n.call.Layer), depth: n.depth}
	if r.path == "" {
		r.path = "(model)"
	}
	if n.call.Out != nil {
		r.shape = graph.FormatShape(n.call.Out.Shape())
	}
	r.params = thousands(n.own)
	if n.own == 0 && len(n.children) > 0 {
		r.params = "--"
	}
	if d, ok := n.call.Layer.(Describer); ok && n.call.In != nil && n.call.Out != nil {
		r.lines = d.Describe(shapeOf(n.call.In), shapeOf(n.call.Out))
	}
	return r
}

func shapeOf(n *G.Node) tensor.Shape { return n.Shape().Clone() }

// layerKind is what Summary prints for a layer: its String method, or its
// type name ("block" for a *block) when it has none, never the raw struct.
func layerKind(l any) string {
	if s, ok := l.(fmt.Stringer); ok {
		return s.String()
	}
	t := reflect.TypeOf(l)
	if t == nil {
		return "<nil>"
	}
	for t.Kind() == reflect.Pointer && t.Name() == "" {
		t = t.Elem()
	}
	if t.Name() == "" {
		return t.String()
	}
	return t.Name()
}

func writeTable(w io.Writer, l Layer, inputShape []int, dt tensor.Dtype, rows []summaryRow) error {
	head := summaryRow{path: "Layer", kind: "Type", shape: "Output shape", params: "Params"}
	indent := func(r summaryRow) string {
		if r.depth > 1 {
			return strings.Repeat("  ", r.depth-1) + r.kind
		}
		return r.kind
	}
	wp, wk, ws, wn := len(head.path), len(head.kind), len(head.shape), len(head.params)
	for _, r := range rows {
		wp = max(wp, len(r.path))
		wk = max(wk, len(indent(r)))
		ws = max(ws, len(r.shape))
		wn = max(wn, len(r.params))
	}
	width := wp + wk + ws + wn + 6
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s, input %s %v\n", layerKind(l), graph.FormatShape(inputShape), dt)
	line := func(p, k, s, n string) {
		fmt.Fprintf(&sb, "%-*s  %-*s  %-*s  %*s\n", wp, p, wk, k, ws, s, wn, n)
	}
	line(head.path, head.kind, head.shape, head.params)
	sb.WriteString(strings.Repeat("=", width) + "\n")
	for _, r := range rows {
		line(r.path, indent(r), r.shape, r.params)
		pad := strings.Repeat(" ", wp+4+len(indent(r))-len(r.kind))
		for _, f := range r.lines {
			fmt.Fprintf(&sb, "%s%s\n", pad, f)
		}
	}
	sb.WriteString(strings.Repeat("=", width) + "\n")
	total, trainable := NumParams(l), NumTrainable(l)
	bufVals, bufs := 0, 0
	for _, np := range NamedParams(l) {
		if np.Param.Kind() == graph.Buffer {
			bufs++
			bufVals += np.Param.Size()
		}
	}
	fmt.Fprintf(&sb, "Total params: %s\n", thousands(total))
	fmt.Fprintf(&sb, "Trainable params: %s\n", thousands(trainable))
	fmt.Fprintf(&sb, "Non-trainable params: %s\n", thousands(total-trainable))
	plural := "s"
	if bufs == 1 {
		plural = ""
	}
	fmt.Fprintf(&sb, "Buffers (not parameters): %s values in %d tensor%s\n", thousands(bufVals), bufs, plural)
	_, err := io.WriteString(w, sb.String())
	return errors.Wrap(err, "nn: Summary")
}

// thousands prints n with commas: 225034 -> "225,034".
func thousands(n int) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var parts []string
	for len(s) > 3 {
		parts = append([]string{s[len(s)-3:]}, parts...)
		s = s[:len(s)-3]
	}
	parts = append([]string{s}, parts...)
	out := strings.Join(parts, ",")
	if neg {
		out = "-" + out
	}
	return out
}
