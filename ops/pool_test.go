package ops_test

import (
	"errors"
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

// ---------------------------------------------------------------- parity with PyTorch

func poolByName(op string, nd int, c golden.Case) (func(x *G.Node) (*G.Node, error), error) {
	k, err := c.Ints("kernel", nd)
	if err != nil {
		return nil, err
	}
	s, err := c.Ints("stride", nd)
	if err != nil {
		return nil, err
	}
	p, err := c.Ints("pad", nd)
	if err != nil {
		return nil, err
	}
	switch {
	case op == "max" && nd == 1:
		return func(x *G.Node) (*G.Node, error) { return ops.MaxPool1D(x, k[0], s[0], p[0]) }, nil
	case op == "max" && nd == 2:
		return func(x *G.Node) (*G.Node, error) {
			return ops.MaxPool2D(x, [2]int{k[0], k[1]}, [2]int{s[0], s[1]}, [2]int{p[0], p[1]})
		}, nil
	case op == "max" && nd == 3:
		return func(x *G.Node) (*G.Node, error) {
			return ops.MaxPool3D(x, [3]int(k), [3]int(s), [3]int(p))
		}, nil
	case op == "avg" && nd == 1:
		return func(x *G.Node) (*G.Node, error) { return ops.AvgPool1D(x, k[0], s[0], p[0]) }, nil
	case op == "avg" && nd == 2:
		return func(x *G.Node) (*G.Node, error) {
			return ops.AvgPool2D(x, [2]int(k), [2]int(s), [2]int(p))
		}, nil
	case op == "avg" && nd == 3:
		return func(x *G.Node) (*G.Node, error) {
			return ops.AvgPool3D(x, [3]int(k), [3]int(s), [3]int(p))
		}, nil
	}
	return nil, fmt.Errorf("no pool %s %dD", op, nd)
}

func TestPoolMatchesPyTorch(t *testing.T) {
	for _, op := range []string{"max", "avg"} {
		for nd := 1; nd <= 3; nd++ {
			file := fmt.Sprintf("%s_pool%dd.json", op, nd)
			f := loadGolden(t, file)
			for _, c := range f.Cases {
				t.Run(c.Name, func(t *testing.T) {
					fn, err := poolByName(op, nd, c)
					if err != nil {
						t.Fatal(err)
					}
					goldenCase(t, c, c.Inputs, []string{"x"}, func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
						return fn(xs["x"])
					})
				})
			}
		}
	}
}

func TestGlobalAvgPoolMatchesPyTorch(t *testing.T) {
	f := loadGolden(t, "global_avg_pool.json")
	for _, c := range f.Cases {
		t.Run(c.Name, func(t *testing.T) {
			goldenCase(t, c, c.Inputs, []string{"x"}, func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
				return ops.GlobalAvgPool(xs["x"])
			})
		})
	}
}

// ---------------------------------------------------------------- naive reference

// poolCfg is one random pooling configuration for the reference tests.
type poolCfg struct {
	max        bool
	shape      []int // (N, C, spatial...)
	spec       ops.PoolSpec
	wantOut    []int // spatial output size by the formula
	nd         int
	pa         []int
	excludePad bool
}

func (c poolCfg) String() string {
	kind := "avg"
	if c.max {
		kind = "max"
	}
	s := fmt.Sprintf("%s%dd-x%v-k%v-s%v-p%v", kind, c.nd, c.shape, c.spec.Kernel, c.spec.Stride, c.spec.Pad)
	if c.spec.PadAfter != nil {
		s += fmt.Sprintf("-pa%v", c.spec.PadAfter)
	}
	if c.spec.Ceil {
		s += "-ceil"
	}
	if c.excludePad {
		s += "-excl"
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, " ", ","), ",", "x")
}

// poolOutSize is the course's formula out = (in - k + P_before + P_after)/S + 1
// (rounded down, or up in ceil mode with the last window starting inside
// the input or the leading padding).
func poolOutSize(in, k, s, pb, pa int, ceil bool) int {
	span := in + pb + pa - k
	if !ceil {
		return span/s + 1
	}
	out := int(math.Ceil(float64(span)/float64(s))) + 1
	if (out-1)*s >= in+pb {
		out--
	}
	return out
}

