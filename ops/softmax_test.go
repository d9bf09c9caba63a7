package ops_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// naiveSoftmax computes softmax (or log-softmax) along axis with its
// gradient for upstream dy, through the Jacobian:
// softmax: J_jk = s_k(δ_jk - s_j); log-softmax: J_jk = δ_jk - s_j,
// where J_jk = ∂y_k/∂x_j and dx_j = Σ_k J_jk·dy_k.
func naiveSoftmax(x, dy []float64, shape []int, axis int, log bool) (y, dx []float64) {
	y, dx = make([]float64, len(x)), make([]float64, len(x))
	k := shape[axis]
	for i := range x {
		c := unravel(i, shape)
		if c[axis] != 0 {
			continue // visit each line once, from its first element
		}
		line := make([]int, k)
		den := 0.0
		for j := 0; j < k; j++ {
			c[axis] = j
			line[j] = ravel(c, shape)
			den += math.Exp(x[line[j]])
		}
		s := make([]float64, k)
		for j := range s {
			s[j] = math.Exp(x[line[j]]) / den
			if log {
				y[line[j]] = math.Log(s[j])
			} else {
				y[line[j]] = s[j]
			}
		}
		for j := 0; j < k; j++ {
			for m := 0; m < k; m++ {
				delta := 0.0
				if j == m {
					delta = 1
				}
				var jac float64
				if log {
					jac = delta - s[j]
				} else {
					jac = s[m] * (delta - s[j])
				}
				dx[line[j]] += jac * dy[line[m]]
			}
		}
	}
	return y, dx
}

func softmaxFn(log bool, axis int) func(*G.Node) (*G.Node, error) {
	if log {
		return func(x *G.Node) (*G.Node, error) { return ops.LogSoftmax(x, axis) }
	}
	return func(x *G.Node) (*G.Node, error) { return ops.Softmax(x, axis) }
}

func TestSoftmaxMatchesPyTorch(t *testing.T) {
	f := loadGolden(t, "activations.json")
	seen := 0
	for _, c := range f.Cases {
		if c.Name != "softmax" && c.Name != "log_softmax" {
			continue
		}
		seen++
		axes, err := c.Ints("axis", 1)
		if err != nil {
			t.Fatal(err)
		}
		fn := softmaxFn(c.Name == "log_softmax", axes[0])
		t.Run(c.Name, func(t *testing.T) {
			goldenCase(t, c, c.Inputs, []string{"x"}, func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
				return fn(xs["x"])
			})
		})
	}
	if seen != 2 {
		t.Fatalf("want the softmax and log_softmax cases, found %d", seen)
	}
}

type axisConfig struct {
	shape []int
	axis  int
}

func softmaxConfigs() []axisConfig {
	return []axisConfig{
		{[]int{5}, 0}, {[]int{5}, -1}, {[]int{3, 5}, 1}, {[]int{3, 5}, 0}, {[]int{64, 10}, -1},
		{[]int{2, 3, 4}, 1}, {[]int{2, 3, 4}, 2}, {[]int{2, 3, 4}, 0}, {[]int{2, 4, 3, 3}, 1},
		{[]int{2, 4, 3, 3}, -2}, {[]int{1, 1, 4}, 1}, {[]int{2, 3, 2, 2, 3}, 1}, {[]int{3, 1, 2}, 1},
		{[]int{4, 21, 16, 16}, 1},
	}
}

func TestSoftmaxMatchesNaive(t *testing.T) {
	rng := graph.NewRand(31)
	for _, cfg := range softmaxConfigs() {
		for _, log := range []bool{false, true} {
			name := fmt.Sprintf("%v-axis%d-log%v", cfg.shape, cfg.axis, log)
			t.Run(name, func(t *testing.T) {
				x, dy := randTensor(rng, cfg.shape...), randTensor(rng, cfg.shape...)
				axis := cfg.axis
				if axis < 0 {
					axis += len(cfg.shape)
				}
				wantY, wantDx := naiveSoftmax(x.Float64s(), dy.Float64s(), cfg.shape, axis, log)
				for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
					tol := 1e-12
					if dt == tensor.Float32 {
						tol = 1e-5
					}
					y, _, grads, err := forwardBackward(dt, map[string]*tensor.Dense{"x": x}, []string{"x"}, dy,
						func(_ *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
							return softmaxFn(log, cfg.axis)(xs["x"])
						})
					if err != nil {
						t.Fatal(err)
					}
					if d := maxAbsDiff(y, wantY); d > tol*math.Max(1, maxAbs(wantY)) {
						t.Errorf("%v: y differs by %.3g", dt, d)
					}
					if d := maxAbsDiff(grads["x"], wantDx); d > tol*math.Max(1, maxAbs(wantDx)) {
						t.Errorf("%v: dx differs by %.3g", dt, d)
					}
				}
			})
		}
	}
}

func TestSoftmaxGradCheck(t *testing.T) {
	rng := graph.NewRand(32)
	for _, cfg := range softmaxConfigs() {
		if len(cfg.shape) == 4 && cfg.shape[1] == 21 {
			continue // big; covered by the naive comparison
		}
		for _, log := range []bool{false, true} {
			fn := softmaxFn(log, cfg.axis)
			gradCheck(t, fmt.Sprintf("%v-axis%d-log%v", cfg.shape, cfg.axis, log), []*tensor.Dense{randTensor(rng, cfg.shape...)},
				func(b *graph.Builder, xs []*G.Node) (*G.Node, error) { return fn(xs[0]) })
		}
	}
}

