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

// naiveConcat places each input's elements at their coordinates shifted
// along axis; the gradient of input i reads dy at the same place.
func naiveConcat(xs [][]float64, shapes [][]int, axis int, dy []float64) (y []float64, outShape []int, dxs [][]float64) {
	outShape = append([]int(nil), shapes[0]...)
	outShape[axis] = 0
	for _, s := range shapes {
		outShape[axis] += s[axis]
	}
	size := 1
	for _, d := range outShape {
		size *= d
	}
	y = make([]float64, size)
	off := 0
	for i, x := range xs {
		dx := make([]float64, len(x))
		for j, v := range x {
			c := unravel(j, shapes[i])
			c[axis] += off
			y[ravel(c, outShape)] = v
			if dy != nil {
				dx[j] = dy[ravel(c, outShape)]
			}
		}
		dxs = append(dxs, dx)
		off += shapes[i][axis]
	}
	return y, outShape, dxs
}

type concatConfig struct {
	shapes [][]int
	axis   int
}

func concatConfigs() []concatConfig {
	return []concatConfig{
		{[][]int{{2, 3}, {2, 5}}, 1},
		{[][]int{{2, 3}, {4, 3}, {1, 3}}, 0},
		{[][]int{{2, 3, 4, 4}, {2, 5, 4, 4}}, 1},
		{[][]int{{2, 3, 4, 4}, {2, 5, 4, 4}, {2, 1, 4, 4}, {2, 2, 4, 4}}, -3},
		{[][]int{{2, 3, 4, 4}, {2, 3, 2, 4}}, 2},
		{[][]int{{2, 3, 4, 4}, {2, 3, 4, 1}}, -1},
		{[][]int{{3, 2, 2, 2, 2}, {3, 4, 2, 2, 2}}, 1},
		{[][]int{{5}, {3}}, 0},
		{[][]int{{2, 4, 3}}, 1},
		{[][]int{{8, 32, 16, 16}, {8, 16, 16, 16}}, 1},
	}
}

func TestConcatMatchesNaive(t *testing.T) {
	rng := graph.NewRand(61)
	for _, cfg := range concatConfigs() {
		t.Run(fmt.Sprintf("%v-axis%d", cfg.shapes, cfg.axis), func(t *testing.T) {
			axis := cfg.axis
			if axis < 0 {
				axis += len(cfg.shapes[0])
			}
			inputs := map[string]*tensor.Dense{}
			var xs [][]float64
			var wrt []string
			for i, s := range cfg.shapes {
				x := randTensor(rng, s...)
				name := fmt.Sprintf("x%02d", i)
				inputs[name] = x
				wrt = append(wrt, name)
				xs = append(xs, x.Float64s())
			}
			_, outShape, _ := naiveConcat(xs, cfg.shapes, axis, nil)
			dy := randTensor(rng, outShape...)
			wantY, _, wantDx := naiveConcat(xs, cfg.shapes, axis, dy.Float64s())
			for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
				y, shape, grads, err := forwardBackward(dt, inputs, wrt, dy, func(_ *graph.Builder, m map[string]*G.Node) (*G.Node, error) {
					nodes := make([]*G.Node, len(wrt))
					for i, name := range wrt {
						nodes[i] = m[name]
					}
					return ops.Concat(cfg.axis, nodes...)
				})
				if err != nil {
					t.Fatalf("%v: %+v", dt, err)
				}
				if !graph.SameShape(shape, outShape) {
					t.Fatalf("shape %v, want %v", shape, outShape)
				}
				tol := 0.0
				if dt == tensor.Float32 {
					tol = 1e-6 * math.Max(1, maxAbs(wantY))
				}
				if d := maxAbsDiff(y, wantY); d > tol {
					t.Errorf("%v: y differs by %.3g", dt, d)
				}
				for i, name := range wrt {
					if d := maxAbsDiff(grads[name], wantDx[i]); d > 1e-6 {
						t.Errorf("%v: d%s differs by %.3g", dt, name, d)
					}
				}
			}
		})
	}
}