// randPoolCfg draws a random valid configuration with odd and small sizes.
func randPoolCfg(rng *rand.Rand, max bool, maxIn, maxBatch int) poolCfg {
	for {
		nd := 1 + rng.IntN(3)
		c := poolCfg{max: max, nd: nd}
		c.shape = []int{1 + rng.IntN(maxBatch), 1 + rng.IntN(3)}
		k, s, p, pa := make([]int, nd), make([]int, nd), make([]int, nd), make([]int, nd)
		asym := rng.IntN(4) == 0
		ok := true
		for a := 0; a < nd; a++ {
			in := 1 + rng.IntN(maxIn)
			c.shape = append(c.shape, in)
			k[a] = 1 + rng.IntN(3)
			s[a] = 1 + rng.IntN(3)
			p[a] = rng.IntN(k[a]/2 + 1)
			pa[a] = p[a]
			if asym {
				pa[a] = rng.IntN(k[a]/2 + 1)
			}
			if in+p[a]+pa[a] < k[a] {
				ok = false
			}
		}
		if !ok {
			continue
		}
		c.spec = ops.PoolSpec{Kernel: k, Stride: s, Pad: p, Ceil: rng.IntN(3) == 0}
		if asym {
			c.spec.PadAfter = pa
		}
		c.pa = pa
		if !max && rng.IntN(3) == 0 {
			c.spec.ExcludePad, c.excludePad = true, true
		}
		for a := 0; a < nd; a++ {
			c.wantOut = append(c.wantOut, poolOutSize(c.shape[2+a], k[a], s[a], p[a], pa[a], c.spec.Ceil))
		}
		return c
	}
}

// as3 lifts a spatial setting to three axes, with def for the missing
// leading ones.
func as3(v []int, def int) [3]int {
	out := [3]int{def, def, def}
	copy(out[3-len(v):], v)
	return out
}

// naivePool is the reference: for every plane and every output position o,
// the window covers input positions o·S - P_before + 0..k-1 on each axis;
// positions outside the input are padding (-Inf for max, 0 for avg). The
// average divides by the window clipped to the padded input (or by the
// number of input elements with excludePad). It returns y and dx for the
// output gradient dy (the argmax takes the first maximum in window order).
func naivePool(c poolCfg, x, dy []float64) (y, dx []float64) {
	in := as3(c.shape[2:], 1)
	out := as3(c.wantOut, 1)
	k := as3(c.spec.Kernel, 1)
	s := as3(c.spec.Stride, 1)
	pb := as3(c.spec.Pad, 0)
	pa := as3(c.pa, 0)
	planes := c.shape[0] * c.shape[1]
	inPlane, outPlane := in[0]*in[1]*in[2], out[0]*out[1]*out[2]
	y = make([]float64, planes*outPlane)
	dx = make([]float64, planes*inPlane)
	for p := 0; p < planes; p++ {
		for od := 0; od < out[0]; od++ {
			for oh := 0; oh < out[1]; oh++ {
				for ow := 0; ow < out[2]; ow++ {
					o := p*outPlane + (od*out[1]+oh)*out[2] + ow
					start := [3]int{od*s[0] - pb[0], oh*s[1] - pb[1], ow*s[2] - pb[2]}
					best, bestAt, sum, valid := math.Inf(-1), -1, 0.0, 0
					var members []int
					for i := 0; i < k[0]; i++ {
						for j := 0; j < k[1]; j++ {
							for l := 0; l < k[2]; l++ {
								d, h, w := start[0]+i, start[1]+j, start[2]+l
								if d < 0 || h < 0 || w < 0 || d >= in[0] || h >= in[1] || w >= in[2] {
									continue // padding
								}
								at := p*inPlane + (d*in[1]+h)*in[2] + w
								v := x[at]
								if bestAt < 0 || v > best {
									best, bestAt = v, at
								}
								sum += v
								valid++
								members = append(members, at)
							}
						}
					}
					if c.max {
						y[o] = best
						dx[bestAt] += dy[o]
						continue
					}
					div := 1
					for a := 0; a < 3; a++ {
						end := min(start[a]+k[a], in[a]+pa[a])
						div *= end - start[a]
					}
					if c.excludePad {
						div = valid
					}
					y[o] = sum / float64(div)
					for _, at := range members {
						dx[at] += dy[o] / float64(div)
					}
				}
			}
		}
	}
	return y, dx
}

