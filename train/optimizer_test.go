package train_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/train"
	"gorgonia.org/tensor"
)

// The optimizer tests start from w = (1, -2) and apply the gradients
// below; the expected weights after each step follow PyTorch's formulas
// (worked by hand for the first step, and for all steps of SGD).
var (
	w0    = []float64{1, -2}
	grads = [][]float64{{0.5, -1}, {0.2, 0.3}, {-0.4, 0.1}}
)

func newParam(t *testing.T, dt tensor.Dtype, vals []float64) *graph.Param {
	t.Helper()
	p, err := graph.NewParam(graph.Weight, dt, tensor.Shape{len(vals)}, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := graph.FromFloat64s(dt, []int{len(vals)}, vals)
	if err := p.SetValue(v); err != nil {
		t.Fatal(err)
	}
	return p
}

func runSteps(t *testing.T, opt train.Optimizer, dt tensor.Dtype) [][]float64 {
	t.Helper()
	p := newParam(t, dt, w0)
	var out [][]float64
	for _, g := range grads {
		gt, _ := graph.FromFloat64s(dt, []int{len(g)}, g)
		if err := opt.Step([]train.ParamGrad{{Param: p, Grad: gt}}); err != nil {
			t.Fatal(err)
		}
		v, _ := graph.Float64s(p.Value())
		out = append(out, v)
	}
	return out
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestOptimizers(t *testing.T) {
	cases := []struct {
		name string
		opt  func() train.Optimizer
		want [][]float64
	}{
		// w -= 0.1·g
		{"sgd", func() train.Optimizer { return must(train.NewSGD(0.1)) },
			[][]float64{{0.95, -1.9}, {0.93, -1.93}, {0.97, -1.94}}},
		// b1 = g1; b = 0.9·b + g; w -= 0.1·b
		{"sgd-momentum", func() train.Optimizer { return must(train.NewSGD(0.1, train.WithMomentum(0.9))) },
			[][]float64{{0.95, -1.9}, {0.885, -1.84}, {0.8665, -1.796}}},
		// d = g + 0.9·b; w -= 0.1·d
		{"sgd-nesterov", func() train.Optimizer {
			return must(train.NewSGD(0.1, train.WithMomentum(0.9), train.WithNesterov(true)))
		}, [][]float64{{0.905, -1.81}, {0.8265, -1.786}, {0.84985, -1.7564}}},
		// d = g + 0.1·w; w -= 0.1·d
		{"sgd-weight-decay", func() train.Optimizer { return must(train.NewSGD(0.1, train.WithWeightDecay(0.1))) },
			[][]float64{{0.94, -1.88}, {0.9106, -1.8912}, {0.941494, -1.882288}}},
		// step 1: m̂ = g, √v̂ = |g|, w -= 0.1·g/(|g|+1e-8)
		{"adam", func() train.Optimizer { return must(train.NewAdam(0.1)) },
			[][]float64{{0.900000002, -1.900000001}, {0.8101424839029282, -1.8572151424292265}, {0.7925145982082051, -1.830389924788512}}},
		// coupled L2: the decay goes through the adaptive denominator
		{"adam-l2", func() train.Optimizer { return must(train.NewAdam(0.1, train.WithWeightDecay(0.1))) },
			[][]float64{{0.9000000016666666, -1.9000000008333333}, {0.8072814605072346, -1.8400703555381717}, {0.7702771947721945, -1.7894099287030216}}},
		// decoupled: w·(1 - 0.1·0.1) first, then the Adam step: 0.99 - 0.099999998
		{"adamw", func() train.Optimizer { return must(train.NewAdamW(0.1, train.WithWeightDecay(0.1))) },
			[][]float64{{0.890000002, -1.880000001}, {0.7912424838829282, -1.8184151424192265}, {0.7657021733493758, -1.7734057733543198}}},
		// step 1: s = 0.01·g², w -= 0.01·g/(0.1·|g| + 1e-8)
		{"rmsprop", func() train.Optimizer { return must(train.NewRMSProp(0.01)) },
			[][]float64{{0.900000019999996, -1.900000009999999}, {0.8626998346269039, -1.9288675206817028}, {0.9226876418426823, -1.938493590113297}}},
		{"rmsprop-momentum", func() train.Optimizer { return must(train.NewRMSProp(0.01, train.WithMomentum(0.9))) },
			[][]float64{{0.900000019999996, -1.900000009999999}, {0.7726998526269003, -1.8388675296817019}, {0.7181175092068925, -1.7934743668268287}}},
		{"rmsprop-centered", func() train.Optimizer { return must(train.NewRMSProp(0.01, train.WithCentered(true))) },
			[][]float64{{0.899496238676095, -1.8994962285750878}, {0.8618787112241529, -1.9284275792039856}, {0.9219225694141101, -1.9380688481872437}}},
	}
	for _, c := range cases {
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			t.Run(c.name+"-"+dt.String(), func(t *testing.T) {
				tol := 1e-12
				if dt == tensor.Float32 {
					tol = 2e-6
				}
				got := runSteps(t, c.opt(), dt)
				for s := range c.want {
					for i := range c.want[s] {
						if d := math.Abs(got[s][i] - c.want[s][i]); d > tol {
							t.Errorf("step %d, w[%d] = %.12g, want %.12g (|diff| %.3g)", s+1, i, got[s][i], c.want[s][i], d)
						}
					}
				}
			})
		}
	}
}

// AdamW's decoupled decay is not Adam with L2: the weights differ after
// the first step already.
func TestAdamWDiffersFromAdamL2(t *testing.T) {
	a := runSteps(t, must(train.NewAdam(0.1, train.WithWeightDecay(0.1))), tensor.Float64)
	w := runSteps(t, must(train.NewAdamW(0.1, train.WithWeightDecay(0.1))), tensor.Float64)
	if math.Abs(a[0][0]-w[0][0]) < 0.005 {
		t.Fatalf("Adam+L2 and AdamW agree after one step: %v vs %v", a[0], w[0])
	}
	// Without decay AdamW is Adam.
	a0 := runSteps(t, must(train.NewAdam(0.1)), tensor.Float64)
	w0 := runSteps(t, must(train.NewAdamW(0.1, train.WithWeightDecay(0))), tensor.Float64)
	for s := range a0 {
		for i := range a0[s] {
			if a0[s][i] != w0[s][i] {
				t.Fatalf("AdamW(wd=0) differs from Adam at step %d: %v vs %v", s+1, w0[s], a0[s])
			}
		}
	}
}

// State is kept per Param: two Params stepped by one optimizer move as if
// each had its own.
func TestOptimizerStatePerParam(t *testing.T) {
	opt := must(train.NewAdam(0.1))
	p1, p2 := newParam(t, tensor.Float64, w0), newParam(t, tensor.Float64, w0)
	for i, g := range grads {
		gt, _ := graph.FromFloat64s(tensor.Float64, []int{2}, g)
		pgs := []train.ParamGrad{{Param: p1, Grad: gt}}
		if i < 2 { // p2 only gets two steps
			pgs = append(pgs, train.ParamGrad{Param: p2, Grad: gt})
		}
		if err := opt.Step(pgs); err != nil {
			t.Fatal(err)
		}
	}
	v1, _ := graph.Float64s(p1.Value())
	v2, _ := graph.Float64s(p2.Value())
	if v1[0] != 0.7925145982082051 || v2[0] != 0.8101424839029282 {
		t.Fatalf("per-Param state: got %v and %v", v1, v2)
	}
}

func TestOptimizerErrors(t *testing.T) {
	bad := []struct {
		name string
		fn   func() error
		msg  string
	}{
		{"sgd-lr0", func() error { _, err := train.NewSGD(0); return err }, "learning rate must be positive"},
		{"sgd-nesterov-no-momentum", func() error { _, err := train.NewSGD(0.1, train.WithNesterov(true)); return err }, "Nesterov"},
		{"sgd-negative-momentum", func() error { _, err := train.NewSGD(0.1, train.WithMomentum(-1)); return err }, "momentum"},
		{"adam-beta1", func() error { _, err := train.NewAdam(0.1, train.WithBetas(1, 0.999)); return err }, "betas must be in [0, 1)"},
		{"adam-nan-lr", func() error { _, err := train.NewAdam(math.NaN()); return err }, "learning rate"},
		{"adamw-negative-wd", func() error { _, err := train.NewAdamW(0.1, train.WithWeightDecay(-1)); return err }, "weight decay"},
		{"rmsprop-alpha", func() error { _, err := train.NewRMSProp(0.1, train.WithAlpha(1)); return err }, "alpha"},
		{"rmsprop-nil-option", func() error { _, err := train.NewRMSProp(0.1, nil); return err }, "nil option"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			err := c.fn()
			if err == nil || !strings.Contains(err.Error(), c.msg) || !errors.Is(err, graph.ErrArg) {
				t.Fatalf("got %v, want an ErrArg containing %q", err, c.msg)
			}
		})
	}
	// Step with a mismatched gradient.
	opt := must(train.NewSGD(0.1))
	p := newParam(t, tensor.Float32, w0)
	g64, _ := graph.FromFloat64s(tensor.Float64, []int{2}, []float64{1, 1})
	if err := opt.Step([]train.ParamGrad{{Param: p, Grad: g64}}); err == nil || !strings.Contains(err.Error(), "dtype") {
		t.Fatalf("dtype mismatch: got %v", err)
	}
	g3, _ := graph.FromFloat64s(tensor.Float32, []int{3}, []float64{1, 1, 1})
	if err := opt.Step([]train.ParamGrad{{Param: p, Grad: g3}}); err == nil || !errors.Is(err, graph.ErrShape) {
		t.Fatalf("shape mismatch: got %v", err)
	}
}

