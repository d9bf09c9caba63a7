package ops_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ---------------------------------------------------------------------------
// Naive reference implementations: the course's formulas as plain loops over
// 5-D tensors (N, C, D, H, W); 1-D and 2-D cases are lifted to 3-D with
// leading singleton axes.

// vol is a 5-D array over a flat row-major slice.
type vol struct {
	s    [5]int
	data []float64
}

func newVol(s [5]int) vol { return vol{s, make([]float64, s[0]*s[1]*s[2]*s[3]*s[4])} }

func (v vol) idx(n, c, d, h, w int) int {
	return (((n*v.s[1]+c)*v.s[2]+d)*v.s[3]+h)*v.s[4] + w
}

// inside reports whether (d, h, w) is a position of the volume (not padding).
func (v vol) inside(d, h, w int) bool {
	return d >= 0 && d < v.s[2] && h >= 0 && h < v.s[3] && w >= 0 && w < v.s[4]
}

// lift5 turns a shape (a, b, spatial...) into (a, b, 1.., spatial).
func lift5(shape []int) [5]int {
	out := [5]int{shape[0], shape[1], 1, 1, 1}
	copy(out[5-(len(shape)-2):], shape[2:])
	return out
}

// lift3t turns per-axis values into 3 values with leading fill.
func lift3t(v []int, fill int) [3]int {
	out := [3]int{fill, fill, fill}
	copy(out[3-len(v):], v)
	return out
}

// convWindow is the geometry shared by the naive loops.
type convWindow struct {
	stride, pad, dil [3]int
}

// naiveConv is the convolution
//
//	y[n][k][o] = b[k] + Σ_c Σ_j x[n][c][o·S - P + j·d] · w[k][c][j]
//
// per spatial axis, reading zero in the padding; out is the output size.
func naiveConv(x, w vol, b []float64, win convWindow, out [3]int) vol {
	y := newVol([5]int{x.s[0], w.s[0], out[0], out[1], out[2]})
	for n := 0; n < x.s[0]; n++ {
		for k := 0; k < w.s[0]; k++ {
			for od := 0; od < out[0]; od++ {
				for oh := 0; oh < out[1]; oh++ {
					for ow := 0; ow < out[2]; ow++ {
						s := 0.0
						if b != nil {
							s = b[k]
						}
						for c := 0; c < x.s[1]; c++ {
							for jd := 0; jd < w.s[2]; jd++ {
								for jh := 0; jh < w.s[3]; jh++ {
									for jw := 0; jw < w.s[4]; jw++ {
										d := od*win.stride[0] - win.pad[0] + jd*win.dil[0]
										h := oh*win.stride[1] - win.pad[1] + jh*win.dil[1]
										ww := ow*win.stride[2] - win.pad[2] + jw*win.dil[2]
										if x.inside(d, h, ww) {
											s += x.data[x.idx(n, c, d, h, ww)] * w.data[w.idx(k, c, jd, jh, jw)]
										}
									}
								}
							}
						}
						y.data[y.idx(n, k, od, oh, ow)] = s
					}
				}
			}
		}
	}
	return y
}

// naiveConvBackward gives the gradients of Σ y·dy for y = naiveConv(x, w, b):
//
//	dx[n][c][o·S - P + j·d] += dy[n][k][o] · w[k][c][j]
//	dw[k][c][j]             += dy[n][k][o] · x[n][c][o·S - P + j·d]
//	db[k]                   += dy[n][k][o]
func naiveConvBackward(x, w, dy vol, win convWindow) (dx, dw vol, db []float64) {
	dx, dw, db = newVol(x.s), newVol(w.s), make([]float64, w.s[0])
	for n := 0; n < x.s[0]; n++ {
		for k := 0; k < w.s[0]; k++ {
			for od := 0; od < dy.s[2]; od++ {
				for oh := 0; oh < dy.s[3]; oh++ {
					for ow := 0; ow < dy.s[4]; ow++ {
						g := dy.data[dy.idx(n, k, od, oh, ow)]
						db[k] += g
						for c := 0; c < x.s[1]; c++ {
							for jd := 0; jd < w.s[2]; jd++ {
								for jh := 0; jh < w.s[3]; jh++ {
									for jw := 0; jw < w.s[4]; jw++ {
										d := od*win.stride[0] - win.pad[0] + jd*win.dil[0]
										h := oh*win.stride[1] - win.pad[1] + jh*win.dil[1]
										ww := ow*win.stride[2] - win.pad[2] + jw*win.dil[2]
										if !x.inside(d, h, ww) {
											continue
										}
										dx.data[dx.idx(n, c, d, h, ww)] += g * w.data[w.idx(k, c, jd, jh, jw)]
										dw.data[dw.idx(k, c, jd, jh, jw)] += g * x.data[x.idx(n, c, d, h, ww)]
									}
								}
							}
						}
					}
				}
			}
		}
	}
	return dx, dw, db
}

