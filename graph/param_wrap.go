package graph

import "gorgonia.org/tensor"

// WrapParam makes a Param of the given kind that holds t itself (no copy),
// for importers that have just decoded a large tensor and want one copy of
// it in memory. t must be a dense float32 or float64 tensor that is not a
// view and has no zero-sized axis; the Param owns it from then on. Its
// initialiser (for Reinit) fills zeros.
func WrapParam(kind Kind, t *tensor.Dense) (*Param, error) {
	if t == nil {
		return nil, ArgErrorf("graph: WrapParam: tensor is nil")
	}
	if dt := t.Dtype(); dt != tensor.Float32 && dt != tensor.Float64 {
		return nil, ArgErrorf("graph: WrapParam: dtype must be float32 or float64, got %v", dt)
	}
	if t.IsView() {
		return nil, ArgErrorf("graph: WrapParam: tensor must not be a view")
	}
	for _, d := range t.Shape() {
		if d <= 0 {
			return nil, ShapeErrorf("graph: WrapParam: every dimension must be positive, got shape %s", FormatShape(t.Shape()))
		}
	}
	return &Param{value: t, kind: kind, init: Zeros()}, nil
}
