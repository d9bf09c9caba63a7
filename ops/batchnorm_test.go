package ops_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/internal/golden"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// naiveBatchNorm is the course's batch normalisation, written out with the
// chain rule step by step (dx̂, dvar, dmean, dx) rather than the fused
// formula the op uses. It returns y, dx, dγ, dβ and the running statistics
// after the update (training) for upstream gradient dy.
func naiveBatchNorm(x, gamma, beta, runMean, runVar, dy []float64, shape []int, training bool, momentum, eps float64) (y, dx, dgamma, dbeta, newMean, newVar []float64) {
	n, c := shape[0], shape[1]
	s := 1
	for _, d := range shape[2:] {
		s *= d
	}
	idx := func(i, ch, p int) int { return (i*c+ch)*s + p }
	m := float64(n * s)
	y, dx = make([]float64, len(x)), make([]float64, len(x))
	dgamma, dbeta = make([]float64, c), make([]float64, c)
	newMean, newVar = append([]float64(nil), runMean...), append([]float64(nil), runVar...)
	for ch := 0; ch < c; ch++ {
		g, b := 1.0, 0.0
		if gamma != nil {
			g = gamma[ch]
		}
		if beta != nil {
			b = beta[ch]
		}
		var mean, variance float64
		if training {
			for i := 0; i < n; i++ {
				for p := 0; p < s; p++ {
					mean += x[idx(i, ch, p)]
				}
			}
			mean /= m
			for i := 0; i < n; i++ {
				for p := 0; p < s; p++ {
					variance += (x[idx(i, ch, p)] - mean) * (x[idx(i, ch, p)] - mean)
				}
			}
			variance /= m
			newMean[ch] = (1-momentum)*runMean[ch] + momentum*mean
			newVar[ch] = (1-momentum)*runVar[ch] + momentum*variance*m/(m-1)
		} else {
			mean, variance = runMean[ch], runVar[ch]
		}
		std := math.Sqrt(variance + eps)
		var dvar, dmean, sumDxhat, sumXmu float64
		for i := 0; i < n; i++ {
			for p := 0; p < s; p++ {
				q := idx(i, ch, p)
				xhat := (x[q] - mean) / std
				y[q] = g*xhat + b
				dgamma[ch] += dy[q] * xhat
				dbeta[ch] += dy[q]
				dxhat := dy[q] * g
				dvar += dxhat * (x[q] - mean) * -0.5 * math.Pow(variance+eps, -1.5)
				sumDxhat += dxhat
				sumXmu += x[q] - mean
			}
		}
		dmean = -sumDxhat/std + dvar*-2*sumXmu/m
		for i := 0; i < n; i++ {
			for p := 0; p < s; p++ {
				q := idx(i, ch, p)
				dxhat := dy[q] * g
				if training {
					dx[q] = dxhat/std + dvar*2*(x[q]-mean)/m + dmean/m
				} else {
					dx[q] = dxhat / std
				}
			}
		}
	}
	return y, dx, dgamma, dbeta, newMean, newVar
}

func TestBatchNormMatchesPyTorch(t *testing.T) {
	f := loadGolden(t, "batch_norm.json")
	if len(f.Cases) != 4 {
		t.Fatalf("want 4 cases, got %d", len(f.Cases))
	}
	for _, c := range f.Cases {
		t.Run(c.Name, func(t *testing.T) {
			training, err := c.Bool("training")
			if err != nil {
				t.Fatal(err)
			}
			momentum, _ := c.Float("momentum")
			eps, _ := c.Float("eps")
			var stats [][2]*tensor.Dense // one pair per dtype run
			goldenCase(t, c, c.Inputs, []string{"x", "gamma", "beta"}, func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
				dt := xs["x"].Dtype()
				rm, rv := c.Extra["running_mean_before"].Dense(dt), c.Extra["running_var_before"].Dense(dt)
				stats = append(stats, [2]*tensor.Dense{rm, rv})
				if training {
					return ops.BatchNormTrain(xs["x"], xs["gamma"], xs["beta"], rm, rv, momentum, eps)
				}
				return ops.BatchNormEval(xs["x"], xs["gamma"], xs["beta"], rm, rv, eps)
			})
			if len(stats) != 2 {
				t.Fatalf("built %d graphs, want 2", len(stats))
			}
			for i, st := range stats {
				tol := []float64{tol64, tol32}[i]
				for j, key := range []string{"running_mean_after", "running_var_after"} {
					got, _ := graph.Float64s(st[j])
					if _, err := golden.Compare(got, []int{len(got)}, c.Extra[key], tol); err != nil {
						t.Errorf("%s (%v): %v", key, st[j].Dtype(), err)
					}
				}
			}
		})
	}
}