func TestAddMatchesNaive(t *testing.T) {
	rng := graph.NewRand(62)
	for _, shape := range [][]int{{3}, {2, 3}, {2, 3, 4, 5}, {32, 64, 8, 8}} {
		for _, n := range []int{1, 2, 3, 5} {
			t.Run(fmt.Sprintf("%v-n%d", shape, n), func(t *testing.T) {
				inputs := map[string]*tensor.Dense{}
				var wrt []string
				want := make([]float64, randTensor(rng, shape...).Shape().TotalSize())
				for i := 0; i < n; i++ {
					x := randTensor(rng, shape...)
					name := fmt.Sprintf("x%d", i)
					inputs[name] = x
					wrt = append(wrt, name)
					for j, v := range x.Float64s() {
						want[j] += v
					}
				}
				dy := randTensor(rng, shape...)
				for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
					y, _, grads, err := forwardBackward(dt, inputs, wrt, dy, func(_ *graph.Builder, m map[string]*G.Node) (*G.Node, error) {
						nodes := make([]*G.Node, len(wrt))
						for i, name := range wrt {
							nodes[i] = m[name]
						}
						return ops.Add(nodes...)
					})
					if err != nil {
						t.Fatalf("%v: %+v", dt, err)
					}
					tol := 1e-12
					if dt == tensor.Float32 {
						tol = 1e-5
					}
					if d := maxAbsDiff(y, want); d > tol*math.Max(1, maxAbs(want)) {
						t.Errorf("%v: y differs by %.3g", dt, d)
					}
					for _, name := range wrt {
						if d := maxAbsDiff(grads[name], dy.Float64s()); d > tol {
							t.Errorf("%v: d%s differs from dy by %.3g", dt, name, d)
						}
					}
				}
			})
		}
	}
}

// The same node added to itself (a residual with an identity body) gets
// twice the gradient.
func TestAddSameNodeTwice(t *testing.T) {
	rng := graph.NewRand(63)
	x, dy := randTensor(rng, 2, 3), randTensor(rng, 2, 3)
	_, _, grads, err := forwardBackward(tensor.Float64, map[string]*tensor.Dense{"x": x}, []string{"x"}, dy, func(_ *graph.Builder, m map[string]*G.Node) (*G.Node, error) {
		return ops.Add(m["x"], m["x"])
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range dy.Float64s() {
		if grads["x"][i] != 2*v {
			t.Fatalf("dx %v, want 2·%v", grads["x"], dy.Float64s())
		}
	}
}

func TestScale(t *testing.T) {
	rng := graph.NewRand(64)
	x, dy := randTensor(rng, 2, 3, 4), randTensor(rng, 2, 3, 4)
	for _, s := range []float64{0, 0.17, -2} {
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			y, _, grads, err := forwardBackward(dt, map[string]*tensor.Dense{"x": x}, []string{"x"}, dy, func(_ *graph.Builder, m map[string]*G.Node) (*G.Node, error) {
				return ops.Scale(m["x"], s)
			})
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range x.Float64s() {
				if math.Abs(y[i]-s*v) > 1e-6 || math.Abs(grads["x"][i]-s*dy.Float64s()[i]) > 1e-6 {
					t.Fatalf("s=%v %v: y[%d]=%v dx=%v", s, dt, i, y[i], grads["x"][i])
				}
			}
		}
	}
	// a scalar (a loss) can be scaled too, and differentiated through
	logits, labels := randTensor(rng, 3, 4), oneHot(rng, 3, 4)
	loss, grad := runLoss(t, tensor.Float64, func(a, b *G.Node) (*G.Node, error) {
		l, err := ops.SoftmaxCrossEntropy(a, b)
		if err != nil {
			return nil, err
		}
		return ops.Scale(l, 0.5)
	}, logits, labels)
	wantLoss, wantGrad := naiveSoftmaxCE(logits.Float64s(), labels.Float64s(), []int{3, 4})
	if math.Abs(loss-0.5*wantLoss) > 1e-12 || maxAbsDiff(grad, scaled(wantGrad, 0.5)) > 1e-12 {
		t.Fatalf("scaled loss %v (want %v)", loss, 0.5*wantLoss)
	}
}

func scaled(v []float64, s float64) []float64 {
	out := make([]float64, len(v))
	for i := range v {
		out[i] = s * v[i]
	}
	return out
}

func TestCombineGradCheck(t *testing.T) {
	rng := graph.NewRand(65)
	for _, cfg := range concatConfigs() {
		if cfg.shapes[0][0] > 4 {
			continue
		}
		var inputs []*tensor.Dense
		for _, s := range cfg.shapes {
			inputs = append(inputs, randTensor(rng, s...))
		}
		gradCheck(t, fmt.Sprintf("concat%v-axis%d", cfg.shapes, cfg.axis), inputs, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
			return ops.Concat(cfg.axis, xs...)
		})
	}
	for _, shape := range [][]int{{4}, {2, 3, 2, 2}} {
		gradCheck(t, shapeName("add3", shape), []*tensor.Dense{randTensor(rng, shape...), randTensor(rng, shape...), randTensor(rng, shape...)},
			func(b *graph.Builder, xs []*G.Node) (*G.Node, error) { return ops.Add(xs...) })
		gradCheck(t, shapeName("scale", shape), []*tensor.Dense{randTensor(rng, shape...)},
			func(b *graph.Builder, xs []*G.Node) (*G.Node, error) { return ops.Scale(xs[0], 0.3) })
	}
	// a residual block: x + Scale(Tanh(x)), x used twice
	gradCheck(t, "residual", []*tensor.Dense{randTensor(rng, 2, 3, 2, 2)}, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
		h, err := ops.Tanh(xs[0])
		if err != nil {
			return nil, err
		}
		if h, err = ops.Scale(h, 0.2); err != nil {
			return nil, err
		}
		return ops.Add(xs[0], h)
	})
}