// ---------------------------------------------------------------------------
// Random configurations

// convCase is one convolution configuration (rank spatial axes).
type convCase struct {
	rank                                   int
	n, c, k                                int
	in, ker, stride, pad, padAfter, outPad []int
	dil                                    []int
	bias, asym                             bool
}

func (c convCase) String() string {
	j := func(v []int) string {
		s := make([]string, len(v))
		for i, x := range v {
			s[i] = fmt.Sprint(x)
		}
		return strings.Join(s, "x")
	}
	s := fmt.Sprintf("%dd-n%dc%dk%d-in%s-k%s-s%s-p%s", c.rank, c.n, c.c, c.k, j(c.in), j(c.ker), j(c.stride), j(c.pad))
	if c.asym {
		s += "-pa" + j(c.padAfter)
	}
	if c.outPad != nil {
		s += "-op" + j(c.outPad)
	}
	s += "-d" + j(c.dil)
	if c.bias {
		s += "-bias"
	}
	return s
}

// after is the padding after axis i (PadAfter when asymmetric, else pad).
func (c convCase) after(i int) int {
	if c.asym {
		return c.padAfter[i]
	}
	return c.pad[i]
}

func (c convCase) window() convWindow {
	return convWindow{lift3t(c.stride, 1), lift3t(c.pad, 0), lift3t(c.dil, 1)}
}

// convOut is the output size of a convolution per axis.
func (c convCase) convOut() []int {
	out := make([]int, c.rank)
	for i := range out {
		out[i] = (c.in[i]+c.pad[i]+c.after(i)-c.dil[i]*(c.ker[i]-1)-1)/c.stride[i] + 1
	}
	return out
}

// transposeOut is the output size of a transposed convolution per axis.
func (c convCase) transposeOut() []int {
	out := make([]int, c.rank)
	for i := range out {
		out[i] = (c.in[i]-1)*c.stride[i] - c.pad[i] - c.after(i) + c.dil[i]*(c.ker[i]-1) + c.outPad[i] + 1
	}
	return out
}

func randInts(rng *rand.Rand, n, lo, hi int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = lo + rng.IntN(hi-lo+1)
	}
	return out
}

// randCaseSettings draws the settings both convolutions share: odd and
// even sizes up to maxIn, strides 1-3, pads 0-2, dilations 1-2, kernels
// 1-3, and with asym a separate padding after. The case may be invalid.
func randCaseSettings(rng *rand.Rand, rank, maxIn int, asym bool) convCase {
	c := convCase{rank: rank, n: 1 + rng.IntN(3), c: 1 + rng.IntN(3), k: 1 + rng.IntN(3),
		in: randInts(rng, rank, 1, maxIn), ker: randInts(rng, rank, 1, 3), stride: randInts(rng, rank, 1, 3),
		pad: randInts(rng, rank, 0, 2), dil: randInts(rng, rank, 1, 2), bias: rng.IntN(2) == 0, asym: asym}
	if asym {
		c.padAfter = randInts(rng, rank, 0, 2)
	}
	return c
}

