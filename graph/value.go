package graph

import (
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

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