func TestCombineShapes(t *testing.T) {
	rng := graph.NewRand(66)
	for _, cfg := range concatConfigs() {
		var inputs []*tensor.Dense
		for _, s := range cfg.shapes {
			inputs = append(inputs, randTensor(rng, s...))
		}
		checkShapeAgreement(t, fmt.Sprint(cfg), inputs, func(xs []*G.Node) (*G.Node, error) { return ops.Concat(cfg.axis, xs...) })
		checkShapeAgreement(t, fmt.Sprint(cfg), inputs[:1], func(xs []*G.Node) (*G.Node, error) { return ops.Add(xs[0], xs[0]) })
		checkShapeAgreement(t, fmt.Sprint(cfg), inputs[:1], func(xs []*G.Node) (*G.Node, error) { return ops.Scale(xs[0], 2) })
	}
}

func TestCombineBadArguments(t *testing.T) {
	g := G.NewGraph()
	a := G.NewTensor(g, tensor.Float64, 4, G.WithShape(2, 3, 4, 4), G.WithName("a"))
	b := G.NewTensor(g, tensor.Float64, 4, G.WithShape(2, 5, 4, 4), G.WithName("b"))
	c := G.NewTensor(g, tensor.Float64, 4, G.WithShape(2, 3, 4, 5), G.WithName("c"))
	r3 := G.NewTensor(g, tensor.Float64, 3, G.WithShape(2, 3, 4), G.WithName("r3"))
	a32 := G.NewTensor(g, tensor.Float32, 4, G.WithShape(2, 3, 4, 4), G.WithName("a32"))
	ai := G.NewTensor(g, tensor.Int, 4, G.WithShape(2, 3, 4, 4), G.WithName("ai"))
	s := G.NewScalar(g, tensor.Float64, G.WithName("s"))
	runBadCases(t, []badCase{
		{"add-none", func() (*G.Node, error) { return ops.Add() }, "ops: Add: need at least one input, got none", graph.ErrArg},
		{"add-shape", func() (*G.Node, error) { return ops.Add(a, a, b) }, "ops: Add: input 2 has shape (2, 5, 4, 4), input 0 has (2, 3, 4, 4); all must be equal", graph.ErrShape},
		{"add-dtype", func() (*G.Node, error) { return ops.Add(a, a32) }, "ops: Add: dtypes differ: float64 and float32", graph.ErrArg},
		{"add-nil", func() (*G.Node, error) { return ops.Add(a, nil) }, "ops: Add: input 1 is nil", graph.ErrArg},
		{"add-int", func() (*G.Node, error) { return ops.Add(ai) }, "ops: Add: input 0 must be float32 or float64, got int", graph.ErrArg},
		{"add-scalar", func() (*G.Node, error) { return ops.Add(s, s) }, "ops: Add: input 0 is a scalar; inputs must be tensors", graph.ErrShape},
		{"concat-none", func() (*G.Node, error) { return ops.Concat(1) }, "ops: Concat: need at least one input, got none", graph.ErrArg},
		{"concat-other-axis", func() (*G.Node, error) { return ops.Concat(1, a, c) },
			"ops: Concat: input 1 has shape (2, 3, 4, 5), input 0 has (2, 3, 4, 4); they may differ only on axis 1, but differ on axis 3", graph.ErrShape},
		{"concat-rank", func() (*G.Node, error) { return ops.Concat(1, a, r3) },
			"ops: Concat: input 1 has rank 3 (shape (2, 3, 4)), input 0 has rank 4 (shape (2, 3, 4, 4))", graph.ErrShape},
		{"concat-axis", func() (*G.Node, error) { return ops.Concat(4, a, b) }, "ops: Concat: axis 4 is out of range for rank 4 (valid -4..3)", graph.ErrArg},
		{"concat-dtype", func() (*G.Node, error) { return ops.Concat(1, a, a32) }, "ops: Concat: dtypes differ: float64 and float32", graph.ErrArg},
		{"concat-scalar", func() (*G.Node, error) { return ops.Concat(0, s, s) }, "ops: Concat: inputs must have at least one axis, got a scalar", graph.ErrShape},
		{"concat-nil", func() (*G.Node, error) { return ops.Concat(1, a, nil) }, "ops: Concat: input 1 is nil", graph.ErrArg},
		{"scale-nan", func() (*G.Node, error) { return ops.Scale(a, math.NaN()) }, "ops: Scale: the factor must be finite, got NaN", graph.ErrArg},
		{"scale-inf", func() (*G.Node, error) { return ops.Scale(a, math.Inf(-1)) }, "ops: Scale: the factor must be finite, got -Inf", graph.ErrArg},
		{"scale-nil", func() (*G.Node, error) { return ops.Scale(nil, 1) }, "ops: Scale: input is nil", graph.ErrArg},
	})
}

