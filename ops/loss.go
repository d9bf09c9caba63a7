package ops

import (
	"fmt"
	"math"

	"github.com/chewxy/hm"
	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// lossKind names a fused loss.
type lossKind int

const (
	lossSoftmaxCE lossKind = iota // mean over positions of Σ_k t_k·(lse - x_k)
	lossBCE                       // mean of max(x,0) - x·t + log1p(exp(-|x|))
	lossMSE                       // mean of (p - t)²
	lossDice                      // 1 - mean_n (2Σpt + s)/(Σp + Σt + s)
)

var lossNames = [...]string{"SoftmaxCrossEntropy", "BCEWithLogits", "MSE", "DiceLoss"}

func (k lossKind) String() string { return lossNames[k] }

// SoftmaxCrossEntropy is the mean cross-entropy between the softmax of logits
// and labels, fused and numerically stable (log-sum-exp form):
//
//	loss = (1/N) Σ_n Σ_k labels[n,k]·(lse_n - logits[n,k]),  lse_n = log Σ_k exp(logits[n,k])
//
// logits are (N, K) unnormalised scores; labels (N, K) are one-hot or soft
// (rows summing to 1). The output is a scalar. The gradient with respect to
// the logits is (softmax(logits)·Σ_k labels[n,k] - labels)/N, which is
// (softmax - labels)/N for rows summing to 1; labels get no gradient.
//
// Inputs of higher rank (N, K, d1, d2, ...) are taken as per-position class
// scores along axis 1, as PyTorch's CrossEntropyLoss does for segmentation:
// the mean then runs over the N·d1·d2·... positions.
func SoftmaxCrossEntropy(logits, labels *G.Node) (*G.Node, error) {
	return applyLoss(lossSoftmaxCE, 0, logits, labels, 2)
}

// BCEWithLogits is the mean binary cross-entropy of sigmoid(logits) against
// target, computed from the logits without overflow:
//
//	loss = mean( max(x,0) - x·t + log1p(exp(-|x|)) )
//
// logits and target have the same shape (any rank >= 1); target values are
// in [0, 1]. The output is a scalar; the gradient with respect to the
// logits is (sigmoid(x) - t)/size. The target gets no gradient.
func BCEWithLogits(logits, target *G.Node) (*G.Node, error) {
	return applyLoss(lossBCE, 0, logits, target, 1)
}

// MSE is the mean squared error mean((pred - target)²) over every element.
// pred and target have the same shape (any rank >= 1). The output is a
// scalar; the gradient with respect to pred is 2·(pred - target)/size. The
// target gets no gradient.
func MSE(pred, target *G.Node) (*G.Node, error) {
	return applyLoss(lossMSE, 0, pred, target, 1)
}

// DiceLoss is the soft Dice loss of probabilities against a target mask:
//
//	loss = 1 - (1/N) Σ_n (2·Σ p·t + smooth) / (Σ p + Σ t + smooth)
//
// where the sums run over every axis but the batch axis n. probs and target
// have the same shape (N, ...) (rank >= 1); smooth >= 0 (1 is usual; it
// keeps empty masks from dividing by zero). The output is a scalar; the
// target gets no gradient. With smooth = 0 a sample whose probs and target
// are all zero has the ratio 0/0; it is taken as 1 (a perfect match) with a
// zero gradient.
func DiceLoss(probs, target *G.Node, smooth float64) (*G.Node, error) {
	if !(smooth >= 0) || math.IsInf(smooth, 0) {
		return nil, graph.ArgErrorf("ops: DiceLoss: smooth must be finite and >= 0, got %v", smooth)
	}
	return applyLoss(lossDice, smooth, probs, target, 1)
}

func applyLoss(kind lossKind, smooth float64, a, b *G.Node, minRank int) (*G.Node, error) {
	name := kind.String()
	first, second := "input", "target"
	switch kind {
	case lossSoftmaxCE:
		first, second = "logits", "labels"
	case lossBCE:
		first = "logits"
	case lossMSE:
		first = "pred"
	case lossDice:
		first = "probs"
	}
	if err := checkNode(name, first, a); err != nil {
		return nil, err
	}
	if err := checkNode(name, second, b); err != nil {
		return nil, err
	}
	if a.Shape().Dims() < minRank {
		return nil, graph.ShapeErrorf("ops: %s: %s must have rank >= %d, got shape %s", name, first, minRank, graph.FormatShape(a.Shape()))
	}
	if !graph.SameShape(a.Shape(), b.Shape()) {
		return nil, graph.ShapeErrorf("ops: %s: %s must have the %s' shape %s, got %s", name, second, first, graph.FormatShape(a.Shape()), graph.FormatShape(b.Shape()))
	}
	if err := sameDtype(name, a, b); err != nil {
		return nil, err
	}
	desc := kind.String()
	if kind == lossDice {
		desc = fmt.Sprintf("%v(smooth=%g)", kind, smooth)
	}
	op := &lossOp{opBase: newOpBase(desc), kind: kind, smooth: smooth, rank: a.Shape().Dims()}
	return G.ApplyOp(op, a, b)
}

// lossOp is loss = f(a, b), a scalar; a is the differentiable input
// (logits, predictions, probabilities) and b the target.
type lossOp struct {
	opBase
	kind   lossKind
	smooth float64
	rank   int
	work   []float64
}

func (op *lossOp) Arity() int    { return 2 }
func (op *lossOp) Type() hm.Type { return lossType(op.rank) }

func (op *lossOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return tensor.ScalarShape(), nil
}

func (op *lossOp) Do(vals ...G.Value) (G.Value, error) {
	in, err := denseArgs(op.String(), vals, 2)
	if err != nil {
		return nil, err
	}
	a, b := in[0], in[1]
	if !graph.SameShape(a.Shape(), b.Shape()) {
		return nil, fmt.Errorf("ops: %v: shapes differ: %v and %v", op.kind, a.Shape(), b.Shape())
	}
	var v float64
	switch as := a.Data().(type) {
	case []float64:
		v = lossForward(op, as, b.Data().([]float64), a.Shape())
	case []float32:
		v = lossForward(op, as, b.Data().([]float32), a.Shape())
	default:
		return nil, fmt.Errorf("ops: %v: dtype %v not supported", op.kind, a.Dtype())
	}
	return scalarOut(a.Dtype(), v), nil
}

func (op *lossOp) DiffWRT(int) []bool { return []bool{true, false} }

func (op *lossOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	d := &lossGradOp{gradOpBase: newGradOpBase(fmt.Sprintf("%vGrad(%g)", op.kind, op.smooth)), kind: op.kind, smooth: op.smooth, rank: op.rank}
	da, err := G.ApplyOp(d, inputs[0], inputs[1], grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{da, nil}, nil
}

// lossGradOp is da = g·∂loss/∂a, given a, b and the scalar upstream gradient g.
type lossGradOp struct {
	gradOpBase
	kind   lossKind
	smooth float64
	rank   int
	out    buffer
	work   []float64
}

func (op *lossGradOp) Arity() int                                        { return 3 }
func (op *lossGradOp) Type() hm.Type                                     { return lossGradType(op.rank) }
func (op *lossGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) { return firstShape(in) }

func (op *lossGradOp) Do(vals ...G.Value) (G.Value, error) {
	if len(vals) != 3 {
		return nil, fmt.Errorf("ops: %s: want 3 inputs, got %d", op.String(), len(vals))
	}
	in, err := denseArgs(op.String(), vals[:2], 2)
	if err != nil {
		return nil, err
	}
	g, err := scalarValue(op.String(), vals[2])
	if err != nil {
		return nil, err
	}
	a, b := in[0], in[1]
	da := op.out.get(a.Dtype(), a.Shape())
	switch as := a.Data().(type) {
	case []float64:
		lossBackward(op, as, b.Data().([]float64), da.Data().([]float64), a.Shape(), g)
	case []float32:
		lossBackward(op, as, b.Data().([]float32), da.Data().([]float32), a.Shape(), g)
	default:
		return nil, fmt.Errorf("ops: %v: dtype %v not supported", op.kind, a.Dtype())
	}
	return da, nil
}

// chunkSize is the number of elements one partial sum covers. Partial sums
// are per chunk, not per worker, so results do not depend on GOMAXPROCS.
const chunkSize = 1 << 13

// chunkedSum returns Σ over chunks of fn(lo, hi), computing the chunks in
// parallel and adding the partial sums in order. work is scratch space.
func chunkedSum(n int, work *[]float64, fn func(lo, hi int) float64) float64 {
	chunks := (n + chunkSize - 1) / chunkSize
	if cap(*work) < chunks {
		*work = make([]float64, chunks)
	}
	part := (*work)[:chunks]
	parallelFor(chunks, 2, func(clo, chi int) {
		for c := clo; c < chi; c++ {
			part[c] = fn(c*chunkSize, min((c+1)*chunkSize, n))
		}
	})
	s := 0.0
	for _, v := range part {
		s += v
	}
	return s
}

// growWork returns (*work)[:n], growing it when needed.
func growWork(work *[]float64, n int) []float64 {
	if cap(*work) < n {
		*work = make([]float64, n)
	}
	return (*work)[:n]
}

// ceGeometry splits a shape (N, K, d1, ...) into N, K and the number of
// positions per sample S = d1·d2·....
func ceGeometry(shape tensor.Shape) (n, k, s int) {
	n, k, s = shape[0], shape[1], 1
	for _, d := range shape[2:] {
		s *= d
	}
	return n, k, s
}

// strideMax returns max_k x[k·stride] for k >= 1 (NaN if any is NaN).
func strideMax[T float](x []T, k, stride int) T {
	m := x[0]
	for j := 1; j < k; j++ {
		m = max(m, x[j*stride])
	}
	return m
}

// logSumExp returns log Σ_k exp(x[k·stride]) for k >= 1, as
// max + log Σ_k exp(x[k·stride] - max).
func logSumExp[T float](x []T, k, stride int) float64 {
	m := strideMax(x, k, stride)
	sum := 0.0
	for j := 0; j < k; j++ {
		sum += float64(expT(x[j*stride] - m))
	}
	return float64(m) + math.Log(sum)
}

func lossForward[T float](op *lossOp, a, b []T, shape tensor.Shape) float64 {
	switch op.kind {
	case lossSoftmaxCE:
		n, k, s := ceGeometry(shape)
		rows := growWork(&op.work, n)
		parallelFor(n, max(1, 4096/(k*s)), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				x, t := a[i*k*s:(i+1)*k*s], b[i*k*s:(i+1)*k*s]
				acc := 0.0
				for p := 0; p < s; p++ {
					lse := logSumExp(x[p:], k, s)
					for j := 0; j < k; j++ {
						if tv := float64(t[j*s+p]); tv != 0 {
							acc += tv * (lse - float64(x[j*s+p]))
						}
					}
				}
				rows[i] = acc
			}
		})
		total := 0.0
		for _, v := range rows {
			total += v
		}
		return total / float64(n*s)
	case lossBCE:
		sum := chunkedSum(len(a), &op.work, func(lo, hi int) float64 {
			acc := 0.0
			for i := lo; i < hi; i++ {
				x, t := float64(a[i]), float64(b[i])
				acc += float64(softplusT(a[i])) - x*t // log(1+e^x) - x·t
			}
			return acc
		})
		return sum / float64(len(a))
	case lossMSE:
		sum := chunkedSum(len(a), &op.work, func(lo, hi int) float64 {
			acc := 0.0
			for i := lo; i < hi; i++ {
				d := float64(a[i]) - float64(b[i])
				acc += d * d
			}
			return acc
		})
		return sum / float64(len(a))
	default: // lossDice
		n := shape[0]
		ratios := growWork(&op.work, n)
		diceSums(a, b, n, func(i int, inter, sp, st float64) {
			ratios[i] = diceRatio(inter, sp, st, op.smooth)
		})
		mean := 0.0
		for _, r := range ratios {
			mean += r
		}
		return 1 - mean/float64(n)
	}
}