// distinctTensor returns a tensor of the given shape whose values are a
// random permutation of {0, 1/8, 2/8, ...} shifted to be centred: no ties,
// exact in float32 too.
func distinctTensor(rng *rand.Rand, shape ...int) *tensor.Dense {
	n := 1
	for _, d := range shape {
		n *= d
	}
	data := make([]float64, n)
	for i, j := range rng.Perm(n) {
		data[i] = (float64(j) - float64(n)/2) / 8
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data))
}

func poolOp(c poolCfg) func(x *G.Node) (*G.Node, error) {
	return func(x *G.Node) (*G.Node, error) {
		if c.max {
			return ops.MaxPool(x, c.spec)
		}
		return ops.AvgPool(x, c.spec)
	}
}

func TestPoolMatchesNaive(t *testing.T) {
	rng := graph.NewRand(21)
	n := 150
	if testing.Short() {
		n = 40
	}
	for i := 0; i < n; i++ {
		for _, max := range []bool{true, false} {
			c := randPoolCfg(rng, max, 9, 3)
			t.Run(c.String(), func(t *testing.T) {
				x := distinctTensor(rng, c.shape...)
				outShape := append(c.shape[:2:2], c.wantOut...)
				up := randTensor(rng, outShape...)
				wantY, wantDx := naivePool(c, x.Float64s(), up.Float64s())
				comparePoolLike(t, x, up, outShape, wantY, wantDx, poolOp(c))
			})
		}
	}
}

// comparePoolLike runs fn on x in float64 and float32 with upstream up and
// compares the output shape and values and the input gradient with the
// reference.
func comparePoolLike(t *testing.T, x, up *tensor.Dense, outShape []int, wantY, wantDx []float64, fn func(x *G.Node) (*G.Node, error)) {
	t.Helper()
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		tol := 1e-12
		if dt == tensor.Float32 {
			tol = 1e-5
		}
		got, shape, grads, err := forwardBackward(dt, map[string]*tensor.Dense{"x": x}, []string{"x"}, up,
			func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) { return fn(xs["x"]) })
		if err != nil {
			t.Fatalf("%v: %+v", dt, err)
		}
		if !tensor.Shape(shape).Eq(tensor.Shape(outShape)) {
			t.Fatalf("%v: InferShape gives %v, the formula %v", dt, shape, outShape)
		}
		if err := closeTo(got, wantY, tol); err != nil {
			t.Fatalf("%v: output: %v", dt, err)
		}
		if err := closeTo(grads["x"], wantDx, tol); err != nil {
			t.Fatalf("%v: gradient: %v", dt, err)
		}
	}
}

// runShapes builds fn on an input of the given shape, runs the forward and
// backward graph and returns the shapes InferShape gave the output and its
// gradient input and the shapes Do produced.
func runShapes(t *testing.T, x *tensor.Dense, fn func(x *G.Node) (*G.Node, error)) (inferY, doY, inferDx, doDx tensor.Shape) {
	t.Helper()
	b := graph.NewBuilder(graph.Train)
	xn := b.InputValue("x", x)
	y, err := fn(xn)
	if err != nil {
		t.Fatal(err)
	}
	cost, err := G.Sum(y)
	if err != nil {
		t.Fatal(err)
	}
	grads, err := graph.Grad(cost, xn)
	if err != nil {
		t.Fatal(err)
	}
	var yv, dxv G.Value
	G.Read(y, &yv)
	G.Read(grads[0], &dxv)
	m, err := graph.NewMachine(b.Graph())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := graph.Run(m); err != nil {
		t.Fatal(err)
	}
	return y.Shape().Clone(), yv.Shape().Clone(), grads[0].Shape().Clone(), dxv.Shape().Clone()
}

