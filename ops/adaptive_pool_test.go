package ops_test

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// adaptiveBin is PyTorch's bin i of out over an axis of size in:
// [floor(i·in/out), ceil((i+1)·in/out)).
func adaptiveBin(i, in, out int) (start, end int) {
	start = int(math.Floor(float64(i*in) / float64(out)))
	end = int(math.Ceil(float64((i+1)*in) / float64(out)))
	return start, end
}

// naiveAdaptiveAvg is the readable definition: each output element is the
// mean of its bin.
func naiveAdaptiveAvg(x []float64, n, c, h, w, oh, ow int) []float64 {
	y := make([]float64, n*c*oh*ow)
	for b := 0; b < n; b++ {
		for ch := 0; ch < c; ch++ {
			for i := 0; i < oh; i++ {
				h0, h1 := adaptiveBin(i, h, oh)
				for j := 0; j < ow; j++ {
					w0, w1 := adaptiveBin(j, w, ow)
					sum := 0.0
					for r := h0; r < h1; r++ {
						for s := w0; s < w1; s++ {
							sum += x[((b*c+ch)*h+r)*w+s]
						}
					}
					y[((b*c+ch)*oh+i)*ow+j] = sum / float64((h1-h0)*(w1-w0))
				}
			}
		}
	}
	return y
}

// naiveAdaptiveAvgGrad sends dy/|bin| to every element of each bin.
func naiveAdaptiveAvgGrad(dy []float64, n, c, h, w, oh, ow int) []float64 {
	dx := make([]float64, n*c*h*w)
	for b := 0; b < n; b++ {
		for ch := 0; ch < c; ch++ {
			for i := 0; i < oh; i++ {
				h0, h1 := adaptiveBin(i, h, oh)
				for j := 0; j < ow; j++ {
					w0, w1 := adaptiveBin(j, w, ow)
					g := dy[((b*c+ch)*oh+i)*ow+j] / float64((h1-h0)*(w1-w0))
					for r := h0; r < h1; r++ {
						for s := w0; s < w1; s++ {
							dx[((b*c+ch)*h+r)*w+s] += g
						}
					}
				}
			}
		}
	}
	return dx
}

// adaptiveCases cover equal sizes, divisible and non-divisible reductions,
// enlargements (in < out), global pooling and 1-pixel inputs.
var adaptiveCases = []struct{ n, c, h, w, oh, ow int }{
	{1, 1, 4, 4, 2, 2},
	// divisible into pairs: the average pool's pair kernels, rows long
	// enough for the assembly and with tails
	{2, 3, 14, 14, 7, 7},
	{1, 2, 6, 40, 3, 20},
	{1, 2, 5, 38, 5, 19},
	{2, 3, 7, 7, 7, 7},
	{2, 3, 8, 6, 4, 3},
	{1, 2, 7, 5, 3, 2},
	{2, 2, 5, 9, 1, 1},
	{1, 3, 3, 2, 5, 7},
	{2, 1, 2, 3, 7, 4},
	{1, 2, 10, 13, 3, 6},
	{1, 1, 13, 13, 6, 6},
	{2, 2, 1, 1, 3, 2},
	{1, 1, 1, 5, 1, 3},
	{3, 2, 6, 6, 4, 5},
	{1, 1, 9, 4, 9, 1},
	{1, 64, 3, 3, 1, 1},
}

func adaptiveName(c struct{ n, c, h, w, oh, ow int }) string {
	return fmt.Sprintf("%dx%dx%dx%d-to-%dx%d", c.n, c.c, c.h, c.w, c.oh, c.ow)
}

func TestAdaptiveAvgPool2DMatchesPyTorch(t *testing.T) {
	f := loadGolden(t, "adaptive_avg_pool2d.json")
	for _, c := range f.Cases {
		var size [2]int
		if err := json.Unmarshal(c.Attrs["output_size"], &size); err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		t.Run(c.Name, func(t *testing.T) {
			goldenCase(t, c, c.Inputs, []string{"x"}, func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
				return ops.AdaptiveAvgPool2D(xs["x"], size[0], size[1])
			})
		})
	}
}

func TestAdaptiveBinsCoverInput(t *testing.T) {
	for in := 1; in <= 20; in++ {
		for out := 1; out <= 20; out++ {
			prevEnd := 0
			for i := 0; i < out; i++ {
				s, e := adaptiveBin(i, in, out)
				if e <= s || s > prevEnd || e > in {
					t.Fatalf("in %d out %d: bin %d = [%d, %d) after end %d", in, out, i, s, e, prevEnd)
				}
				prevEnd = e
			}
			if prevEnd != in {
				t.Fatalf("in %d out %d: bins end at %d", in, out, prevEnd)
			}
		}
	}
}

