package ops_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/internal/golden"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ---- naive references: the formulas, written as plainly as possible ----

// naiveSoftmaxCE is -(1/P) Σ_positions Σ_k t_k·log(softmax_k), class axis 1,
// with its gradient (softmax·Σt - t)/P.
func naiveSoftmaxCE(x, t []float64, shape []int) (float64, []float64) {
	n, k := shape[0], shape[1]
	s := 1
	for _, d := range shape[2:] {
		s *= d
	}
	at := func(i, j, p int) int { return (i*k+j)*s + p }
	loss := 0.0
	grad := make([]float64, len(x))
	positions := float64(n * s)
	for i := 0; i < n; i++ {
		for p := 0; p < s; p++ {
			den := 0.0
			for j := 0; j < k; j++ {
				den += math.Exp(x[at(i, j, p)])
			}
			tsum := 0.0
			for j := 0; j < k; j++ {
				tsum += t[at(i, j, p)]
			}
			for j := 0; j < k; j++ {
				q := at(i, j, p)
				sm := math.Exp(x[q]) / den
				loss -= t[q] * math.Log(sm)
				grad[q] = (sm*tsum - t[q]) / positions
			}
		}
	}
	return loss / positions, grad
}

func naiveBCE(x, t []float64) (float64, []float64) {
	loss := 0.0
	grad := make([]float64, len(x))
	for i := range x {
		p := 1 / (1 + math.Exp(-x[i]))
		loss -= t[i]*math.Log(p) + (1-t[i])*math.Log(1-p)
		grad[i] = (p - t[i]) / float64(len(x))
	}
	return loss / float64(len(x)), grad
}

func naiveMSE(p, t []float64) (float64, []float64) {
	loss := 0.0
	grad := make([]float64, len(p))
	for i := range p {
		loss += (p[i] - t[i]) * (p[i] - t[i])
		grad[i] = 2 * (p[i] - t[i]) / float64(len(p))
	}
	return loss / float64(len(p)), grad
}

func naiveDice(p, t []float64, n int, smooth float64) (float64, []float64) {
	d := len(p) / n
	loss := 1.0
	grad := make([]float64, len(p))
	for i := 0; i < n; i++ {
		inter, sp, st := 0.0, 0.0, 0.0
		for j := 0; j < d; j++ {
			inter += p[i*d+j] * t[i*d+j]
			sp += p[i*d+j]
			st += t[i*d+j]
		}
		num, den := 2*inter+smooth, sp+st+smooth
		loss -= num / den / float64(n)
		for j := 0; j < d; j++ {
			// quotient rule on num/den
			grad[i*d+j] = -(2*t[i*d+j]*den - num) / (den * den) / float64(n)
		}
	}
	return loss, grad
}

// ---- helpers ----

type lossFn func(a, b *G.Node) (*G.Node, error)

func diceFn(smooth float64) lossFn {
	return func(a, b *G.Node) (*G.Node, error) { return ops.DiceLoss(a, b, smooth) }
}

// runLoss evaluates fn(a, b) in dtype dt and returns the loss and ∂loss/∂a.
func runLoss(t *testing.T, dt tensor.Dtype, fn lossFn, a, b *tensor.Dense) (float64, []float64) {
	t.Helper()
	out, _, grads, err := forwardBackward(dt, map[string]*tensor.Dense{"a": a, "b": b}, []string{"a"}, nil,
		func(_ *graph.Builder, xs map[string]*G.Node) (*G.Node, error) { return fn(xs["a"], xs["b"]) })
	if err != nil {
		t.Fatalf("%+v", err)
	}
	return out[0], grads["a"]
}

// oneHot returns a (N, K, spatial...) one-hot tensor with random classes.
func oneHot(rng *rand.Rand, shape ...int) *tensor.Dense {
	n, k, s := shape[0], shape[1], 1
	for _, d := range shape[2:] {
		s *= d
	}
	data := make([]float64, n*k*s)
	for i := 0; i < n; i++ {
		for p := 0; p < s; p++ {
			data[(i*k+rng.IntN(k))*s+p] = 1
		}
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data))
}

