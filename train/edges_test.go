package train_test

import (
	"math"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/train"
	"github.com/convnet-go/convnet/zoo"
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

// forgetful lists only its first layer in Params().
type forgetful struct{ a, b nn.Layer }

func (f *forgetful) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	y, err := nn.Call(b, "a", f.a, x)
	if err != nil {
		return nil, err
	}
	return nn.Call(b, "b", f.b, y)
}
func (f *forgetful) Params() []graph.NamedParam {
	return nn.ChildParams(nn.Child{Name: "a", Layer: f.a})
}

// Fit and Gradients refuse a model whose graph binds Params that its
// Params() does not list: they would be trained but not saved.
func TestFitRejectsUnlistedParams(t *testing.T) {
	a := must(nn.NewDense(2, 4))
	b := must(nn.NewDense(4, 2))
	m := &forgetful{a, b}
	tr := must(train.New(m, silent(train.Config{Loss: ceLoss()})))
	_, err := tr.Fit(blobs(8, 1), nil)
	if err == nil || !strings.Contains(err.Error(), `"b.weight" (weight (2, 4))`) {
		t.Fatalf("Fit: got %v, want an error naming b.weight", err)
	}
	x := tensor.New(tensor.WithShape(1, 2), tensor.WithBacking([]float32{1, 2}))
	y := tensor.New(tensor.WithShape(1, 2), tensor.WithBacking([]float32{0, 1}))
	if _, err := train.Gradients(m, ceLoss(), x, y); err == nil || !strings.Contains(err.Error(), `"b.bias"`) {
		t.Fatalf("Gradients: got %v, want an error naming b.bias", err)
	}
}

// The UNet trains the same with and without WithSigmoid: the sigmoid
// losses work on the logits under the model's final sigmoid (not on a
// sigmoid of probabilities) and the metrics threshold probabilities at 0.5,
// so both runs give bit-identical weights and losses, and the same Dice.
// (Before, the WithSigmoid model was trained through two sigmoids and
// scored as all foreground.)
func TestUNetTrainsWithAndWithoutSigmoid(t *testing.T) {
	for _, loss := range []func() train.Loss{func() train.Loss { return train.DiceLoss(1) }, func() train.Loss { return train.BCEDiceLoss(1) }} {
		var weights [2][]uint64
		var logs [2]train.Logs
		var hist [2][]float64
		for i, sigmoid := range []bool{false, true} {
			opts := []zoo.UNetOption{zoo.WithDepth(1), zoo.WithBaseWidth(4), zoo.WithSeed(3)}
			if sigmoid {
				opts = append(opts, zoo.WithSigmoid())
			}
			model := must(zoo.NewUNet(1, opts...))
			tr := must(train.New(model, silent(train.Config{Epochs: 4, BatchSize: 16, Seed: 1, Loss: loss(), Optimizer: must(train.NewAdam(0.02)),
				Metrics: []train.Metric{train.NewDice(), train.NewIoU(), train.NewAccuracy()}})))
			h, err := tr.Fit(blobsMask(128, 1), nil)
			if err != nil {
				t.Fatal(err)
			}
			hist[i] = h.Series("loss")
			weights[i] = paramBits(model)
			logs[i] = must(tr.Evaluate(blobsMask(64, 2)))
		}
		name := loss().Name()
		if !equalBits(weights[0], weights[1]) {
			t.Errorf("%s: the weights differ with and without WithSigmoid (losses %v and %v)", name, hist[0], hist[1])
		}
		for _, k := range []string{"loss", "dice", "iou", "accuracy"} {
			if logs[0][k] != logs[1][k] {
				t.Errorf("%s: %s is %v without and %v with WithSigmoid", name, k, logs[0][k], logs[1][k])
			}
		}
		if logs[1]["dice"] < 0.8 {
			t.Errorf("%s: the UNet did not learn the mask: %v", name, logs[1])
		}
	}
}