type bnConfig struct {
	shape    []int
	training bool
	affine   [2]bool // gamma, beta
	momentum float64
	eps      float64
}

func (c bnConfig) String() string {
	mode := "eval"
	if c.training {
		mode = "train"
	}
	return fmt.Sprintf("%v-%s-g%v-b%v-m%g-eps%g", c.shape, mode, c.affine[0], c.affine[1], c.momentum, c.eps)
}

func bnConfigs() []bnConfig {
	shapes := [][]int{{2, 3}, {7, 1}, {4, 5, 3}, {3, 2, 1}, {2, 3, 4, 5}, {1, 4, 3, 3}, {5, 2, 3, 1}, {2, 2, 2, 3, 2}, {1, 3, 2, 2, 2}, {16, 8, 9, 9}}
	var out []bnConfig
	for i, s := range shapes {
		for _, training := range []bool{true, false} {
			out = append(out, bnConfig{shape: s, training: training, affine: [2]bool{true, true}, momentum: 0.1, eps: 1e-5})
		}
		// vary the rest with the shape
		out = append(out,
			bnConfig{shape: s, training: true, affine: [2]bool{i%2 == 0, i%3 == 0}, momentum: []float64{0, 0.5, 1, 0.01}[i%4], eps: 1e-3},
			bnConfig{shape: s, training: false, affine: [2]bool{false, i%2 == 1}, momentum: 0.1, eps: 0.1})
	}
	return out
}

func TestBatchNormMatchesNaive(t *testing.T) {
	rng := graph.NewRand(21)
	for _, cfg := range bnConfigs() {
		t.Run(cfg.String(), func(t *testing.T) {
			c := cfg.shape[1]
			x := randTensor(rng, cfg.shape...)
			// a channel offset and scale so that the statistics matter
			for i := range x.Float64s() {
				x.Float64s()[i] = 3*x.Float64s()[i] + 2
			}
			dy := randTensor(rng, cfg.shape...)
			gamma, beta := randTensor(rng, c), randTensor(rng, c)
			rm, rv := randTensor(rng, c), uniformTensor(rng, 0.5, 2, c)
			var gs, bs []float64
			inputs := map[string]*tensor.Dense{"x": x}
			wrt := []string{"x"}
			if cfg.affine[0] {
				gs = gamma.Float64s()
				inputs["gamma"] = gamma
				wrt = append(wrt, "gamma")
			}
			if cfg.affine[1] {
				bs = beta.Float64s()
				inputs["beta"] = beta
				wrt = append(wrt, "beta")
			}
			wantY, wantDx, wantDg, wantDb, wantM, wantV := naiveBatchNorm(x.Float64s(), gs, bs, rm.Float64s(), rv.Float64s(), dy.Float64s(), cfg.shape, cfg.training, cfg.momentum, cfg.eps)
			for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
				tol := 1e-10
				if dt == tensor.Float32 {
					tol = 2e-4
				}
				rmT, rvT := castTo(rm, dt), castTo(rv, dt)
				y, shape, grads, err := forwardBackward(dt, inputs, wrt, dy, func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
					if cfg.training {
						return ops.BatchNormTrain(xs["x"], xs["gamma"], xs["beta"], rmT, rvT, cfg.momentum, cfg.eps)
					}
					return ops.BatchNormEval(xs["x"], xs["gamma"], xs["beta"], rmT, rvT, cfg.eps)
				})
				if err != nil {
					t.Fatalf("%v: %+v", dt, err)
				}
				if !tensor.Shape(shape).Eq(tensor.Shape(cfg.shape)) {
					t.Fatalf("%v: output shape %v", dt, shape)
				}
				check := func(what string, got, want []float64) {
					if d := maxAbsDiff(got, want); d > tol*math.Max(1, maxAbs(want)) {
						t.Errorf("%v: %s differs by %.3g (scale %.3g)", dt, what, d, maxAbs(want))
					}
				}
				check("y", y, wantY)
				check("dx", grads["x"], wantDx)
				if cfg.affine[0] {
					check("dgamma", grads["gamma"], wantDg)
				}
				if cfg.affine[1] {
					check("dbeta", grads["beta"], wantDb)
				}
				gotM, _ := graph.Float64s(rmT)
				gotV, _ := graph.Float64s(rvT)
				check("running mean", gotM, wantM)
				check("running var", gotV, wantV)
			}
		})
	}
}