// softLabels returns rows (along axis 1) that are positive and sum to 1.
func softLabels(rng *rand.Rand, shape ...int) *tensor.Dense {
	n, k, s := shape[0], shape[1], 1
	for _, d := range shape[2:] {
		s *= d
	}
	data := make([]float64, n*k*s)
	for i := 0; i < n; i++ {
		for p := 0; p < s; p++ {
			sum := 0.0
			for j := 0; j < k; j++ {
				v := rng.Float64() + 0.01
				data[(i*k+j)*s+p] = v
				sum += v
			}
			for j := 0; j < k; j++ {
				data[(i*k+j)*s+p] /= sum
			}
		}
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data))
}

// uniformTensor has entries in [lo, hi).
func uniformTensor(rng *rand.Rand, lo, hi float64, shape ...int) *tensor.Dense {
	t := randTensor(rng, shape...)
	for i := range t.Float64s() {
		t.Float64s()[i] = lo + (hi-lo)*rng.Float64()
	}
	return t
}

func maxAbsDiff(a, b []float64) float64 {
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(a[i]-b[i]))
	}
	return m
}

func maxAbs(a []float64) float64 {
	m := 0.0
	for _, v := range a {
		m = math.Max(m, math.Abs(v))
	}
	return m
}

// ---- golden parity ----

func TestSoftmaxCrossEntropyMatchesPyTorch(t *testing.T) {
	f := loadGolden(t, "softmax_cross_entropy.json")
	for _, c := range f.Cases {
		t.Run(c.Name, func(t *testing.T) {
			in := map[string]golden.Tensor{"logits": c.Inputs["logits"], "labels": c.Extra["labels_onehot"]}
			goldenCase(t, c, in, []string{"logits"}, func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
				return ops.SoftmaxCrossEntropy(xs["logits"], xs["labels"])
			})
		})
	}
}

func TestDiceLossMatchesPyTorch(t *testing.T) {
	f := loadGolden(t, "dice_loss.json")
	for _, c := range f.Cases {
		t.Run(c.Name, func(t *testing.T) {
			smooth, err := c.Float("smooth")
			if err != nil {
				t.Fatal(err)
			}
			in := map[string]golden.Tensor{"probs": c.Inputs["probs"], "target": c.Extra["target"]}
			goldenCase(t, c, in, []string{"probs"}, func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
				return ops.DiceLoss(xs["probs"], xs["target"], smooth)
			})
		})
	}
}

func TestBCEAndMSEMatchPyTorch(t *testing.T) {
	f := loadGolden(t, "losses_misc.json")
	seen := 0
	for _, c := range f.Cases {
		t.Run(c.Name, func(t *testing.T) {
			switch {
			case strings.HasPrefix(c.Name, "bce_with_logits"):
				seen++
				in := map[string]golden.Tensor{"logits": c.Inputs["logits"], "target": c.Extra["target"]}
				goldenCase(t, c, in, []string{"logits"}, func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
					return ops.BCEWithLogits(xs["logits"], xs["target"])
				})
			case strings.HasPrefix(c.Name, "mse"):
				seen++
				in := map[string]golden.Tensor{"pred": c.Inputs["pred"], "target": c.Extra["target"]}
				goldenCase(t, c, in, []string{"pred"}, func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
					return ops.MSE(xs["pred"], xs["target"])
				})
			default:
				t.Fatalf("unknown case %s", c.Name)
			}
		})
	}
	if seen != 2 {
		t.Fatalf("want 2 cases, ran %d", seen)
	}
}

// ---- fast kernels vs naive loops ----

