package train_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/train"
	"github.com/convnet-go/convnet/train/data"
	"gorgonia.org/tensor"
)

// gradModel is Dense(3, 2) -> BatchNorm1D(2) -> Dense(2, 2) in dtype dt,
// seeded.
func gradModel(t *testing.T, dt tensor.Dtype) *nn.Sequential {
	t.Helper()
	d1, err := nn.NewDense(3, 2, nn.WithDtype(dt), nn.WithSeed(1))
	if err != nil {
		t.Fatal(err)
	}
	bn, err := nn.NewBatchNorm1D(2, nn.WithDtype(dt))
	if err != nil {
		t.Fatal(err)
	}
	d2, err := nn.NewDense(2, 2, nn.WithDtype(dt), nn.WithSeed(2))
	if err != nil {
		t.Fatal(err)
	}
	m, err := nn.NewSequential(d1, bn, d2)
	if err != nil {
		t.Fatal(err)
	}
	if err := nn.Initialize(m, 7); err != nil {
		t.Fatal(err)
	}
	return m
}

func gradBatch(n int) (x, y []float64) {
	rng := graph.NewRand(3)
	x, y = make([]float64, n*3), make([]float64, n*2)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	for i := range y {
		y[i] = rng.NormFloat64()
	}
	return x, y
}

// The gradient of the MSE of one Dense layer, against the formula
// dL/dW = 2/(N·K)·(pred - y)ᵀ·x, dL/db = 2/(N·K)·Σ_n (pred - y).
func TestGradientsDenseFormula(t *testing.T) {
	const n, in, out = 4, 3, 2
	d, err := nn.NewDense(in, out, nn.WithDtype(tensor.Float64), nn.WithSeed(3))
	if err != nil {
		t.Fatal(err)
	}
	xv, yv := gradBatch(n)
	x := tensor.New(tensor.WithShape(n, in), tensor.WithBacking(xv))
	y := tensor.New(tensor.WithShape(n, out), tensor.WithBacking(yv))
	grads, err := train.Gradients(d, train.MSE(), x, y)
	if err != nil {
		t.Fatal(err)
	}
	w, _ := graph.Float64s(d.Weight().Value())
	b, _ := graph.Float64s(d.Bias().Value())
	dw, db := make([]float64, out*in), make([]float64, out)
	for i := 0; i < n; i++ {
		for k := 0; k < out; k++ {
			pred := b[k]
			for j := 0; j < in; j++ {
				pred += w[k*in+j] * xv[i*in+j]
			}
			r := 2 * (pred - yv[i*out+k]) / (n * out)
			db[k] += r
			for j := 0; j < in; j++ {
				dw[k*in+j] += r * xv[i*in+j]
			}
		}
	}
	want := map[string][]float64{"weight": dw, "bias": db}
	if len(grads) != 2 {
		t.Fatalf("%d gradients, want 2", len(grads))
	}
	for _, g := range grads {
		got, _ := graph.Float64s(g.Grad)
		w, ok := want[g.Name]
		if !ok || len(got) != len(w) {
			t.Fatalf("gradient %q with %d values", g.Name, len(got))
		}
		norm := 0.0
		for i := range w {
			if math.Abs(got[i]-w[i]) > 1e-12 {
				t.Fatalf("%s[%d] = %v, want %v", g.Name, i, got[i], w[i])
			}
			norm += w[i] * w[i]
		}
		if math.Abs(g.Norm()-math.Sqrt(norm)) > 1e-12 {
			t.Fatalf("%s: Norm %v, want %v", g.Name, g.Norm(), math.Sqrt(norm))
		}
		if !graph.SameShape(g.Grad.Shape(), g.Param.Shape()) {
			t.Fatalf("%s: gradient shape %v, Param %v", g.Name, g.Grad.Shape(), g.Param.Shape())
		}
	}
}