func TestBatchNormGradCheck(t *testing.T) {
	rng := graph.NewRand(22)
	for _, cfg := range bnConfigs() {
		if cfg.shape[0] > 8 {
			continue // the 16x8x9x9 case is for the kernel comparison only
		}
		t.Run(cfg.String(), func(t *testing.T) {
			c := cfg.shape[1]
			x := randTensor(rng, cfg.shape...)
			inputs := []*tensor.Dense{x}
			if cfg.affine[0] {
				inputs = append(inputs, randTensor(rng, c))
			}
			if cfg.affine[1] {
				inputs = append(inputs, randTensor(rng, c))
			}
			rm, rv := randTensor(rng, c), uniformTensor(rng, 0.5, 2, c)
			gradCheck(t, cfg.String(), inputs, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
				var gamma, beta *G.Node
				rest := xs[1:]
				if cfg.affine[0] {
					gamma, rest = rest[0], rest[1:]
				}
				if cfg.affine[1] {
					beta = rest[0]
				}
				if cfg.training {
					return ops.BatchNormTrain(xs[0], gamma, beta, rm, rv, cfg.momentum, cfg.eps)
				}
				return ops.BatchNormEval(xs[0], gamma, beta, rm, rv, cfg.eps)
			})
		})
	}
}

// Inputs far from zero with a small spread (where a naive E[x²]-E[x]²
// would lose every digit) are normalised accurately.
func TestBatchNormLargeOffset(t *testing.T) {
	rng := graph.NewRand(24)
	shape := []int{8, 3, 5, 5}
	x := randTensor(rng, shape...)
	for i, v := range x.Float64s() {
		x.Float64s()[i] = 1e4 + 1e-2*v
	}
	dy := randTensor(rng, shape...)
	rm, rv := randTensor(rng, 3), uniformTensor(rng, 1, 2, 3)
	wantY, wantDx, _, _, wantM, wantV := naiveBatchNorm(x.Float64s(), nil, nil, rm.Float64s(), rv.Float64s(), dy.Float64s(), shape, true, 0.1, 1e-8)
	y, _, grads, err := forwardBackward(tensor.Float64, map[string]*tensor.Dense{"x": x}, []string{"x"}, dy, func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
		return ops.BatchNormTrain(xs["x"], nil, nil, rm, rv, 0.1, 1e-8)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what      string
		got, want []float64
	}{{"y", y, wantY}, {"dx", grads["x"], wantDx}, {"running mean", rm.Float64s(), wantM}, {"running var", rv.Float64s(), wantV}} {
		if d := maxAbsDiff(c.got, c.want); d > 1e-6*math.Max(1, maxAbs(c.want)) {
			t.Errorf("%s differs by %.3g (scale %.3g)", c.what, d, maxAbs(c.want))
		}
	}
}

// Training mode without running statistics normalises and updates nothing.
func TestBatchNormTrainWithoutRunningStats(t *testing.T) {
	x := tensor.New(tensor.WithShape(4, 1), tensor.WithBacking([]float64{1, 2, 3, 6}))
	y, _, _, err := forwardBackward(tensor.Float64, map[string]*tensor.Dense{"x": x}, nil, nil, func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
		return ops.BatchNormTrain(xs["x"], nil, nil, nil, nil, 0.1, 1e-5)
	})
	if err != nil {
		t.Fatal(err)
	}
	mean, sq := 0.0, 0.0
	for _, v := range y {
		mean += v / 4
		sq += v * v / 4
	}
	if math.Abs(mean) > 1e-12 || math.Abs(sq-1) > 1e-4 {
		t.Fatalf("output %v: mean %v, E[y²] %v", y, mean, sq)
	}
}