func TestLossesMatchNaive(t *testing.T) {
	rng := graph.NewRand(11)
	type cfg struct {
		name  string
		fn    lossFn
		naive func(a, b []float64, shape []int) (float64, []float64)
		a, b  *tensor.Dense
		shape []int
	}
	var cases []cfg
	ceShapes := [][]int{{1, 2}, {4, 10}, {3, 5}, {64, 10}, {7, 3}, {2, 4, 3}, {3, 3, 2, 5}, {1, 6, 1, 1}, {5, 1}, {1000, 3}, {3, 37}, {2, 5, 7, 9}, {2, 300}, {2, 3, 13, 11}}
	for _, s := range ceShapes {
		naive := func(a, b []float64, shape []int) (float64, []float64) { return naiveSoftmaxCE(a, b, shape) }
		cases = append(cases,
			cfg{name: shapeName("ce-onehot", s), fn: ops.SoftmaxCrossEntropy, naive: naive, a: randTensor(rng, s...), b: oneHot(rng, s...), shape: s},
			cfg{name: shapeName("ce-soft", s), fn: ops.SoftmaxCrossEntropy, naive: naive, a: randTensor(rng, s...), b: softLabels(rng, s...), shape: s})
	}
	for _, s := range [][]int{{1}, {4, 3}, {2, 3, 4}, {5, 1, 7, 3}, {2, 513}, {8197}, {3, 10000}} {
		cases = append(cases,
			cfg{name: shapeName("bce", s), fn: ops.BCEWithLogits, naive: func(a, b []float64, _ []int) (float64, []float64) { return naiveBCE(a, b) },
				a: randTensor(rng, s...), b: uniformTensor(rng, 0, 1, s...), shape: s},
			cfg{name: shapeName("mse", s), fn: ops.MSE, naive: func(a, b []float64, _ []int) (float64, []float64) { return naiveMSE(a, b) },
				a: randTensor(rng, s...), b: randTensor(rng, s...), shape: s})
	}
	for _, s := range [][]int{{1, 1}, {2, 1, 6, 6}, {3, 2, 4, 5}, {4}, {2, 3, 2, 2, 2}, {16, 1, 28, 28}} {
		for _, smooth := range []float64{0, 1e-6, 1} {
			sm := smooth
			cases = append(cases, cfg{name: shapeName("dice", s, "-s", smooth), fn: diceFn(smooth),
				naive: func(a, b []float64, shape []int) (float64, []float64) { return naiveDice(a, b, shape[0], sm) },
				a:     uniformTensor(rng, 0, 1, s...), b: uniformTensor(rng, 0, 1, s...), shape: s})
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantLoss, wantGrad := c.naive(c.a.Float64s(), c.b.Float64s(), c.shape)
			for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
				tol := 1e-12
				if dt == tensor.Float32 {
					tol = 1e-5
				}
				loss, grad := runLoss(t, dt, c.fn, c.a, c.b)
				if d := math.Abs(loss - wantLoss); d > tol*math.Max(1, math.Abs(wantLoss)) {
					t.Errorf("%v: loss %v, want %v", dt, loss, wantLoss)
				}
				if d := maxAbsDiff(grad, wantGrad); d > tol*math.Max(1e-3, maxAbs(wantGrad)) {
					t.Errorf("%v: gradient differs by %.3g (scale %.3g)", dt, d, maxAbs(wantGrad))
				}
			}
		})
	}
}

// ---- finite differences ----