// randConvCase draws a valid convolution (sizes scaled down for 3-D).
func randConvCase(rng *rand.Rand, rank int, asym bool) convCase {
	maxIn := map[int]int{1: 13, 2: 9, 3: 6}[rank]
	for {
		c := randCaseSettings(rng, rank, maxIn, asym)
		ok := true
		for i := range rank {
			if c.in[i]+c.pad[i]+c.after(i) < c.dil[i]*(c.ker[i]-1)+1 {
				ok = false
			}
		}
		if ok {
			return c
		}
	}
}

// randTransposeCase draws a valid transposed convolution; with asym the
// cropping before and after differ.
func randTransposeCase(rng *rand.Rand, rank int, asym bool) convCase {
	maxIn := map[int]int{1: 7, 2: 5, 3: 3}[rank]
	for {
		c := randCaseSettings(rng, rank, maxIn, asym)
		c.outPad = make([]int, rank)
		for i := range rank {
			if lim := max(c.stride[i], c.dil[i]); lim > 1 {
				c.outPad[i] = rng.IntN(lim)
			}
		}
		ok := true
		for _, o := range c.transposeOut() {
			if o <= 0 {
				ok = false
			}
		}
		if ok {
			return c
		}
	}
}

// applyConv builds the op under test for c: the rank-specific exported
// function without a bias, ConvND otherwise.
func applyConv(c convCase, x, w, b *G.Node) (*G.Node, error) {
	if c.bias || c.asym {
		p := ops.ConvParams{Stride: c.stride, Pad: c.pad, Dilation: c.dil}
		if c.asym {
			p.PadAfter = c.padAfter
		}
		return ops.ConvND(x, w, b, p)
	}
	switch c.rank {
	case 1:
		return ops.Conv1D(x, w, c.stride[0], c.pad[0], c.dil[0])
	case 2:
		return ops.Conv2D(x, w, [2]int(c.stride), [2]int(c.pad), [2]int(c.dil))
	}
	return ops.Conv3D(x, w, [3]int(c.stride), [3]int(c.pad), [3]int(c.dil))
}

func shapeOf(a, b int, spatial []int) []int { return append([]int{a, b}, spatial...) }

// convDir is what differs between the tests of the convolution and of the
// transposed convolution: the output size, the weight layout, the naive
// reference and the op under test.
type convDir struct {
	out       func(convCase) []int
	weight    func(convCase) []int // the weight's shape
	naive     func(x, w vol, b []float64, win convWindow, out [3]int) vol
	naiveBack func(x, w, dy vol, win convWindow) (dx, dw vol, db []float64)
	apply     func(c convCase, x, w, b *G.Node) (*G.Node, error)
}

// forwardConv is the convolution: weight (K, C, k...).
var forwardConv = convDir{
	out:       convCase.convOut,
	weight:    func(c convCase) []int { return shapeOf(c.k, c.c, c.ker) },
	naive:     naiveConv,
	naiveBack: naiveConvBackward,
	apply:     applyConv,
}

func maxDiff(got, want []float64) (float64, int) {
	worst, at := 0.0, -1
	if len(got) != len(want) {
		return math.Inf(1), -1
	}
	scale := 1.0
	for _, v := range want {
		scale = math.Max(scale, math.Abs(v))
	}
	for i := range got {
		if d := math.Abs(got[i]-want[i]) / scale; d > worst || math.IsNaN(d) {
			worst, at = d, i
		}
	}
	return worst, at
}

// compareEngine runs build in both dtypes with the upstream gradient dy and
// compares the output and the gradients of x, w and (if present) b with
// the naive ones.
func compareEngine(t *testing.T, name string, x, w, b, dy *tensor.Dense, wantY, wantDx, wantDw, wantDb []float64,
	build func(x, w, b *G.Node) (*G.Node, error)) {
	t.Helper()
	in := map[string]*tensor.Dense{"x": x, "w": w}
	wrt := []string{"x", "w"}
	want := map[string][]float64{"x": wantDx, "w": wantDw}
	if b != nil {
		in["b"] = b
		wrt = append(wrt, "b")
		want["b"] = wantDb
	}
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		tol := 1e-10
		if dt == tensor.Float32 {
			tol = 1e-4
		}
		out, _, grads, err := forwardBackward(dt, in, wrt, dy, func(bd *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
			return build(xs["x"], xs["w"], xs["b"])
		})
		if err != nil {
			t.Fatalf("%s %v: %+v", name, dt, err)
		}
		if d, at := maxDiff(out, wantY); d > tol {
			t.Errorf("%s %v: output differs by %.3g at %d", name, dt, d, at)
		}
		for _, k := range wrt {
			if d, at := maxDiff(grads[k], want[k]); d > tol {
				t.Errorf("%s %v: grad %s differs by %.3g at %d", name, dt, k, d, at)
			}
		}
	}
}

