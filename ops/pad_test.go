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

// naivePad is y[n][c][i + before] = x[n][c][i], zero elsewhere, on the
// lifted 5-D layout.
func naivePad(x vol, before, after [3]int) vol {
	y := newVol([5]int{x.s[0], x.s[1], x.s[2] + before[0] + after[0], x.s[3] + before[1] + after[1], x.s[4] + before[2] + after[2]})
	for n := 0; n < x.s[0]; n++ {
		for c := 0; c < x.s[1]; c++ {
			for d := 0; d < x.s[2]; d++ {
				for h := 0; h < x.s[3]; h++ {
					for w := 0; w < x.s[4]; w++ {
						y.data[y.idx(n, c, d+before[0], h+before[1], w+before[2])] = x.data[x.idx(n, c, d, h, w)]
					}
				}
			}
		}
	}
	return y
}

// naiveCrop is the gradient of naivePad: dx[n][c][i] = dy[n][c][i + before].
func naiveCrop(dy vol, x [5]int, before [3]int) vol {
	dx := newVol(x)
	for n := 0; n < x[0]; n++ {
		for c := 0; c < x[1]; c++ {
			for d := 0; d < x[2]; d++ {
				for h := 0; h < x[3]; h++ {
					for w := 0; w < x[4]; w++ {
						dx.data[dx.idx(n, c, d, h, w)] = dy.data[dy.idx(n, c, d+before[0], h+before[1], w+before[2])]
					}
				}
			}
		}
	}
	return dx
}

func TestPadMatchesNaive(t *testing.T) {
	rng := graph.NewRand(41)
	for _, rank := range []int{1, 2, 3} {
		for range 6 {
			shape := append([]int{1 + rng.IntN(3), 1 + rng.IntN(3)}, randInts(rng, rank, 1, 5)...)
			before, after := randInts(rng, rank, 0, 2), randInts(rng, rank, 0, 2)
			name := fmt.Sprintf("in%v-before%v-after%v", shape, before, after)
			t.Run(name, func(t *testing.T) {
				x := randTensor(rng, shape...)
				xv := vol{lift5(shape), x.Float64s()}
				y := naivePad(xv, lift3t(before, 0), lift3t(after, 0))
				dy := randTensor(rng, append([]int{y.s[0], y.s[1]}, y.s[5-rank:]...)...)
				dx := naiveCrop(vol{y.s, dy.Float64s()}, xv.s, lift3t(before, 0))
				for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
					out, _, grads, err := forwardBackward(dt, map[string]*tensor.Dense{"x": x}, []string{"x"}, dy,
						func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) { return ops.Pad(xs["x"], before, after) })
					if err != nil {
						t.Fatal(err)
					}
					if d, at := maxDiff(out, y.data); d > 1e-6 {
						t.Errorf("%v: output differs by %.3g at %d", dt, d, at)
					}
					if d, at := maxDiff(grads["x"], dx.data); d > 1e-6 {
						t.Errorf("%v: gradient differs by %.3g at %d", dt, d, at)
					}
				}
			})
		}
	}
}

func TestPadGradCheck(t *testing.T) {
	rng := graph.NewRand(42)
	for _, c := range []struct {
		shape         []int
		before, after []int
	}{
		{[]int{2, 1, 5}, []int{1}, []int{2}},
		{[]int{1, 2, 3, 4}, []int{0, 1}, []int{1, 0}},
		{[]int{2, 1, 2, 3, 2}, []int{1, 0, 2}, []int{0, 1, 1}},
	} {
		gradCheck(t, fmt.Sprint(c), []*tensor.Dense{randTensor(rng, c.shape...)}, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
			return ops.Pad(xs[0], c.before, c.after)
		})
	}
}

