package ops

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// scalarOut returns v as a Gorgonia scalar of dtype dt (*F32 or *F64), the
// value type Gorgonia's own ops (Sum, Mul) produce and accept for 0-d nodes.
// A fresh value each run: Gorgonia may reuse a register in place.
func scalarOut(dt tensor.Dtype, v float64) G.Value {
	if dt == tensor.Float32 {
		return G.NewF32(float32(v))
	}
	return G.NewF64(v)
}

// scalarValue reads a value holding one number: a Gorgonia scalar (*F64,
// *F32) or a tensor with one element.
func scalarValue(op string, v G.Value) (float64, error) {
	switch s := v.(type) {
	case *G.F64:
		return float64(*s), nil
	case *G.F32:
		return float64(*s), nil
	case tensor.Tensor:
		if s.Shape().TotalSize() != 1 {
			return 0, fmt.Errorf("ops: %s: want a scalar, got shape %v", op, s.Shape())
		}
		switch d := s.Data().(type) {
		case float64:
			return d, nil
		case float32:
			return float64(d), nil
		case []float64:
			return d[0], nil
		case []float32:
			return float64(d[0]), nil
		}
	}
	return 0, fmt.Errorf("ops: %s: want a float scalar, got %T", op, v)
}
