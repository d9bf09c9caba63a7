package ops_test

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestUpsampleMatchesPyTorch(t *testing.T) {
	f := loadGolden(t, "upsample2d.json")
	seen := map[string]bool{}
	for _, c := range f.Cases {
		t.Run(c.Name, func(t *testing.T) {
			sc, err := c.Ints("scale", 2)
			if err != nil {
				t.Fatal(err)
			}
			var mode string
			if err := jsonString(c.Attrs["mode"], &mode); err != nil {
				t.Fatal(err)
			}
			seen[mode] = true
			goldenCase(t, c, c.Inputs, []string{"x"}, func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
				switch mode {
				case "nearest":
					return ops.Upsample2D(xs["x"], [2]int{sc[0], sc[1]})
				case "bilinear":
					return ops.UpsampleBilinear2D(xs["x"], [2]int{sc[0], sc[1]})
				}
				return nil, fmt.Errorf("unknown mode %q", mode)
			})
		})
	}
	if !seen["nearest"] || !seen["bilinear"] {
		t.Fatalf("modes seen: %v", seen)
	}
}

func jsonString(raw []byte, s *string) error {
	str := strings.TrimSpace(string(raw))
	if len(str) < 2 || str[0] != '"' {
		return fmt.Errorf("not a string: %s", str)
	}
	*s = str[1 : len(str)-1]
	return nil
}

// naiveNearest is the reference: y[d][h][w] = x[d/fD][h/fH][w/fW] on every
// plane, and dx sums dy over each block.
func naiveNearest(x, dy []float64, planes int, in, f [3]int) (y, dx []float64) {
	out := [3]int{in[0] * f[0], in[1] * f[1], in[2] * f[2]}
	ip, op := in[0]*in[1]*in[2], out[0]*out[1]*out[2]
	y, dx = make([]float64, planes*op), make([]float64, planes*ip)
	for p := 0; p < planes; p++ {
		for d := 0; d < out[0]; d++ {
			for h := 0; h < out[1]; h++ {
				for w := 0; w < out[2]; w++ {
					src := p*ip + ((d/f[0])*in[1]+h/f[1])*in[2] + w/f[2]
					dst := p*op + (d*out[1]+h)*out[2] + w
					y[dst] = x[src]
					dx[src] += dy[dst]
				}
			}
		}
	}
	return y, dx
}

func TestUpsampleNearestMatchesNaive(t *testing.T) {
	rng := graph.NewRand(41)
	for i := 0; i < 60; i++ {
		nd := 1 + i%3
		shape := []int{1 + rng.IntN(2), 1 + rng.IntN(3)}
		f := make([]int, nd)
		for a := 0; a < nd; a++ {
			shape = append(shape, 1+rng.IntN(5))
			f[a] = 1 + rng.IntN(3)
		}
		t.Run(fmt.Sprintf("x%v-f%v", shape, f), func(t *testing.T) {
			x := randTensor(rng, shape...)
			in := as3(shape[2:], 1)
			f3 := as3(f, 1)
			outShape := append([]int{}, shape[:2]...)
			for a := 0; a < nd; a++ {
				outShape = append(outShape, shape[2+a]*f[a])
			}
			up := randTensor(rng, outShape...)
			wantY, wantDx := naiveNearest(x.Float64s(), up.Float64s(), shape[0]*shape[1], in, f3)
			fn := func(x *G.Node) (*G.Node, error) { return ops.UpsampleNearest(x, f) }
			switch nd { // the fixed-rank forms
			case 1:
				fn = func(x *G.Node) (*G.Node, error) { return ops.Upsample1D(x, f[0]) }
			case 2:
				fn = func(x *G.Node) (*G.Node, error) { return ops.Upsample2D(x, [2]int(f)) }
			case 3:
				fn = func(x *G.Node) (*G.Node, error) { return ops.Upsample3D(x, [3]int(f)) }
			}
			comparePoolLike(t, x, up, outShape, wantY, wantDx, fn)
			iy, dy, idx, ddx := runShapes(t, x, fn)
			if !iy.Eq(dy) || !idx.Eq(ddx) {
				t.Errorf("InferShape %v/%v, Do %v/%v", iy, idx, dy, ddx)
			}
		})
	}
}