// ---------------------------------------------------------------------------
// Tests

func TestConvMatchesPyTorch(t *testing.T) {
	for _, file := range []string{"conv1d.json", "conv2d.json", "conv3d.json"} {
		f := loadGolden(t, file)
		for _, c := range f.Cases {
			t.Run(c.Name, func(t *testing.T) {
				rank := len(c.Inputs["x"].Shape) - 2
				stride, err1 := c.Ints("stride", rank)
				pad, err2 := c.Ints("pad", rank)
				dil, err3 := c.Ints("dilation", rank)
				if err := errors.Join(err1, err2, err3); err != nil {
					t.Fatal(err)
				}
				goldenCase(t, c, c.Inputs, []string{"x", "w"}, func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
					switch rank {
					case 1:
						return ops.Conv1D(xs["x"], xs["w"], stride[0], pad[0], dil[0])
					case 2:
						return ops.Conv2D(xs["x"], xs["w"], [2]int(stride), [2]int(pad), [2]int(dil))
					}
					return ops.Conv3D(xs["x"], xs["w"], [3]int(stride), [3]int(pad), [3]int(dil))
				})
			})
		}
	}
}

// TestConvSobelLecture checks the course's Sobel example by value: the
// vertical-edge kernel on the lecture's 6x6 image.
func TestConvSobelLecture(t *testing.T) {
	f := loadGolden(t, "conv2d.json")
	found := false
	for _, c := range f.Cases {
		if c.Name == "conv2d_sobel_lecture" {
			found = true
			sobel := []float64{-1, 0, 1, -2, 0, 2, -1, 0, 1}
			for i, v := range c.Inputs["w"].Data {
				if v != sobel[i] {
					t.Fatalf("the lecture case's kernel is %v, not Sobel", c.Inputs["w"].Data)
				}
			}
		}
	}
	if !found {
		t.Fatal("conv2d_sobel_lecture missing from conv2d.json")
	}
}

func TestConvMatchesNaive(t *testing.T) {
	rng := graph.NewRand(21)
	count := 30
	if testing.Short() {
		count = 8
	}
	for _, rank := range []int{1, 2, 3} {
		for _, asym := range []bool{false, true} {
			for range count / 2 {
				c := randConvCase(rng, rank, asym)
				t.Run(c.String(), func(t *testing.T) {
					checkNaive(t, rng, c, forwardConv)
				})
			}
		}
	}
	// shapes the random draw rarely hits: 1x1 kernels (the direct path),
	// a kernel covering the whole padded input, a single image
	for _, c := range []convCase{
		{rank: 2, n: 2, c: 3, k: 4, in: []int{5, 4}, ker: []int{1, 1}, stride: []int{1, 1}, pad: []int{0, 0}, dil: []int{1, 1}, bias: true},
		{rank: 2, n: 2, c: 3, k: 4, in: []int{5, 4}, ker: []int{1, 1}, stride: []int{2, 1}, pad: []int{1, 0}, dil: []int{1, 1}},
		{rank: 1, n: 1, c: 2, k: 2, in: []int{3}, ker: []int{3}, stride: []int{1}, pad: []int{1}, dil: []int{2}},
		{rank: 3, n: 5, c: 1, k: 2, in: []int{3, 4, 5}, ker: []int{2, 1, 3}, stride: []int{1, 2, 3}, pad: []int{0, 1, 2}, dil: []int{2, 1, 1}, bias: true},
		{rank: 2, n: 3, c: 2, k: 3, in: []int{7, 7}, ker: []int{3, 3}, stride: []int{2, 2}, pad: []int{0, 0}, padAfter: []int{1, 1}, dil: []int{1, 1}, asym: true},
	} {
		t.Run("fixed-"+c.String(), func(t *testing.T) { checkNaive(t, rng, c, forwardConv) })
	}
}