// Running the same training graph k times applies the momentum update k times.
func TestBatchNormRunningStatsAccumulate(t *testing.T) {
	b := graph.NewBuilder(graph.Train)
	x := b.InputValue("x", tensor.New(tensor.WithShape(2, 1, 2), tensor.WithBacking([]float32{1, 2, 3, 4})))
	rm := tensor.New(tensor.WithShape(1), tensor.WithBacking([]float32{0}))
	rv := tensor.New(tensor.WithShape(1), tensor.WithBacking([]float32{1}))
	if _, err := ops.BatchNormTrain(x, nil, nil, rm, rv, 0.5, 1e-5); err != nil {
		t.Fatal(err)
	}
	m, err := graph.NewMachine(b.Graph())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	wantM, wantV := 0.0, 1.0
	for k := 0; k < 3; k++ {
		if err := graph.Run(m); err != nil {
			t.Fatal(err)
		}
		wantM = 0.5*wantM + 0.5*2.5
		wantV = 0.5*wantV + 0.5*(5.0/3)
		if math.Abs(float64(rm.Float32s()[0])-wantM) > 1e-6 || math.Abs(float64(rv.Float32s()[0])-wantV) > 1e-6 {
			t.Fatalf("run %d: running mean %v var %v, want %v %v", k, rm.Float32s(), rv.Float32s(), wantM, wantV)
		}
	}
}

// An eval graph reads the running statistics at run time, so a later change
// (a training graph's update) is seen without rebuilding.
func TestBatchNormEvalReadsStatsAtRunTime(t *testing.T) {
	rm := tensor.New(tensor.WithShape(1), tensor.WithBacking([]float64{0}))
	rv := tensor.New(tensor.WithShape(1), tensor.WithBacking([]float64{1}))
	b := graph.NewBuilder(graph.Eval)
	x := b.InputValue("x", tensor.New(tensor.WithShape(1, 1), tensor.WithBacking([]float64{3})))
	y, err := ops.BatchNormEval(x, nil, nil, rm, rv, 1e-12)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := graph.NewMachine(b.Graph())
	defer m.Close()
	if err := graph.Run(m); err != nil {
		t.Fatal(err)
	}
	if got := y.Value().Data().([]float64)[0]; math.Abs(got-3) > 1e-9 {
		t.Fatalf("y = %v, want 3", got)
	}
	rm.Float64s()[0], rv.Float64s()[0] = 1, 4
	if err := graph.Run(m); err != nil {
		t.Fatal(err)
	}
	if got := y.Value().Data().([]float64)[0]; math.Abs(got-1) > 1e-9 {
		t.Fatalf("after changing the stats y = %v, want 1", got)
	}
}

func TestBatchNormShapes(t *testing.T) {
	rng := graph.NewRand(23)
	for _, cfg := range bnConfigs() {
		c := cfg.shape[1]
		rm, rv := randTensor(rng, c), uniformTensor(rng, 0.5, 2, c)
		inputs := []*tensor.Dense{randTensor(rng, cfg.shape...), randTensor(rng, c), randTensor(rng, c)}
		checkShapeAgreement(t, cfg.String(), inputs, func(xs []*G.Node) (*G.Node, error) {
			dt := xs[0].Dtype()
			if cfg.training {
				return ops.BatchNormTrain(xs[0], xs[1], xs[2], castTo(rm, dt), castTo(rv, dt), cfg.momentum, cfg.eps)
			}
			return ops.BatchNormEval(xs[0], xs[1], xs[2], castTo(rm, dt), castTo(rv, dt), cfg.eps)
		})
	}
}