func TestPoolInferShapeMatchesDo(t *testing.T) {
	rng := graph.NewRand(22)
	for i := 0; i < 30; i++ {
		c := randPoolCfg(rng, i%2 == 0, 9, 2)
		t.Run(c.String(), func(t *testing.T) {
			x := randTensor(rng, c.shape...)
			iy, dy, idx, ddx := runShapes(t, x, poolOp(c))
			want := tensor.Shape(append(c.shape[:2:2], c.wantOut...))
			if !iy.Eq(dy) || !iy.Eq(want) {
				t.Errorf("output: InferShape %v, Do %v, formula %v", iy, dy, want)
			}
			if !idx.Eq(ddx) || !idx.Eq(x.Shape()) {
				t.Errorf("gradient: InferShape %v, Do %v, input %v", idx, ddx, x.Shape())
			}
		})
	}
}

// closeTo compares two slices with a tolerance relative to the largest
// reference magnitude (at least 1).
func closeTo(got, want []float64, tol float64) error {
	if len(got) != len(want) {
		return fmt.Errorf("got %d values, want %d", len(got), len(want))
	}
	scale := 1.0
	for _, v := range want {
		scale = math.Max(scale, math.Abs(v))
	}
	for i := range got {
		if d := math.Abs(got[i] - want[i]); !(d <= tol*scale) {
			return fmt.Errorf("element %d: got %v, want %v", i, got[i], want[i])
		}
	}
	return nil
}

// ---------------------------------------------------------------- gradient checks

func TestPoolGradCheck(t *testing.T) {
	rng := graph.NewRand(23)
	n := 24
	if testing.Short() {
		n = 8
	}
	for i := 0; i < n; i++ {
		for _, max := range []bool{true, false} {
			c := randPoolCfg(rng, max, 6, 2)
			// distinct values, spaced far more than the finite-difference step
			x := distinctTensor(rng, c.shape...)
			gradCheck(t, c.String(), []*tensor.Dense{x}, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
				return poolOp(c)(xs[0])
			})
		}
	}
}

func TestGlobalAvgPoolGradCheck(t *testing.T) {
	rng := graph.NewRand(24)
	for _, shape := range [][]int{{1, 1, 1}, {2, 3, 5}, {2, 2, 3, 3}, {1, 3, 2, 3, 2}} {
		gradCheck(t, shapeName("gap", shape), []*tensor.Dense{randTensor(rng, shape...)}, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
			return ops.GlobalAvgPool(xs[0])
		})
	}
}

func TestGlobalAvgPoolMatchesNaive(t *testing.T) {
	rng := graph.NewRand(25)
	for _, shape := range [][]int{{1, 1, 1}, {3, 2, 7}, {2, 5, 3, 3}, {2, 3, 4, 4}, {1, 2, 7, 7}, {2, 3, 2, 3, 5}, {4, 8, 16, 16}} {
		t.Run(shapeName("gap", shape), func(t *testing.T) {
			x := randTensor(rng, shape...)
			up := randTensor(rng, shape[0], shape[1])
			planes, plane := shape[0]*shape[1], x.Shape().TotalSize()/(shape[0]*shape[1])
			wantY, wantDx := make([]float64, planes), make([]float64, planes*plane)
			for p := 0; p < planes; p++ {
				for i := 0; i < plane; i++ {
					wantY[p] += x.Float64s()[p*plane+i] / float64(plane)
					wantDx[p*plane+i] = up.Float64s()[p] / float64(plane)
				}
			}
			comparePoolLike(t, x, up, shape[:2], wantY, wantDx, ops.GlobalAvgPool)
			iy, dy, idx, ddx := runShapes(t, x, ops.GlobalAvgPool)
			if !iy.Eq(dy) || !idx.Eq(ddx) {
				t.Errorf("InferShape %v/%v, Do %v/%v", iy, idx, dy, ddx)
			}
		})
	}
}

// ---------------------------------------------------------------- bad arguments