// checkNaive compares the op of direction d for c with the naive loops,
// output and gradients, in both dtypes.
func checkNaive(t *testing.T, rng *rand.Rand, c convCase, d convDir) {
	t.Helper()
	out := d.out(c)
	x := randTensor(rng, shapeOf(c.n, c.c, c.in)...)
	w := randTensor(rng, d.weight(c)...)
	dy := randTensor(rng, shapeOf(c.n, c.k, out)...)
	var b *tensor.Dense
	var bv []float64
	if c.bias {
		b = randTensor(rng, c.k)
		bv = b.Float64s()
	}
	xv := vol{lift5(x.Shape()), x.Float64s()}
	wv := vol{lift5(w.Shape()), w.Float64s()}
	dyv := vol{lift5(dy.Shape()), dy.Float64s()}
	y := d.naive(xv, wv, bv, c.window(), lift3t(out, 1))
	dx, dw, db := d.naiveBack(xv, wv, dyv, c.window())
	compareEngine(t, c.String(), x, w, b, dy, y.data, dx.data, dw.data, db, func(xn, wn, bn *G.Node) (*G.Node, error) {
		return d.apply(c, xn, wn, bn)
	})
}

func TestConvGradCheck(t *testing.T) { convGradCheck(t, graph.NewRand(8), randConvCase, forwardConv) }

// convGradCheck runs finite-difference gradient checks of direction d on
// cases drawn by draw (a few per rank, kept small).
func convGradCheck(t *testing.T, rng *rand.Rand, draw func(*rand.Rand, int, bool) convCase, d convDir) {
	count := 8
	if testing.Short() {
		count = 3
	}
	for _, rank := range []int{1, 2, 3} {
		for i := range count {
			c := draw(rng, rank, i%3 == 2)
			// keep the finite-difference runs small
			c.n = min(c.n, 2)
			if rank == 3 {
				c.c, c.k = min(c.c, 2), min(c.k, 2)
			}
			t.Run(c.String(), func(t *testing.T) {
				x := randTensor(rng, shapeOf(c.n, c.c, c.in)...)
				w := randTensor(rng, d.weight(c)...)
				inputs := []*tensor.Dense{x, w}
				if c.bias {
					inputs = append(inputs, randTensor(rng, c.k))
				}
				gradCheck(t, c.String(), inputs, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
					var bn *G.Node
					if c.bias {
						bn = xs[2]
					}
					return d.apply(c, xs[0], xs[1], bn)
				})
			})
		}
	}
}

// TestConvShapes checks that InferShape and Do agree, for the output and
// every gradient, in every rank.
func TestConvShapes(t *testing.T) {
	rng := graph.NewRand(3)
	for _, rank := range []int{1, 2, 3} {
		for _, transposed := range []bool{false, true} {
			for range 4 {
				var c convCase
				if transposed {
					c = randTransposeCase(rng, rank, rng.IntN(2) == 0)
				} else {
					c = randConvCase(rng, rank, rng.IntN(2) == 0)
				}
				d := forwardConv
				if transposed {
					d = transposedConv
				}
				t.Run(fmt.Sprintf("transposed=%v-%v", transposed, c), func(t *testing.T) {
					checkShapes(t, rng, c, d)
				})
			}
		}
	}
}

