package recipe

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/train"
	"github.com/convnet-go/convnet/train/data"
)

func TestPrintJSON(t *testing.T) {
	var buf bytes.Buffer
	if err := PrintJSON(&buf, struct {
		A int     `json:"a"`
		B float64 `json:"b"`
	}{1, 0.5}); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != "{\"a\":1,\"b\":0.5}\n" {
		t.Fatalf("got %q", got)
	}
	if err := PrintJSON(&buf, math.NaN()); err == nil {
		t.Fatal("NaN: no error")
	}
}

// The cosine goes from lr at the first epoch to lr/10 at the last; one
// epoch or cosine off is a constant learning rate.
func TestAdam(t *testing.T) {
	opt, sched, err := Adam(0.01, 5, true)
	if err != nil || opt == nil || sched == nil {
		t.Fatalf("Adam(0.01, 5, true) = %v, %v, %v", opt, sched, err)
	}
	if first, last := sched.LR(1, 0.01), sched.LR(5, 0.01); math.Abs(first-0.01) > 1e-12 || math.Abs(last-0.001) > 1e-12 {
		t.Fatalf("lr %v at epoch 1, %v at epoch 5", first, last)
	}
	for _, c := range []struct {
		epochs int
		cosine bool
	}{{1, true}, {5, false}} {
		if _, sched, err := Adam(0.01, c.epochs, c.cosine); err != nil || sched != nil {
			t.Fatalf("Adam(0.01, %d, %v): schedule %v, %v", c.epochs, c.cosine, sched, err)
		}
	}
	if _, _, err := Adam(-1, 5, true); err == nil {
		t.Fatal("negative learning rate: no error")
	}
}

func TestVerbosity(t *testing.T) {
	if Verbosity(false) != train.Bar || Verbosity(true) != train.Summary {
		t.Fatalf("Verbosity(false) = %v, Verbosity(true) = %v", Verbosity(false), Verbosity(true))
	}
}

func TestArgmax(t *testing.T) {
	for _, c := range []struct {
		v    []float32
		want int
	}{{nil, 0}, {[]float32{3}, 0}, {[]float32{1, 5, 2}, 1}, {[]float32{-1, -3, 4, 4}, 2}} {
		if got := Argmax(c.v); got != c.want {
			t.Errorf("Argmax(%v) = %d, want %d", c.v, got, c.want)
		}
	}
}

func TestMovingMean(t *testing.T) {
	got := MovingMean([]float64{2, 4, 6, 8, 10}, 2)
	if want := []float64{2, 3, 5, 7, 9}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if got := MovingMean(nil, 3); len(got) != 0 {
		t.Fatalf("empty input: %v", got)
	}
}

// Ten examples in batches of 4 are three steps an epoch.
func TestStepLoss(t *testing.T) {
	s := NewStepLoss(10, 4)
	cb := s.Callback()
	for epoch := 1; epoch <= 2; epoch++ {
		for step := 1; step <= 3; step++ {
			if err := cb.OnBatchEnd(nil, epoch, step, train.Logs{"loss": float64(10*epoch + step)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	wantX := []float64{1.0 / 3, 2.0 / 3, 1, 4.0 / 3, 5.0 / 3, 2}
	for i := range wantX {
		if math.Abs(s.X[i]-wantX[i]) > 1e-12 {
			t.Fatalf("X = %v, want %v", s.X, wantX)
		}
	}
	if want := []float64{11, 12, 13, 21, 22, 23}; !slices.Equal(s.Loss, want) {
		t.Fatalf("Loss = %v, want %v", s.Loss, want)
	}
}

// 32·9+32 + 64·32·9+64 + 1600·128+128 + 128·10+10 parameters.
func TestMNISTNet(t *testing.T) {
	m, err := MNISTNet(1)
	if err != nil {
		t.Fatal(err)
	}
	if got := nn.NumParams(m); got != 225034 {
		t.Fatalf("%d parameters, want 225034", got)
	}
}

// A linear classifier of two separable classes: the run trains, tests and
// writes the three files, and leaves the trainer open for predictions.
func TestClassifier(t *testing.T) {
	const n = 64
	x := make([]float32, 2*n)
	labels := make([]int, n)
	for i := range labels {
		labels[i] = i % 2
		x[2*i], x[2*i+1] = float32(2*labels[i]-1), float32(i%7)/7
	}
	ds, err := data.NewLabeled(x, []int{2}, labels, 2)
	if err != nil {
		t.Fatal(err)
	}
	m, err := nn.NewDense(2, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := nn.Initialize(m, 1); err != nil {
		t.Fatal(err)
	}
	steps := NewStepLoss(n, 16)
	out := t.TempDir()
	c := Classifier{Epochs: 3, Batch: 16, LR: 0.5, Seed: 1, Cosine: true, Quiet: true,
		Callbacks: []train.Callback{steps.Callback()}, Labels: []string{"neg", "pos"}, Out: out}
	o, err := c.Run(m, ds, ds)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Trainer.Close()
	if o.History.Len() != 3 || o.TrainSeconds <= 0 || o.Test["accuracy"] != 1 || len(steps.Loss) != 12 {
		t.Fatalf("history %d epochs, %v s, test %v, %d steps", o.History.Len(), o.TrainSeconds, o.Test, len(steps.Loss))
	}
	if p, err := o.Trainer.Predict(ds); err != nil || p.Shape()[0] != n {
		t.Fatalf("Predict: %v, %v", p, err)
	}
	for _, f := range []string{"model.safetensors", "history.csv", "history.png"} {
		if fi, err := os.Stat(filepath.Join(out, f)); err != nil || fi.Size() == 0 {
			t.Fatalf("%s: %v", f, err)
		}
	}
	csv, _ := os.ReadFile(filepath.Join(out, "history.csv"))
	if !strings.HasPrefix(string(csv), "epoch,loss,accuracy,lr\n") {
		t.Fatalf("history.csv:\n%s", csv)
	}
	c.Out = filepath.Join(out, "missing")
	if _, err := c.Run(m, ds, ds); err == nil {
		t.Fatal("missing output directory: no error")
	}
}
