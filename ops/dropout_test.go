package ops_test

import (
	"fmt"
	"math"
	"runtime"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// dropoutGraph is a compiled graph y = Dropout(x, p, seed) with dx for the
// cost Σ y·r, where x and r are fixed.
type dropoutGraph struct {
	m      G.VM
	y, dx  G.Value
	x, r   []float64
	yn, xn *G.Node
}

func newDropoutGraph(t testing.TB, dt tensor.Dtype, shape []int, p float64, seed int64) *dropoutGraph {
	t.Helper()
	rng := graph.NewRand(41)
	x, r := uniformTensor(rng, 0.5, 1.5, shape...), randTensor(rng, shape...)
	b := graph.NewBuilder(graph.Train)
	xn := b.InputValue("x", castTo(x, dt))
	y, err := ops.Dropout(xn, p, seed)
	if err != nil {
		t.Fatal(err)
	}
	prod, err := G.HadamardProd(y, b.InputValue("r", castTo(r, dt)))
	if err != nil {
		t.Fatal(err)
	}
	cost, err := G.Sum(prod)
	if err != nil {
		t.Fatal(err)
	}
	grads, err := graph.Grad(cost, xn)
	if err != nil {
		t.Fatal(err)
	}
	d := &dropoutGraph{x: x.Float64s(), r: r.Float64s(), yn: y, xn: xn}
	G.Read(y, &d.y)
	G.Read(grads[0], &d.dx)
	if d.m, err = graph.NewMachine(b.Graph()); err != nil {
		t.Fatal(err)
	}
	return d
}

func (d *dropoutGraph) run(t testing.TB) (y, dx []float64) {
	t.Helper()
	if err := graph.Run(d.m); err != nil {
		t.Fatal(err)
	}
	y, _ = graph.ValueFloat64s(d.y)
	dx, _ = graph.ValueFloat64s(d.dx)
	return y, dx
}

// Each output is 0 or x/(1-p); the gradient uses the same mask; the kept
// fraction is 1-p and the mean over many runs is x.
func TestDropoutStatistics(t *testing.T) {
	for _, p := range []float64{0, 0.1, 0.2, 0.5, 0.8} {
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			t.Run(fmt.Sprintf("p%g-%v", p, dt), func(t *testing.T) {
				shape := []int{4, 3, 50}
				d := newDropoutGraph(t, dt, shape, p, 7)
				defer d.m.Close()
				n := len(d.x)
				const runs = 200
				sum := make([]float64, n)
				kept := 0
				tol := 1e-12
				if dt == tensor.Float32 {
					tol = 1e-6
				}
				for run := 0; run < runs; run++ {
					y, dx := d.run(t)
					for i := range y {
						switch {
						case y[i] == 0:
							if dx[i] != 0 {
								t.Fatalf("element %d dropped but its gradient is %v", i, dx[i])
							}
						case math.Abs(y[i]-d.x[i]/(1-p)) <= tol*10:
							kept++
							if math.Abs(dx[i]-d.r[i]/(1-p)) > tol*10*math.Max(1, math.Abs(d.r[i])) {
								t.Fatalf("element %d kept: gradient %v, want %v", i, dx[i], d.r[i]/(1-p))
							}
						default:
							t.Fatalf("element %d: y = %v, want 0 or %v", i, y[i], d.x[i]/(1-p))
						}
						sum[i] += y[i]
					}
				}
				total := float64(runs * n)
				frac := float64(kept) / total
				// binomial standard deviation of the fraction, 5 sigma
				sd := math.Sqrt(p * (1 - p) / total)
				if math.Abs(frac-(1-p)) > 5*sd+1e-12 {
					t.Errorf("kept fraction %.4f, want %.4f ± %.4f", frac, 1-p, 5*sd)
				}
				// the mean over all elements and runs of y/x is 1 (unbiased)
				ratio := 0.0
				for i := range sum {
					ratio += sum[i] / runs / d.x[i]
				}
				ratio /= float64(n)
				sdRatio := math.Sqrt(p/(1-p)) / math.Sqrt(total)
				if math.Abs(ratio-1) > 5*sdRatio+tol*10 {
					t.Errorf("mean of y/x = %.4f, want 1 ± %.4f", ratio, 5*sdRatio)
				}
			})
		}
	}
}

func dropoutMasks(t *testing.T, seed int64, runs int) [][]float64 {
	d := newDropoutGraph(t, tensor.Float32, []int{3, 40000}, 0.3, seed)
	defer d.m.Close()
	var out [][]float64
	for i := 0; i < runs; i++ {
		y, _ := d.run(t)
		out = append(out, y)
	}
	return out
}