// diceSums computes, per sample i of n, Σ p·t, Σ p and Σ t, and calls fn
// with them (in parallel over samples).
func diceSums[T float](p, t []T, n int, fn func(i int, inter, sp, st float64)) {
	d := len(p) / n
	parallelFor(n, max(1, 8192/d), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			ps, ts := p[i*d:(i+1)*d], t[i*d:(i+1)*d]
			var inter, sp, st float64
			for j, pv := range ps {
				tv := float64(ts[j])
				inter += float64(pv) * tv
				sp += float64(pv)
				st += tv
			}
			fn(i, inter, sp, st)
		}
	})
}

func diceRatio(inter, sp, st, smooth float64) float64 {
	den := sp + st + smooth
	if den == 0 {
		return 1
	}
	return (2*inter + smooth) / den
}

func lossBackward[T float](op *lossGradOp, a, b, da []T, shape tensor.Shape, g float64) {
	switch op.kind {
	case lossSoftmaxCE:
		n, k, s := ceGeometry(shape)
		scale := g / float64(n*s)
		parallelFor(n, max(1, 4096/(k*s)), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				x, t, dx := a[i*k*s:(i+1)*k*s], b[i*k*s:(i+1)*k*s], da[i*k*s:(i+1)*k*s]
				for p := 0; p < s; p++ {
					lse := logSumExp(x[p:], k, s)
					st := 0.0
					for j := 0; j < k; j++ {
						st += float64(t[j*s+p])
					}
					for j := 0; j < k; j++ {
						q := j*s + p
						sm := float64(expT(T(float64(x[q]) - lse)))
						dx[q] = T(scale * (st*sm - float64(t[q])))
					}
				}
			}
		})
	case lossBCE:
		scale := g / float64(len(a))
		parallelFor(len(a), elementwiseGrain, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				sig := float64(sigmoidT(a[i]))
				da[i] = T(scale * (sig - float64(b[i])))
			}
		})
	case lossMSE:
		scale := 2 * g / float64(len(a))
		parallelFor(len(a), elementwiseGrain, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				da[i] = T(scale * (float64(a[i]) - float64(b[i])))
			}
		})
	default: // lossDice
		n := shape[0]
		d := len(a) / n
		diceSums(a, b, n, func(i int, inter, sp, st float64) {
			num, den := 2*inter+op.smooth, sp+st+op.smooth
			dx, t := da[i*d:(i+1)*d], b[i*d:(i+1)*d]
			if den == 0 {
				clear(dx)
				return
			}
			// ∂/∂p_j of -(1/N)·num/den = -(1/N)·(2·t_j·den - num)/den²
			c := -g / (float64(n) * den * den)
			for j := range dx {
				dx[j] = T(c * (2*float64(t[j])*den - num))
			}
		})
	}
}
