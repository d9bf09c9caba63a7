package plot

import (
	"github.com/convnet-go/convnet/graph"
	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// TensorImages cuts a float32 or float64 tensor of rank 2 or more into
// grayscale images, one per plane of its last two axes (H, W), in row-major
// order of the leading axes: a (H, W) tensor gives one image, (C, H, W) gives
// C images, (N, C, H, W) gives N·C images where image n·C + c is channel c
// of example n. So a batch of one-channel digits (N, 1, 28, 28) gives N
// images, the weights of a Conv2D (out, in, k, k) give its out·in filters,
// and the feature maps of one image (1, C, H, W) give C images. Values are
// copied unchanged and labels are empty: give WithNormalize to ImageGrid for
// values outside [0, 1] (filters, feature maps).
func TensorImages(t tensor.Tensor) ([]Image, error) {
	if t == nil {
		return nil, graph.ArgErrorf("plot: TensorImages: tensor is nil")
	}
	shape := t.Shape()
	if len(shape) < 2 {
		return nil, graph.ShapeErrorf("plot: TensorImages: need a tensor of rank 2 or more (..., H, W), got shape %s", graph.FormatShape(shape))
	}
	h, w := shape[len(shape)-2], shape[len(shape)-1]
	if h <= 0 || w <= 0 {
		return nil, graph.ShapeErrorf("plot: TensorImages: planes must not be empty, got shape %s", graph.FormatShape(shape))
	}
	vals, err := graph.Float64s(t)
	if err != nil {
		return nil, errors.Wrap(err, "plot: TensorImages")
	}
	n := len(vals) / (h * w)
	images := make([]Image, n)
	for i := range images {
		images[i] = Image{H: h, W: w, Pix: vals[i*h*w : (i+1)*h*w : (i+1)*h*w]}
	}
	return images, nil
}

// TensorMasks turns a batch of segmentation maps (N, K, H, W) — a model's
// output or one-hot targets — into one mask per example for Overlay and
// OverlayGrid: a class index per pixel, row-major. With K > 1 channels a
// pixel's class is the channel of its largest value (the first on ties);
// with one channel (binary segmentation) it is 1 where the value is greater
// than threshold and 0 elsewhere (0.5 for probabilities, 0 for logits).
func TensorMasks(t tensor.Tensor, threshold float64) ([][]int, error) {
	if t == nil {
		return nil, graph.ArgErrorf("plot: TensorMasks: tensor is nil")
	}
	shape := t.Shape()
	if len(shape) != 4 {
		return nil, graph.ShapeErrorf("plot: TensorMasks: need a rank-4 tensor (N, K, H, W), got shape %s", graph.FormatShape(shape))
	}
	n, k, hw := shape[0], shape[1], shape[2]*shape[3]
	if k <= 0 || hw <= 0 {
		return nil, graph.ShapeErrorf("plot: TensorMasks: need K, H, W > 0, got shape %s", graph.FormatShape(shape))
	}
	vals, err := graph.Float64s(t)
	if err != nil {
		return nil, errors.Wrap(err, "plot: TensorMasks")
	}
	masks := make([][]int, n)
	for i := range masks {
		m := make([]int, hw)
		plane := vals[i*k*hw : (i+1)*k*hw]
		for p := range m {
			if k == 1 {
				if plane[p] > threshold {
					m[p] = 1
				}
				continue
			}
			best := plane[p]
			for c := 1; c < k; c++ {
				if v := plane[c*hw+p]; v > best {
					best, m[p] = v, c
				}
			}
		}
		masks[i] = m
	}
	return masks, nil
}
