package ops

import (
	"fmt"
	"math"

	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ConvBatchNorm is an evaluation-mode BatchNorm (scale gamma and shift
// beta, K each or nil, and bn's running statistics and eps) applied to the
// convolution of x with w (K, C, k...) plus the bias b (K, or nil), with
// p's settings, as one op for inference graphs: the BatchNorm is folded
// into the convolution's weight and bias as FoldBatchNorm folds it, and
// p.ReLU applies max(0, ·) after the BatchNorm.
//
// Unlike FoldBatchNorm followed by ConvND, which fold and pack the weight
// at every run, it keeps the folded and packed weight between runs and
// redoes them only when one of its weight inputs (w, b, gamma, beta, the
// running statistics) changed, which every run checks against a copy of
// them (see ConvParams.CacheWeights; p.CacheWeights is not read). Its
// output equals ConvND(x, FoldBatchNorm(w, b, gamma, beta, bn), p)
// exactly. It has no gradient: training graphs apply the convolution and
// the BatchNorm apart. bn.Training must be false; bn.ReLU and bn.Momentum
// are not read. The convolution is not grouped.
func ConvBatchNorm(x, w, b, gamma, beta *G.Node, bn BatchNormParams, p ConvParams) (*G.Node, error) {
	const name = "ConvBatchNorm"
	ins, idx, err := foldCheck(name, w, b, gamma, beta, bn)
	if err != nil {
		return nil, err
	}
	r, _, attrs, nodes, err := convSetup(name, 0, x, w, nil, p)
	if err != nil {
		return nil, err
	}
	r.cache, r.bias = new(weightSnapshot), true
	nodes = append(nodes, ins[1:]...) // x, w [, b] [, gamma] [, beta]
	cf := &convFoldRun{conv: r, f: foldStats{mean: bn.RunningMean, variance: bn.RunningVar, eps: bn.Eps}, idx: idx}
	d := &opDef{
		name: name, attrs: attrs + fmt.Sprintf(", eps=%g", bn.Eps),
		shape: func(in []tensor.Shape) (tensor.Shape, error) {
			if err := wantShapes(name, in[:2], []tensor.Shape{r.imageShape(), r.weightShape()}); err != nil {
				return nil, err
			}
			for _, s := range in[2:] {
				if !graph.SameShape(s, tensor.Shape{r.geom.k}) {
					return nil, graph.ShapeErrorf("ops: %s: bias, gamma and beta must have shape (%d), got %s", name, r.geom.k, graph.FormatShape(s))
				}
			}
			return r.columnShape(), nil
		},
		f32: convFoldKernels[float32](cf),
		f64: convFoldKernels[float64](cf),
		symDiff: func(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
			return nil, fmt.Errorf("ops: %s: inference only, it has no gradient (apply the convolution and the BatchNorm apart)", name)
		},
	}
	if r.relu {
		d.name += "+ReLU"
	}
	return applyDef(d, nodes...)
}

// convFoldRun is a ConvBatchNorm op: its convolution (with a cache) and
// the folded weight and bias of the snapshot's generation gen.
type convFoldRun struct {
	conv   *convRun
	f      foldStats
	idx    foldIndex // positions among w [, b] [, gamma] [, beta]
	wf, bf any       // []T
	gen    uint64
}

func convFoldKernels[T float](cf *convFoldRun) kernels[T] {
	return kernels[T]{forward: func(a fwdArgs[T]) error {
		r := cf.conv
		ws := a.in[1:] // w [, b] [, gamma] [, beta]
		w, b, gamma, beta := ws[0].data, at(ws, cf.idx.b), at(ws, cf.idx.gamma), at(ws, cf.idx.beta)
		mean, variance := viewOf[T](cf.f.mean).data, viewOf[T](cf.f.variance).data
		r.cache.mu.Lock()
		defer r.cache.mu.Unlock()
		gen, _ := r.cache.check(bytesOf(w), bytesOf(b), bytesOf(gamma), bytesOf(beta), bytesOf(mean), bytesOf(variance))
		wf, okw := cf.wf.([]T)
		bf, okb := cf.bf.([]T)
		if !okw || !okb || len(wf) != len(w) || len(bf) != r.geom.k || cf.gen != gen {
			if !okw || len(wf) != len(w) {
				wf = make([]T, len(w))
				cf.wf = wf
			}
			if !okb || len(bf) != r.geom.k {
				bf = make([]T, r.geom.k)
				cf.bf = bf
			}
			foldInto(w, b, gamma, beta, mean, variance, cf.f.eps, wf, bf)
			cf.gen = gen
		}
		r.eng.arm(gen)
		convForward(&r.eng, &r.geom, a.in[0].data, wf, bf, r.relu, a.out.data)
		return nil
	}}
}

// foldInto writes the folded weight wf and bias bf of a convolution with
// weight w (K rows) and bias b (or nil) followed by BatchNorm (gamma,
// beta or nil; mean, variance, eps), with FoldBatchNorm's arithmetic, so
// that both give the same values.
func foldInto[T float](w, b, gamma, beta, mean, variance []T, eps float64, wf, bf []T) {
	k := len(bf)
	per := len(w) / max(1, k)
	s := make([]T, k)
	for c := range k {
		iv := 1 / math.Sqrt(float64(variance[c])+eps)
		if gamma != nil {
			iv *= float64(gamma[c])
		}
		s[c] = T(iv)
		v := -float64(mean[c])
		if b != nil {
			v += float64(b[c])
		}
		v *= float64(s[c])
		if beta != nil {
			v += float64(beta[c])
		}
		bf[c] = T(v)
	}
	parallelFor(k, max(1, (1<<15)/max(1, per)), func(lo, hi int) {
		for c := lo; c < hi; c++ {
			sc := s[c]
			src, dst := w[c*per:(c+1)*per], wf[c*per:(c+1)*per]
			for j, v := range src {
				dst[j] = v * sc
			}
		}
	})
}