func TestAdaptiveAvgPool2DMatchesNaive(t *testing.T) {
	rng := graph.NewRand(21)
	for _, c := range adaptiveCases {
		t.Run(adaptiveName(c), func(t *testing.T) {
			x := randTensor(rng, c.n, c.c, c.h, c.w)
			up := randTensor(rng, c.n, c.c, c.oh, c.ow)
			want := naiveAdaptiveAvg(x.Float64s(), c.n, c.c, c.h, c.w, c.oh, c.ow)
			wantDx := naiveAdaptiveAvgGrad(up.Float64s(), c.n, c.c, c.h, c.w, c.oh, c.ow)
			for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
				tol := 1e-12
				if dt == tensor.Float32 {
					tol = 1e-5
				}
				out, shape, grads, err := forwardBackward(dt, map[string]*tensor.Dense{"x": x}, []string{"x"}, up,
					func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
						return ops.AdaptiveAvgPool2D(xs["x"], c.oh, c.ow)
					})
				if err != nil {
					t.Fatalf("%v: %+v", dt, err)
				}
				if fmt.Sprint(shape) != fmt.Sprint([]int{c.n, c.c, c.oh, c.ow}) {
					t.Fatalf("%v: shape %v", dt, shape)
				}
				for i := range want {
					if math.Abs(out[i]-want[i]) > tol*(1+math.Abs(want[i])) {
						t.Fatalf("%v: y[%d] = %v, want %v", dt, i, out[i], want[i])
					}
				}
				for i := range wantDx {
					if math.Abs(grads["x"][i]-wantDx[i]) > tol*(1+math.Abs(wantDx[i])) {
						t.Fatalf("%v: dx[%d] = %v, want %v", dt, i, grads["x"][i], wantDx[i])
					}
				}
			}
		})
	}
}

func TestAdaptiveAvgPool2DGradCheck(t *testing.T) {
	rng := graph.NewRand(22)
	for _, c := range adaptiveCases {
		x := randTensor(rng, c.n, c.c, c.h, c.w)
		gradCheck(t, adaptiveName(c), []*tensor.Dense{x}, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
			return ops.AdaptiveAvgPool2D(xs[0], c.oh, c.ow)
		})
	}
	// random sizes, both directions
	for i := 0; i < 20; i++ {
		h, w := 1+rng.IntN(11), 1+rng.IntN(11)
		oh, ow := 1+rng.IntN(11), 1+rng.IntN(11)
		x := randTensor(rng, 1+rng.IntN(2), 1+rng.IntN(3), h, w)
		gradCheck(t, fmt.Sprintf("random-%dx%d-to-%dx%d", h, w, oh, ow), []*tensor.Dense{x}, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
			return ops.AdaptiveAvgPool2D(xs[0], oh, ow)
		})
	}
}

// TestAdaptiveAvgPool2DIsAvgPool checks the divisible case against the
// plain average pool with kernel = stride = in/out.
func TestAdaptiveAvgPool2DIsAvgPool(t *testing.T) {
	rng := graph.NewRand(23)
	x := randTensor(rng, 2, 3, 12, 8).Float64s()
	got := naiveAdaptiveAvg(x, 2, 3, 12, 8, 4, 2)
	// kernel (3, 4), stride (3, 4)
	for b := 0; b < 6; b++ {
		for i := 0; i < 4; i++ {
			for j := 0; j < 2; j++ {
				s := 0.0
				for r := 0; r < 3; r++ {
					for q := 0; q < 4; q++ {
						s += x[(b*12+3*i+r)*8+4*j+q]
					}
				}
				if d := got[(b*4+i)*2+j] - s/12; math.Abs(d) > 1e-12 {
					t.Fatalf("plane %d (%d, %d): %v vs %v", b, i, j, got[(b*4+i)*2+j], s/12)
				}
			}
		}
	}
}

func TestAdaptiveAvgPool2DShapes(t *testing.T) {
	rng := graph.NewRand(24)
	for _, c := range adaptiveCases {
		checkShapeAgreement(t, adaptiveName(c), []*tensor.Dense{randTensor(rng, c.n, c.c, c.h, c.w)}, func(xs []*G.Node) (*G.Node, error) {
			return ops.AdaptiveAvgPool2D(xs[0], c.oh, c.ow)
		})
	}
}