func checkShapes(t *testing.T, rng *rand.Rand, c convCase, d convDir) {
	t.Helper()
	b := graph.NewBuilder(graph.Train)
	x := b.InputValue("x", randTensor(rng, shapeOf(c.n, c.c, c.in)...))
	w := b.InputValue("w", randTensor(rng, d.weight(c)...))
	var bias *G.Node
	if c.bias {
		bias = b.InputValue("b", randTensor(rng, c.k))
	}
	y, err := d.apply(c, x, w, bias)
	if err != nil {
		t.Fatalf("%+v", err)
	}
	if want := shapeOf(c.n, c.k, d.out(c)); !y.Shape().Eq(tensor.Shape(want)) {
		t.Fatalf("inferred shape %v, want %v", y.Shape(), want)
	}
	cost := G.Must(G.Sum(y))
	wrt := G.Nodes{x, w}
	if bias != nil {
		wrt = append(wrt, bias)
	}
	grads, err := graph.Grad(cost, wrt...)
	if err != nil {
		t.Fatal(err)
	}
	nodes := append(G.Nodes{y}, grads...)
	vals := make([]G.Value, len(nodes))
	for i, n := range nodes {
		G.Read(n, &vals[i])
	}
	m, err := graph.NewMachine(b.Graph())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := graph.Run(m); err != nil {
		t.Fatal(err)
	}
	for i, n := range nodes {
		if !vals[i].Shape().Eq(n.Shape()) {
			t.Errorf("node %d (%v): InferShape %v, Do %v", i, n.Op(), n.Shape(), vals[i].Shape())
		}
		if i > 0 && !n.Shape().Eq(wrt[i-1].Shape()) {
			t.Errorf("gradient %d has shape %v, its input %v", i-1, n.Shape(), wrt[i-1].Shape())
		}
	}
}

// TestConvReuseAcrossRuns runs one compiled graph twice with new inputs:
// the reused buffers must not leak values from the first run.
func TestConvReuseAcrossRuns(t *testing.T) {
	rng := graph.NewRand(4)
	c := convCase{rank: 2, n: 4, c: 2, k: 3, in: []int{6, 5}, ker: []int{3, 2}, stride: []int{2, 1}, pad: []int{1, 1}, dil: []int{1, 2}, bias: true}
	b := graph.NewBuilder(graph.Train)
	x := b.Input("x", tensor.Float64, shapeOf(c.n, c.c, c.in)...)
	w := b.Input("w", tensor.Float64, shapeOf(c.k, c.c, c.ker)...)
	bias := b.Input("b", tensor.Float64, c.k)
	y, err := applyConv(c, x, w, bias)
	if err != nil {
		t.Fatal(err)
	}
	cost := G.Must(G.Sum(G.Must(G.Square(y))))
	grads, err := graph.Grad(cost, x, w, bias)
	if err != nil {
		t.Fatal(err)
	}
	var yv, dxv, dwv G.Value
	G.Read(y, &yv)
	G.Read(grads[0], &dxv)
	G.Read(grads[1], &dwv)
	m, err := graph.NewMachine(b.Graph())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for run := range 3 {
		xt := randTensor(rng, shapeOf(c.n, c.c, c.in)...)
		wt := randTensor(rng, shapeOf(c.k, c.c, c.ker)...)
		bt := randTensor(rng, c.k)
		for _, p := range []struct {
			n *G.Node
			v *tensor.Dense
		}{{x, xt}, {w, wt}, {bias, bt}} {
			if err := G.Let(p.n, p.v); err != nil {
				t.Fatal(err)
			}
		}
		if err := graph.Run(m); err != nil {
			t.Fatal(err)
		}
		xv, wv := vol{lift5(xt.Shape()), xt.Float64s()}, vol{lift5(wt.Shape()), wt.Float64s()}
		want := naiveConv(xv, wv, bt.Float64s(), c.window(), lift3t(c.convOut(), 1))
		dy := newVol(want.s)
		for i, v := range want.data {
			dy.data[i] = 2 * v
		}
		dx, dw, _ := naiveConvBackward(xv, wv, dy, c.window())
		for _, chk := range []struct {
			name string
			got  G.Value
			want []float64
		}{{"y", yv, want.data}, {"dx", dxv, dx.data}, {"dw", dwv, dw.data}} {
			if d, at := maxDiff(chk.got.Data().([]float64), chk.want); d > 1e-10 {
				t.Errorf("run %d: %s differs by %.3g at %d", run, chk.name, d, at)
			}
		}
	}
}

