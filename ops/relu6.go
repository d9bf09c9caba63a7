package ops

import G "gorgonia.org/gorgonia"

// ReLU6 is min(max(x, 0), 6), elementwise, as in MobileNetV2. Its
// derivative is 1 on the open interval (0, 6) and 0 elsewhere, the
// boundaries included, as PyTorch's relu6 (hardtanh) takes it. As in
// PyTorch, NaN stays NaN and passes its gradient through.
func ReLU6(x *G.Node) (*G.Node, error) {
	if err := checkNode("ReLU6", "input", x); err != nil {
		return nil, err
	}
	return applyDef(&opDef{
		name:  "ReLU6",
		shape: sameShape,
		f32:   kernels[float32]{forward: relu6Forward[float32], backward: relu6Backward[float32]},
		f64:   kernels[float64]{forward: relu6Forward[float64], backward: relu6Backward[float64]},
	}, x)
}

func relu6Forward[T float](a fwdArgs[T]) error {
	x, y := a.in[0].data, a.out.data
	parallelFor(len(x), elementwiseGrain, func(lo, hi int) {
		for i, v := range x[lo:hi] {
			switch {
			case v < 0:
				v = 0
			case v > 6:
				v = 6
			}
			y[lo+i] = v
		}
	})
	return nil
}

func relu6Backward[T float](a bwdArgs[T]) error {
	x, dy, dx := a.in[0].data, a.dy.data, a.dx.data
	parallelFor(len(x), elementwiseGrain, func(lo, hi int) {
		for i, v := range x[lo:hi] {
			if v <= 0 || v >= 6 {
				dx[lo+i] = 0
			} else {
				dx[lo+i] = dy[lo+i] // NaN included, as in PyTorch
			}
		}
	})
	return nil
}