func TestCombineAreDistinctNodes(t *testing.T) {
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float64, 2, G.WithShape(3, 4), G.WithName("x"))
	a1, _ := ops.Add(x, x)
	a2, _ := ops.Add(x, x)
	c1, _ := ops.Concat(1, x, x)
	c2, _ := ops.Concat(1, x, x)
	s1, _ := ops.Scale(x, 2)
	s2, _ := ops.Scale(x, 2)
	if a1 == a2 || c1 == c2 || s1 == s2 {
		t.Fatal("nodes were merged")
	}
}

func ExampleConcat() {
	b := graph.NewBuilder(graph.Eval)
	// two feature maps of one image, 1 and 2 channels of 1x2 pixels
	x1 := b.InputValue("x1", tensor.New(tensor.WithShape(1, 1, 1, 2), tensor.WithBacking([]float64{1, 2})))
	x2 := b.InputValue("x2", tensor.New(tensor.WithShape(1, 2, 1, 2), tensor.WithBacking([]float64{3, 4, 5, 6})))
	y, err := ops.Concat(1, x1, x2)
	if err != nil {
		panic(err)
	}
	fmt.Println(y.Shape(), runExample(b, y)[0].Data())
	// Output: (1, 3, 1, 2) [1 2 3 4 5 6]
}

func ExampleAdd() {
	b := graph.NewBuilder(graph.Eval)
	x := b.InputValue("x", tensor.New(tensor.WithShape(1, 3), tensor.WithBacking([]float64{1, 2, 3})))
	body, err := ops.Scale(x, 0.1) // a residual body, scaled as in Inception-ResNet
	if err != nil {
		panic(err)
	}
	y, err := ops.Add(x, body)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%.1f\n", runExample(b, y)[0].Data())
	// Output: [1.1 2.2 3.3]
}

func BenchmarkAdd(bm *testing.B) {
	rng := graph.NewRand(1)
	x := castTo(randTensor(rng, 32, 64, 32, 32), tensor.Float32)
	bm.Run("2x(32,64,32,32)-float32-fwd+bwd", func(bm *testing.B) {
		benchGraph(bm, func(b *graph.Builder) (*G.Node, []*G.Node, error) {
			a, c := b.InputValue("a", x), b.InputValue("c", x)
			y, err := ops.Add(a, c)
			return y, []*G.Node{a, c}, err
		})
	})
}

func BenchmarkConcat(bm *testing.B) {
	rng := graph.NewRand(1)
	x := castTo(randTensor(rng, 32, 64, 32, 32), tensor.Float32)
	bm.Run("2x(32,64,32,32)-axis1-float32-fwd+bwd", func(bm *testing.B) {
		benchGraph(bm, func(b *graph.Builder) (*G.Node, []*G.Node, error) {
			a, c := b.InputValue("a", x), b.InputValue("c", x)
			y, err := ops.Concat(1, a, c)
			return y, []*G.Node{a, c}, err
		})
	})
}
