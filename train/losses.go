package train

import (
	"fmt"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
)

type opLoss struct {
	name string
	fn   func(pred, target *G.Node) (*G.Node, error)
	// onLogits: fn takes logits and applies the sigmoid itself. Given the
	// output of a model that ends in nn.Sigmoid, it is passed the logits
	// under that sigmoid (graph.Builder.Logits) instead.
	onLogits bool
}

func (l *opLoss) Name() string   { return l.name }
func (l *opLoss) String() string { return l.name }

func (l *opLoss) Build(b *graph.Builder, pred, target *G.Node) (*G.Node, error) {
	if err := checkPair(l.name, pred, target); err != nil {
		return nil, err
	}
	if l.onLogits && b != nil {
		if z, ok := b.Logits(pred); ok {
			pred = z
		}
	}
	out, err := l.fn(pred, target)
	return out, wrapOnce(err, "train: loss "+l.name)
}

// SoftmaxCrossEntropy is the cross-entropy of softmax(logits) against
// one-hot (or soft) labels, averaged over the batch (PyTorch's
// CrossEntropyLoss with probability targets, Keras's
// CategoricalCrossentropy(from_logits=True)). Output and target: (N, K);
// for segmentation (N, K, H, W) with one-hot masks, the softmax runs over
// axis 1 and the mean over the N·H·W positions (ops.SoftmaxCrossEntropy).
func SoftmaxCrossEntropy() Loss {
	return &opLoss{name: "softmax_cross_entropy", fn: ops.SoftmaxCrossEntropy}
}

// BCEWithLogits is the binary cross-entropy of sigmoid(logits) against
// targets in [0, 1], averaged over every element (PyTorch's
// BCEWithLogitsLoss). Output and target have the same shape.
func BCEWithLogits() Loss {
	return &opLoss{name: "bce_with_logits", fn: ops.BCEWithLogits, onLogits: true}
}

// MSE is the mean squared error over every element (PyTorch's MSELoss).
// The output is compared as it is (end the model with a Sigmoid for images
// in [0, 1]).
func MSE() Loss {
	return &opLoss{name: "mse", fn: ops.MSE}
}

// DiceLoss is the soft Dice loss on sigmoid probabilities of the logits:
//
//	p = sigmoid(z)
//	loss = 1 - mean_n (2·Σ p·t + smooth) / (Σ p + Σ t + smooth)
//
// with the sums over every axis but the batch axis (ops.DiceLoss). For
// binary masks (N, 1, H, W), or one channel per class with one-hot masks
// (N, C, H, W). smooth (>= 0, usually 1) keeps empty masks finite.
func DiceLoss(smooth float64) Loss {
	return &opLoss{name: fmt.Sprintf("dice(smooth=%g)", smooth), fn: func(z, t *G.Node) (*G.Node, error) {
		p, err := ops.Sigmoid(z)
		if err != nil {
			return nil, err
		}
		return ops.DiceLoss(p, t, smooth)
	}, onLogits: true}
}

// BCEDiceLoss is BCEWithLogits + DiceLoss(smooth), a common loss for
// segmentation (sharp pixel-wise gradients from BCE, overlap from Dice).
func BCEDiceLoss(smooth float64) Loss {
	return &opLoss{name: fmt.Sprintf("bce_dice(smooth=%g)", smooth), fn: func(z, t *G.Node) (*G.Node, error) {
		bce, err := ops.BCEWithLogits(z, t)
		if err != nil {
			return nil, err
		}
		p, err := ops.Sigmoid(z)
		if err != nil {
			return nil, err
		}
		dice, err := ops.DiceLoss(p, t, smooth)
		if err != nil {
			return nil, err
		}
		return G.Add(bce, dice)
	}, onLogits: true}
}

func defaultLoss() Loss { return SoftmaxCrossEntropy() }
