package data

import (
	"github.com/convnet-go/convnet/graph"
)

// Tensor is an in-memory dataset of float32 examples: N inputs of shape
// XShape stored back to back in one slice, and N targets of shape YShape
// likewise. A Tensor built by [NewLabeled] also knows each example's class
// and implements [Labeled] with NumClasses() > 0; one built by [NewTensor]
// reports NumClasses() == 0.
//
// The slices are shared, not copied: do not change them while the Tensor
// is in use.
type Tensor struct {
	x, y           []float32
	xShape, yShape []int
	xs, ys, n      int
	labels         []int32
	classes        int
}

// NewTensor returns a dataset over x and y, holding N = len(x)/Size(xShape)
// examples. Every dimension of both shapes must be positive, len(x) a
// multiple of Size(xShape) and len(y) exactly N·Size(yShape).
func NewTensor(x []float32, xShape []int, y []float32, yShape []int) (*Tensor, error) {
	if !validShape(xShape) || !validShape(yShape) {
		return nil, graph.ArgErrorf("data: NewTensor: shapes must have positive dimensions, got x %s, y %s",
			graph.FormatShape(xShape), graph.FormatShape(yShape))
	}
	xs, ys := Size(xShape), Size(yShape)
	if len(x)%xs != 0 {
		return nil, graph.ShapeErrorf("data: NewTensor: len(x) = %d is not a multiple of %d (x shape %s)",
			len(x), xs, graph.FormatShape(xShape))
	}
	n := len(x) / xs
	if len(y) != n*ys {
		return nil, graph.ShapeErrorf("data: NewTensor: len(y) = %d, want %d (%d examples × y shape %s)",
			len(y), n*ys, n, graph.FormatShape(yShape))
	}
	return &Tensor{x: x, y: y, xShape: cloneShape(xShape), yShape: cloneShape(yShape), xs: xs, ys: ys, n: n}, nil
}

// NewLabeled returns a classification dataset: inputs x of shape xShape,
// one example per label, targets one-hot vectors of length numClasses
// (YShape = (numClasses)). Every label must lie in [0, numClasses).
func NewLabeled(x []float32, xShape []int, labels []int, numClasses int) (*Tensor, error) {
	if numClasses <= 0 {
		return nil, graph.ArgErrorf("data: NewLabeled: numClasses must be positive, got %d", numClasses)
	}
	if !validShape(xShape) {
		return nil, graph.ArgErrorf("data: NewLabeled: x shape must have positive dimensions, got %s", graph.FormatShape(xShape))
	}
	xs := Size(xShape)
	if len(x) != len(labels)*xs {
		return nil, graph.ShapeErrorf("data: NewLabeled: len(x) = %d, want %d (%d labels × x shape %s)",
			len(x), len(labels)*xs, len(labels), graph.FormatShape(xShape))
	}
	lab, err := checkLabels("NewLabeled", labels, numClasses)
	if err != nil {
		return nil, err
	}
	y := make([]float32, len(labels)*numClasses)
	for i, l := range lab {
		y[i*numClasses+int(l)] = 1
	}
	return &Tensor{
		x: x, y: y, xShape: cloneShape(xShape), yShape: []int{numClasses},
		xs: xs, ys: numClasses, n: len(labels), labels: lab, classes: numClasses,
	}, nil
}

// checkLabels converts labels to int32 after checking that each lies in
// [0, k).
func checkLabels(what string, labels []int, k int) ([]int32, error) {
	out := make([]int32, len(labels))
	for i, l := range labels {
		if l < 0 || l >= k {
			return nil, graph.ArgErrorf("data: %s: label %d of example %d out of range [0, %d)", what, l, i, k)
		}
		out[i] = int32(l)
	}
	return out, nil
}

// Len is the number of examples.
func (t *Tensor) Len() int { return t.n }

// XShape is the shape of one input.
func (t *Tensor) XShape() []int { return cloneShape(t.xShape) }

// YShape is the shape of one target.
func (t *Tensor) YShape() []int { return cloneShape(t.yShape) }

// Get copies example i into x and y.
func (t *Tensor) Get(i int, x, y []float32) error {
	if err := checkGet("Tensor", t, t.n, t.xs, t.ys, i, x, y); err != nil {
		return err
	}
	copy(x, t.x[i*t.xs:(i+1)*t.xs])
	copy(y, t.y[i*t.ys:(i+1)*t.ys])
	return nil
}

// Label is the class of example i, or -1 when i is out of range or the
// Tensor has no labels.
func (t *Tensor) Label(i int) int {
	if t.labels == nil || i < 0 || i >= t.n {
		return -1
	}
	return int(t.labels[i])
}

// NumClasses is the number of classes, 0 for a Tensor made by NewTensor.
func (t *Tensor) NumClasses() int { return t.classes }

// X returns the input of example i as a view into the Tensor's storage (not
// a copy; do not modify it). It returns nil when i is out of range.
func (t *Tensor) X(i int) []float32 {
	if i < 0 || i >= t.n {
		return nil
	}
	return t.x[i*t.xs : (i+1)*t.xs : (i+1)*t.xs]
}

// Y returns the target of example i as a view (not a copy), or nil when i
// is out of range.
func (t *Tensor) Y(i int) []float32 {
	if i < 0 || i >= t.n {
		return nil
	}
	return t.y[i*t.ys : (i+1)*t.ys : (i+1)*t.ys]
}

// Collect copies every example of ds into a new Tensor. Labels are kept
// when ds has them (see [AsLabeled]). It is the way to freeze a random
// wrapper's current epoch or to materialise a generated set.
func Collect(ds Dataset) (*Tensor, error) {
	xShape, yShape := ds.XShape(), ds.YShape()
	if !validShape(xShape) || !validShape(yShape) {
		return nil, graph.ArgErrorf("data: Collect: shapes must have positive dimensions, got x %s, y %s",
			graph.FormatShape(xShape), graph.FormatShape(yShape))
	}
	n, xs, ys := ds.Len(), Size(xShape), Size(yShape)
	x := make([]float32, n*xs)
	y := make([]float32, n*ys)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	if err := Fill(ds, idx, x, y); err != nil {
		return nil, err
	}
	t, err := NewTensor(x, xShape, y, yShape)
	if err != nil {
		return nil, err
	}
	if l, ok := AsLabeled(ds); ok {
		t.classes = l.NumClasses()
		t.labels = make([]int32, n)
		for i := range t.labels {
			t.labels[i] = int32(l.Label(i))
		}
	}
	return t, nil
}