func TestConvBadArguments(t *testing.T) {
	g := G.NewGraph()
	node := func(name string, dt tensor.Dtype, shape ...int) *G.Node {
		return G.NewTensor(g, dt, len(shape), G.WithShape(shape...), G.WithName(name))
	}
	f64 := tensor.Float64
	x1 := node("x1", f64, 2, 3, 10)
	w1 := node("w1", f64, 4, 3, 3)
	x2 := node("x2", f64, 2, 3, 8, 8)
	w2 := node("w2", f64, 4, 3, 3, 3)
	x3 := node("x3", f64, 1, 3, 4, 4, 4)
	w3 := node("w3", f64, 4, 3, 3, 3, 3)
	w2c := node("w2c", f64, 4, 2, 3, 3)
	w2big := node("w2big", f64, 4, 3, 9, 3)
	w32 := node("w32", tensor.Float32, 4, 3, 3, 3)
	xi := node("xi", tensor.Int, 2, 3, 8, 8)
	b4 := node("b4", f64, 4)
	b5 := node("b5", f64, 5)
	b2d := node("b2d", f64, 4, 1)
	x6 := node("x6", f64, 1, 1, 1, 1, 1, 1)
	one := [2]int{1, 1}
	zero := [2]int{}
	cases := []struct {
		name string
		want []string // substrings of the message
		run  func() (*G.Node, error)
	}{
		{"nil-input", []string{"Conv2D", "input is nil"}, func() (*G.Node, error) { return ops.Conv2D(nil, w2, one, zero, one) }},
		{"nil-weight", []string{"Conv2D", "weight is nil"}, func() (*G.Node, error) { return ops.Conv2D(x2, nil, one, zero, one) }},
		{"rank-2d-got-1d", []string{"Conv2D", "rank 4", "(2, 3, 10)"}, func() (*G.Node, error) { return ops.Conv2D(x1, w2, one, zero, one) }},
		{"rank-1d-got-2d", []string{"Conv1D", "rank 3", "(2, 3, 8, 8)"}, func() (*G.Node, error) { return ops.Conv1D(x2, w1, 1, 0, 1) }},
		{"rank-3d-got-2d", []string{"Conv3D", "rank 5"}, func() (*G.Node, error) {
			return ops.Conv3D(x2, w3, [3]int{1, 1, 1}, [3]int{}, [3]int{1, 1, 1})
		}},
		{"weight-rank", []string{"Conv2D", "weight must have rank 4", "(4, 3, 3)"}, func() (*G.Node, error) { return ops.Conv2D(x2, w1, one, zero, one) }},
		{"nd-rank-6", []string{"ConvND", "rank 3 or 4 or 5", "(1, 1, 1, 1, 1, 1)"}, func() (*G.Node, error) { return ops.ConvND(x6, w2, nil, ops.ConvParams{}) }},
		{"channels", []string{"Conv2D", "3 channels", "expects 2"}, func() (*G.Node, error) { return ops.Conv2D(x2, w2c, one, zero, one) }},
		{"dtype", []string{"Conv2D", "dtypes differ"}, func() (*G.Node, error) { return ops.Conv2D(x2, w32, one, zero, one) }},
		{"int-input", []string{"Conv2D", "float32 or float64", "int"}, func() (*G.Node, error) { return ops.Conv2D(xi, w2, one, zero, one) }},
		{"stride-0", []string{"Conv2D", "stride must be >= 1", "[0 1]"}, func() (*G.Node, error) { return ops.Conv2D(x2, w2, [2]int{0, 1}, zero, one) }},
		{"stride-negative", []string{"Conv1D", "stride", "[-2]"}, func() (*G.Node, error) { return ops.Conv1D(x1, w1, -2, 0, 1) }},
		{"dilation-0", []string{"Conv2D", "dilation must be >= 1", "[1 0]"}, func() (*G.Node, error) { return ops.Conv2D(x2, w2, one, zero, [2]int{1, 0}) }},
		{"pad-negative", []string{"Conv2D", "pad must be >= 0", "[-1 0]"}, func() (*G.Node, error) { return ops.Conv2D(x2, w2, one, [2]int{-1, 0}, one) }},
		{"kernel-too-large", []string{"Conv2D", "axis H", "kernel 9", "padded input 8"}, func() (*G.Node, error) { return ops.Conv2D(x2, w2big, one, zero, one) }},
		{"dilated-kernel-too-large", []string{"Conv3D", "axis D", "dilated to 7", "padded input 6"}, func() (*G.Node, error) {
			return ops.Conv3D(x3, w3, [3]int{1, 1, 1}, [3]int{1, 1, 1}, [3]int{3, 1, 1})
		}},
		{"bias-shape", []string{"Conv2D", "bias must have shape (4)", "(5)"}, func() (*G.Node, error) { return ops.ConvND(x2, w2, b5, ops.ConvParams{}) }},
		{"bias-rank", []string{"Conv2D", "bias must have rank 1", "(4, 1)"}, func() (*G.Node, error) { return ops.ConvND(x2, w2, b2d, ops.ConvParams{}) }},
		{"params-length", []string{"Conv2D", "stride needs 2 values", "[1 1 1]"}, func() (*G.Node, error) {
			return ops.ConvND(x2, w2, b4, ops.ConvParams{Stride: []int{1, 1, 1}})
		}},
		{"pad-after-negative", []string{"Conv2D", "pad after must be >= 0"}, func() (*G.Node, error) {
			return ops.ConvND(x2, w2, b4, ops.ConvParams{Pad: []int{0, 0}, PadAfter: []int{0, -1}})
		}},
	}
	cases = append(cases, convTransposeBadCases(node)...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var n *G.Node
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("panic: %v", r)
					}
				}()
				n, err = c.run()
			}()
			if err == nil {
				t.Fatalf("want an error, got node %v", n)
			}
			if !errors.Is(err, graph.ErrShape) && !errors.Is(err, graph.ErrArg) {
				t.Errorf("error %q wraps neither graph.ErrShape nor graph.ErrArg", err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "ops: ") {
				t.Errorf("message %q does not start with \"ops: \"", msg)
			}
			for _, s := range c.want {
				if !strings.Contains(msg, s) {
					t.Errorf("message %q lacks %q", msg, s)
				}
			}
		})
	}
}

