package train_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/train"
	"gorgonia.org/tensor"
)

func silent(cfg train.Config) train.Config {
	cfg.Verbosity = train.Silent
	return cfg
}

// Two SGD steps on a linear model with the MSE loss give exactly the
// weights of the hand-written update w -= lr·(2/N)·Σ(w·x - y)·x, so the
// gradients are right, the update is in place and the gradients do not
// accumulate from one step to the next.
func TestFitSGDStepsMatchHandComputed(t *testing.T) {
	ds := &memSet{xs: []int{2}, ys: []int{1},
		x: [][]float32{{1, 2}, {-1, 0.5}, {0.5, -1}, {2, 1}},
		y: [][]float32{{1}, {0}, {-1}, {2}}}
	d := must(nn.NewDense(2, 1, nn.WithBias(false), nn.WithDtype(tensor.Float64), nn.WithSeed(1)))
	w, _ := graph.Float64s(d.Weight().Value())
	const lr = 0.1
	for step := 0; step < 2; step++ {
		g := []float64{0, 0}
		for i, x := range ds.x {
			r := w[0]*float64(x[0]) + w[1]*float64(x[1]) - float64(ds.y[i][0])
			g[0] += 2 * r * float64(x[0]) / 4
			g[1] += 2 * r * float64(x[1]) / 4
		}
		w[0] -= lr * g[0]
		w[1] -= lr * g[1]
	}
	tr := must(train.New(d, silent(train.Config{Epochs: 2, BatchSize: 4, NoShuffle: true, Loss: mseLoss(), Optimizer: must(train.NewSGD(lr))})))
	if _, err := tr.Fit(ds, nil); err != nil {
		t.Fatal(err)
	}
	got, _ := graph.Float64s(d.Weight().Value())
	for i := range w {
		if math.Abs(got[i]-w[i]) > 1e-14 {
			t.Fatalf("weights after 2 steps: %v, want %v", got, w)
		}
	}
}

// The last, smaller batch is used: every example is read and trained on
// once per epoch.
func TestLastSmallerBatchIsUsed(t *testing.T) {
	ds := blobs(10, 3)
	var sizes []int
	steps := 0
	cb := train.Funcs{BatchEnd: func(_ *train.Trainer, epoch, step int, logs train.Logs) error {
		sizes = append(sizes, int(logs["size"]))
		steps = step
		return nil
	}}
	tr := must(train.New(mlp(2, 4, 2, 1, tensor.Float32, nn.NewReLU()), silent(train.Config{Epochs: 2, BatchSize: 4, Loss: ceLoss(), Callbacks: []train.Callback{cb}})))
	if _, err := tr.Fit(ds, nil); err != nil {
		t.Fatal(err)
	}
	want := []int{4, 4, 2, 4, 4, 2}
	if len(sizes) != len(want) || steps != 3 {
		t.Fatalf("batch sizes %v (last step %d), want %v", sizes, steps, want)
	}
	for i := range want {
		if sizes[i] != want[i] {
			t.Fatalf("batch sizes %v, want %v", sizes, want)
		}
	}
	if ds.gets != 20 {
		t.Fatalf("dataset read %d times in 2 epochs of 10, want 20", ds.gets)
	}
}

// A NaN in the data makes the loss NaN: Fit stops with an error that names
// the epoch and the step, and leaves the weights as they were before it.
func TestNaNLossStops(t *testing.T) {
	ds := blobs(40, 4)
	model := mlp(2, 4, 2, 1, tensor.Float32, nn.NewReLU())
	tr := must(train.New(model, silent(train.Config{Epochs: 3, BatchSize: 8, NoShuffle: true, Loss: ceLoss()})))
	if _, err := tr.Fit(ds, nil); err != nil {
		t.Fatal(err)
	}
	ds.x[27][1] = float32(math.NaN()) // example 27 is in step 4 (examples 24..31)
	before := paramBits(model)
	h, err := tr.Fit(ds, nil)
	var nf *train.NonFiniteLossError
	if !errors.As(err, &nf) || nf.Epoch != 1 || nf.Step != 4 || !math.IsNaN(nf.Loss) {
		t.Fatalf("got %v, want a NonFiniteLossError at epoch 1, step 4", err)
	}
	if !strings.Contains(err.Error(), "epoch 1, step 4 of 5: loss is NaN") {
		t.Fatalf("message %q does not name the epoch and step", err)
	}
	if h.Len() != 0 {
		t.Fatalf("history has %d epochs, want 0", h.Len())
	}
	if equalBits(before, paramBits(model)) {
		t.Fatal("the three steps before the NaN did not update the weights")
	}
}