// naiveBilinear is the reference for align_corners=False: output pixel
// (oh, ow) samples the input at src = max((o + 0.5)·in/out - 0.5, 0) on each
// axis, between floor(src) and the next pixel (clamped to the last one),
// weighted by the distance.
func naiveBilinear(x, dy []float64, planes, H, W, OH, OW int) (y, dx []float64) {
	y, dx = make([]float64, planes*OH*OW), make([]float64, planes*H*W)
	src := func(o, in, out int) (i0, i1 int, l1 float64) {
		s := (float64(o)+0.5)*float64(in)/float64(out) - 0.5
		if s < 0 {
			s = 0
		}
		i0 = int(math.Floor(s))
		if i0 > in-1 {
			i0 = in - 1
		}
		i1 = i0 + 1
		if i1 > in-1 {
			i1 = in - 1
		}
		return i0, i1, s - float64(i0)
	}
	for p := 0; p < planes; p++ {
		for oh := 0; oh < OH; oh++ {
			h0, h1, a := src(oh, H, OH)
			for ow := 0; ow < OW; ow++ {
				w0, w1, b := src(ow, W, OW)
				at := func(h, w int) int { return p*H*W + h*W + w }
				o := p*OH*OW + oh*OW + ow
				y[o] = (1-a)*(1-b)*x[at(h0, w0)] + (1-a)*b*x[at(h0, w1)] + a*(1-b)*x[at(h1, w0)] + a*b*x[at(h1, w1)]
				dx[at(h0, w0)] += (1 - a) * (1 - b) * dy[o]
				dx[at(h0, w1)] += (1 - a) * b * dy[o]
				dx[at(h1, w0)] += a * (1 - b) * dy[o]
				dx[at(h1, w1)] += a * b * dy[o]
			}
		}
	}
	return y, dx
}

func TestBilinearMatchesNaive(t *testing.T) {
	rng := graph.NewRand(42)
	for i := 0; i < 40; i++ {
		n, c, h, w := 1+rng.IntN(2), 1+rng.IntN(3), 1+rng.IntN(6), 1+rng.IntN(6)
		var oh, ow int
		var fn func(x *G.Node) (*G.Node, error)
		var name string
		if i%2 == 0 {
			f := [2]int{1 + rng.IntN(3), 1 + rng.IntN(3)}
			oh, ow = h*f[0], w*f[1]
			fn = func(x *G.Node) (*G.Node, error) { return ops.UpsampleBilinear2D(x, f) }
			name = fmt.Sprintf("x%dx%dx%dx%d-f%v", n, c, h, w, f)
		} else { // any size, shrinking too
			oh, ow = 1+rng.IntN(9), 1+rng.IntN(9)
			fn = func(x *G.Node) (*G.Node, error) { return ops.ResizeBilinear2D(x, oh, ow) }
			name = fmt.Sprintf("x%dx%dx%dx%d-to-%dx%d", n, c, h, w, oh, ow)
		}
		t.Run(name, func(t *testing.T) {
			x := randTensor(rng, n, c, h, w)
			up := randTensor(rng, n, c, oh, ow)
			wantY, wantDx := naiveBilinear(x.Float64s(), up.Float64s(), n*c, h, w, oh, ow)
			comparePoolLike(t, x, up, []int{n, c, oh, ow}, wantY, wantDx, fn)
			iy, dy, idx, ddx := runShapes(t, x, fn)
			if !iy.Eq(dy) || !idx.Eq(ddx) {
				t.Errorf("InferShape %v/%v, Do %v/%v", iy, idx, dy, ddx)
			}
		})
	}
}