func TestLossesGradCheck(t *testing.T) {
	rng := graph.NewRand(12)
	for _, s := range [][]int{{1, 3}, {4, 10}, {3, 5}, {2, 3, 4}, {2, 4, 2, 3}} {
		labels := softLabels(rng, s...)
		gradCheck(t, shapeName("ce", s), []*tensor.Dense{randTensor(rng, s...)}, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
			return ops.SoftmaxCrossEntropy(xs[0], b.InputValue("labels", labels))
		})
		onehot := oneHot(rng, s...)
		x := randTensor(rng, s...)
		x.Float64s()[0] += 5 // a confident row
		gradCheck(t, shapeName("ce-onehot", s), []*tensor.Dense{x}, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
			return ops.SoftmaxCrossEntropy(xs[0], b.InputValue("labels", onehot))
		})
	}
	for _, s := range [][]int{{5}, {3, 4}, {2, 3, 2, 2}} {
		target := uniformTensor(rng, 0, 1, s...)
		gradCheck(t, shapeName("bce", s), []*tensor.Dense{randTensor(rng, s...)}, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
			return ops.BCEWithLogits(xs[0], b.InputValue("target", target))
		})
		target2 := randTensor(rng, s...)
		gradCheck(t, shapeName("mse", s), []*tensor.Dense{randTensor(rng, s...)}, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
			return ops.MSE(xs[0], b.InputValue("target", target2))
		})
	}
	for _, s := range [][]int{{2, 5}, {2, 1, 3, 3}, {3, 2, 2, 2, 2}} {
		for _, smooth := range []float64{0, 1e-6, 1} {
			mask := uniformTensor(rng, 0, 1, s...)
			for i, v := range mask.Float64s() {
				mask.Float64s()[i] = math.Round(v)
			}
			gradCheck(t, shapeName("dice", s, "-s", smooth), []*tensor.Dense{uniformTensor(rng, 0.05, 0.95, s...)}, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
				return ops.DiceLoss(xs[0], b.InputValue("target", mask), smooth)
			})
		}
	}
}

// The losses used inside a bigger graph: the scalar composes with
// Gorgonia's own ops and the upstream gradient scales the result.
func TestLossUpstreamScaling(t *testing.T) {
	rng := graph.NewRand(13)
	x, labels := randTensor(rng, 3, 4), oneHot(rng, 3, 4)
	_, want := naiveSoftmaxCE(x.Float64s(), labels.Float64s(), []int{3, 4})
	up := tensor.New(tensor.FromScalar(2.5))
	_, _, grads, err := forwardBackward(tensor.Float64, map[string]*tensor.Dense{"x": x, "l": labels}, []string{"x"}, up,
		func(_ *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
			return ops.SoftmaxCrossEntropy(xs["x"], xs["l"])
		})
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if math.Abs(grads["x"][i]-2.5*want[i]) > 1e-12 {
			t.Fatalf("gradient %d: got %v, want 2.5·%v", i, grads["x"][i], want[i])
		}
	}
}

// ---- stability ----

func TestLossesStableForExtremeLogits(t *testing.T) {
	logits := tensor.New(tensor.WithShape(3, 4), tensor.WithBacking([]float64{
		1e4, -1e4, 0, 1e4,
		-1e4, -1e4, -1e4, -1e4,
		1e4, 1e4 - 1, -1e4, 5}))
	onehot := tensor.New(tensor.WithShape(3, 4), tensor.WithBacking([]float64{
		0, 1, 0, 0,
		0, 0, 1, 0,
		0, 1, 0, 0}))
	target := tensor.New(tensor.WithShape(3, 4), tensor.WithBacking([]float64{
		0, 1, 0.5, 1,
		1, 0, 0, 1,
		0, 0.3, 1, 0}))
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		for name, run := range map[string]func() (float64, []float64){
			"ce":  func() (float64, []float64) { return runLoss(t, dt, ops.SoftmaxCrossEntropy, logits, onehot) },
			"bce": func() (float64, []float64) { return runLoss(t, dt, ops.BCEWithLogits, logits, target) },
		} {
			loss, grad := run()
			if math.IsNaN(loss) || math.IsInf(loss, 0) {
				t.Errorf("%s %v: loss %v", name, dt, loss)
			}
			for i, g := range grad {
				if math.IsNaN(g) || math.IsInf(g, 0) {
					t.Errorf("%s %v: gradient %d is %v", name, dt, i, g)
				}
			}
		}
		// exact values: row 0 picks a class 2e4 below the two maxima
		loss, grad := runLoss(t, dt, ops.SoftmaxCrossEntropy, logits, onehot)
		want := ((2e4 + math.Log(2)) + math.Log(4) + (1 + math.Log(1+math.Exp(-1)))) / 3
		if math.Abs(loss-want) > 1e-6*want {
			t.Errorf("ce %v: loss %v, want %v", dt, loss, want)
		}
		if math.Abs(grad[0]-0.5/3) > 1e-6 || math.Abs(grad[1]+1.0/3) > 1e-6 {
			t.Errorf("ce %v: gradient row 0 = %v", dt, grad[:4])
		}
	}
}

