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

// naiveReduce sums x over the axes in red by visiting every element and
// dropping the reduced coordinates; the gradient copies dy back.
func naiveReduce(x, dy []float64, shape []int, red []bool, mean bool) (y []float64, outShape []int, dx []float64) {
	count := 1
	for i, d := range shape {
		if red[i] {
			count *= d
		} else {
			outShape = append(outShape, d)
		}
	}
	size := 1
	for _, d := range outShape {
		size *= d
	}
	y = make([]float64, size)
	dx = make([]float64, len(x))
	outIndex := func(i int) int {
		c := unravel(i, shape)
		var oc []int
		for d := range shape {
			if !red[d] {
				oc = append(oc, c[d])
			}
		}
		return ravel(oc, outShape)
	}
	sc := 1.0
	if mean {
		sc = 1 / float64(count)
	}
	for i, v := range x {
		y[outIndex(i)] += v * sc
	}
	for i := range x {
		dx[i] = dy[outIndex(i)] * sc
	}
	return y, outShape, dx
}

func reduceFn(mean bool, axes []int) func(*G.Node) (*G.Node, error) {
	if mean {
		return func(x *G.Node) (*G.Node, error) { return ops.Mean(x, axes...) }
	}
	return func(x *G.Node) (*G.Node, error) { return ops.Sum(x, axes...) }
}

// every subset of axes of shapes of rank 1 to 5, sizes 1 included
func reduceConfigs() (out []struct {
	shape []int
	axes  []int
}) {
	shapes := [][]int{{5}, {3, 4}, {1, 3}, {2, 3, 4}, {2, 3, 4, 5}, {2, 1, 3, 2}, {3, 2, 1, 2, 3}, {2, 2, 3, 2, 2}}
	for _, s := range shapes {
		r := len(s)
		for mask := 0; mask < 1<<r; mask++ {
			var axes []int
			for a := 0; a < r; a++ {
				if mask&(1<<a) != 0 {
					axes = append(axes, a)
				}
			}
			out = append(out, struct {
				shape []int
				axes  []int
			}{s, axes})
		}
	}
	return out
}