func TestUpsampleGradCheck(t *testing.T) {
	rng := graph.NewRand(43)
	cases := []struct {
		shape []int
		f     []int
	}{
		{[]int{2, 2, 5}, []int{3}},
		{[]int{1, 2, 3, 4}, []int{2, 2}},
		{[]int{2, 1, 3, 3}, []int{1, 3}},
		{[]int{1, 2, 2, 3, 2}, []int{2, 1, 3}},
	}
	for _, c := range cases {
		x := randTensor(rng, c.shape...)
		gradCheck(t, shapeName("nearest", c.shape, c.f), []*tensor.Dense{x}, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
			return ops.UpsampleNearest(xs[0], c.f)
		})
		if len(c.f) == 2 {
			gradCheck(t, shapeName("bilinear", c.shape, c.f), []*tensor.Dense{x}, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
				return ops.UpsampleBilinear2D(xs[0], [2]int(c.f))
			})
			gradCheck(t, shapeName("resize", c.shape, "5x2"), []*tensor.Dense{x}, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
				return ops.ResizeBilinear2D(xs[0], 5, 2)
			})
		}
	}
}

func TestUpsampleBadArguments(t *testing.T) {
	g := G.NewGraph()
	x3 := G.NewTensor(g, tensor.Float64, 3, G.WithShape(2, 3, 8), G.WithName("x3"))
	x4 := G.NewTensor(g, tensor.Float64, 4, G.WithShape(2, 3, 8, 8), G.WithName("x4"))
	xi := G.NewTensor(g, tensor.Int, 4, G.WithShape(1, 1, 4, 4), G.WithName("xi"))
	cases := []struct {
		name, want string
		is         error
		run        func() (*G.Node, error)
	}{
		{"rank", "Upsample2D: input must have rank 4, got shape (2, 3, 8)", graph.ErrShape,
			func() (*G.Node, error) { return ops.Upsample2D(x3, [2]int{2, 2}) }},
		{"rank3d", "Upsample3D: input must have rank 5", graph.ErrShape,
			func() (*G.Node, error) { return ops.Upsample3D(x4, [3]int{2, 2, 2}) }},
		{"factor0", "Upsample1D: factors must be >= 1, got [0]", graph.ErrArg,
			func() (*G.Node, error) { return ops.Upsample1D(x3, 0) }},
		{"factor-negative", "Upsample2D: factors must be >= 1, got [2 -1]", graph.ErrArg,
			func() (*G.Node, error) { return ops.Upsample2D(x4, [2]int{2, -1}) }},
		{"no-factors", "Upsample: factors need 1, 2 or 3 values", graph.ErrArg,
			func() (*G.Node, error) { return ops.UpsampleNearest(x4, nil) }},
		{"int", "Upsample2D: input must be float32 or float64, got int", graph.ErrArg,
			func() (*G.Node, error) { return ops.Upsample2D(xi, [2]int{2, 2}) }},
		{"bilinear-rank", "UpsampleBilinear2D: input must have rank 4, got shape (2, 3, 8)", graph.ErrShape,
			func() (*G.Node, error) { return ops.UpsampleBilinear2D(x3, [2]int{2, 2}) }},
		{"bilinear-factor", "UpsampleBilinear2D: factors must be >= 1, got [0 2]", graph.ErrArg,
			func() (*G.Node, error) { return ops.UpsampleBilinear2D(x4, [2]int{0, 2}) }},
		{"resize-size", "ResizeBilinear2D: output size must be positive, got (0, 3)", graph.ErrArg,
			func() (*G.Node, error) { return ops.ResizeBilinear2D(x4, 0, 3) }},
		{"resize-nil", "ResizeBilinear2D: input is nil", graph.ErrArg,
			func() (*G.Node, error) { return ops.ResizeBilinear2D(nil, 2, 3) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.run()
			if err == nil {
				t.Fatal("want an error")
			}
			if !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "ops: ") {
				t.Errorf("error %q does not contain %q", err, c.want)
			}
			if !errors.Is(err, c.is) {
				t.Errorf("error %q is not %v", err, c.is)
			}
		})
	}
}

func TestUpsamplesAreDistinctNodes(t *testing.T) {
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float64, 4, G.WithShape(1, 1, 4, 4), G.WithName("x"))
	a, _ := ops.Upsample2D(x, [2]int{2, 2})
	b, _ := ops.Upsample2D(x, [2]int{2, 2})
	c, _ := ops.UpsampleBilinear2D(x, [2]int{2, 2})
	d, _ := ops.UpsampleBilinear2D(x, [2]int{2, 2})
	if a == nil || c == nil || a == b || c == d || a == c {
		t.Fatal("upsampling calls on one input were merged")
	}
}