func TestBatchNormBadArguments(t *testing.T) {
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float64, 4, G.WithShape(2, 3, 4, 4), G.WithName("x"))
	x1 := G.NewTensor(g, tensor.Float64, 1, G.WithShape(3), G.WithName("x1"))
	x6 := G.NewTensor(g, tensor.Float64, 6, G.WithShape(1, 3, 1, 1, 1, 2), G.WithName("x6"))
	single := G.NewTensor(g, tensor.Float64, 4, G.WithShape(1, 3, 1, 1), G.WithName("single"))
	xi := G.NewTensor(g, tensor.Int, 4, G.WithShape(2, 3, 4, 4), G.WithName("xi"))
	g3 := G.NewTensor(g, tensor.Float64, 1, G.WithShape(3), G.WithName("g3"))
	g4 := G.NewTensor(g, tensor.Float64, 1, G.WithShape(4), G.WithName("g4"))
	g2d := G.NewTensor(g, tensor.Float64, 2, G.WithShape(1, 3), G.WithName("g2d"))
	g32 := G.NewTensor(g, tensor.Float32, 1, G.WithShape(3), G.WithName("g32"))
	rm := tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(3))
	rv := tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(3))
	rm4 := tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(4))
	rm32 := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(3))
	cases := []badCase{
		{"rank1", func() (*G.Node, error) { return ops.BatchNormTrain(x1, nil, nil, nil, nil, 0.1, 1e-5) }, "ops: BatchNormTrain: input must have rank 2 or 3 or 4 or 5, got shape (3)", graph.ErrShape},
		{"rank6", func() (*G.Node, error) { return ops.BatchNormEval(x6, nil, nil, rm, rv, 1e-5) }, "ops: BatchNormEval: input must have rank 2 or 3 or 4 or 5, got shape (1, 3, 1, 1, 1, 2)", graph.ErrShape},
		{"int", func() (*G.Node, error) { return ops.BatchNormTrain(xi, nil, nil, nil, nil, 0.1, 1e-5) }, "ops: BatchNormTrain: input must be float32 or float64, got int", graph.ErrArg},
		{"nil", func() (*G.Node, error) { return ops.BatchNormTrain(nil, nil, nil, nil, nil, 0.1, 1e-5) }, "ops: BatchNormTrain: input is nil", graph.ErrArg},
		{"gamma-channels", func() (*G.Node, error) { return ops.BatchNormTrain(x, g4, nil, rm, rv, 0.1, 1e-5) }, "ops: BatchNormTrain: gamma must have shape (3) for 3 channels, got (4)", graph.ErrShape},
		{"beta-rank", func() (*G.Node, error) { return ops.BatchNormTrain(x, g3, g2d, rm, rv, 0.1, 1e-5) }, "ops: BatchNormTrain: beta must have rank 1, got shape (1, 3)", graph.ErrShape},
		{"gamma-dtype", func() (*G.Node, error) { return ops.BatchNormEval(x, g32, nil, rm, rv, 1e-5) }, "ops: BatchNormEval: dtypes differ: float64 and float32", graph.ErrArg},
		{"eps-zero", func() (*G.Node, error) { return ops.BatchNormTrain(x, nil, nil, rm, rv, 0.1, 0) }, "ops: BatchNormTrain: eps must be finite and > 0, got 0", graph.ErrArg},
		{"eps-negative", func() (*G.Node, error) { return ops.BatchNormEval(x, nil, nil, rm, rv, -1) }, "ops: BatchNormEval: eps must be finite and > 0, got -1", graph.ErrArg},
		{"momentum-high", func() (*G.Node, error) { return ops.BatchNormTrain(x, nil, nil, rm, rv, 1.5, 1e-5) }, "ops: BatchNormTrain: momentum must be in [0, 1], got 1.5", graph.ErrArg},
		{"momentum-nan", func() (*G.Node, error) { return ops.BatchNormTrain(x, nil, nil, rm, rv, math.NaN(), 1e-5) }, "ops: BatchNormTrain: momentum must be in [0, 1], got NaN", graph.ErrArg},
		{"single-value", func() (*G.Node, error) { return ops.BatchNormTrain(single, nil, nil, rm, rv, 0.1, 1e-5) }, "ops: BatchNormTrain: need more than 1 value per channel in training mode, got input shape (1, 3, 1, 1)", graph.ErrShape},
		{"stats-missing", func() (*G.Node, error) { return ops.BatchNormEval(x, nil, nil, nil, nil, 1e-5) }, "ops: BatchNormEval: running mean and variance are required", graph.ErrArg},
		{"stats-half", func() (*G.Node, error) { return ops.BatchNormTrain(x, nil, nil, rm, nil, 0.1, 1e-5) }, "ops: BatchNormTrain: running mean and variance must both be given or both be nil", graph.ErrArg},
		{"stats-shape", func() (*G.Node, error) { return ops.BatchNormTrain(x, nil, nil, rm4, rv, 0.1, 1e-5) }, "ops: BatchNormTrain: running mean must have shape (3) for 3 channels, got (4)", graph.ErrShape},
		{"stats-dtype", func() (*G.Node, error) { return ops.BatchNormEval(x, nil, nil, rm, rm32, 1e-5) }, "ops: BatchNormEval: running variance must have the input's dtype float64, got float32", graph.ErrArg},
	}
	runBadCases(t, cases)
}