func TestPoolBadArguments(t *testing.T) {
	g := G.NewGraph()
	x3 := G.NewTensor(g, tensor.Float64, 3, G.WithShape(2, 3, 8), G.WithName("x3"))
	x4 := G.NewTensor(g, tensor.Float64, 4, G.WithShape(2, 3, 8, 8), G.WithName("x4"))
	x5 := G.NewTensor(g, tensor.Float32, 5, G.WithShape(1, 2, 4, 4, 4), G.WithName("x5"))
	small := G.NewTensor(g, tensor.Float64, 4, G.WithShape(1, 1, 2, 2), G.WithName("small"))
	xi := G.NewTensor(g, tensor.Int, 4, G.WithShape(1, 1, 4, 4), G.WithName("xi"))
	cases := []struct {
		name string
		want string // substring of the message
		is   error
		run  func() (*G.Node, error)
	}{
		{"max2d-rank3", "MaxPool2D: input must have rank 4, got shape (2, 3, 8)", graph.ErrShape,
			func() (*G.Node, error) { return ops.MaxPool2D(x3, [2]int{2, 2}, [2]int{2, 2}, [2]int{}) }},
		{"avg1d-rank4", "AvgPool1D: input must have rank 3", graph.ErrShape,
			func() (*G.Node, error) { return ops.AvgPool1D(x4, 2, 2, 0) }},
		{"max3d-rank4", "MaxPool3D: input must have rank 5", graph.ErrShape,
			func() (*G.Node, error) { return ops.MaxPool3D(x4, [3]int{2, 2, 2}, [3]int{2, 2, 2}, [3]int{}) }},
		{"stride0", "MaxPool2D: stride must be positive, got (0, 2)", graph.ErrArg,
			func() (*G.Node, error) { return ops.MaxPool2D(x4, [2]int{2, 2}, [2]int{0, 2}, [2]int{}) }},
		{"kernel0", "AvgPool2D: kernel must be positive, got (0, 2)", graph.ErrArg,
			func() (*G.Node, error) { return ops.AvgPool2D(x4, [2]int{0, 2}, [2]int{1, 1}, [2]int{}) }},
		{"negative-pad", "MaxPool1D: padding must be >= 0, got (-1)", graph.ErrArg,
			func() (*G.Node, error) { return ops.MaxPool1D(x3, 3, 1, -1) }},
		{"pad-over-half", "MaxPool2D: padding must be at most half the kernel, got pad (2, 1) (after (2, 1)) for kernel (3, 3)", graph.ErrArg,
			func() (*G.Node, error) { return ops.MaxPool2D(x4, [2]int{3, 3}, [2]int{1, 1}, [2]int{2, 1}) }},
		{"avg-pad-over-half", "AvgPool3D: padding must be at most half the kernel", graph.ErrArg,
			func() (*G.Node, error) { return ops.AvgPool3D(x5, [3]int{2, 2, 2}, [3]int{1, 1, 1}, [3]int{0, 2, 0}) }},
		{"kernel-too-big", "MaxPool2D: kernel (3, 3) is larger than the padded input (2, 2)", graph.ErrShape,
			func() (*G.Node, error) { return ops.MaxPool2D(small, [2]int{3, 3}, [2]int{1, 1}, [2]int{}) }},
		{"kernel-too-big-3d", "AvgPool3D: kernel (5, 1, 1) is larger than the padded input (4, 4, 4)", graph.ErrShape,
			func() (*G.Node, error) { return ops.AvgPool3D(x5, [3]int{5, 1, 1}, [3]int{1, 1, 1}, [3]int{}) }},
		{"int-input", "MaxPool2D: input must be float32 or float64, got int", graph.ErrArg,
			func() (*G.Node, error) { return ops.MaxPool2D(xi, [2]int{2, 2}, [2]int{2, 2}, [2]int{}) }},
		{"nil-input", "AvgPool2D: input is nil", graph.ErrArg,
			func() (*G.Node, error) { return ops.AvgPool2D(nil, [2]int{2, 2}, [2]int{2, 2}, [2]int{}) }},
		{"spec-no-kernel", "MaxPool: kernel needs 1, 2 or 3 values", graph.ErrArg,
			func() (*G.Node, error) { return ops.MaxPool(x4, ops.PoolSpec{}) }},
		{"spec-stride-len", "AvgPool2D: stride needs 2 values (one per spatial axis), got 3", graph.ErrArg,
			func() (*G.Node, error) {
				return ops.AvgPool(x4, ops.PoolSpec{Kernel: []int{2, 2}, Stride: []int{1, 1, 1}})
			}},
		{"spec-padafter-over-half", "MaxPool2D: padding must be at most half the kernel", graph.ErrArg,
			func() (*G.Node, error) {
				return ops.MaxPool(x4, ops.PoolSpec{Kernel: []int{2, 2}, PadAfter: []int{0, 2}})
			}},
		{"gap-rank2", "GlobalAvgPool: input must have rank 3 or more (N, C, spatial...), got shape (2, 3)", graph.ErrShape,
			func() (*G.Node, error) {
				return ops.GlobalAvgPool(G.NewTensor(g, tensor.Float64, 2, G.WithShape(2, 3), G.WithName("x2")))
			}},
		{"gap-int", "GlobalAvgPool: input must be float32 or float64", graph.ErrArg,
			func() (*G.Node, error) { return ops.GlobalAvgPool(xi) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			y, err := c.run()
			if err == nil {
				t.Fatalf("want an error, got node %v", y)
			}
			if !strings.Contains(err.Error(), "ops: ") || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not contain %q", err, c.want)
			}
			if !errors.Is(err, c.is) {
				t.Errorf("error %q is not %v", err, c.is)
			}
		})
	}
}

