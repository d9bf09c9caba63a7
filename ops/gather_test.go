package ops_test

import (
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// naiveGather is torch.index_select written as loops over the row-major index.
func naiveGather(x []float64, shape []int, axis int, idx []int) []float64 {
	outer, inner := 1, 1
	for _, d := range shape[:axis] {
		outer *= d
	}
	for _, d := range shape[axis+1:] {
		inner *= d
	}
	var out []float64
	for o := 0; o < outer; o++ {
		for _, i := range idx {
			for e := 0; e < inner; e++ {
				out = append(out, x[(o*shape[axis]+i)*inner+e])
			}
		}
	}
	return out
}

var gatherCases = []struct {
	shape []int
	axis  int
	idx   []int
}{
	{[]int{5}, 0, []int{3}},                    // one element keeps its axis
	{[]int{2, 3, 4}, 1, []int{2, 0, 0, 1}},     // repeats and any order
	{[]int{2, 3, 4}, -1, []int{1, 1, 2, 3, 3}}, // reflect/edge-like
	{[]int{1, 2, 3, 3}, 0, []int{0, 0}},
}

func TestGatherAxisMatchesNaive(t *testing.T) {
	rng := graph.NewRand(5)
	for _, c := range gatherCases {
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			xv := castTo(randTensor(rng, c.shape...), dt)
			b := graph.NewBuilder(graph.Eval)
			x := b.InputValue("x", xv)
			y, err := ops.GatherAxis(x, c.axis, c.idx)
			if err != nil {
				t.Fatal(err)
			}
			var yv G.Value
			G.Read(y, &yv)
			m, err := graph.NewMachine(b.Graph())
			if err != nil {
				t.Fatal(err)
			}
			if err := graph.Run(m); err != nil {
				t.Fatal(err)
			}
			ax := c.axis
			if ax < 0 {
				ax += len(c.shape)
			}
			want := append([]int(nil), c.shape...)
			want[ax] = len(c.idx)
			if !graph.SameShape(yv.Shape(), want) {
				t.Fatalf("%v axis %d: shape %v, want %v", c.shape, c.axis, yv.Shape(), want)
			}
			xs, _ := graph.Float64s(xv)
			got, _ := graph.Float64s(yv.(tensor.Tensor))
			exp := naiveGather(xs, c.shape, ax, c.idx)
			for i := range exp {
				if got[i] != exp[i] {
					t.Fatalf("%v axis %d %v: element %d = %v, want %v", c.shape, c.axis, dt, i, got[i], exp[i])
				}
			}
			m.Close()
		}
	}
}

func TestGatherAxisGradCheck(t *testing.T) {
	rng := graph.NewRand(6)
	for _, c := range gatherCases {
		c := c
		gradCheck(t, shapeName("GatherAxis", c.shape, c.idx), []*tensor.Dense{randTensor(rng, c.shape...)}, func(b *graph.Builder, in []*G.Node) (*G.Node, error) {
			return ops.GatherAxis(in[0], c.axis, c.idx)
		})
	}
}

// PyTorch parity: torch.index_select(torch.arange(12.).reshape(3, 4), 1,
// torch.tensor([3, 0, 0])) and the gradient of its sum weighted by
// arange(9).reshape(3, 3), computed with torch 1.13:
// y = [[3, 0, 0], [7, 4, 4], [11, 8, 8]], x.grad = [[3, 0, 0, 0], [9, 0, 0, 3], [15, 0, 0, 6]].
func TestGatherAxisMatchesPyTorch(t *testing.T) {
	xv := tensor.New(tensor.WithShape(3, 4), tensor.WithBacking([]float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}))
	wv := tensor.New(tensor.WithShape(3, 3), tensor.WithBacking([]float64{0, 1, 2, 3, 4, 5, 6, 7, 8}))
	gotY, _, grads, err := forwardBackward(tensor.Float64, map[string]*tensor.Dense{"x": xv}, []string{"x"}, wv,
		func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
			return ops.GatherAxis(xs["x"], 1, []int{3, 0, 0})
		})
	if err != nil {
		t.Fatal(err)
	}
	gotG := grads["x"]
	wantY := []float64{3, 0, 0, 7, 4, 4, 11, 8, 8}
	wantG := []float64{3, 0, 0, 0, 9, 0, 0, 3, 15, 0, 0, 6}
	for i := range wantY {
		if gotY[i] != wantY[i] {
			t.Fatalf("y = %v, want %v", gotY, wantY)
		}
	}
	for i := range wantG {
		if gotG[i] != wantG[i] {
			t.Fatalf("x.grad = %v, want %v", gotG, wantG)
		}
	}
}

func TestGatherAxisBadArguments(t *testing.T) {
	b := graph.NewBuilder(graph.Eval)
	x := b.InputValue("x", tensor.New(tensor.WithShape(2, 3), tensor.WithBacking(make([]float64, 6))))
	for _, c := range []struct {
		axis int
		idx  []int
	}{{2, []int{0}}, {1, []int{3}}, {1, []int{-1}}, {0, nil}} {
		if _, err := ops.GatherAxis(x, c.axis, c.idx); err == nil {
			t.Errorf("axis %d idx %v: no error", c.axis, c.idx)
		}
	}
}