// A learning rate far too high makes the model's output overflow: the
// loss becomes Inf or NaN and Fit stops with an error.
func TestDivergenceStops(t *testing.T) {
	ds := &memSet{xs: []int{2}, ys: []int{1}}
	for i := 0; i < 32; i++ {
		ds.x = append(ds.x, []float32{float32(i), float32(32 - i)})
		ds.y = append(ds.y, []float32{float32(i)})
	}
	d := must(nn.NewDense(2, 1, nn.WithSeed(2)))
	tr := must(train.New(d, silent(train.Config{Epochs: 50, BatchSize: 8, Loss: mseLoss(), Optimizer: must(train.NewSGD(10))})))
	_, err := tr.Fit(ds, nil)
	var nf *train.NonFiniteLossError
	if !errors.As(err, &nf) {
		t.Fatalf("got %v, want a NonFiniteLossError", err)
	}
	t.Logf("stopped: %v", err)
}

func equalBits(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// The same seed and initialisation give bit-identical weights (and
// BatchNorm running statistics) after two epochs with shuffling and
// Dropout; another seed gives other weights.
func TestReproducible(t *testing.T) {
	build := func() *nn.Sequential {
		d1 := must(nn.NewDense(2, 16, nn.WithSeed(3)))
		bn := must(nn.NewBatchNorm1D(16))
		drop := must(nn.NewDropout(0.3))
		d2 := must(nn.NewDense(16, 2, nn.WithSeed(4)))
		m := must(nn.NewSequential(d1, bn, nn.NewReLU(), drop, d2))
		if err := nn.Initialize(m, 7); err != nil {
			t.Fatal(err)
		}
		return m
	}
	fit := func(seed int64) []uint64 {
		model := build()
		tr := must(train.New(model, silent(train.Config{Epochs: 2, BatchSize: 8, Seed: seed, Loss: ceLoss(),
			Metrics: []train.Metric{train.NewAccuracy()}})))
		if _, err := tr.Fit(blobs(100, 5), blobs(20, 6)); err != nil {
			t.Fatal(err)
		}
		return paramBits(model)
	}
	a, b, c := fit(1), fit(1), fit(2)
	if !equalBits(a, b) {
		t.Fatal("two fits with seed 1 from identical models differ")
	}
	if equalBits(a, c) {
		t.Fatal("seeds 1 and 2 gave identical weights")
	}
	// Without shuffling, only the Dropout masks differ between seeds.
	fitNoShuffle := func(seed int64) []uint64 {
		model := build()
		tr := must(train.New(model, silent(train.Config{Epochs: 1, BatchSize: 8, Seed: seed, NoShuffle: true, Loss: ceLoss()})))
		if _, err := tr.Fit(blobs(64, 5), nil); err != nil {
			t.Fatal(err)
		}
		return paramBits(model)
	}
	if equalBits(fitNoShuffle(1), fitNoShuffle(2)) {
		t.Fatal("Dropout masks do not depend on the seed")
	}
}

// A small MLP learns XOR.
func TestXOR(t *testing.T) {
	model := mlp(2, 8, 2, 3, tensor.Float64, nn.NewTanh())
	acc := train.NewAccuracy()
	tr := must(train.New(model, silent(train.Config{Epochs: 150, BatchSize: 4, Loss: ceLoss(),
		Optimizer: must(train.NewAdam(0.05)), Metrics: []train.Metric{acc}})))
	h, err := tr.Fit(xorSet(4), nil)
	if err != nil {
		t.Fatal(err)
	}
	logs, err := tr.Evaluate(xorSet(1))
	if err != nil {
		t.Fatal(err)
	}
	if logs["accuracy"] != 1 || logs["loss"] > 0.05 {
		t.Fatalf("XOR: %v (first epoch %v)", logs, h.Series("loss")[0])
	}
}

// A separable set reaches high accuracy in float32 with the default
// optimizer, and Evaluate agrees with Predict.
func TestSeparableAndPredict(t *testing.T) {
	model := mlp(2, 8, 2, 1, tensor.Float32, nn.NewReLU())
	tr := must(train.New(model, silent(train.Config{Epochs: 10, BatchSize: 16, EvalBatchSize: 7, Loss: ceLoss(),
		Metrics: []train.Metric{train.NewAccuracy()}})))
	if _, err := tr.Fit(blobs(300, 8), blobs(50, 9)); err != nil {
		t.Fatal(err)
	}
	test := blobs(50, 10)
	logs := must(tr.Evaluate(test))
	if logs["accuracy"] < 0.95 {
		t.Fatalf("accuracy %v", logs)
	}
	pred := must(tr.Predict(test))
	if s := pred.Shape(); s[0] != 50 || s[1] != 2 {
		t.Fatalf("Predict shape %v", s)
	}
	// Same numbers as nn.Predict on the whole set at once.
	x := tensor.New(tensor.WithShape(50, 2), tensor.Of(tensor.Float32))
	for i := range test.x {
		copy(x.Float32s()[2*i:], test.x[i])
	}
	ref := must(nn.Predict(model, x))
	correct := 0
	for i := 0; i < 50; i++ {
		p := pred.Float32s()[2*i : 2*i+2]
		r := ref.Data().([]float32)[2*i : 2*i+2]
		if math.Abs(float64(p[0]-r[0])) > 1e-5 || math.Abs(float64(p[1]-r[1])) > 1e-5 {
			t.Fatalf("row %d: Predict %v, nn.Predict %v", i, p, r)
		}
		if (p[1] > p[0]) == (test.y[i][1] == 1) {
			correct++
		}
	}
	if got := float64(correct) / 50; math.Abs(got-logs["accuracy"]) > 1e-12 {
		t.Fatalf("accuracy from Predict %g, Evaluate %g", got, logs["accuracy"])
	}
}

// Frozen Params are not updated; freezing and unfreezing between epochs
// takes effect (new graphs).
func TestFreezeBetweenEpochs(t *testing.T) {
	model := mlp(2, 4, 2, 1, tensor.Float32, nn.NewReLU())
	first := func() []uint64 { return bitsOf(model.Params()[0].Param) }
	last := func() []uint64 { return bitsOf(model.Params()[2].Param) }
	var snaps [][2][]uint64
	cb := train.Funcs{
		EpochBegin: func(_ *train.Trainer, epoch int) error {
			switch epoch {
			case 2:
				nn.Freeze(model, "0")
			case 3:
				nn.Unfreeze(model)
			}
			return nil
		},
		EpochEnd: func(*train.Trainer, int, train.Logs) error {
			snaps = append(snaps, [2][]uint64{first(), last()})
			return nil
		},
	}
	start := [2][]uint64{first(), last()}
	tr := must(train.New(model, silent(train.Config{Epochs: 3, BatchSize: 8, Loss: ceLoss(), Callbacks: []train.Callback{cb}})))
	if _, err := tr.Fit(blobs(32, 1), nil); err != nil {
		t.Fatal(err)
	}
	if equalBits(start[0], snaps[0][0]) || equalBits(start[1], snaps[0][1]) {
		t.Fatal("epoch 1 did not train both layers")
	}
	if !equalBits(snaps[0][0], snaps[1][0]) {
		t.Fatal("epoch 2 changed the frozen layer 0")
	}
	if equalBits(snaps[0][1], snaps[1][1]) {
		t.Fatal("epoch 2 did not train layer 2")
	}
	if equalBits(snaps[1][0], snaps[2][0]) {
		t.Fatal("epoch 3 did not train the unfrozen layer 0")
	}
	nn.Freeze(model)
	if _, err := tr.Fit(blobs(8, 1), nil); err == nil || !strings.Contains(err.Error(), "no trainable Params") {
		t.Fatalf("all frozen: got %v", err)
	}
}

func bitsOf(p *graph.Param) []uint64 {
	vals, _ := graph.Float64s(p.Value())
	out := make([]uint64, len(vals))
	for i, v := range vals {
		out[i] = math.Float64bits(v)
	}
	return out
}

// Fit leaves no goroutine behind.
func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	model := mlp(2, 8, 2, 1, tensor.Float32, nn.NewReLU())
	var out bytes.Buffer
	tr := must(train.New(model, train.Config{Epochs: 3, BatchSize: 16, Loss: ceLoss(), Output: &out}))
	for i := 0; i < 3; i++ {
		if _, err := tr.Fit(blobs(100, 1), blobs(30, 2)); err != nil {
			t.Fatal(err)
		}
	}
	// An error in the middle of an epoch must stop the loader too.
	ds := blobs(100, 1)
	ds.x[50][0] = float32(math.NaN())
	if _, err := tr.Fit(ds, nil); err == nil {
		t.Fatal("no error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := tr.FitContext(ctx, blobs(100, 1), nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: got %v", err)
	}
	tr.Close()
	var after int
	for i := 0; i < 50; i++ {
		if after = runtime.NumGoroutine(); after <= before {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if after > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("goroutines: %d before, %d after\n%s", before, after, buf[:runtime.Stack(buf, true)])
	}
}

// A dataset error (or panic) stops Fit with an error naming the example.
type badSet struct{ memSet }

func (b *badSet) Get(i int, x, y []float32) error {
	if i == 5 {
		panic("boom")
	}
	return b.memSet.Get(i, x, y)
}

func TestDatasetPanicIsError(t *testing.T) {
	ds := &badSet{*blobs(16, 1)}
	tr := must(train.New(mlp(2, 4, 2, 1, tensor.Float32, nn.NewReLU()), silent(train.Config{BatchSize: 4, NoShuffle: true, Loss: ceLoss()})))
	_, err := tr.Fit(ds, nil)
	if err == nil || !strings.Contains(err.Error(), "example 5") || !strings.Contains(err.Error(), "step 2") {
		t.Fatalf("got %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	model := mlp(2, 4, 2, 1, tensor.Float32, nn.NewReLU())
	for _, c := range []struct {
		name string
		cfg  train.Config
		msg  string
	}{
		{"negative-epochs", train.Config{Epochs: -1, Loss: ceLoss()}, "Epochs"},
		{"negative-batch", train.Config{BatchSize: -2, Loss: ceLoss()}, "BatchSize"},
		{"nan-clip", train.Config{ClipNorm: math.NaN(), Loss: ceLoss()}, "ClipNorm"},
		{"nil-metric", train.Config{Metrics: []train.Metric{nil}, Loss: ceLoss()}, "metric 0 is nil"},
		{"duplicate-metric", train.Config{Metrics: []train.Metric{train.NewAccuracy(), train.NewAccuracy()}, Loss: ceLoss()}, "used twice"},
		{"nil-callback", train.Config{Callbacks: []train.Callback{nil}, Loss: ceLoss()}, "callback 0 is nil"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := train.New(model, c.cfg)
			if err == nil || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("got %v, want an error containing %q", err, c.msg)
			}
		})
	}
	if _, err := train.New(nil, train.Config{}); err == nil {
		t.Fatal("nil model accepted")
	}
	tr := must(train.New(model, silent(train.Config{Loss: ceLoss()})))
	if _, err := tr.Fit(&memSet{xs: []int{2}, ys: []int{2}}, nil); err == nil {
		t.Fatal("empty training set accepted")
	}
	// Wrong example shape: the model's error comes through.
	wrong := &memSet{xs: []int{3}, ys: []int{2}, x: [][]float32{{1, 2, 3}}, y: [][]float32{{1, 0}}}
	if _, err := tr.Fit(wrong, nil); err == nil || !strings.Contains(err.Error(), "Dense") {
		t.Fatalf("wrong input shape: got %v", err)
	}
}

// Callbacks are called in order, epochs and steps count from 1, and
// StopTraining ends Fit after the current epoch.
func TestCallbackOrder(t *testing.T) {
	var calls []string
	rec := func(s string) { calls = append(calls, s) }
	cb := train.Funcs{
		TrainBegin: func(*train.Trainer) error { rec("begin"); return nil },
		EpochBegin: func(_ *train.Trainer, e int) error { rec("epoch" + string(rune('0'+e))); return nil },
		BatchEnd:   func(_ *train.Trainer, e, s int, _ train.Logs) error { rec("step" + string(rune('0'+s))); return nil },
		EpochEnd: func(tr *train.Trainer, e int, l train.Logs) error {
			rec("end" + string(rune('0'+e)))
			if _, ok := l["val_loss"]; !ok {
				t.Error("no val_loss in epoch logs")
			}
			if e == 2 {
				tr.StopTraining()
			}
			return nil
		},
		TrainEnd: func(*train.Trainer, train.Logs) error { rec("done"); return nil },
	}
	tr := must(train.New(mlp(2, 4, 2, 1, tensor.Float32, nn.NewReLU()), silent(train.Config{Epochs: 5, BatchSize: 5, Loss: ceLoss(), Callbacks: []train.Callback{cb}})))
	h, err := tr.Fit(blobs(10, 1), blobs(4, 2))
	if err != nil {
		t.Fatal(err)
	}
	want := "begin epoch1 step1 step2 end1 epoch2 step1 step2 end2 done"
	if got := strings.Join(calls, " "); got != want {
		t.Fatalf("calls %q, want %q", got, want)
	}
	if h.Len() != 2 {
		t.Fatalf("history has %d epochs, want 2", h.Len())
	}
	// A callback error stops Fit with it.
	boom := errors.New("boom")
	tr = must(train.New(mlp(2, 4, 2, 1, tensor.Float32, nn.NewReLU()), silent(train.Config{Epochs: 3, Loss: ceLoss(),
		Callbacks: []train.Callback{train.Funcs{EpochEnd: func(*train.Trainer, int, train.Logs) error { return boom }}}})))
	if _, err := tr.Fit(blobs(10, 1), nil); !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
}

// The progress output has a bar and a summary line per epoch.
func TestProgressOutput(t *testing.T) {
	var out bytes.Buffer
	tr := must(train.New(mlp(2, 4, 2, 1, tensor.Float32, nn.NewReLU()), train.Config{Epochs: 2, BatchSize: 8, Loss: ceLoss(),
		Metrics: []train.Metric{train.NewAccuracy()}, Output: &out}))
	if _, err := tr.Fit(blobs(40, 1), blobs(8, 2)); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{"Epoch 1/2\n", "(40/40", "img/s", "accuracy", "Epoch 2/2 - ", " - val_loss: ", " - lr: 0.001\n"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	out.Reset()
	tr = must(train.New(mlp(2, 4, 2, 1, tensor.Float32, nn.NewReLU()), train.Config{Epochs: 2, Loss: ceLoss(), Verbosity: train.Summary, Output: &out}))
	if _, err := tr.Fit(blobs(40, 1), nil); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(out.String(), "\n"); lines != 2 || strings.Contains(out.String(), "img/s)") {
		t.Errorf("Summary verbosity printed:\n%s", out.String())
	}
}

// float64 models train too (inputs are converted from the float32 data).
func TestFloat64Model(t *testing.T) {
	model := mlp(2, 8, 2, 1, tensor.Float64, nn.NewReLU())
	tr := must(train.New(model, silent(train.Config{Epochs: 5, BatchSize: 16, Loss: ceLoss(), Metrics: []train.Metric{train.NewAccuracy()}})))
	h, err := tr.Fit(blobs(200, 1), nil)
	if err != nil {
		t.Fatal(err)
	}
	if acc := h.Last()["accuracy"]; acc < 0.95 {
		t.Fatalf("float64 accuracy %g", acc)
	}
}

// Training metrics are computed from the training forward pass: with a
// learning rate too small to change anything and no Dropout, they equal
// Evaluate on the same data.
func TestTrainMetricsMatchEvaluate(t *testing.T) {
	model := mlp(2, 8, 3, 1, tensor.Float32, nn.NewReLU())
	ds := &memSet{xs: []int{2}, ys: []int{3}}
	for i := 0; i < 45; i++ {
		ds.x = append(ds.x, []float32{float32(i%7) - 3, float32(i%5) - 2})
		ds.y = append(ds.y, oneHot(i%3, 3))
	}
	tr := must(train.New(model, silent(train.Config{BatchSize: 8, Loss: train.SoftmaxCrossEntropy(), Optimizer: must(train.NewSGD(1e-30)),
		Metrics: []train.Metric{train.NewAccuracy(), must(train.NewTopKAccuracy(2))}})))
	h, err := tr.Fit(ds, nil)
	if err != nil {
		t.Fatal(err)
	}
	ev := must(tr.Evaluate(ds))
	for _, k := range []string{"loss", "accuracy", "top2_accuracy"} {
		if d := math.Abs(h.Last()[k] - ev[k]); d > 1e-6 {
			t.Errorf("%s: training pass %g, Evaluate %g", k, h.Last()[k], ev[k])
		}
	}
}

// BenchmarkFitEpoch measures one epoch (32 steps of 32 examples) of a small
// MLP, the trainer's own overhead being most of it.
func BenchmarkFitEpoch(b *testing.B) {
	model := mlp(2, 64, 2, 1, tensor.Float32, nn.NewReLU())
	tr := must(train.New(model, silent(train.Config{BatchSize: 32, Loss: train.SoftmaxCrossEntropy(), Metrics: []train.Metric{train.NewAccuracy()}})))
	ds := blobs(1024, 1)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := tr.Fit(ds, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// bars is a set of 8×8 images with one horizontal (class 0) or vertical
// (class 1) bar at a random position.
func bars(n int, seed uint64) *memSet {
	r := rand.New(rand.NewPCG(seed, 3))
	m := &memSet{xs: []int{1, 8, 8}, ys: []int{2}}
	for i := 0; i < n; i++ {
		img := make([]float32, 64)
		c, pos := i%2, r.IntN(8)
		for k := 0; k < 8; k++ {
			if c == 0 {
				img[pos*8+k] = 1
			} else {
				img[k*8+pos] = 1
			}
		}
		for k := range img {
			img[k] += float32(0.1 * r.NormFloat64())
		}
		m.x = append(m.x, img)
		m.y = append(m.y, oneHot(c, 2))
	}
	return m
}

// A small convolutional network with BatchNorm learns to tell horizontal
// from vertical bars.
func TestConvNet(t *testing.T) {
	model := must(nn.NewSequential(
		must(nn.NewConv2D(1, 4, 3, nn.WithSeed(5))),
		must(nn.NewBatchNorm2D(4)),
		nn.NewReLU(),
		nn.NewFlatten(),
		must(nn.NewDense(4*6*6, 2, nn.WithSeed(6))),
	))
	tr := must(train.New(model, silent(train.Config{Epochs: 4, BatchSize: 16, Optimizer: must(train.NewAdam(0.01)),
		Metrics: []train.Metric{train.NewAccuracy()}})))
	if _, err := tr.Fit(bars(256, 1), nil); err != nil {
		t.Fatal(err)
	}
	logs := must(tr.Evaluate(bars(64, 2)))
	if logs["accuracy"] < 0.95 {
		t.Fatalf("bars: %v", logs)
	}
}

// blobsMask is a segmentation toy: 8×8 noisy images whose mask is the
// bright square they contain.
func blobsMask(n int, seed uint64) *memSet {
	r := rand.New(rand.NewPCG(seed, 9))
	m := &memSet{xs: []int{1, 8, 8}, ys: []int{1, 8, 8}}
	for i := 0; i < n; i++ {
		img, mask := make([]float32, 64), make([]float32, 64)
		y0, x0 := r.IntN(5), r.IntN(5)
		for y := y0; y < y0+3; y++ {
			for x := x0; x < x0+3; x++ {
				img[y*8+x], mask[y*8+x] = 1, 1
			}
		}
		for k := range img {
			img[k] += float32(0.2 * r.NormFloat64())
		}
		m.x = append(m.x, img)
		m.y = append(m.y, mask)
	}
	return m
}

// A two-layer convolutional net learns a binary mask with BCE + Dice and
// with Dice alone, and the segmentation metrics follow. (BCE alone, in as
// few epochs, still predicts the majority background: the imbalance Dice
// is there for.)
func TestSegmentationLosses(t *testing.T) {
	for _, loss := range []train.Loss{train.BCEDiceLoss(1), train.DiceLoss(1)} {
		t.Run(loss.Name(), func(t *testing.T) {
			model := must(nn.NewSequential(
				must(nn.NewConv2D(1, 4, 3, nn.WithPadding(nn.Same), nn.WithSeed(7))),
				nn.NewReLU(),
				must(nn.NewConv2D(4, 1, 1, nn.WithSeed(8))),
			))
			tr := must(train.New(model, silent(train.Config{Epochs: 6, BatchSize: 16, Loss: loss, Optimizer: must(train.NewAdam(0.02)),
				Metrics: []train.Metric{train.NewDice(), train.NewIoU(), train.NewMeanIoU(), train.NewAccuracy()}})))
			if _, err := tr.Fit(blobsMask(256, 1), nil); err != nil {
				t.Fatal(err)
			}
			logs := must(tr.Evaluate(blobsMask(64, 2)))
			if logs["dice"] < 0.9 || logs["iou"] < 0.8 || logs["accuracy"] < 0.95 {
				t.Fatalf("%v", logs)
			}
		})
	}
}

// Config's scalar fields marshal to JSON; the behaviour fields are left
// out.
func TestConfigJSON(t *testing.T) {
	cfg := train.Config{Epochs: 3, BatchSize: 64, Seed: 1, Loss: train.MSE(), Metrics: []train.Metric{train.NewAccuracy()}}
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"epochs":3,"batch_size":64,"eval_batch_size":0,"seed":1,"no_shuffle":false,"clip_norm":0,"verbosity":0}`
	if string(b) != want {
		t.Fatalf("%s\nwant %s", b, want)
	}
	var back train.Config
	if err := json.Unmarshal(b, &back); err != nil || back.Epochs != 3 || back.BatchSize != 64 {
		t.Fatalf("%+v %v", back, err)
	}
	// The trainer reports the defaults it filled in.
	tr := must(train.New(mlp(2, 4, 2, 1, tensor.Float32, nn.NewReLU()), train.Config{}))
	c := tr.Config()
	if c.Epochs != 1 || c.BatchSize != 32 || c.EvalBatchSize != 32 || c.Loss.Name() != "softmax_cross_entropy" || c.Optimizer.Name() != "Adam(lr=0.001)" {
		t.Fatalf("defaults: %+v", c)
	}
}

// After a NaN stop the gradients are cleared: the same trainer then trains
// exactly like a fresh one.
func TestFitAfterNaNIsClean(t *testing.T) {
	cfg := silent(train.Config{Epochs: 1, BatchSize: 8, NoShuffle: true, Loss: ceLoss()})
	a, b := mlp(2, 4, 2, 1, tensor.Float32, nn.NewReLU()), mlp(2, 4, 2, 1, tensor.Float32, nn.NewReLU())
	cfg.Optimizer = must(train.NewSGD(0.1))
	trA := must(train.New(a, cfg))
	bad := blobs(16, 1)
	bad.x[0][0] = float32(math.NaN())
	var nf *train.NonFiniteLossError
	if _, err := trA.Fit(bad, nil); !errors.As(err, &nf) || nf.Step != 1 {
		t.Fatalf("got %v", err)
	}
	if _, err := trA.Fit(blobs(16, 1), nil); err != nil {
		t.Fatal(err)
	}
	cfg.Optimizer = must(train.NewSGD(0.1))
	if _, err := must(train.New(b, cfg)).Fit(blobs(16, 1), nil); err != nil {
		t.Fatal(err)
	}
	if !equalBits(paramBits(a), paramBits(b)) {
		t.Fatal("training after a NaN stop differs from a fresh trainer's")
	}
}