func TestPoolsAreDistinctNodes(t *testing.T) {
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float64, 4, G.WithShape(1, 1, 4, 4), G.WithName("x"))
	k, s := [2]int{2, 2}, [2]int{2, 2}
	pairs := map[string]func() (*G.Node, error){
		"max": func() (*G.Node, error) { return ops.MaxPool2D(x, k, s, [2]int{}) },
		"avg": func() (*G.Node, error) { return ops.AvgPool2D(x, k, s, [2]int{}) },
		"gap": func() (*G.Node, error) { return ops.GlobalAvgPool(x) },
	}
	for name, f := range pairs {
		a, err1 := f()
		b, err2 := f()
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if a == b {
			t.Errorf("%s: two calls on one input were merged into one node", name)
		}
	}
	m, _ := ops.MaxPool2D(x, k, s, [2]int{})
	a, _ := ops.AvgPool2D(x, k, s, [2]int{})
	if m == a {
		t.Error("MaxPool2D and AvgPool2D on one input were merged")
	}
}

// A compiled graph runs twice with new input values and gives the new
// results (the op's buffers are reused, not stale).
func TestPoolRerunWithNewInput(t *testing.T) {
	b := graph.NewBuilder(graph.Train)
	x := b.Input("x", tensor.Float64, 1, 1, 2, 4)
	y, err := ops.MaxPool2D(x, [2]int{2, 2}, [2]int{2, 2}, [2]int{})
	if err != nil {
		t.Fatal(err)
	}
	cost, _ := G.Sum(y)
	gs, err := graph.Grad(cost, x)
	if err != nil {
		t.Fatal(err)
	}
	var yv, gv G.Value
	G.Read(y, &yv)
	G.Read(gs[0], &gv)
	m, err := graph.NewMachine(b.Graph())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for _, tc := range []struct {
		x     []float64
		y, dx []float64
	}{
		{[]float64{1, 2, 3, 4, 5, 6, 7, 8}, []float64{6, 8}, []float64{0, 0, 0, 0, 0, 1, 0, 1}},
		{[]float64{9, 2, 3, 4, 5, 6, 7, 10}, []float64{9, 10}, []float64{1, 0, 0, 0, 0, 0, 0, 1}},
	} {
		if err := G.Let(x, tensor.New(tensor.WithShape(1, 1, 2, 4), tensor.WithBacking(tc.x))); err != nil {
			t.Fatal(err)
		}
		if err := graph.Run(m); err != nil {
			t.Fatal(err)
		}
		if err := closeTo(yv.Data().([]float64), tc.y, 0); err != nil {
			t.Errorf("output: %v", err)
		}
		if err := closeTo(gv.Data().([]float64), tc.dx, 0); err != nil {
			t.Errorf("gradient: %v", err)
		}
	}
}