func TestReduceMatchesNaive(t *testing.T) {
	rng := graph.NewRand(51)
	n := 0
	for _, cfg := range reduceConfigs() {
		for _, mean := range []bool{false, true} {
			n++
			t.Run(fmt.Sprintf("%v-axes%v-mean%v", cfg.shape, cfg.axes, mean), func(t *testing.T) {
				red := make([]bool, len(cfg.shape))
				for _, a := range cfg.axes {
					red[a] = true
				}
				if len(cfg.axes) == 0 {
					for i := range red {
						red[i] = true
					}
				}
				x := randTensor(rng, cfg.shape...)
				wantY, outShape, _ := naiveReduce(x.Float64s(), nil2(len(x.Float64s())), cfg.shape, red, mean)
				var dy *tensor.Dense
				if len(outShape) > 0 {
					dy = randTensor(rng, outShape...)
				} else {
					dy = tensor.New(tensor.FromScalar(rng.NormFloat64()))
				}
				dyv, _ := graph.Float64s(dy)
				_, _, wantDx := naiveReduce(x.Float64s(), dyv, cfg.shape, red, mean)
				for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
					tol := 1e-12
					if dt == tensor.Float32 {
						tol = 1e-5
					}
					y, shape, grads, err := forwardBackward(dt, map[string]*tensor.Dense{"x": x}, []string{"x"}, dy,
						func(_ *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
							return reduceFn(mean, cfg.axes)(xs["x"])
						})
					if err != nil {
						t.Fatalf("%v: %+v", dt, err)
					}
					if !graph.SameShape(shape, outShape) {
						t.Fatalf("%v: shape %v, want %v", dt, shape, outShape)
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
	if n < 200 {
		t.Fatalf("only %d configurations", n)
	}
}

func nil2(n int) []float64 { return make([]float64, n) }

// Large inputs take the parallel paths.
func TestReduceLarge(t *testing.T) {
	rng := graph.NewRand(52)
	x := randTensor(rng, 8, 16, 20, 20)
	for _, axes := range [][]int{{2, 3}, {0}, {1}, {0, 2}, {1, 3}, {}} {
		red := make([]bool, 4)
		for _, a := range axes {
			red[a] = true
		}
		if len(axes) == 0 {
			red = []bool{true, true, true, true}
		}
		want, outShape, _ := naiveReduce(x.Float64s(), make([]float64, 8*16*400), []int{8, 16, 20, 20}, red, true)
		y, _, _, err := forwardBackward(tensor.Float32, map[string]*tensor.Dense{"x": x}, nil, nil,
			func(_ *graph.Builder, xs map[string]*G.Node) (*G.Node, error) { return ops.Mean(xs["x"], axes...) })
		if err != nil {
			t.Fatal(err)
		}
		if d := maxAbsDiff(y, want); d > 1e-6 {
			t.Errorf("axes %v (out %v): differs by %.3g", axes, outShape, d)
		}
	}
}

func TestReduceGradCheck(t *testing.T) {
	rng := graph.NewRand(53)
	for _, c := range []struct {
		shape []int
		axes  []int
	}{{[]int{2, 3, 4, 5}, []int{2, 3}}, {[]int{2, 3, 4, 5}, []int{1}}, {[]int{2, 3, 4, 5}, []int{0, 2}}, {[]int{2, 3, 4}, nil},
		{[]int{3, 2, 2, 2, 2}, []int{2, 3, 4}}, {[]int{4}, []int{-1}}, {[]int{2, 3, 4}, []int{-2, 0}}} {
		for _, mean := range []bool{false, true} {
			fn := reduceFn(mean, c.axes)
			gradCheck(t, fmt.Sprintf("%v-%v-mean%v", c.shape, c.axes, mean), []*tensor.Dense{randTensor(rng, c.shape...)},
				func(b *graph.Builder, xs []*G.Node) (*G.Node, error) { return fn(xs[0]) })
		}
	}
}

func TestReduceShapes(t *testing.T) {
	rng := graph.NewRand(54)
	for _, c := range []struct {
		shape []int
		axes  []int
		want  []int
	}{
		{[]int{2, 3, 4, 5}, []int{2, 3}, []int{2, 3}},
		{[]int{2, 3, 4, 5}, []int{-1, 1}, []int{2, 4}},
		{[]int{2, 3, 4, 5}, nil, nil},
		{[]int{2, 3}, []int{0, 1}, nil},
		{[]int{7}, []int{0}, nil},
		{[]int{2, 3, 4, 5, 6}, []int{2, 3, 4}, []int{2, 3}},
	} {
		for _, mean := range []bool{false, true} {
			fn := reduceFn(mean, c.axes)
			name := fmt.Sprintf("%v-%v", c.shape, c.axes)
			checkShapeAgreement(t, name, []*tensor.Dense{randTensor(rng, c.shape...)}, func(xs []*G.Node) (*G.Node, error) {
				y, err := fn(xs[0])
				if err == nil && !graph.SameShape(y.Shape(), c.want) && !(len(c.want) == 0 && y.IsScalar()) {
					t.Errorf("%s: shape %v, want %v", name, y.Shape(), c.want)
				}
				return y, err
			})
		}
	}
}

func TestReduceBadArguments(t *testing.T) {
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float64, 4, G.WithShape(2, 3, 4, 5), G.WithName("x"))
	xi := G.NewTensor(g, tensor.Int, 2, G.WithShape(3, 4), G.WithName("xi"))
	s := G.NewScalar(g, tensor.Float64, G.WithName("s"))
	runBadCases(t, []badCase{
		{"axis-high", func() (*G.Node, error) { return ops.Sum(x, 4) }, "ops: Sum: axis 4 is out of range for rank 4 (valid -4..3)", graph.ErrArg},
		{"axis-low", func() (*G.Node, error) { return ops.Mean(x, 1, -5) }, "ops: Mean: axis -5 is out of range for rank 4 (valid -4..3)", graph.ErrArg},
		{"twice", func() (*G.Node, error) { return ops.Sum(x, 2, -2) }, "ops: Sum: axis 2 is given twice in [2 -2]", graph.ErrArg},
		{"scalar", func() (*G.Node, error) { return ops.Mean(s) }, "ops: Mean: input must have at least one axis, got a scalar", graph.ErrShape},
		{"int", func() (*G.Node, error) { return ops.Sum(xi, 1) }, "ops: Sum: input must be float32 or float64, got int", graph.ErrArg},
		{"nil", func() (*G.Node, error) { return ops.Mean(nil, 1) }, "ops: Mean: input is nil", graph.ErrArg},
	})
}

func TestReduceAreDistinctNodes(t *testing.T) {
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float64, 2, G.WithShape(3, 4), G.WithName("x"))
	a, _ := ops.Sum(x, 1)
	b, _ := ops.Sum(x, 1)
	c, _ := ops.Mean(x, 1)
	if a == b || a == c {
		t.Fatal("reductions were merged")
	}
}

// The course's global average pool: the mean over H and W of NCHW, the
// reduction Gorgonia gets wrong.
func ExampleMean() {
	b := graph.NewBuilder(graph.Eval)
	x := b.InputValue("x", tensor.New(tensor.WithShape(1, 2, 2, 2), tensor.WithBacking([]float64{1, 2, 3, 4, 10, 20, 30, 40})))
	gap, err := ops.Mean(x, 2, 3)
	if err != nil {
		panic(err)
	}
	fmt.Println(gap.Shape(), runExample(b, gap)[0].Data())
	// Output: (1, 2) [2.5 25]
}

func BenchmarkMean(bm *testing.B) {
	rng := graph.NewRand(1)
	x := castTo(randTensor(rng, 32, 64, 32, 32), tensor.Float32)
	benchGraph(bm, func(b *graph.Builder) (*G.Node, []*G.Node, error) {
		xn := b.InputValue("x", x)
		y, err := ops.Mean(xn, 2, 3)
		return y, []*G.Node{xn}, err
	})
}
