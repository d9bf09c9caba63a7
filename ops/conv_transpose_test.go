package ops_test

import (
	"errors"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// naiveConvTranspose is the transposed convolution as the course draws it:
// every input value scatters the kernel, scaled by itself, into the output,
//
//	y[n][co][i·S - P + j·d] += x[n][ci][i] · w[ci][co][j],  y starts at b[co],
//
// dropping what falls outside the output (size out).
func naiveConvTranspose(x, w vol, b []float64, win convWindow, out [3]int) vol {
	y := newVol([5]int{x.s[0], w.s[1], out[0], out[1], out[2]})
	if b != nil {
		for n := 0; n < y.s[0]; n++ {
			for co := 0; co < y.s[1]; co++ {
				for i := y.idx(n, co, 0, 0, 0); i < y.idx(n, co+1, 0, 0, 0) && i < len(y.data); i++ {
					y.data[i] = b[co]
				}
			}
		}
	}
	forEachTap(x, w, win, y, func(xi, wi, yi int) { y.data[yi] += x.data[xi] * w.data[wi] })
	return y
}

// naiveConvTransposeBackward gives the gradients of Σ y·dy for
// y = naiveConvTranspose(x, w, b):
//
//	dx[n][ci][i]  = Σ_co Σ_j dy[n][co][i·S - P + j·d] · w[ci][co][j]
//	dw[ci][co][j] = Σ_n Σ_i x[n][ci][i] · dy[n][co][i·S - P + j·d]
//	db[co]        = Σ dy[n][co][...]
func naiveConvTransposeBackward(x, w, dy vol, win convWindow) (dx, dw vol, db []float64) {
	dx, dw, db = newVol(x.s), newVol(w.s), make([]float64, w.s[1])
	forEachTap(x, w, win, dy, func(xi, wi, yi int) {
		dx.data[xi] += dy.data[yi] * w.data[wi]
		dw.data[wi] += x.data[xi] * dy.data[yi]
	})
	for n := 0; n < dy.s[0]; n++ {
		for co := 0; co < dy.s[1]; co++ {
			for i := dy.idx(n, co, 0, 0, 0); i < len(dy.data) && i < dy.idx(n, co+1, 0, 0, 0); i++ {
				db[co] += dy.data[i]
			}
		}
	}
	return dx, dw, db
}

// forEachTap calls f with the flat indices of x[n][ci][i], w[ci][co][j] and
// y[n][co][i·S - P + j·d] for every tap that lands inside y.
func forEachTap(x, w vol, win convWindow, y vol, f func(xi, wi, yi int)) {
	for n := 0; n < x.s[0]; n++ {
		for ci := 0; ci < x.s[1]; ci++ {
			for id := 0; id < x.s[2]; id++ {
				for ih := 0; ih < x.s[3]; ih++ {
					for iw := 0; iw < x.s[4]; iw++ {
						for co := 0; co < w.s[1]; co++ {
							for jd := 0; jd < w.s[2]; jd++ {
								for jh := 0; jh < w.s[3]; jh++ {
									for jw := 0; jw < w.s[4]; jw++ {
										d := id*win.stride[0] - win.pad[0] + jd*win.dil[0]
										h := ih*win.stride[1] - win.pad[1] + jh*win.dil[1]
										ww := iw*win.stride[2] - win.pad[2] + jw*win.dil[2]
										if y.inside(d, h, ww) {
											f(x.idx(n, ci, id, ih, iw), w.idx(ci, co, jd, jh, jw), y.idx(n, co, d, h, ww))
										}
									}
								}
							}
						}
					}
				}
			}
		}
	}
}

// applyConvTranspose builds the op under test for c: the rank-specific
// exported function without a bias, ConvTransposeND with one.
func applyConvTranspose(c convCase, x, w, b *G.Node) (*G.Node, error) {
	if c.bias || c.asym {
		p := ops.ConvTransposeParams{Stride: c.stride, Pad: c.pad, OutPad: c.outPad, Dilation: c.dil}
		if c.asym {
			p.PadAfter = c.padAfter
		}
		return ops.ConvTransposeND(x, w, b, p)
	}
	switch c.rank {
	case 1:
		return ops.ConvTranspose1D(x, w, c.stride[0], c.pad[0], c.outPad[0], c.dil[0])
	case 2:
		return ops.ConvTranspose2D(x, w, [2]int(c.stride), [2]int(c.pad), [2]int(c.outPad), [2]int(c.dil))
	}
	return ops.ConvTranspose3D(x, w, [3]int(c.stride), [3]int(c.pad), [3]int(c.outPad), [3]int(c.dil))
}

// transposedConv is the transposed convolution: weight (C, K, k...) with
// C the input channels.
var transposedConv = convDir{
	out:       convCase.transposeOut,
	weight:    func(c convCase) []int { return shapeOf(c.c, c.k, c.ker) },
	naive:     naiveConvTranspose,
	naiveBack: naiveConvTransposeBackward,
	apply:     applyConvTranspose,
}

func TestConvTransposeMatchesPyTorch(t *testing.T) {
	for _, file := range []string{"conv_transpose1d.json", "conv_transpose2d.json", "conv_transpose3d.json"} {
		f := loadGolden(t, file)
		for _, gc := range f.Cases {
			t.Run(gc.Name, func(t *testing.T) {
				rank := len(gc.Inputs["x"].Shape) - 2
				stride, err1 := gc.Ints("stride", rank)
				pad, err2 := gc.Ints("pad", rank)
				outPad, err3 := gc.Ints("out_pad", rank)
				dil, err4 := gc.Ints("dilation", rank)
				if err := errors.Join(err1, err2, err3, err4); err != nil {
					t.Fatal(err)
				}
				c := convCase{rank: rank, stride: stride, pad: pad, outPad: outPad, dil: dil}
				goldenCase(t, gc, gc.Inputs, []string{"x", "w"}, func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
					return applyConvTranspose(c, xs["x"], xs["w"], nil)
				})
			})
		}
	}
}

