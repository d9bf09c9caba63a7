package ops

import (
	"fmt"

	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// AdaptiveAvgPool2D averages x (N, C, H, W) over an outH x outW grid of
// bins, as PyTorch's adaptive_avg_pool2d: output (N, C, outH, outW) for any
// input size. Bin i along an axis of input size in and output size out
// covers the input indices
//
//	start = floor(i·in/out),  end = ceil((i+1)·in/out)   (end excluded)
//
// so bins may overlap (in < out repeats input elements, a non-divisible
// size gives bins of two lengths) and every bin holds at least one element.
// When out divides in, this is average pooling with kernel = stride =
// in/out; when out = 1 it is global average pooling. The gradient sends
// dy/|bin| to every element of each bin.
func AdaptiveAvgPool2D(x *G.Node, outH, outW int) (*G.Node, error) {
	const name = "AdaptiveAvgPool2D"
	if err := checkNode(name, "input", x, 4); err != nil {
		return nil, err
	}
	if outH <= 0 || outW <= 0 {
		return nil, graph.ArgErrorf("ops: %s: output size must be positive, got (%d, %d)", name, outH, outW)
	}
	s := x.Shape()
	for _, d := range s {
		if d <= 0 {
			return nil, graph.ShapeErrorf("ops: %s: every input dimension must be positive, got shape %s", name, graph.FormatShape(s))
		}
	}
	geo := newAdaptiveGeom(s[0]*s[1], s[2], s[3], outH, outW)
	f32 := geomKernels(geo, adaptiveAvgForward[float32], adaptiveAvgBackward[float32])
	f64 := geomKernels(geo, adaptiveAvgForward[float64], adaptiveAvgBackward[float64])
	if pg := adaptiveAsPairs(x, outH, outW); pg != nil {
		f32 = geomKernels(pg, avgPoolFwd[float32], avgPoolBwd[float32])
		f64 = geomKernels(pg, avgPoolFwd[float64], avgPoolBwd[float64])
	}
	return applyDef(&opDef{
		name: name, attrs: fmt.Sprintf("%d, %d", outH, outW),
		shape: func(in []tensor.Shape) (tensor.Shape, error) {
			return tensor.Shape{in[0][0], in[0][1], outH, outW}, nil
		},
		f32: f32,
		f64: f64,
	}, x)
}

// adaptiveAsPairs returns the average pool geometry that adaptive pooling
// of x to outH x outW is when the output sizes divide the input sizes
// into bins of 2 along W and at most 2 along H (kernel = stride = in/out,
// as 14x14 -> 7x7), which the pair kernels of pool_pairs.go run; nil
// otherwise. The bins are the same, the sums are added in pairs and the
// divisor (a power of two) is a multiplication: the same up to rounding.
func adaptiveAsPairs(x *G.Node, outH, outW int) *poolGeom {
	s := x.Shape()
	if s[2]%outH != 0 || s[3]%outW != 0 {
		return nil
	}
	k := []int{s[2] / outH, s[3] / outW}
	pg, err := newPoolGeom("Avg", x, PoolSpec{Kernel: k})
	if err != nil || !avgPoolSmall(pg) || !avgPoolTiles(pg) || !poolPairs(pg) {
		return nil
	}
	return pg
}