// TestPadThenConvIsAsymmetricConv checks the two ways to pad unevenly
// (Keras's "same" with an odd total): Pad then a convolution without
// padding, and ConvND with PadAfter.
func TestPadThenConvIsAsymmetricConv(t *testing.T) {
	rng := graph.NewRand(43)
	x, w, b := randTensor(rng, 2, 3, 8, 7), randTensor(rng, 4, 3, 3, 2), randTensor(rng, 4)
	dy := randTensor(rng, 2, 4, 4, 7)
	in := map[string]*tensor.Dense{"x": x, "w": w, "b": b}
	wrt := []string{"x", "w", "b"}
	y1, _, g1, err := forwardBackward(tensor.Float64, in, wrt, dy, func(bd *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
		p, err := ops.Pad(xs["x"], []int{0, 0}, []int{1, 1})
		if err != nil {
			return nil, err
		}
		return ops.ConvND(p, xs["w"], xs["b"], ops.ConvParams{Stride: []int{2, 1}})
	})
	if err != nil {
		t.Fatal(err)
	}
	y2, _, g2, err := forwardBackward(tensor.Float64, in, wrt, dy, func(bd *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
		return ops.ConvND(xs["x"], xs["w"], xs["b"], ops.ConvParams{Stride: []int{2, 1}, Pad: []int{0, 0}, PadAfter: []int{1, 1}})
	})
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := maxDiff(y1, y2); d > 1e-12 {
		t.Errorf("outputs differ by %.3g", d)
	}
	for _, k := range wrt {
		if d, _ := maxDiff(g1[k], g2[k]); d > 1e-12 {
			t.Errorf("grad %s differs by %.3g", k, d)
		}
	}
}

func TestPadShapesAndErrors(t *testing.T) {
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float64, 4, G.WithShape(2, 3, 4, 5), G.WithName("x"))
	x2 := G.NewTensor(g, tensor.Float64, 2, G.WithShape(2, 3), G.WithName("x2"))
	y, err := ops.Pad(x, []int{1, 0}, []int{2, 3})
	if err != nil {
		t.Fatal(err)
	}
	if !y.Shape().Eq(tensor.Shape{2, 3, 7, 8}) {
		t.Fatalf("shape %v, want (2, 3, 7, 8)", y.Shape())
	}
	y2, _ := ops.Pad(x, []int{1, 0}, []int{2, 3})
	if y == y2 {
		t.Fatal("two Pads of one input were merged")
	}
	for _, c := range []struct {
		name          string
		x             *G.Node
		before, after []int
		want          string
	}{
		{"nil", nil, []int{1}, []int{1}, "input is nil"},
		{"rank", x2, []int{1}, []int{1}, "rank 3 or 4 or 5"},
		{"length", x, []int{1}, []int{1, 1}, "need 2 values"},
		{"negative", x, []int{1, -1}, []int{1, 1}, "must be >= 0"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ops.Pad(c.x, c.before, c.after)
			if err == nil {
				t.Fatal("want an error")
			}
			if !errors.Is(err, graph.ErrShape) && !errors.Is(err, graph.ErrArg) {
				t.Errorf("error %q wraps no sentinel", err)
			}
			if !strings.HasPrefix(err.Error(), "ops: Pad: ") || !strings.Contains(err.Error(), c.want) {
				t.Errorf("message %q, want ops: Pad: ... %q", err, c.want)
			}
		})
	}
}

// TestPadWritesWholeOutput checks that the forward writes every element of
// its reused output, border included: after something scribbles over the
// output between runs (an in-place consumer), the next run is unchanged.
func TestPadWritesWholeOutput(t *testing.T) {
	cases := []struct {
		shape         []int
		before, after []int
	}{
		{[]int{2, 3, 7}, []int{2}, []int{1}},
		{[]int{2, 3, 5, 4}, []int{1, 0}, []int{2, 3}},
		{[]int{1, 2, 3, 4, 5}, []int{1, 0, 2}, []int{0, 2, 1}},
		{[]int{2, 3, 4, 17}, []int{1, 2}, []int{2, 1}}, // vector rows and tails
	}
	for _, c := range cases {
		b := graph.NewBuilder(graph.Eval)
		x := b.InputValue("x", randTensor(graph.NewRand(3), c.shape...))
		y, err := ops.Pad(x, c.before, c.after)
		if err != nil {
			t.Fatal(err)
		}
		m, err := graph.NewMachine(b.Graph())
		if err != nil {
			t.Fatal(err)
		}
		if err := graph.Run(m); err != nil {
			t.Fatal(err)
		}
		want := append([]float64(nil), y.Value().Data().([]float64)...)
		for i := range y.Value().Data().([]float64) {
			y.Value().Data().([]float64)[i] = math.NaN()
		}
		if err := graph.Run(m); err != nil {
			t.Fatal(err)
		}
		for i, v := range y.Value().Data().([]float64) {
			if v != want[i] {
				t.Errorf("%v: element %d is %v after a rerun, want %v", c.shape, i, v, want[i])
				break
			}
		}
		m.Close()
	}
}