func TestOptimizerNames(t *testing.T) {
	for _, c := range []struct {
		opt  train.Optimizer
		want string
	}{
		{must(train.NewSGD(0.1, train.WithMomentum(0.9), train.WithNesterov(true))), "SGD(lr=0.1, momentum=0.9, nesterov)"},
		{must(train.NewAdam(0.001)), "Adam(lr=0.001)"},
		{must(train.NewAdamW(0.001)), "AdamW(lr=0.001, weight_decay=0.01)"},
		{must(train.NewRMSProp(0.01, train.WithCentered(true))), "RMSProp(lr=0.01, centered)"},
	} {
		if got := c.opt.Name(); got != c.want {
			t.Errorf("Name() = %q, want %q", got, c.want)
		}
	}
	opt := must(train.NewSGD(0.1))
	opt.SetLR(0.5)
	if opt.LR() != 0.5 {
		t.Fatalf("SetLR: LR() = %g", opt.LR())
	}
}

// BenchmarkAdamStep times one Adam step over 11.2 million float32 weights
// in the Param sizes of a CIFAR ResNet-18.
func BenchmarkAdamStep(b *testing.B) {
	var pgs []train.ParamGrad
	for i, n := range []int{2359296, 2359296, 2359296, 1179648, 589824, 589824, 589824, 294912, 147456, 147456, 147456, 73728, 36864, 36864, 36864, 36864, 1728, 5120} {
		p, err := graph.NewParam(graph.Weight, tensor.Float32, tensor.Shape{n}, graph.Normal(0, 1), int64(i))
		if err != nil {
			b.Fatal(err)
		}
		g := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(n))
		for j := range g.Float32s() {
			g.Float32s()[j] = float32(j%7) * 0.01
		}
		pgs = append(pgs, train.ParamGrad{Param: p, Grad: g})
	}
	opt, err := train.NewAdam(1e-3)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if err := opt.Step(pgs); err != nil {
			b.Fatal(err)
		}
	}
}