func TestDiceLossEmptyMasks(t *testing.T) {
	zeros := tensor.New(tensor.WithShape(2, 3), tensor.WithBacking(make([]float64, 6)))
	for _, smooth := range []float64{0, 1} {
		loss, grad := runLoss(t, tensor.Float64, diceFn(smooth), zeros, zeros)
		if loss != 0 {
			t.Errorf("smooth %v: loss of empty prediction on empty mask = %v, want 0", smooth, loss)
		}
		for _, g := range grad {
			if math.IsNaN(g) || math.IsInf(g, 0) {
				t.Fatalf("smooth %v: gradient %v", smooth, grad)
			}
		}
	}
	// a perfect prediction of a non-empty mask has loss 0 without smoothing
	mask := tensor.New(tensor.WithShape(1, 4), tensor.WithBacking([]float64{1, 0, 1, 1}))
	if loss, _ := runLoss(t, tensor.Float64, diceFn(0), mask, mask); math.Abs(loss) > 1e-15 {
		t.Errorf("perfect prediction: loss %v", loss)
	}
}

// ---- bad arguments ----

func TestLossBadArguments(t *testing.T) {
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float64, 2, G.WithShape(4, 10), G.WithName("x"))
	y := G.NewTensor(g, tensor.Float64, 2, G.WithShape(4, 10), G.WithName("y"))
	y9 := G.NewTensor(g, tensor.Float64, 2, G.WithShape(4, 9), G.WithName("y9"))
	y32 := G.NewTensor(g, tensor.Float32, 2, G.WithShape(4, 10), G.WithName("y32"))
	yi := G.NewTensor(g, tensor.Int, 2, G.WithShape(4, 10), G.WithName("yi"))
	v := G.NewTensor(g, tensor.Float64, 1, G.WithShape(4), G.WithName("v"))
	s := G.NewScalar(g, tensor.Float64, G.WithName("s"))
	cases := []badCase{
		{"ce-shape", func() (*G.Node, error) { return ops.SoftmaxCrossEntropy(x, y9) }, "ops: SoftmaxCrossEntropy: labels must have the logits' shape (4, 10), got (4, 9)", graph.ErrShape},
		{"ce-rank1", func() (*G.Node, error) { return ops.SoftmaxCrossEntropy(v, v) }, "ops: SoftmaxCrossEntropy: logits must have rank >= 2, got shape (4)", graph.ErrShape},
		{"ce-dtypes", func() (*G.Node, error) { return ops.SoftmaxCrossEntropy(x, y32) }, "ops: SoftmaxCrossEntropy: dtypes differ: float64 and float32", graph.ErrArg},
		{"ce-int", func() (*G.Node, error) { return ops.SoftmaxCrossEntropy(x, yi) }, "ops: SoftmaxCrossEntropy: labels must be float32 or float64, got int", graph.ErrArg},
		{"ce-nil", func() (*G.Node, error) { return ops.SoftmaxCrossEntropy(nil, y) }, "ops: SoftmaxCrossEntropy: logits is nil", graph.ErrArg},
		{"bce-shape", func() (*G.Node, error) { return ops.BCEWithLogits(x, y9) }, "ops: BCEWithLogits: target must have the logits' shape (4, 10), got (4, 9)", graph.ErrShape},
		{"bce-scalar", func() (*G.Node, error) { return ops.BCEWithLogits(s, s) }, "ops: BCEWithLogits: logits must have rank >= 1, got shape ()", graph.ErrShape},
		{"mse-shape", func() (*G.Node, error) { return ops.MSE(v, x) }, "ops: MSE: target must have the pred' shape (4), got (4, 10)", graph.ErrShape},
		{"mse-nil-target", func() (*G.Node, error) { return ops.MSE(x, nil) }, "ops: MSE: target is nil", graph.ErrArg},
		{"dice-shape", func() (*G.Node, error) { return ops.DiceLoss(x, y9, 1) }, "ops: DiceLoss: target must have the probs' shape (4, 10), got (4, 9)", graph.ErrShape},
		{"dice-negative-smooth", func() (*G.Node, error) { return ops.DiceLoss(x, y, -1) }, "ops: DiceLoss: smooth must be finite and >= 0, got -1", graph.ErrArg},
		{"dice-nan-smooth", func() (*G.Node, error) { return ops.DiceLoss(x, y, math.NaN()) }, "ops: DiceLoss: smooth must be finite and >= 0, got NaN", graph.ErrArg},
		{"dice-inf-smooth", func() (*G.Node, error) { return ops.DiceLoss(x, y, math.Inf(1)) }, "ops: DiceLoss: smooth must be finite and >= 0, got +Inf", graph.ErrArg},
		{"dice-dtypes", func() (*G.Node, error) { return ops.DiceLoss(x, y32, 1) }, "ops: DiceLoss: dtypes differ", graph.ErrArg},
	}
	runBadCases(t, cases)
}

