package train

import (
	"strings"

	"github.com/convnet-go/convnet/graph"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// Loss builds the scalar loss of a batch from the model's output and the
// target, both nodes of the same graph. The trainer minimises it and logs
// it as "loss" (and "val_loss").
//
// Convention: models output raw scores (logits); the built-in losses apply
// the softmax or sigmoid themselves (SoftmaxCrossEntropy, BCEWithLogits,
// DiceLoss, BCEDiceLoss). A model that ends in nn.Sigmoid (such as the
// zoo's UNet and SegNet built WithSigmoid) is trained the same way: the
// sigmoid losses (BCEWithLogits, DiceLoss, BCEDiceLoss) recognise such an
// output and work on the logits under its sigmoid (never a sigmoid of
// probabilities), and the metrics threshold it at 0.5 instead of 0 (see
// Metric). Regression and reconstruction losses (MSE) compare the output
// as it is.
type Loss interface {
	// Name describes the loss, such as "softmax_cross_entropy".
	Name() string
	// Build adds the loss computation to b's graph and returns a scalar
	// node (the mean over the batch).
	Build(b *graph.Builder, pred, target *G.Node) (*G.Node, error)
}

// LossFunc is a Loss made of a name and a function, for custom losses.
type LossFunc struct {
	LossName string
	Fn       func(b *graph.Builder, pred, target *G.Node) (*G.Node, error)
}

// NewLoss returns a Loss that calls fn to build the loss node.
func NewLoss(name string, fn func(b *graph.Builder, pred, target *G.Node) (*G.Node, error)) *LossFunc {
	return &LossFunc{LossName: name, Fn: fn}
}

// Name returns the loss's name.
func (l *LossFunc) Name() string { return l.LossName }

// Build calls the function.
func (l *LossFunc) Build(b *graph.Builder, pred, target *G.Node) (*G.Node, error) {
	if l.Fn == nil {
		return nil, graph.ArgErrorf("train: loss %q has no function", l.LossName)
	}
	return l.Fn(b, pred, target)
}

// checkPair verifies that the output and target shapes are equal, naming
// the loss in the error.
func checkPair(name string, pred, target *G.Node) error {
	if pred == nil || target == nil {
		return graph.ArgErrorf("train: loss %s: nil prediction or target", name)
	}
	if !graph.SameShape(pred.Shape(), target.Shape()) {
		return graph.ShapeErrorf("train: loss %s: model output shape %s and target shape %s differ",
			name, graph.FormatShape(pred.Shape()), graph.FormatShape(target.Shape()))
	}
	return nil
}

// wrapOnce adds prefix to err's message unless the message already starts
// with it (losses name themselves in their own errors): the context appears
// once, not as "train: loss mse: train: loss mse: ...".
func wrapOnce(err error, prefix string) error {
	if err == nil || strings.HasPrefix(err.Error(), prefix) {
		return err
	}
	return errors.Wrap(err, prefix)
}
