package train

import (
	"fmt"
	"strings"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// OutputLoss is the loss of one output of a model with several outputs:
// the output's shape per example (without the batch axis), its loss and
// its weight in the total.
type OutputLoss struct {
	Shape  []int
	Loss   Loss
	Weight float64
}

type perOutput struct {
	parts []OutputLoss
	name  string
}

// PerOutput returns the loss of a model with several outputs trained
// through nn.Functional.Packed: the prediction and the target are (N,
// size_0 + size_1 + ...), each output flattened per example and
// concatenated in order; PerOutput cuts them into the outputs, reshapes
// part i to (N, parts[i].Shape...), builds parts[i].Loss on it and returns
// Σ Weight_i · loss_i.
func PerOutput(parts ...OutputLoss) (Loss, error) {
	if len(parts) == 0 {
		return nil, argErrorf("PerOutput", "need at least one output")
	}
	names := make([]string, len(parts))
	for i, p := range parts {
		if p.Loss == nil {
			return nil, argErrorf("PerOutput", "output %d: loss is nil", i)
		}
		if len(p.Shape) == 0 {
			return nil, argErrorf("PerOutput", "output %d: per-example shape is empty", i)
		}
		for _, d := range p.Shape {
			if d <= 0 {
				return nil, argErrorf("PerOutput", "output %d: shape %s has a non-positive size", i, graph.FormatShape(p.Shape))
			}
		}
		names[i] = fmt.Sprintf("%g*%s", p.Weight, p.Loss.Name())
	}
	return &perOutput{parts: append([]OutputLoss(nil), parts...), name: strings.Join(names, "+")}, nil
}

func (l *perOutput) Name() string { return l.name }

func (l *perOutput) Build(b *graph.Builder, pred, target *G.Node) (*G.Node, error) {
	if err := checkPair(l.name, pred, target); err != nil {
		return nil, err
	}
	total := 0
	for _, p := range l.parts {
		total += tensor.Shape(p.Shape).TotalSize()
	}
	s := pred.Shape()
	if s.Dims() != 2 || s[1] != total {
		return nil, graph.ShapeErrorf("train: loss %s: model output must be (N, %d) (the outputs flattened and concatenated), got %s", l.name, total, graph.FormatShape(s))
	}
	n := s[0]
	var sum *G.Node
	off := 0
	for i, p := range l.parts {
		size := tensor.Shape(p.Shape).TotalSize()
		cut := func(x *G.Node) (*G.Node, error) {
			part, err := G.Slice(x, nil, G.S(off, off+size))
			if err != nil {
				return nil, err
			}
			return ops.Reshape(part, append([]int{n}, p.Shape...)...)
		}
		pp, err := cut(pred)
		if err != nil {
			return nil, errors.Wrapf(err, "train: loss %s: output %d", l.name, i)
		}
		tp, err := cut(target)
		if err != nil {
			return nil, errors.Wrapf(err, "train: loss %s: output %d", l.name, i)
		}
		li, err := p.Loss.Build(b, pp, tp)
		if err != nil {
			return nil, errors.Wrapf(err, "train: loss %s: output %d", l.name, i)
		}
		if li, err = ops.Scale(li, p.Weight); err != nil {
			return nil, err
		}
		if sum == nil {
			sum = li
		} else if sum, err = G.Add(sum, li); err != nil {
			return nil, errors.Wrapf(err, "train: loss %s", l.name)
		}
		off += size
	}
	return sum, nil
}