func sameFloats(a, b []float64) bool {
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

// A new mask every run; the same seed gives the same sequence, also on one
// thread; another seed gives another sequence.
func TestDropoutReproducible(t *testing.T) {
	a := dropoutMasks(t, 5, 3)
	if sameFloats(a[0], a[1]) || sameFloats(a[1], a[2]) {
		t.Fatal("two runs drew the same mask")
	}
	prev := runtime.GOMAXPROCS(1)
	b := dropoutMasks(t, 5, 3)
	runtime.GOMAXPROCS(prev)
	for i := range a {
		if !sameFloats(a[i], b[i]) {
			t.Fatalf("run %d: the same seed gave another mask (GOMAXPROCS %d vs 1)", i, prev)
		}
	}
	c := dropoutMasks(t, 6, 1)
	if sameFloats(a[0], c[0]) {
		t.Fatal("seeds 5 and 6 drew the same mask")
	}
}

// Finite differences see a fixed mask because every evaluation builds the
// graph again from the same builder seed.
func TestDropoutGradCheck(t *testing.T) {
	rng := graph.NewRand(42)
	for _, p := range []float64{0, 0.25, 0.5, 0.9} {
		for _, shape := range [][]int{{7}, {3, 4}, {2, 3, 2, 2}} {
			gradCheck(t, shapeName("dropout", shape, "-p", p), []*tensor.Dense{randTensor(rng, shape...)}, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
				return ops.Dropout(xs[0], p, b.Seed())
			})
		}
	}
}

func TestDropoutShapes(t *testing.T) {
	rng := graph.NewRand(43)
	for _, shape := range [][]int{{1}, {5, 3}, {2, 3, 4, 5, 2}} {
		checkShapeAgreement(t, fmt.Sprint(shape), []*tensor.Dense{randTensor(rng, shape...)}, func(xs []*G.Node) (*G.Node, error) {
			return ops.Dropout(xs[0], 0.5, 1)
		})
	}
}

func TestDropoutBadArguments(t *testing.T) {
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float64, 2, G.WithShape(3, 4), G.WithName("x"))
	xi := G.NewTensor(g, tensor.Int, 2, G.WithShape(3, 4), G.WithName("xi"))
	s := G.NewScalar(g, tensor.Float64, G.WithName("s"))
	runBadCases(t, []badCase{
		{"p-one", func() (*G.Node, error) { return ops.Dropout(x, 1, 0) }, "ops: Dropout: p must be in [0, 1), got 1", graph.ErrArg},
		{"p-negative", func() (*G.Node, error) { return ops.Dropout(x, -0.1, 0) }, "ops: Dropout: p must be in [0, 1), got -0.1", graph.ErrArg},
		{"p-nan", func() (*G.Node, error) { return ops.Dropout(x, math.NaN(), 0) }, "ops: Dropout: p must be in [0, 1), got NaN", graph.ErrArg},
		{"int", func() (*G.Node, error) { return ops.Dropout(xi, 0.5, 0) }, "ops: Dropout: input must be float32 or float64, got int", graph.ErrArg},
		{"scalar", func() (*G.Node, error) { return ops.Dropout(s, 0.5, 0) }, "ops: Dropout: input must be a tensor, got a scalar", graph.ErrShape},
		{"nil", func() (*G.Node, error) { return ops.Dropout(nil, 0.5, 0) }, "ops: Dropout: input is nil", graph.ErrArg},
	})
}

// Two Dropouts on one input with the same p and seed are two nodes (Gorgonia
// merges its own).
func TestDropoutAreDistinctNodes(t *testing.T) {
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float64, 2, G.WithShape(3, 4), G.WithName("x"))
	a, _ := ops.Dropout(x, 0.5, 1)
	b, _ := ops.Dropout(x, 0.5, 1)
	c, _ := ops.Dropout(x, 0.2, 1)
	if a == b || a == c {
		t.Fatal("Dropout nodes were merged")
	}
}

func ExampleDropout() {
	b := graph.NewBuilder(graph.Train, graph.WithSeed(1))
	x := b.InputValue("x", tensor.New(tensor.WithShape(2, 4), tensor.WithBacking([]float64{1, 1, 1, 1, 1, 1, 1, 1})))
	y, err := ops.Dropout(x, 0.5, b.Seed())
	if err != nil {
		panic(err)
	}
	m := G.NewTapeMachine(b.Graph())
	defer m.Close()
	for run := 0; run < 2; run++ {
		m.Reset()
		if err := m.RunAll(); err != nil {
			panic(err)
		}
		fmt.Println(y.Value().Data()) // kept values are scaled by 1/(1-p) = 2
	}
	// Output:
	// [2 2 0 0 2 2 0 2]
	// [0 2 0 0 2 0 0 0]
}

func BenchmarkDropout(bm *testing.B) {
	rng := graph.NewRand(1)
	x := castTo(randTensor(rng, 32, 64, 32, 32), tensor.Float32)
	benchGraph(bm, func(b *graph.Builder) (*G.Node, []*G.Node, error) {
		xn := b.InputValue("x", x)
		y, err := ops.Dropout(xn, 0.5, b.Seed())
		return y, []*G.Node{xn}, err
	})
}