// TestConvTransposeLectureBlocks checks the course's example by value: a
// 2x2 input, a 3x3 kernel of ones and stride 3 give 6x6 blocks of the
// input values.
func TestConvTransposeLectureBlocks(t *testing.T) {
	x := tensor.New(tensor.WithShape(1, 1, 2, 2), tensor.WithBacking([]float64{1, 2, 3, 4}))
	w := tensor.New(tensor.WithShape(1, 1, 3, 3), tensor.WithBacking([]float64{1, 1, 1, 1, 1, 1, 1, 1, 1}))
	out, shape, _, err := forwardBackward(tensor.Float64, map[string]*tensor.Dense{"x": x, "w": w}, nil, nil,
		func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
			return ops.ConvTranspose2D(xs["x"], xs["w"], [2]int{3, 3}, [2]int{}, [2]int{}, [2]int{1, 1})
		})
	if err != nil {
		t.Fatal(err)
	}
	if !tensor.Shape(shape).Eq(tensor.Shape{1, 1, 6, 6}) {
		t.Fatalf("shape %v, want (1, 1, 6, 6)", shape)
	}
	for h := range 6 {
		for w := range 6 {
			if want := float64(1 + 2*(h/3) + w/3); out[h*6+w] != want {
				t.Fatalf("y[%d][%d] = %v, want %v", h, w, out[h*6+w], want)
			}
		}
	}
}

func TestConvTransposeMatchesNaive(t *testing.T) {
	rng := graph.NewRand(22)
	count := 15
	if testing.Short() {
		count = 4
	}
	for _, rank := range []int{1, 2, 3} {
		for i := range count {
			c := randTransposeCase(rng, rank, i%3 == 2)
			t.Run(c.String(), func(t *testing.T) { checkNaive(t, rng, c, transposedConv) })
		}
	}
	for _, c := range []convCase{
		// output padding reachable only through the dilation (>= stride)
		{rank: 2, n: 2, c: 2, k: 3, in: []int{3, 4}, ker: []int{3, 2}, stride: []int{1, 1}, pad: []int{0, 1}, outPad: []int{1, 1}, dil: []int{2, 2}, bias: true},
		// 1x1 kernel, stride 1: the direct path
		{rank: 2, n: 3, c: 4, k: 2, in: []int{3, 5}, ker: []int{1, 1}, stride: []int{1, 1}, pad: []int{0, 0}, outPad: []int{0, 0}, dil: []int{1, 1}, bias: true},
		{rank: 2, n: 3, c: 4, k: 2, in: []int{3, 5}, ker: []int{1, 1}, stride: []int{1, 1}, pad: []int{0, 0}, outPad: []int{0, 0}, dil: []int{1, 1}},
		// kernel smaller than the stride: gaps of zeros between blocks
		{rank: 1, n: 2, c: 1, k: 2, in: []int{4}, ker: []int{2}, stride: []int{3}, pad: []int{0}, outPad: []int{2}, dil: []int{1}},
		{rank: 3, n: 1, c: 2, k: 2, in: []int{2, 3, 2}, ker: []int{2, 2, 2}, stride: []int{2, 2, 2}, pad: []int{0, 0, 0}, outPad: []int{0, 1, 0}, dil: []int{1, 1, 1}, bias: true},
	} {
		t.Run("fixed-"+c.String(), func(t *testing.T) { checkNaive(t, rng, c, transposedConv) })
	}
}

func TestConvTransposeGradCheck(t *testing.T) {
	convGradCheck(t, graph.NewRand(9), randTransposeCase, transposedConv)
}