// Ties go to the first maximum in window order, padding is never the
// maximum, and a NaN wins, as in PyTorch.
func TestMaxPoolTiesAndNaN(t *testing.T) {
	nan := math.NaN()
	cases := []struct {
		name  string
		x     []float64
		y, dx []float64
	}{
		{"ties", []float64{5, 5, 5, 5}, []float64{5}, []float64{1, 0, 0, 0}},
		{"tie-second-row", []float64{1, 2, 7, 7}, []float64{7}, []float64{0, 0, 1, 0}},
		{"all-minus-inf", []float64{math.Inf(-1), math.Inf(-1), math.Inf(-1), math.Inf(-1)}, []float64{math.Inf(-1)}, []float64{1, 0, 0, 0}},
		{"nan", []float64{1, nan, 3, 2}, []float64{nan}, []float64{0, 1, 0, 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := tensor.New(tensor.WithShape(1, 1, 2, 2), tensor.WithBacking(c.x))
			up := tensor.New(tensor.WithShape(1, 1, 1, 1), tensor.WithBacking([]float64{1}))
			y, _, grads, err := forwardBackward(tensor.Float64, map[string]*tensor.Dense{"x": x}, []string{"x"}, up,
				func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
					return ops.MaxPool2D(xs["x"], [2]int{2, 2}, [2]int{2, 2}, [2]int{})
				})
			if err != nil {
				t.Fatal(err)
			}
			if !(y[0] == c.y[0] || math.IsNaN(y[0]) && math.IsNaN(c.y[0])) {
				t.Errorf("output %v, want %v", y, c.y)
			}
			for i := range c.dx {
				if grads["x"][i] != c.dx[i] {
					t.Errorf("gradient %v, want %v", grads["x"], c.dx)
					break
				}
			}
		})
	}
	// with padding 1 on a 1x1 input every window is mostly padding
	x := tensor.New(tensor.WithShape(1, 1, 1, 1), tensor.WithBacking([]float64{-3}))
	y, _, _, err := forwardBackward(tensor.Float64, map[string]*tensor.Dense{"x": x}, nil, nil,
		func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
			return ops.MaxPool2D(xs["x"], [2]int{2, 2}, [2]int{1, 1}, [2]int{1, 1})
		})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range y {
		if v != -3 {
			t.Fatalf("padded max pool: got %v, want all -3", y)
		}
	}
}

// Inputs with many ties (values in {0, 1, 2}) and wide windows (rows longer
// than the unrolled kernels, and longer than 64) against the reference:
// the first maximum in window order must win everywhere.
func TestMaxPoolTiesAndWideWindowsMatchNaive(t *testing.T) {
	rng := graph.NewRand(26)
	cfgs := []poolCfg{}
	for i := 0; i < 40; i++ {
		cfgs = append(cfgs, randPoolCfg(rng, true, 9, 2))
	}
	wide := []struct {
		shape   []int
		k, s, p []int
		ceil    bool
	}{
		{[]int{2, 2, 150}, []int{70}, []int{30}, []int{35}, false},
		{[]int{1, 3, 100}, []int{66}, []int{7}, []int{0}, true},
		{[]int{2, 2, 11, 13}, []int{4, 5}, []int{3, 2}, []int{2, 1}, false},
		{[]int{1, 2, 5, 6, 7}, []int{3, 4, 5}, []int{2, 2, 2}, []int{1, 2, 2}, true},
	}
	for _, w := range wide {
		c := poolCfg{max: true, nd: len(w.k), shape: w.shape, pa: w.p,
			spec: ops.PoolSpec{Kernel: w.k, Stride: w.s, Pad: w.p, Ceil: w.ceil}}
		for a := range w.k {
			c.wantOut = append(c.wantOut, poolOutSize(w.shape[2+a], w.k[a], w.s[a], w.p[a], w.p[a], w.ceil))
		}
		cfgs = append(cfgs, c)
	}
	for _, c := range cfgs {
		t.Run(c.String(), func(t *testing.T) {
			x := randTensor(rng, c.shape...)
			for i := range x.Float64s() {
				x.Float64s()[i] = float64(rng.IntN(3))
			}
			outShape := append(c.shape[:2:2], c.wantOut...)
			up := randTensor(rng, outShape...)
			wantY, wantDx := naivePool(c, x.Float64s(), up.Float64s())
			comparePoolLike(t, x, up, outShape, wantY, wantDx, poolOp(c))
			// and with distinct values
			x = distinctTensor(rng, c.shape...)
			wantY, wantDx = naivePool(c, x.Float64s(), up.Float64s())
			comparePoolLike(t, x, up, outShape, wantY, wantDx, poolOp(c))
		})
	}
}

