package train_test

import (
	"math"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/train"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// A BatchSize far beyond the training set (math.MaxInt) trains on the
// whole set in one step per epoch; it used to overflow the step count and
// make Fit return nil having trained nothing.
func TestHugeBatchSizeTrains(t *testing.T) {
	for _, bs := range []int{math.MaxInt, math.MaxInt - 1, 1 << 40} {
		ds := blobs(10, 3)
		model := mlp(2, 4, 2, 1, tensor.Float32, nn.NewReLU())
		before := paramBits(model)
		steps := 0
		cb := train.Funcs{BatchEnd: func(_ *train.Trainer, _, _ int, logs train.Logs) error {
			steps++
			if logs["size"] != 10 {
				t.Errorf("BatchSize %d: a step of %v examples, want the whole set of 10", bs, logs["size"])
			}
			return nil
		}}
		tr := must(train.New(model, silent(train.Config{Epochs: 2, BatchSize: bs, EvalBatchSize: bs, Loss: ceLoss(), Callbacks: []train.Callback{cb}})))
		h, err := tr.Fit(ds, ds)
		if err != nil {
			t.Fatalf("BatchSize %d: %v", bs, err)
		}
		if steps != 2 || h.Len() != 2 {
			t.Fatalf("BatchSize %d: %d steps and %d epochs in the history, want 2 and 2", bs, steps, h.Len())
		}
		if equalBits(before, paramBits(model)) {
			t.Fatalf("BatchSize %d: the weights did not change", bs)
		}
		if loss := h.Last()["loss"]; math.IsNaN(loss) {
			t.Fatalf("BatchSize %d: loss %v", bs, loss)
		}
	}
}

// nanLayer makes every output NaN (a model that diverged).
type nanLayer struct{ inner nn.Layer }

func (l nanLayer) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	y, err := nn.Call(b, "inner", l.inner, x)
	if err != nil {
		return nil, err
	}
	return G.Mul(y, G.NewConstant(float32(math.NaN())))
}
func (l nanLayer) Params() []graph.NamedParam {
	return nn.ChildParams(nn.Child{Name: "inner", Layer: l.inner})
}

// Evaluate on a model whose outputs are NaN is an error naming the metric
// and the batch, not a plausible accuracy (argmax of NaNs is class 0, which
// scored the share of class-0 examples).
func TestEvaluateNaNOutputIsError(t *testing.T) {
	ds := blobs(20, 5)
	model := nanLayer{mlp(2, 4, 2, 1, tensor.Float32, nn.NewReLU())}
	for _, m := range []train.Metric{train.NewAccuracy(), train.NewDice(), train.NewMeanIoU(), train.NewConfusionMatrix(), train.NewPSNR()} {
		tr := must(train.New(model, silent(train.Config{EvalBatchSize: 8, Loss: ceLoss()})))
		logs, err := tr.Evaluate(ds, m)
		if err == nil {
			t.Fatalf("%s: NaN outputs gave %v, want an error", m.Name(), logs)
		}
		name := m.Name()
		if name == "cm_accuracy" {
			name = "confusion matrix"
		}
		for _, want := range []string{"metric " + name, "NaN", "batch 1 of 3"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: message %q does not say %q", m.Name(), err, want)
			}
		}
	}
}

// An empty validation set with a callback that monitors a validation
// quantity is an error before the first epoch; with other callbacks an
// empty validation set still means "no validation".
func TestEmptyValidationWithValMonitor(t *testing.T) {
	ds := blobs(16, 1)
	empty := &memSet{xs: []int{2}, ys: []int{2}}
	es := must(train.NewEarlyStopping(train.WithMonitor("val_loss"), train.WithPatience(1)))
	model := mlp(2, 4, 2, 1, tensor.Float32, nn.NewReLU())
	before := paramBits(model)
	tr := must(train.New(model, silent(train.Config{Epochs: 2, Loss: ceLoss(), Callbacks: []train.Callback{es}})))
	_, err := tr.Fit(ds, empty)
	if err == nil || !strings.Contains(err.Error(), `"val_loss"`) || !strings.Contains(err.Error(), "validation set is empty") {
		t.Fatalf("got %v, want an error saying val_loss needs a non-empty validation set", err)
	}
	if !equalBits(before, paramBits(model)) {
		t.Fatal("the model was trained before the error")
	}
	if _, err := tr.Fit(ds, nil); err == nil || !strings.Contains(err.Error(), "no validation set") {
		t.Fatalf("nil validation set: got %v", err)
	}
	plain := must(train.New(model, silent(train.Config{Epochs: 1, Loss: ceLoss()})))
	if _, err := plain.Fit(ds, empty); err != nil {
		t.Fatalf("empty validation set without a val monitor: %v", err)
	}
}

// A loss error carries the loss's prefix once.
func TestLossErrorPrefixOnce(t *testing.T) {
	ds := blobs(8, 1)
	model := mlp(2, 4, 3, 1, tensor.Float32, nn.NewReLU()) // 3 outputs, 2-class targets
	for _, loss := range []train.Loss{train.SoftmaxCrossEntropy(), train.MSE(), train.DiceLoss(1)} {
		tr := must(train.New(model, silent(train.Config{Loss: loss})))
		_, err := tr.Fit(ds, nil)
		if err == nil {
			t.Fatalf("%s: mismatched shapes accepted", loss.Name())
		}
		prefix := "train: loss " + loss.Name()
		if n := strings.Count(err.Error(), prefix); n != 1 {
			t.Errorf("%s: %q appears %d times in %q", loss.Name(), prefix, n, err)
		}
	}
}