// convTransposeBadCases are the invalid transposed convolutions of
// TestConvBadArguments.
func convTransposeBadCases(node func(string, tensor.Dtype, ...int) *G.Node) []struct {
	name string
	want []string
	run  func() (*G.Node, error)
} {
	f64 := tensor.Float64
	x := node("tx", f64, 2, 3, 4, 4)
	w := node("tw", f64, 3, 5, 3, 3)
	wc := node("twc", f64, 4, 5, 3, 3)
	w1 := node("tw1", f64, 3, 5, 1, 1)
	w32 := node("tw32", tensor.Float32, 3, 5, 3, 3)
	x1 := node("tx1", f64, 2, 3, 7)
	w1d := node("tw1d", f64, 3, 2, 2)
	b5 := node("tb5", f64, 5)
	b3 := node("tb3", f64, 3)
	x3 := node("tx3", f64, 1, 3, 2, 2, 2)
	w3 := node("tw3", f64, 3, 1, 2, 2, 2)
	one, zero := [2]int{1, 1}, [2]int{}
	return []struct {
		name string
		want []string
		run  func() (*G.Node, error)
	}{
		{"T-outpad-ge-stride", []string{"ConvTranspose2D", "axis H", "output padding 2", "stride 2"}, func() (*G.Node, error) {
			return ops.ConvTranspose2D(x, w, [2]int{2, 2}, zero, [2]int{2, 0}, one)
		}},
		{"T-outpad-ge-stride-and-dilation", []string{"ConvTranspose1D", "output padding 1", "stride 1, dilation 1"}, func() (*G.Node, error) {
			return ops.ConvTranspose1D(x1, w1d, 1, 0, 1, 1)
		}},
		{"T-outpad-negative", []string{"ConvTranspose2D", "output padding must be >= 0"}, func() (*G.Node, error) {
			return ops.ConvTranspose2D(x, w, [2]int{2, 2}, zero, [2]int{0, -1}, one)
		}},
		{"T-channels", []string{"ConvTranspose2D", "3 channels", "expects 4"}, func() (*G.Node, error) {
			return ops.ConvTranspose2D(x, wc, one, zero, zero, one)
		}},
		{"T-rank", []string{"ConvTranspose3D", "rank 5", "(2, 3, 4, 4)"}, func() (*G.Node, error) {
			return ops.ConvTranspose3D(x, w3, [3]int{1, 1, 1}, [3]int{}, [3]int{}, [3]int{1, 1, 1})
		}},
		{"T-weight-rank", []string{"ConvTranspose1D", "weight must have rank 3"}, func() (*G.Node, error) {
			return ops.ConvTranspose1D(x1, w, 1, 0, 0, 1)
		}},
		{"T-dtype", []string{"ConvTranspose2D", "dtypes differ"}, func() (*G.Node, error) {
			return ops.ConvTranspose2D(x, w32, one, zero, zero, one)
		}},
		{"T-stride-0", []string{"ConvTranspose2D", "stride must be >= 1"}, func() (*G.Node, error) {
			return ops.ConvTranspose2D(x, w, [2]int{1, 0}, zero, zero, one)
		}},
		{"T-dilation-negative", []string{"ConvTranspose3D", "dilation must be >= 1"}, func() (*G.Node, error) {
			return ops.ConvTranspose3D(x3, w3, [3]int{1, 1, 1}, [3]int{}, [3]int{}, [3]int{1, -1, 1})
		}},
		{"T-pad-negative", []string{"ConvTranspose2D", "pad must be >= 0"}, func() (*G.Node, error) {
			return ops.ConvTranspose2D(x, w, one, [2]int{-1, 0}, zero, one)
		}},
		{"T-pad-too-large", []string{"ConvTranspose2D", "axis H", "output size would be -4"}, func() (*G.Node, error) {
			return ops.ConvTranspose2D(x, w1, one, [2]int{4, 0}, zero, one)
		}},
		{"T-bias-shape", []string{"ConvTranspose2D", "bias must have shape (5)", "(3)"}, func() (*G.Node, error) {
			return ops.ConvTransposeND(x, w, b3, ops.ConvTransposeParams{})
		}},
		{"T-bias-ok-shape-wrong-dtype", []string{"ConvTranspose2D", "dtypes differ"}, func() (*G.Node, error) {
			return ops.ConvTransposeND(x, w32, b5, ops.ConvTransposeParams{})
		}},
		{"T-pad-after-negative", []string{"ConvTranspose2D", "pad after must be >= 0"}, func() (*G.Node, error) {
			return ops.ConvTransposeND(x, w, b5, ops.ConvTransposeParams{PadAfter: []int{-1, 0}})
		}},
		{"T-pad-after-too-large", []string{"ConvTranspose2D", "axis W", "output size would be 0", "pad 0 before and 4 after"}, func() (*G.Node, error) {
			return ops.ConvTransposeND(x, w1, nil, ops.ConvTransposeParams{Pad: []int{0, 0}, PadAfter: []int{0, 4}})
		}},
		{"T-params-length", []string{"ConvTranspose2D", "output padding needs 2 values"}, func() (*G.Node, error) {
			return ops.ConvTransposeND(x, w, b5, ops.ConvTransposeParams{OutPad: []int{1}})
		}},
	}
}