// A NaN anywhere in a window makes the output NaN and takes the gradient,
// the last NaN in window order when there are several (PyTorch's rule),
// in the 2x2 fast path and in the general one.
func TestMaxPoolNaNWindows(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		name string
		k    int
		x    []float64
		at   int // gradient position
	}{
		{"2x2-one", 2, []float64{1, 2, 3, nan}, 3},
		{"2x2-two", 2, []float64{nan, 2, nan, 9}, 2},
		{"3x3-one", 3, []float64{1, 2, 3, 4, nan, 6, 7, 8, 9}, 4},
		{"3x3-two", 3, []float64{nan, 2, 3, 4, 5, 6, 7, nan, 9}, 7},
	} {
		t.Run(c.name, func(t *testing.T) {
			x := tensor.New(tensor.WithShape(1, 1, c.k, c.k), tensor.WithBacking(c.x))
			up := tensor.New(tensor.WithShape(1, 1, 1, 1), tensor.WithBacking([]float64{1}))
			y, _, grads, err := forwardBackward(tensor.Float64, map[string]*tensor.Dense{"x": x}, []string{"x"}, up,
				func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
					return ops.MaxPool2D(xs["x"], [2]int{c.k, c.k}, [2]int{1, 1}, [2]int{})
				})
			if err != nil {
				t.Fatal(err)
			}
			if !math.IsNaN(y[0]) {
				t.Errorf("output %v, want NaN", y[0])
			}
			for i, g := range grads["x"] {
				if want := b2f(i == c.at); g != want {
					t.Fatalf("gradient %v, want 1 at %d", grads["x"], c.at)
				}
			}
		})
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// The NaN rule in the 1-D row kernel and the separable 3-D kernel.
func TestMaxPoolNaNWindows1D3D(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		name  string
		shape []int
		x     []float64
		fn    func(x *G.Node) (*G.Node, error)
		at    int
	}{
		{"1d-k2", []int{1, 1, 2}, []float64{nan, 1}, func(x *G.Node) (*G.Node, error) { return ops.MaxPool1D(x, 2, 2, 0) }, 0},
		{"1d-k3", []int{1, 1, 3}, []float64{1, 2, nan}, func(x *G.Node) (*G.Node, error) { return ops.MaxPool1D(x, 3, 3, 0) }, 2},
		{"1d-k5", []int{1, 1, 5}, []float64{1, nan, 3, nan, 5}, func(x *G.Node) (*G.Node, error) { return ops.MaxPool1D(x, 5, 1, 0) }, 3},
		{"3d-k2", []int{1, 1, 2, 2, 2}, []float64{1, nan, 3, 4, 5, 6, nan, 8}, func(x *G.Node) (*G.Node, error) {
			return ops.MaxPool3D(x, [3]int{2, 2, 2}, [3]int{1, 1, 1}, [3]int{})
		}, 6},
	} {
		t.Run(c.name, func(t *testing.T) {
			x := tensor.New(tensor.WithShape(c.shape...), tensor.WithBacking(c.x))
			ones := make([]int, len(c.shape))
			for i := range ones {
				ones[i] = 1
			}
			up := tensor.New(tensor.WithShape(ones...), tensor.WithBacking([]float64{1}))
			y, _, grads, err := forwardBackward(tensor.Float64, map[string]*tensor.Dense{"x": x}, []string{"x"}, up,
				func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) { return c.fn(xs["x"]) })
			if err != nil {
				t.Fatal(err)
			}
			if len(y) != 1 || !math.IsNaN(y[0]) {
				t.Errorf("output %v, want [NaN]", y)
			}
			for i, g := range grads["x"] {
				if want := b2f(i == c.at); g != want {
					t.Fatalf("gradient %v, want 1 at %d", grads["x"], c.at)
				}
			}
		})
	}
}