func TestLossesAreDistinctNodes(t *testing.T) {
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float64, 2, G.WithShape(2, 3), G.WithName("x"))
	y := G.NewTensor(g, tensor.Float64, 2, G.WithShape(2, 3), G.WithName("y"))
	for name, fn := range map[string]lossFn{"ce": ops.SoftmaxCrossEntropy, "bce": ops.BCEWithLogits, "mse": ops.MSE, "dice": diceFn(1)} {
		a, err := fn(x, y)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := fn(x, y)
		if a == b {
			t.Errorf("%s: two calls on the same inputs were merged into one node", name)
		}
	}
	d1, _ := ops.DiceLoss(x, y, 1)
	d2, _ := ops.DiceLoss(x, y, 0)
	if d1 == d2 {
		t.Error("DiceLoss with different smooth merged")
	}
}

func TestLossShapeAgreement(t *testing.T) {
	for name, fn := range map[string]lossFn{"ce": ops.SoftmaxCrossEntropy, "bce": ops.BCEWithLogits, "mse": ops.MSE, "dice": diceFn(1)} {
		b := graph.NewBuilder(graph.Eval)
		rng := graph.NewRand(1)
		x := b.InputValue("x", uniformTensor(rng, 0, 1, 2, 3, 4))
		y := b.InputValue("y", uniformTensor(rng, 0, 1, 2, 3, 4))
		out, err := fn(x, y)
		if err != nil {
			t.Fatal(err)
		}
		m := G.NewTapeMachine(b.Graph())
		if err := m.RunAll(); err != nil {
			t.Fatal(err)
		}
		if !out.IsScalar() || out.Value().Shape().Dims() != 0 {
			t.Errorf("%s: InferShape %v, Do gave %v", name, out.Shape(), out.Value().Shape())
		}
		m.Close()
	}
}

// ---- example and benchmark ----

