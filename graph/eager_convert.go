package graph

import (
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Float64s returns the elements of t in row-major order as float64, whatever
// its float dtype. It copies; t is not changed.
func Float64s(t tensor.Tensor) ([]float64, error) {
	if t == nil {
		return nil, ArgErrorf("graph: Float64s: nil tensor")
	}
	if d, ok := t.(*tensor.Dense); ok && !d.IsMaterializable() {
		switch data := d.Data().(type) {
		case []float64:
			return append([]float64(nil), data...), nil
		case []float32:
			out := make([]float64, len(data))
			for i, v := range data {
				out[i] = float64(v)
			}
			return out, nil
		case float64:
			return []float64{data}, nil
		case float32:
			return []float64{float64(data)}, nil
		}
	}
	dense, err := materialize(t)
	if err != nil {
		return nil, err
	}
	if dense == t {
		return nil, ArgErrorf("graph: Float64s: dtype must be float32 or float64, got %v", t.Dtype())
	}
	return Float64s(dense)
}

func materialize(t tensor.Tensor) (tensor.Tensor, error) {
	if d, ok := t.(*tensor.Dense); ok && d.IsMaterializable() {
		return d.Materialize(), nil
	}
	return t, nil
}

// CopyFloat64s writes vals into the float32 or float64 tensor t in row-major
// order. len(vals) must equal t's size.
func CopyFloat64s(t *tensor.Dense, vals []float64) error {
	if t.Shape().TotalSize() != len(vals) {
		return ShapeErrorf("graph: CopyFloat64s: tensor has %d elements, got %d values", t.Shape().TotalSize(), len(vals))
	}
	switch data := t.Data().(type) {
	case []float64:
		copy(data, vals)
	case []float32:
		for i, v := range vals {
			data[i] = float32(v)
		}
	default:
		return ArgErrorf("graph: CopyFloat64s: dtype must be float32 or float64, got %v", t.Dtype())
	}
	return nil
}

// FromFloat64s makes a new tensor of dtype dt (float32 or float64) and the
// given shape holding vals.
func FromFloat64s(dt tensor.Dtype, shape []int, vals []float64) (*tensor.Dense, error) {
	if dt != tensor.Float32 && dt != tensor.Float64 {
		return nil, ArgErrorf("graph: FromFloat64s: dtype must be float32 or float64, got %v", dt)
	}
	n := 1
	for _, d := range shape {
		if d <= 0 {
			return nil, ShapeErrorf("graph: FromFloat64s: every dimension must be positive, got shape %s", FormatShape(shape))
		}
		n *= d
	}
	if n != len(vals) {
		return nil, ShapeErrorf("graph: FromFloat64s: shape %s holds %d elements, got %d values", FormatShape(shape), n, len(vals))
	}
	t := tensor.New(tensor.Of(dt), tensor.WithShape(append([]int(nil), shape...)...))
	return t, CopyFloat64s(t, vals)
}

// ValueFloat64s returns the elements of a node's value as float64: a tensor
// (see Float64s) or a Gorgonia scalar (*F32, *F64), which is what 0-d nodes
// such as losses and G.Sum hold.
func ValueFloat64s(v G.Value) ([]float64, error) {
	switch s := v.(type) {
	case nil:
		return nil, ArgErrorf("graph: ValueFloat64s: nil value")
	case *G.F64:
		return []float64{float64(*s)}, nil
	case *G.F32:
		return []float64{float64(*s)}, nil
	case tensor.Tensor:
		return Float64s(s)
	}
	return nil, ArgErrorf("graph: ValueFloat64s: want a float tensor or scalar, got %T", v)
}
