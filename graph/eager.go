package graph

import (
	"fmt"
	"strings"

	"gorgonia.org/tensor"
)

// This file holds the course's first section, tensors, as small eager
// helpers: they compute at once on tensor values, with no graph. A tensor's
// rank is its number of axes (a scalar has rank 0, a vector 1, a matrix 2, a
// batch of colour images (N, C, H, W) rank 4), its shape the length of each
// axis, its dtype the type of its elements.

// Rank returns the number of axes of t: 0 for a scalar (and for nil).
func Rank(t tensor.Tensor) int {
	if t == nil {
		return 0
	}
	return t.Dims()
}

// Shape returns a copy of t's shape (nil for nil).
func Shape(t tensor.Tensor) tensor.Shape {
	if t == nil {
		return nil
	}
	return t.Shape().Clone()
}

// Dtype returns the type of t's elements (the zero Dtype for nil).
func Dtype(t tensor.Tensor) tensor.Dtype {
	if t == nil {
		return tensor.Dtype{}
	}
	return t.Dtype()
}

// Describe returns one line about t: "x: rank 2, shape (2, 3), float32".
func Describe(name string, t tensor.Tensor) string {
	if t == nil {
		return name + ": nil"
	}
	return fmt.Sprintf("%s: rank %d, shape %s, %v", name, Rank(t), FormatShape(t.Shape()), t.Dtype())
}

// Named is a tensor with a name and a name for each axis, for printing and
// for reading axis sizes by name while learning: images.Size("C").
type Named struct {
	Name   string
	Axes   []string
	Tensor tensor.Tensor
}

// NameAxes names t and its axes. There must be one axis name per axis, all
// different and non-empty.
func NameAxes(name string, t tensor.Tensor, axes ...string) (Named, error) {
	if t == nil {
		return Named{}, ArgErrorf("graph: NameAxes %q: tensor is nil", name)
	}
	if len(axes) != t.Dims() {
		return Named{}, ShapeErrorf("graph: NameAxes %q: need %d axis names for shape %s, got %d %v",
			name, t.Dims(), FormatShape(t.Shape()), len(axes), axes)
	}
	seen := map[string]bool{}
	for _, a := range axes {
		if a == "" || seen[a] {
			return Named{}, ArgErrorf("graph: NameAxes %q: axis names must be non-empty and different, got %q", name, axes)
		}
		seen[a] = true
	}
	return Named{Name: name, Axes: append([]string(nil), axes...), Tensor: t}, nil
}

// Size returns the length of the axis called axis.
func (n Named) Size(axis string) (int, error) {
	for i, a := range n.Axes {
		if a == axis {
			return n.Tensor.Shape()[i], nil
		}
	}
	return 0, ArgErrorf("graph: %s has no axis %q (axes %s)", n.Name, axis, strings.Join(n.Axes, ", "))
}

// String prints the name, the axes with their sizes and the dtype:
// "images: (N=8, C=3, H=32, W=32) float32".
func (n Named) String() string {
	if n.Tensor == nil {
		return n.Name + ": nil"
	}
	parts := make([]string, len(n.Axes))
	for i, a := range n.Axes {
		parts[i] = fmt.Sprintf("%s=%d", a, n.Tensor.Shape()[i])
	}
	return fmt.Sprintf("%s: (%s) %v", n.Name, strings.Join(parts, ", "), n.Tensor.Dtype())
}

// Sum adds two tensors of the same shape and dtype (float32 or float64)
// element by element: out[i] = a[i] + b[i]. It returns a new tensor.
func Sum(a, b tensor.Tensor) (*tensor.Dense, error) {
	ad, bd, err := densePair("Sum", a, b)
	if err != nil {
		return nil, err
	}
	if !SameShape(ad.Shape(), bd.Shape()) {
		return nil, ShapeErrorf("graph: Sum: shapes must be equal, got %s and %s", FormatShape(ad.Shape()), FormatShape(bd.Shape()))
	}
	switch x := floatsOf(ad).(type) {
	case []float32:
		return zip(ad.Shape(), x, floatsOf(bd).([]float32), func(p, q float32) float32 { return p + q }), nil
	case []float64:
		return zip(ad.Shape(), x, floatsOf(bd).([]float64), func(p, q float64) float64 { return p + q }), nil
	}
	return nil, ArgErrorf("graph: Sum: dtype must be float32 or float64, got %v", ad.Dtype())
}