func ExampleSoftmaxCrossEntropy() {
	b := graph.NewBuilder(graph.Train)
	logits := b.InputValue("logits", tensor.New(tensor.WithShape(2, 3), tensor.WithBacking([]float64{
		2, 1, 0.1,
		0.5, 2.5, 0.5})))
	labels := b.InputValue("labels", tensor.New(tensor.WithShape(2, 3), tensor.WithBacking([]float64{
		1, 0, 0,
		0, 1, 0})))
	loss := G.Must(ops.SoftmaxCrossEntropy(logits, labels))
	grads := must(graph.Grad(loss, logits))
	var dlogits G.Value
	G.Read(grads[0], &dlogits)
	m := G.NewTapeMachine(b.Graph())
	defer m.Close()
	if err := m.RunAll(); err != nil {
		panic(err)
	}
	fmt.Printf("loss %.4f\n", loss.Value().Data())
	fmt.Printf("dlogits %.4f\n", dlogits.Data())
	// Output:
	// loss 0.3283
	// dlogits [-0.1705 0.1212 0.0493 0.0533 -0.1065 0.0533]
}

func ExampleDiceLoss() {
	b := graph.NewBuilder(graph.Eval)
	probs := b.InputValue("probs", tensor.New(tensor.WithShape(1, 1, 2, 2), tensor.WithBacking([]float64{0.9, 0.1, 0.8, 0.2})))
	mask := b.InputValue("mask", tensor.New(tensor.WithShape(1, 1, 2, 2), tensor.WithBacking([]float64{1, 0, 1, 0})))
	loss := G.Must(ops.DiceLoss(probs, mask, 1))
	m := G.NewTapeMachine(b.Graph())
	defer m.Close()
	if err := m.RunAll(); err != nil {
		panic(err)
	}
	// 1 - (2·1.7 + 1)/(2 + 2 + 1)
	fmt.Printf("%.3f\n", loss.Value().Data())
	// Output: 0.120
}

func benchLoss(bm *testing.B, dt tensor.Dtype, fn lossFn, a, target *tensor.Dense) {
	b := graph.NewBuilder(graph.Train)
	x := b.InputValue("x", castTo(a, dt))
	loss, err := fn(x, b.InputValue("t", castTo(target, dt)))
	if err != nil {
		bm.Fatal(err)
	}
	benchRun(bm, b, loss, x)
}

func BenchmarkSoftmaxCrossEntropy(bm *testing.B) {
	rng := graph.NewRand(1)
	x, l := randTensor(rng, 64, 10), oneHot(rng, 64, 10)
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		bm.Run(fmt.Sprintf("64x10-%v-fwd+bwd", dt), func(bm *testing.B) { benchLoss(bm, dt, ops.SoftmaxCrossEntropy, x, l) })
	}
}

func BenchmarkDiceLoss(bm *testing.B) {
	rng := graph.NewRand(1)
	x, l := uniformTensor(rng, 0, 1, 16, 1, 64, 64), uniformTensor(rng, 0, 1, 16, 1, 64, 64)
	bm.Run("16x1x64x64-float32-fwd+bwd", func(bm *testing.B) { benchLoss(bm, tensor.Float32, diceFn(1), x, l) })
}

// must panics on an error; for examples only.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestLossesPropagateNaN checks that a NaN prediction makes the float32
// and float64 losses NaN (the vectorised float32 sums must not drop it).
func TestLossesPropagateNaN(t *testing.T) {
	for _, c := range []struct {
		name string
		fn   lossFn
	}{{"mse", ops.MSE}, {"bce", ops.BCEWithLogits}} {
		for _, n := range []int{1, 9, 517} {
			a := randTensor(graph.NewRand(2), 1, n)
			b := uniformTensor(graph.NewRand(3), 0, 1, 1, n)
			a.Float64s()[n-1] = math.NaN()
			for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
				if loss, _ := runLoss(t, dt, c.fn, a, b); !math.IsNaN(loss) {
					t.Errorf("%s n=%d %v: loss %v with a NaN input, want NaN", c.name, n, dt, loss)
				}
			}
		}
	}
}
