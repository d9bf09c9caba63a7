package train

import (
	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// snapshot is an in-memory copy of a model's Params (weights and
// buffers), for putting the model back as it was (EarlyStopping's best
// weights).
type snapshot struct {
	params []graph.NamedParam
	values []*tensor.Dense // params[i]'s copy
}

// takeSnapshot copies every Param of l.
func takeSnapshot(l nn.Layer) *snapshot {
	s := &snapshot{params: nn.NamedParams(l)}
	for _, np := range s.params {
		s.values = append(s.values, np.Param.Value().Clone().(*tensor.Dense))
	}
	return s
}

// restore copies the saved values back into the Params, in place, so graphs
// built from the model see them.
func (s *snapshot) restore() error {
	bds := make([]graph.Binding, len(s.params))
	for i, np := range s.params {
		bds[i] = graph.Binding{Name: np.Name, Param: np.Param}
	}
	unlock := graph.LockParams(bds, true) // Predict may be reading them
	defer unlock()
	for i, np := range s.params {
		if err := copyInto(np.Param.Value(), s.values[i]); err != nil {
			return errors.Wrapf(err, "train: restoring %q", np.Name)
		}
	}
	return nil
}

// copyInto copies src into dst (same shape; float32 or float64, converting
// if the dtypes differ).
func copyInto(dst, src *tensor.Dense) error {
	if !graph.SameShape(dst.Shape(), src.Shape()) {
		return graph.ShapeErrorf("shape changed from %s to %s", graph.FormatShape(src.Shape()), graph.FormatShape(dst.Shape()))
	}
	switch d := dst.Data().(type) {
	case []float32:
		if s, ok := src.Data().([]float32); ok {
			copy(d, s)
			return nil
		}
	case []float64:
		if s, ok := src.Data().([]float64); ok {
			copy(d, s)
			return nil
		}
	}
	vals, err := graph.Float64s(src)
	if err != nil {
		return err
	}
	return graph.CopyFloat64s(dst, vals)
}