func TestConvAreDistinctNodes(t *testing.T) {
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float64, 4, G.WithShape(1, 1, 4, 4), G.WithName("x"))
	w := G.NewTensor(g, tensor.Float64, 4, G.WithShape(1, 1, 2, 2), G.WithName("w"))
	one := [2]int{1, 1}
	a, err1 := ops.Conv2D(x, w, one, [2]int{}, one)
	b, err2 := ops.Conv2D(x, w, one, [2]int{}, one)
	c, err3 := ops.ConvTranspose2D(x, w, one, [2]int{}, [2]int{}, one)
	d, err4 := ops.ConvTranspose2D(x, w, one, [2]int{}, [2]int{}, one)
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		t.Fatal(err)
	}
	if a == b || c == d {
		t.Fatal("two identical convolutions on one input were merged into one node")
	}
}

// TestConvWorkerCounts runs the engine with 1, 3 and 5 workers so that the
// batch split and the reduction of per-worker filter gradients are covered
// whatever the machine's core count.
func TestConvWorkerCounts(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	rng := graph.NewRand(31)
	for _, procs := range []int{1, 3, 5} {
		runtime.GOMAXPROCS(procs)
		c := convCase{rank: 2, n: 7, c: 2, k: 3, in: []int{6, 5}, ker: []int{3, 3}, stride: []int{1, 2}, pad: []int{1, 1}, dil: []int{1, 1}, bias: true}
		t.Run(fmt.Sprintf("procs%d-conv", procs), func(t *testing.T) { checkNaive(t, rng, c, forwardConv) })
		c.outPad = []int{0, 1}
		t.Run(fmt.Sprintf("procs%d-transpose", procs), func(t *testing.T) { checkNaive(t, rng, c, transposedConv) })
	}
}