// TestAdaptiveAvgPool2DReuseAcrossRuns runs one graph twice with new input
// values: the kept output and gradient buffers must be overwritten.
func TestAdaptiveAvgPool2DReuseAcrossRuns(t *testing.T) {
	rng := graph.NewRand(25)
	b := graph.NewBuilder(graph.Train)
	x := b.Input("x", tensor.Float64, 1, 2, 5, 7)
	y, err := ops.AdaptiveAvgPool2D(x, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	cost, err := ops.Sum(y)
	if err != nil {
		t.Fatal(err)
	}
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
	ones := make([]float64, 6*2)
	for i := range ones {
		ones[i] = 1
	}
	wantDx := naiveAdaptiveAvgGrad(ones, 1, 2, 5, 7, 3, 2)
	for run := 0; run < 3; run++ {
		xv := randTensor(rng, 1, 2, 5, 7)
		if err := G.Let(x, xv); err != nil {
			t.Fatal(err)
		}
		if err := graph.Run(m); err != nil {
			t.Fatal(err)
		}
		want := naiveAdaptiveAvg(xv.Float64s(), 1, 2, 5, 7, 3, 2)
		got, _ := graph.ValueFloat64s(yv)
		dx, _ := graph.ValueFloat64s(gv)
		for i := range want {
			if math.Abs(got[i]-want[i]) > 1e-12 {
				t.Fatalf("run %d: y[%d] = %v, want %v", run, i, got[i], want[i])
			}
		}
		for i := range wantDx {
			if math.Abs(dx[i]-wantDx[i]) > 1e-12 {
				t.Fatalf("run %d: dx[%d] = %v, want %v", run, i, dx[i], wantDx[i])
			}
		}
	}
}

func TestAdaptiveAvgPool2DBadArguments(t *testing.T) {
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float64, 4, G.WithShape(1, 2, 5, 5), G.WithName("x"))
	x3 := G.NewTensor(g, tensor.Float64, 3, G.WithShape(2, 5, 5), G.WithName("x3"))
	xi := G.NewTensor(g, tensor.Int, 4, G.WithShape(1, 2, 5, 5), G.WithName("xi"))
	runBadCases(t, []badCase{
		{"nil", func() (*G.Node, error) { return ops.AdaptiveAvgPool2D(nil, 2, 2) }, "ops: AdaptiveAvgPool2D: input is nil", graph.ErrArg},
		{"rank3", func() (*G.Node, error) { return ops.AdaptiveAvgPool2D(x3, 2, 2) }, "must have rank 4, got shape (2, 5, 5)", graph.ErrShape},
		{"int", func() (*G.Node, error) { return ops.AdaptiveAvgPool2D(xi, 2, 2) }, "must be float32 or float64, got int", graph.ErrArg},
		{"zero-h", func() (*G.Node, error) { return ops.AdaptiveAvgPool2D(x, 0, 2) }, "output size must be positive, got (0, 2)", graph.ErrArg},
		{"negative-w", func() (*G.Node, error) { return ops.AdaptiveAvgPool2D(x, 3, -1) }, "output size must be positive, got (3, -1)", graph.ErrArg},
	})
}

func TestAdaptiveAvgPool2DAreDistinctNodes(t *testing.T) {
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float64, 4, G.WithShape(1, 2, 6, 6), G.WithName("x"))
	a, _ := ops.AdaptiveAvgPool2D(x, 3, 3)
	b, _ := ops.AdaptiveAvgPool2D(x, 3, 3)
	c, _ := ops.AdaptiveAvgPool2D(x, 2, 2)
	if a == b || a == c {
		t.Fatal("AdaptiveAvgPool2D calls on one input were merged")
	}
}

func ExampleAdaptiveAvgPool2D() {
	b := graph.NewBuilder(graph.Eval)
	// one 3x3 image holding 1..9, pooled to 2x2: the bins [0,2) and [1,3)
	// overlap on the middle row and column
	x := b.InputValue("x", tensor.New(tensor.WithShape(1, 1, 3, 3), tensor.WithBacking([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9})))
	y, err := ops.AdaptiveAvgPool2D(x, 2, 2)
	if err != nil {
		panic(err)
	}
	fmt.Println(y.Shape(), runExample(b, y)[0].Data())
	// Output: (1, 1, 2, 2) [3 4 6 7]
}

func BenchmarkAdaptiveAvgPool2D(bm *testing.B) {
	rng := graph.NewRand(1)
	for _, c := range []struct{ n, c, h, w, oh, ow int }{
		{32, 256, 13, 13, 6, 6}, // AlexNet at 224x224
		{32, 512, 4, 4, 1, 1},   // ResNet18 on 32x32: global
		{32, 512, 9, 9, 7, 7},   // VGG on a 288x288 input
	} {
		x := randTensor(rng, c.n, c.c, c.h, c.w)
		for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
			bm.Run(fmt.Sprintf("%s-%v-fwd+bwd", adaptiveName(c), dt), func(bm *testing.B) {
				bm.SetBytes(int64(x.Shape().TotalSize()) * int64(dt.Size()))
				benchGraph(bm, func(b *graph.Builder) (*G.Node, []*G.Node, error) {
					xn := b.InputValue("x", castTo(x, dt))
					y, err := ops.AdaptiveAvgPool2D(xn, c.oh, c.ow)
					return y, []*G.Node{xn}, err
				})
			})
		}
	}
}
