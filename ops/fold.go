package ops

import (
	"fmt"
	"math"

	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// FoldBatchNorm returns the weight and bias of the one convolution that
// equals a convolution with weight w (K, C, k...) and bias b (K, or nil)
// followed by an evaluation-mode BatchNorm over its K output channels with
// scale gamma and shift beta (K each, or nil) and the running statistics
// of p (p.Training must be false):
//
//	s_k = gamma_k / sqrt(runningVar_k + eps)
//	w'[k] = s_k·w[k]                     (every weight of output channel k)
//	b'_k  = s_k·(b_k - runningMean_k) + beta_k
//
// so that BatchNormEval(conv(x, w, b)) = conv(x, w', b') for every x, up to
// rounding. The grouped convolution's weight (K, C/groups, k...) folds the
// same way. w' and b' are graph nodes computed at every run from the
// current tensors, so writes to the weights or the running statistics
// between runs (training, loading) are always seen: a folded graph never
// holds stale weights. They cost one pass over w per run, against the
// convolution's pass over every output position.
//
// Gradients flow to w, b, gamma and beta (the statistics are constants,
// as in BatchNormEval). p.ReLU and p.Momentum are not read: the caller
// passes the activation to the convolution (ConvParams.ReLU).
func FoldBatchNorm(w, b, gamma, beta *G.Node, p BatchNormParams) (wf, bf *G.Node, err error) {
	const name = "FoldBatchNorm"
	inputs, idx, err := foldCheck(name, w, b, gamma, beta, p)
	if err != nil {
		return nil, nil, err
	}
	f := foldStats{mean: p.RunningMean, variance: p.RunningVar, eps: p.Eps}
	attrs := fmt.Sprintf("eps=%g", p.Eps)
	// the weight: inputs w [, gamma]
	wIn := []*G.Node{w}
	wIdx := foldIndex{b: -1, gamma: -1, beta: -1}
	if gamma != nil {
		wIdx.gamma = 1
		wIn = append(wIn, gamma)
	}
	if wf, err = applyDef(&opDef{
		name: name + "Weight", attrs: attrs, shape: sameShape,
		f32: foldWeightKernels[float32](f, wIdx),
		f64: foldWeightKernels[float64](f, wIdx),
	}, wIn...); err != nil {
		return nil, nil, err
	}
	// the bias: inputs w (for the dtype and the channels; no gradient)
	// [, b] [, gamma] [, beta]
	if bf, err = applyDef(&opDef{
		name: name + "Bias", attrs: attrs,
		shape:  func(in []tensor.Shape) (tensor.Shape, error) { return tensor.Shape{in[0][0]}, nil },
		f32:    foldBiasKernels[float32](f, idx),
		f64:    foldBiasKernels[float64](f, idx),
		noGrad: []int{0},
	}, inputs...); err != nil {
		return nil, nil, err
	}
	return wf, bf, nil
}

// foldCheck checks the inputs of a BatchNorm folded into a convolution
// (FoldBatchNorm, ConvBatchNorm) and returns the nodes w [, b] [, gamma]
// [, beta] with the positions of the optional ones among them.
func foldCheck(name string, w, b, gamma, beta *G.Node, p BatchNormParams) (inputs []*G.Node, idx foldIndex, err error) {
	idx = foldIndex{b: -1, gamma: -1, beta: -1}
	if err := checkNode(name, "weight", w, 3, 4, 5); err != nil {
		return nil, idx, err
	}
	if p.Training {
		return nil, idx, graph.ArgErrorf("ops: %s: only an evaluation-mode BatchNorm folds into a convolution (the batch statistics of training mode depend on the input)", name)
	}
	if !(p.Eps > 0) || math.IsInf(p.Eps, 0) {
		return nil, idx, graph.ArgErrorf("ops: %s: eps must be finite and > 0, got %v", name, p.Eps)
	}
	k := w.Shape()[0]
	inputs = []*G.Node{w}
	for _, o := range []struct {
		what string
		n    *G.Node
		at   *int
	}{{"bias", b, &idx.b}, {"gamma", gamma, &idx.gamma}, {"beta", beta, &idx.beta}} {
		if o.n == nil {
			continue
		}
		if err := checkNode(name, o.what, o.n, 1); err != nil {
			return nil, idx, err
		}
		if o.n.Shape()[0] != k {
			return nil, idx, graph.ShapeErrorf("ops: %s: %s must have shape (%d), one value per output channel of the weight %s, got %s",
				name, o.what, k, graph.FormatShape(w.Shape()), graph.FormatShape(o.n.Shape()))
		}
		*o.at = len(inputs)
		inputs = append(inputs, o.n)
	}
	if err := sameDtype(name, inputs...); err != nil {
		return nil, idx, err
	}
	for _, s := range []struct {
		what string
		t    *tensor.Dense
	}{{"running mean", p.RunningMean}, {"running variance", p.RunningVar}} {
		if s.t == nil {
			return nil, idx, graph.ArgErrorf("ops: %s: the %s is required", name, s.what)
		}
		if s.t.Dtype() != w.Dtype() {
			return nil, idx, graph.ArgErrorf("ops: %s: the %s must have the weight's dtype %v, got %v", name, s.what, w.Dtype(), s.t.Dtype())
		}
		if !graph.SameShape(s.t.Shape(), tensor.Shape{k}) {
			return nil, idx, graph.ShapeErrorf("ops: %s: the %s must have shape (%d) for %d output channels, got %s", name, s.what, k, k, graph.FormatShape(s.t.Shape()))
		}
	}
	return inputs, idx, nil
}

// foldIndex gives the input positions of the optional inputs (-1: absent).
type foldIndex struct{ b, gamma, beta int }

// foldStats are the running statistics a fold reads at every run (their
// dtype is checked when the op is built).
type foldStats struct {
	mean, variance *tensor.Dense
	eps            float64
}

// scales fills s with s_k = gamma_k/sqrt(var_k + eps) (gamma_k = 1 when
// the gamma input is absent) and inv with 1/sqrt(var_k + eps), computed
// in float64 and stored in saved scratch (no allocation per run).
func scales[T float](f foldStats, in []view[T], gi int, sv *saved[T], k int) (s, inv []T) {
	s, inv = sv.floats("scale", k), sv.floats("inv", k)
	variance := viewOf[T](f.variance).data
	for c := range k {
		iv := 1 / math.Sqrt(float64(variance[c])+f.eps)
		inv[c] = T(iv)
		if gi >= 0 {
			iv *= float64(in[gi].data[c])
		}
		s[c] = T(iv)
	}
	return s, inv
}

// at returns input i's data, or nil when i < 0.
func at[T float](in []view[T], i int) []T {
	if i < 0 {
		return nil
	}
	return in[i].data
}

func foldWeightKernels[T float](f foldStats, idx foldIndex) kernels[T] {
	return kernels[T]{
		forward: func(a fwdArgs[T]) error {
			w, out := a.in[0].data, a.out.data
			k := a.in[0].shape[0]
			per := len(w) / k
			s, _ := scales(f, a.in, idx.gamma, a.saved, k)
			parallelFor(k, max(1, (1<<15)/max(1, per)), func(lo, hi int) {
				for c := lo; c < hi; c++ {
					sc := s[c]
					src, dst := w[c*per:(c+1)*per], out[c*per:(c+1)*per]
					for j, v := range src {
						dst[j] = v * sc
					}
				}
			})
			return nil
		},
		backward: func(a bwdArgs[T]) error {
			w, dy, dx := a.in[0].data, a.dy.data, a.dx.data
			k := a.in[0].shape[0]
			per := len(w) / k
			s, inv := scales(f, a.in, idx.gamma, a.saved, k)
			for c := range k {
				src, g := w[c*per:(c+1)*per], dy[c*per:(c+1)*per]
				if a.wrt == 0 { // dw = s·dw'
					for j, v := range g {
						dx[c*per+j] = v * s[c]
					}
					continue
				}
				// dgamma_k = inv_k·Σ_j dw'[k][j]·w[k][j]
				acc := 0.0
				for j, v := range g {
					acc += float64(v) * float64(src[j])
				}
				dx[c] = T(acc * float64(inv[c]))
			}
			return nil
		},
	}
}

func foldBiasKernels[T float](f foldStats, idx foldIndex) kernels[T] {
	return kernels[T]{
		forward: func(a fwdArgs[T]) error {
			k := len(a.out.data)
			s, _ := scales(f, a.in, idx.gamma, a.saved, k)
			mean := viewOf[T](f.mean).data
			b, beta := at(a.in, idx.b), at(a.in, idx.beta)
			for c := range k {
				v := -float64(mean[c])
				if b != nil {
					v += float64(b[c])
				}
				v *= float64(s[c])
				if beta != nil {
					v += float64(beta[c])
				}
				a.out.data[c] = T(v)
			}
			return nil
		},
		backward: func(a bwdArgs[T]) error {
			dy, dx := a.dy.data, a.dx.data
			k := len(dy)
			s, inv := scales(f, a.in, idx.gamma, a.saved, k)
			switch a.wrt {
			case idx.b: // db = s·db'
				for c, v := range dy {
					dx[c] = v * s[c]
				}
			case idx.gamma: // dgamma = db'·(b - mean)·inv
				mean := viewOf[T](f.mean).data
				b := at(a.in, idx.b)
				for c, v := range dy {
					d := -float64(mean[c])
					if b != nil {
						d += float64(b[c])
					}
					dx[c] = T(float64(v) * d * float64(inv[c]))
				}
			case idx.beta: // dbeta = db'
				copy(dx, dy)
			default:
				return fmt.Errorf("no gradient for input %d", a.wrt)
			}
			return nil
		},
	}
}