// Gradients are what the trainer's first step applies: with SGD at rate 1
// and the whole set as one batch, the weights move by exactly -gradient.
// Gradients itself changes nothing, BatchNorm's running statistics included.
func TestGradientsMatchTrainerStep(t *testing.T) {
	const n = 8
	m := gradModel(t, tensor.Float32)
	xv, yv := gradBatch(n)
	x32, y32 := make([]float32, len(xv)), make([]float32, len(yv))
	for i := range xv {
		x32[i] = float32(xv[i])
	}
	for i := range yv {
		y32[i] = float32(yv[i])
	}
	before := map[string][]float64{}
	for _, p := range nn.NamedParams(m) {
		before[p.Name], _ = graph.Float64s(p.Param.Value())
	}
	// float64 inputs are converted to the model's float32.
	grads, err := train.Gradients(m, train.MSE(),
		tensor.New(tensor.WithShape(n, 3), tensor.WithBacking(xv)), tensor.New(tensor.WithShape(n, 2), tensor.WithBacking(yv)))
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, g := range grads {
		names = append(names, g.Name)
		if g.Grad.Dtype() != tensor.Float32 {
			t.Fatalf("%s: dtype %v", g.Name, g.Grad.Dtype())
		}
	}
	if got := strings.Join(names, " "); got != "0.weight 0.bias 1.weight 1.bias 2.weight 2.bias" {
		t.Fatalf("gradient names %q", got)
	}
	for _, p := range nn.NamedParams(m) {
		now, _ := graph.Float64s(p.Param.Value())
		for i := range now {
			if now[i] != before[p.Name][i] {
				t.Fatalf("Gradients changed %s[%d]: %v -> %v", p.Name, i, before[p.Name][i], now[i])
			}
		}
	}

	ds, err := data.NewTensor(x32, []int{3}, y32, []int{2})
	if err != nil {
		t.Fatal(err)
	}
	sgd, err := train.NewSGD(1)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := train.New(m, train.Config{BatchSize: n, NoShuffle: true, Loss: train.MSE(), Optimizer: sgd, Verbosity: train.Silent})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if _, err := tr.Fit(ds, nil); err != nil {
		t.Fatal(err)
	}
	for _, g := range grads {
		gv, _ := graph.Float64s(g.Grad)
		now, _ := graph.Float64s(g.Param.Value())
		for i := range gv {
			if math.Abs(before[g.Name][i]-gv[i]-now[i]) > 1e-5 {
				t.Fatalf("%s[%d]: trainer moved %v -> %v, gradient %v", g.Name, i, before[g.Name][i], now[i], gv[i])
			}
		}
	}
}

func TestGradientsFrozenAndErrors(t *testing.T) {
	m := gradModel(t, tensor.Float64)
	xv, yv := gradBatch(4)
	x := tensor.New(tensor.WithShape(4, 3), tensor.WithBacking(xv))
	y := tensor.New(tensor.WithShape(4, 2), tensor.WithBacking(yv))
	if k := nn.Freeze(m, "0", "1"); k != 6 { // BatchNorm: weight, bias and the two buffers
		t.Fatalf("froze %d Params", k)
	}
	grads, err := train.Gradients(m, train.MSE(), x, y)
	if err != nil {
		t.Fatal(err)
	}
	if len(grads) != 2 || grads[0].Name != "2.weight" || grads[1].Name != "2.bias" {
		t.Fatalf("with 0 and 1 frozen: %v", grads)
	}
	nn.Freeze(m)
	bad := []struct {
		name    string
		model   nn.Layer
		loss    train.Loss
		x, y    tensor.Tensor
		want    string
		wantErr error
	}{
		{"all-frozen", m, train.MSE(), x, y, "no trainable Params", graph.ErrArg},
		{"nil-model", nil, train.MSE(), x, y, "must not be nil", graph.ErrArg},
		{"nil-loss", m, nil, x, y, "must not be nil", graph.ErrArg},
		{"nil-x", m, train.MSE(), nil, y, "must not be nil", graph.ErrArg},
		{"batch", m, train.MSE(), x, tensor.New(tensor.WithShape(3, 2), tensor.WithBacking(yv[:6])), "same batch size (axis 0), got shapes (4, 3) and (3, 2)", graph.ErrShape},
		{"int", m, train.MSE(), tensor.New(tensor.WithShape(4, 3), tensor.WithBacking(make([]int, 12))), y, "dtype", nil},
		{"shape", gradModel(t, tensor.Float64), train.MSE(), tensor.New(tensor.WithShape(4, 5), tensor.WithBacking(make([]float64, 20))), y, "model on input (4, 5)", nil},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			_, err := train.Gradients(c.model, c.loss, c.x, c.y)
			if err == nil || !strings.HasPrefix(err.Error(), "train: Gradients") || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error with %q", err, c.want)
			}
			if c.wantErr != nil && !errors.Is(err, c.wantErr) {
				t.Fatalf("%v is not %v", err, c.wantErr)
			}
		})
	}
}
