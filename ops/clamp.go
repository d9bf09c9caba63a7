package ops

import (
	"math"
	"strconv"

	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
)

// Clamp is min(max(x, lo), hi), elementwise, as torch.clamp and ONNX's
// Clip compute it: an infinite bound is no bound, and when lo > hi every
// element becomes hi. NaN stays NaN. Its derivative is 1 where
// lo <= x <= hi, the bounds included, and 0 elsewhere (NaN included), as
// torch.clamp's backward takes it; ReLU6 is the activation with the open
// interval, as PyTorch's relu6 and hardtanh. A NaN bound is an error.
func Clamp(x *G.Node, lo, hi float64) (*G.Node, error) {
	if math.IsNaN(lo) || math.IsNaN(hi) {
		return nil, graph.ArgErrorf("ops: Clamp: the bounds must not be NaN, got lo=%v hi=%v", lo, hi)
	}
	if err := checkNode("Clamp", "input", x); err != nil {
		return nil, err
	}
	c := clampBounds{lo, hi}
	return applyDef(&opDef{
		name:  "Clamp",
		attrs: "lo=" + strconv.FormatFloat(lo, 'g', -1, 64) + " hi=" + strconv.FormatFloat(hi, 'g', -1, 64),
		shape: sameShape,
		f32:   kernels[float32]{forward: clampForward[float32](c), backward: clampBackward[float32](c)},
		f64:   kernels[float64]{forward: clampForward[float64](c), backward: clampBackward[float64](c)},
	}, x)
}

// clampBounds are Clamp's bounds; in float32 each rounds to the nearest
// float32 (an out-of-range finite bound to ±Inf), as torch.clamp's scalar
// bounds do on a float32 tensor.
type clampBounds struct{ lo, hi float64 }

func clampForward[T float](c clampBounds) func(a fwdArgs[T]) error {
	lo, hi := T(c.lo), T(c.hi)
	return func(a fwdArgs[T]) error {
		x, y := a.in[0].data, a.out.data
		parallelFor(len(x), elementwiseGrain, func(s, e int) {
			for i, v := range x[s:e] {
				if v < lo {
					v = lo
				}
				if v > hi {
					v = hi
				}
				y[s+i] = v
			}
		})
		return nil
	}
}

func clampBackward[T float](c clampBounds) func(a bwdArgs[T]) error {
	lo, hi := T(c.lo), T(c.hi)
	return func(a bwdArgs[T]) error {
		x, dy, dx := a.in[0].data, a.dy.data, a.dx.data
		parallelFor(len(x), elementwiseGrain, func(s, e int) {
			for i, v := range x[s:e] {
				if v >= lo && v <= hi {
					dx[s+i] = dy[s+i]
				} else {
					dx[s+i] = 0
				}
			}
		})
		return nil
	}
}
