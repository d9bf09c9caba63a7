package data

import (
	"github.com/convnet-go/convnet/graph"
)

// Mean and standard deviation of the training pixels (scaled to [0, 1]),
// for [Normalize].
const (
	MNISTMean        = 0.1307
	MNISTStd         = 0.3081
	FashionMNISTMean = 0.2860
	FashionMNISTStd  = 0.3530
)

// Normalized is a dataset whose inputs are standardised per channel:
// x' = (x - mean[c]) / std[c], c the first axis of XShape. Targets are
// unchanged. Build it with [Normalize].
type Normalized struct {
	wrapper
	mean, inv []float32
	plane     int
}

// Normalize wraps ds so that channel c of every input is mapped to
// (x - mean[c]) / std[c]. mean and std have one entry per channel
// (XShape[0]) or a single entry for all channels; every std must be
// positive. For MNIST use MNISTMean and MNISTStd.
func Normalize(ds Dataset, mean, std []float32) (*Normalized, error) {
	xShape := ds.XShape()
	if len(xShape) == 0 || !validShape(xShape) {
		return nil, graph.ArgErrorf("data: Normalize: input shape must be (C, ...) with positive sizes, got %s", graph.FormatShape(xShape))
	}
	c := xShape[0]
	if len(mean) != len(std) || (len(mean) != c && len(mean) != 1) {
		return nil, graph.ArgErrorf("data: Normalize: want 1 or %d (channels) means and stds, got %d and %d", c, len(mean), len(std))
	}
	m, inv := make([]float32, c), make([]float32, c)
	for k := 0; k < c; k++ {
		j := k % len(mean)
		if !(std[j] > 0) {
			return nil, graph.ArgErrorf("data: Normalize: std[%d] must be positive, got %v", j, std[j])
		}
		m[k], inv[k] = mean[j], 1/std[j]
	}
	return &Normalized{wrapper: wrapper{ds}, mean: m, inv: inv, plane: Size(xShape) / c}, nil
}

// Get writes the normalised example i into x and y.
func (n *Normalized) Get(i int, x, y []float32) error {
	if err := n.inner.Get(i, x, y); err != nil {
		return err
	}
	for c := range n.mean {
		m, s := n.mean[c], n.inv[c]
		p := x[c*n.plane : (c+1)*n.plane]
		for j, v := range p {
			p[j] = (v - m) * s
		}
	}
	return nil
}

// SetEpoch forwards the epoch to the wrapped dataset.
func (n *Normalized) SetEpoch(epoch int) { SetEpoch(n.inner, epoch) }