// Scale multiplies every element of t (float32 or float64) by s:
// out[i] = s·t[i]. It returns a new tensor of t's dtype.
func Scale(t tensor.Tensor, s float64) (*tensor.Dense, error) {
	d, err := denseOf("Scale", t)
	if err != nil {
		return nil, err
	}
	switch x := floatsOf(d).(type) {
	case []float32:
		return zip(d.Shape(), x, x, func(p, _ float32) float32 { return float32(s) * p }), nil
	case []float64:
		return zip(d.Shape(), x, x, func(p, _ float64) float64 { return s * p }), nil
	}
	return nil, ArgErrorf("graph: Scale: dtype must be float32 or float64, got %v", d.Dtype())
}

// Outer returns the outer product of two vectors u (length m) and v
// (length n) of the same dtype: the rank-2 tensor (a dyad) of shape (m, n)
// with out[i, j] = u[i]·v[j].
func Outer(u, v tensor.Tensor) (*tensor.Dense, error) {
	ud, vd, err := densePair("Outer", u, v)
	if err != nil {
		return nil, err
	}
	if ud.Dims() != 1 || vd.Dims() != 1 {
		return nil, ShapeErrorf("graph: Outer: both arguments must be vectors (rank 1), got shapes %s and %s", FormatShape(ud.Shape()), FormatShape(vd.Shape()))
	}
	switch x := floatsOf(ud).(type) {
	case []float32:
		return outer(x, floatsOf(vd).([]float32)), nil
	case []float64:
		return outer(x, floatsOf(vd).([]float64)), nil
	}
	return nil, ArgErrorf("graph: Outer: dtype must be float32 or float64, got %v", ud.Dtype())
}

// Dot returns the scalar product (dot product) of two vectors u and v of
// the same length and dtype (float32 or float64): Σ_i u[i]·v[i], summed in
// float64. It is the sum of the elements of u·v taken element by element,
// and the trace of the outer product Outer(u, v).
func Dot(u, v tensor.Tensor) (float64, error) {
	ud, vd, err := densePair("Dot", u, v)
	if err != nil {
		return 0, err
	}
	if ud.Dims() != 1 || vd.Dims() != 1 || ud.Shape()[0] != vd.Shape()[0] {
		return 0, ShapeErrorf("graph: Dot: need two vectors of the same length, got shapes %s and %s", FormatShape(ud.Shape()), FormatShape(vd.Shape()))
	}
	switch x := floatsOf(ud).(type) {
	case []float32:
		return dot(x, floatsOf(vd).([]float32)), nil
	case []float64:
		return dot(x, floatsOf(vd).([]float64)), nil
	}
	return 0, ArgErrorf("graph: Dot: dtype must be float32 or float64, got %v", ud.Dtype())
}

func dot[T float32 | float64](u, v []T) float64 {
	s := 0.0
	for i := range u {
		s += float64(u[i]) * float64(v[i])
	}
	return s
}

func outer[T float32 | float64](u, v []T) *tensor.Dense {
	out := make([]T, len(u)*len(v))
	for i, a := range u {
		for j, b := range v {
			out[i*len(v)+j] = a * b
		}
	}
	return tensor.New(tensor.WithShape(len(u), len(v)), tensor.WithBacking(out))
}

func zip[T float32 | float64](shape tensor.Shape, a, b []T, f func(T, T) T) *tensor.Dense {
	out := make([]T, len(a))
	for i := range a {
		out[i] = f(a[i], b[i])
	}
	if len(shape) == 0 {
		return tensor.New(tensor.FromScalar(out[0]))
	}
	return tensor.New(tensor.WithShape(shape.Clone()...), tensor.WithBacking(out))
}

// denseOf returns t as a dense tensor in row-major order.
func denseOf(op string, t tensor.Tensor) (*tensor.Dense, error) {
	if t == nil {
		return nil, ArgErrorf("graph: %s: tensor is nil", op)
	}
	d, ok := t.(*tensor.Dense)
	if !ok {
		return nil, ArgErrorf("graph: %s: need a dense tensor, got %T", op, t)
	}
	if d.IsMaterializable() {
		d = d.Materialize().(*tensor.Dense)
	}
	return d, nil
}

func densePair(op string, a, b tensor.Tensor) (*tensor.Dense, *tensor.Dense, error) {
	ad, err := denseOf(op, a)
	if err != nil {
		return nil, nil, err
	}
	bd, err := denseOf(op, b)
	if err != nil {
		return nil, nil, err
	}
	if ad.Dtype() != bd.Dtype() {
		return nil, nil, ArgErrorf("graph: %s: dtypes must be equal, got %v and %v", op, ad.Dtype(), bd.Dtype())
	}
	return ad, bd, nil
}

// floatsOf returns the elements of a float32 or float64 tensor as a slice
// (a one-element slice for a scalar), or nil for other dtypes.
func floatsOf(d *tensor.Dense) any {
	switch x := d.Data().(type) {
	case []float32, []float64:
		return x
	case float32:
		return []float32{x}
	case float64:
		return []float64{x}
	}
	return nil
}