func TestSoftmaxStableForExtremeInputs(t *testing.T) {
	x := tensor.New(tensor.WithShape(2, 3), tensor.WithBacking([]float64{1e4, -1e4, 0, 1e4, 1e4, 1e4}))
	dy := tensor.New(tensor.WithShape(2, 3), tensor.WithBacking([]float64{1, 2, 3, 4, 5, 6}))
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		for _, log := range []bool{false, true} {
			y, _, grads, err := forwardBackward(dt, map[string]*tensor.Dense{"x": x}, []string{"x"}, dy,
				func(_ *graph.Builder, xs map[string]*G.Node) (*G.Node, error) { return softmaxFn(log, 1)(xs["x"]) })
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range append(y, grads["x"]...) {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("%v log=%v: y %v dx %v", dt, log, y, grads["x"])
				}
			}
			want := []float64{1, 0, 0, 1.0 / 3, 1.0 / 3, 1.0 / 3}
			if log {
				want = []float64{0, -2e4, -1e4, -math.Log(3), -math.Log(3), -math.Log(3)}
			}
			if d := maxAbsDiff(y, want); d > 1e-6*math.Max(1, maxAbs(want)) {
				t.Errorf("%v log=%v: y %v, want %v", dt, log, y, want)
			}
		}
	}
}

func TestSoftmaxShapes(t *testing.T) {
	rng := graph.NewRand(33)
	for _, cfg := range softmaxConfigs() {
		for _, log := range []bool{false, true} {
			fn := softmaxFn(log, cfg.axis)
			checkShapeAgreement(t, fmt.Sprint(cfg), []*tensor.Dense{randTensor(rng, cfg.shape...)}, func(xs []*G.Node) (*G.Node, error) { return fn(xs[0]) })
		}
	}
}

func TestSoftmaxBadArguments(t *testing.T) {
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float64, 2, G.WithShape(3, 4), G.WithName("x"))
	xi := G.NewTensor(g, tensor.Int, 2, G.WithShape(3, 4), G.WithName("xi"))
	s := G.NewScalar(g, tensor.Float64, G.WithName("s"))
	runBadCases(t, []badCase{
		{"axis-high", func() (*G.Node, error) { return ops.Softmax(x, 2) }, "ops: Softmax: axis 2 is out of range for rank 2 (valid -2..1)", graph.ErrArg},
		{"axis-low", func() (*G.Node, error) { return ops.LogSoftmax(x, -3) }, "ops: LogSoftmax: axis -3 is out of range for rank 2 (valid -2..1)", graph.ErrArg},
		{"scalar", func() (*G.Node, error) { return ops.Softmax(s, 0) }, "ops: Softmax: input must have at least one axis, got a scalar", graph.ErrShape},
		{"int", func() (*G.Node, error) { return ops.LogSoftmax(xi, 1) }, "ops: LogSoftmax: input must be float32 or float64, got int", graph.ErrArg},
		{"nil", func() (*G.Node, error) { return ops.Softmax(nil, 1) }, "ops: Softmax: input is nil", graph.ErrArg},
	})
}

// Gorgonia merges SoftMax(x) and LogSoftMax(x); these stay apart.
func TestSoftmaxAndLogSoftmaxAreDistinct(t *testing.T) {
	b := graph.NewBuilder(graph.Eval)
	x := b.InputValue("x", tensor.New(tensor.WithShape(1, 2), tensor.WithBacking([]float64{0, 0})))
	s, _ := ops.Softmax(x, 1)
	l, _ := ops.LogSoftmax(x, 1)
	s2, _ := ops.Softmax(x, 1)
	if s == l || s == s2 {
		t.Fatal("nodes were merged")
	}
	m, _ := graph.NewMachine(b.Graph())
	defer m.Close()
	if err := graph.Run(m); err != nil {
		t.Fatal(err)
	}
	if sv, lv := s.Value().Data().([]float64), l.Value().Data().([]float64); sv[0] != 0.5 || math.Abs(lv[0]-math.Log(0.5)) > 1e-15 {
		t.Fatalf("softmax %v, log-softmax %v", sv, lv)
	}
}

func ExampleSoftmax() {
	b := graph.NewBuilder(graph.Eval)
	x := b.InputValue("x", tensor.New(tensor.WithShape(2, 3), tensor.WithBacking([]float64{1, 2, 3, 0, 0, 1e4})))
	y, err := ops.Softmax(x, 1)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%.4f\n", runExample(b, y)[0].Data())
	// Output: [0.0900 0.2447 0.6652 0.0000 0.0000 1.0000]
}

func BenchmarkSoftmax(bm *testing.B) {
	rng := graph.NewRand(1)
	x := castTo(randTensor(rng, 64, 1000), tensor.Float32)
	b := graph.NewBuilder(graph.Train)
	xn := b.InputValue("x", x)
	y, _ := ops.LogSoftmax(xn, 1)
	cost, _ := G.Sum(y)
	benchRun(bm, b, cost, xn)
}
