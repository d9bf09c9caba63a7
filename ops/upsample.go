package ops

import (
	"fmt"

	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Upsample1D repeats every element of x (N, C, W) f times along W
// (nearest-neighbour upsampling). Output (N, C, W·f).
func Upsample1D(x *G.Node, f int) (*G.Node, error) { return UpsampleNearest(x, []int{f}) }

// Upsample2D repeats every element of x (N, C, H, W) f[0] times along H and
// f[1] times along W (nearest-neighbour upsampling, PyTorch's
// interpolate(mode="nearest") with integer factors). Output
// (N, C, H·f[0], W·f[1]).
func Upsample2D(x *G.Node, f [2]int) (*G.Node, error) { return UpsampleNearest(x, f[:]) }

// Upsample3D repeats every element of x (N, C, D, H, W) by the factors f
// along D, H and W. Output (N, C, D·f[0], H·f[1], W·f[2]).
func Upsample3D(x *G.Node, f [3]int) (*G.Node, error) { return UpsampleNearest(x, f[:]) }

// UpsampleNearest is nearest-neighbour upsampling by integer factors, one
// per spatial axis of x (N, C, spatial...) (1, 2 or 3 of them). The gradient
// sums each block of the output gradient.
func UpsampleNearest(x *G.Node, f []int) (*G.Node, error) {
	nd := len(f)
	name := fmt.Sprintf("Upsample%dD", nd)
	if nd < 1 || nd > 3 {
		return nil, graph.ArgErrorf("ops: Upsample: factors need 1, 2 or 3 values (one per spatial axis), got %v", f)
	}
	u, err := newUpGeom(name, x, nd)
	if err != nil {
		return nil, err
	}
	for a, v := range f {
		if v < 1 {
			return nil, graph.ArgErrorf("ops: %s: factors must be >= 1, got %v", name, f)
		}
		u.f[3-nd+a] = v
		u.out[3-nd+a] = u.in[3-nd+a] * v
	}
	u.finish()
	return applyDef(&opDef{
		name: u.name, attrs: "x" + graph.FormatShape(u.f[3-u.nd:]),
		shape: func([]tensor.Shape) (tensor.Shape, error) { return u.yShape.Clone(), nil },
		f32:   geomKernels(u, nearestUp[float32], nearestUpGrad[float32]),
		f64:   geomKernels(u, nearestUp[float64], nearestUpGrad[float64]),
	}, x)
}

// UpsampleBilinear2D is bilinear upsampling of x (N, C, H, W) by integer
// factors f: output (N, C, H·f[0], W·f[1]), with PyTorch's
// interpolate(mode="bilinear", align_corners=False) semantics: output pixel
// o samples the input at (o + 0.5)/f - 0.5, clamped at 0, and the edge
// pixels are repeated beyond the last one.
func UpsampleBilinear2D(x *G.Node, f [2]int) (*G.Node, error) {
	const name = "UpsampleBilinear2D"
	if f[0] < 1 || f[1] < 1 {
		return nil, graph.ArgErrorf("ops: %s: factors must be >= 1, got %v", name, f)
	}
	if err := checkNode(name, "input", x, 4); err != nil {
		return nil, err
	}
	s := x.Shape()
	return resizeBilinear(name, x, s[2]*f[0], s[3]*f[1])
}

// ResizeBilinear2D resizes x (N, C, H, W) to (N, C, outH, outW) by bilinear
// interpolation, as PyTorch's interpolate(size=(outH, outW),
// mode="bilinear", align_corners=False): output pixel o samples the input
// at (o + 0.5)·in/out - 0.5, clamped at 0. It shrinks as well as grows.
func ResizeBilinear2D(x *G.Node, outH, outW int) (*G.Node, error) {
	return resizeBilinear("ResizeBilinear2D", x, outH, outW)
}

func resizeBilinear(name string, x *G.Node, outH, outW int) (*G.Node, error) {
	u, err := newUpGeom(name, x, 2)
	if err != nil {
		return nil, err
	}
	if outH < 1 || outW < 1 {
		return nil, graph.ArgErrorf("ops: %s: output size must be positive, got (%d, %d)", name, outH, outW)
	}
	u.out[1], u.out[2] = outH, outW
	u.finish()
	r := &bilinearResize{u: u, h: newLerpAxis(u.in[1], outH), w: newLerpAxis(u.in[2], outW)}
	return applyDef(&opDef{
		name: name, attrs: graph.FormatShape(u.in[1:]) + "->" + graph.FormatShape(u.out[1:]),
		shape: func([]tensor.Shape) (tensor.Shape, error) { return u.yShape.Clone(), nil },
		f32:   geomKernels(r, bilinearForward[float32], bilinearBackward[float32]),
		f64:   geomKernels(r, bilinearForward[float64], bilinearBackward[float64]),
	}, x)
}
