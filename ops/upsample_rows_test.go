package ops_test

import (
	"fmt"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
)

// TestUpsampleNearestWideRows checks nearest upsampling on rows long enough
// for the vector kernels (internal/vec Repeat2 and PairSum: 8 float32 or 4
// float64 a step) and their tails, in float32 and float64, against the
// naive reference: widths around the block sizes, factor 2 along W (the
// kernels' case) and others.
func TestUpsampleNearestWideRows(t *testing.T) {
	rng := graph.NewRand(43)
	cases := []struct {
		shape, f []int
	}{
		{[]int{2, 3, 7}, []int{2}},
		{[]int{1, 2, 8}, []int{2}},
		{[]int{2, 1, 9}, []int{2}},
		{[]int{1, 2, 17}, []int{2}},
		{[]int{1, 1, 35}, []int{2}},
		{[]int{1, 2, 3, 16}, []int{2, 2}},
		{[]int{2, 1, 2, 13}, []int{3, 2}},
		{[]int{1, 1, 2, 3, 11}, []int{2, 2, 2}},
		{[]int{1, 2, 3, 12}, []int{2, 1}},
		{[]int{1, 2, 2, 9}, []int{2, 3}},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("x%v-f%v", c.shape, c.f), func(t *testing.T) {
			nd := len(c.f)
			x := randTensor(rng, c.shape...)
			outShape := append([]int{}, c.shape[:2]...)
			for a := 0; a < nd; a++ {
				outShape = append(outShape, c.shape[2+a]*c.f[a])
			}
			up := randTensor(rng, outShape...)
			wantY, wantDx := naiveNearest(x.Float64s(), up.Float64s(), c.shape[0]*c.shape[1], as3(c.shape[2:], 1), as3(c.f, 1))
			comparePoolLike(t, x, up, outShape, wantY, wantDx, func(x *G.Node) (*G.Node, error) { return ops.UpsampleNearest(x, c.f) })
		})
	}
}

// TestUpsampleNearestGradRepeatedRuns runs one compiled fwd+bwd graph three
// times: the gradient's buffer is reused from run to run, so a kernel that
// adds into it without setting it first (the factor-2 gradient sets each
// dx row from the block's first dy row) would drift after the first run.
func TestUpsampleNearestGradRepeatedRuns(t *testing.T) {
	rng := graph.NewRand(44)
	for _, f := range [][]int{{2}, {2, 2}, {3, 2}, {2, 1}} {
		shape := []int{2, 3, 5, 11}[:2+len(f)]
		shape[len(shape)-1] = 11
		x := randTensor(rng, shape...)
		outShape := append([]int{}, shape[:2]...)
		for a := range f {
			outShape = append(outShape, shape[2+a]*f[a])
		}
		w := randTensor(rng, outShape...)
		bd := graph.NewBuilder(graph.Train)
		xn, wn := bd.InputValue("x", x), bd.InputValue("w", w)
		y, err := ops.UpsampleNearest(xn, f)
		if err != nil {
			t.Fatal(err)
		}
		prod, err := G.HadamardProd(y, wn)
		if err != nil {
			t.Fatal(err)
		}
		cost, err := ops.Sum(prod)
		if err != nil {
			t.Fatal(err)
		}
		grads, err := graph.Grad(cost, xn)
		if err != nil {
			t.Fatal(err)
		}
		m, err := graph.NewMachine(bd.Graph())
		if err != nil {
			t.Fatal(err)
		}
		var first []float64
		for run := 0; run < 3; run++ {
			if err := graph.Run(m); err != nil {
				t.Fatal(err)
			}
			g := grads[0].Value().Data().([]float64)
			if run == 0 {
				first = append([]float64(nil), g...)
				continue
			}
			if err := closeTo(g, first, 0); err != nil {
				t.Errorf("f%v run %d: %v", f, run, err)
			}
		}
		m.Close()
	}
}
