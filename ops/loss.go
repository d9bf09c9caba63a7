package ops

import (
	"fmt"
	"math"

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
	attrs := ""
	if kind == lossDice {
		attrs = fmt.Sprintf("smooth=%g", smooth)
	}
	ls := &lossSpec{kind: kind, smooth: smooth}
	return applyDef(&opDef{
		name: name, attrs: attrs, noGrad: []int{1},
		shape: func([]tensor.Shape) (tensor.Shape, error) { return tensor.ScalarShape(), nil },
		f32:   lossKernels[float32](ls),
		f64:   lossKernels[float64](ls),
	}, a, b)
}

// lossSpec is a fused loss and its scratch space: per-chunk partial sums,
// and float32 rows for the workers of the float32 kernels, kept between
// runs so that a run allocates nothing.
type lossSpec struct {
	kind   lossKind
	smooth float64
	work   []float64
	rows   rowPool[float32]
}

// lossKernels: loss = f(a, b), a scalar; a is the differentiable input
// (logits, predictions, probabilities) and b the target. The backward is
// da = dy·∂loss/∂a.
func lossKernels[T float](ls *lossSpec) kernels[T] {
	return kernels[T]{
		forward: func(a fwdArgs[T]) error {
			a.out.data[0] = T(lossForward(ls, a.in[0].data, a.in[1].data, a.in[0].shape))
			return nil
		},
		backward: func(a bwdArgs[T]) error {
			lossBackward(ls, a.in[0].data, a.in[1].data, a.dx.data, a.in[0].shape, float64(a.dy.data[0]))
			return nil
		},
	}
}