func TestBatchNormAreDistinctNodes(t *testing.T) {
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float64, 2, G.WithShape(4, 3), G.WithName("x"))
	rm := tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(3))
	rv := tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(3))
	a, _ := ops.BatchNormTrain(x, nil, nil, rm, rv, 0.1, 1e-5)
	b, _ := ops.BatchNormTrain(x, nil, nil, rm, rv, 0.1, 1e-5)
	c, _ := ops.BatchNormEval(x, nil, nil, rm, rv, 1e-5)
	if a == b || a == c {
		t.Fatal("BatchNorm calls on one input were merged")
	}
}

func ExampleBatchNormTrain() {
	b := graph.NewBuilder(graph.Train)
	// two channels, batch of 4: channel 0 holds 1..4, channel 1 holds 10, 20, 30, 40
	x := b.InputValue("x", tensor.New(tensor.WithShape(4, 2), tensor.WithBacking([]float64{1, 10, 2, 20, 3, 30, 4, 40})))
	runMean := tensor.New(tensor.WithShape(2), tensor.WithBacking([]float64{0, 0}))
	runVar := tensor.New(tensor.WithShape(2), tensor.WithBacking([]float64{1, 1}))
	y, err := ops.BatchNormTrain(x, nil, nil, runMean, runVar, 0.1, 1e-5)
	if err != nil {
		panic(err)
	}
	m := G.NewTapeMachine(b.Graph())
	defer m.Close()
	if err := m.RunAll(); err != nil {
		panic(err)
	}
	fmt.Printf("y %.3f\n", y.Value().Data())
	fmt.Printf("running mean %.3f, running var %.4f\n", runMean.Data(), runVar.Data())
	// Output:
	// y [-1.342 -1.342 -0.447 -0.447 0.447 0.447 1.342 1.342]
	// running mean [0.250 2.500], running var [1.0667 17.5667]
}

func BenchmarkBatchNorm(bm *testing.B) {
	rng := graph.NewRand(1)
	shape := []int{32, 64, 32, 32}
	x := randTensor(rng, shape...)
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		bm.Run(fmt.Sprintf("32x64x32x32-%v-train-fwd+bwd", dt), func(bm *testing.B) {
			bm.SetBytes(int64(x.Shape().TotalSize()) * int64(dt.Size()))
			benchGraph(bm, func(b *graph.Builder) (*G.Node, []*G.Node, error) {
				xn := b.InputValue("x", castTo(x, dt))
				gamma := b.InputValue("gamma", castTo(randTensor(rng, 64), dt))
				beta := b.InputValue("beta", castTo(randTensor(rng, 64), dt))
				rm := castTo(randTensor(rng, 64), dt)
				rv := castTo(uniformTensor(rng, 1, 2, 64), dt)
				y, err := ops.BatchNormTrain(xn, gamma, beta, rm, rv, 0.1, 1e-5)
				return y, []*G.Node{xn, gamma, beta}, err
			})
		})
	}
}
