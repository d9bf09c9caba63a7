package ops_test

import (
	"fmt"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestPadWideRows checks Pad on rows long enough for vec.PadRows's vector
// steps (8 float32 or 4 float64 a step, then half a step, then single
// elements), in float32 and float64 against the naive reference.
// (TestPadWritesWholeOutput has a wide case too: every element rewritten
// on a rerun.)
func TestPadWideRows(t *testing.T) {
	rng := graph.NewRand(45)
	cases := []struct {
		shape, before, after []int
	}{
		{[]int{2, 3, 8}, []int{1}, []int{1}},
		{[]int{1, 2, 17}, []int{3}, []int{0}},
		{[]int{2, 2, 3, 14}, []int{1, 1}, []int{1, 1}},
		{[]int{1, 3, 2, 9}, []int{0, 2}, []int{2, 0}},
		{[]int{1, 1, 3, 2, 33}, []int{1, 0, 2}, []int{0, 1, 1}},
		{[]int{1, 2, 4, 31}, []int{2, 0}, []int{1, 3}},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("in%v-before%v-after%v", c.shape, c.before, c.after), func(t *testing.T) {
			rank := len(c.before)
			x := randTensor(rng, c.shape...)
			xv := vol{lift5(c.shape), x.Float64s()}
			y := naivePad(xv, lift3t(c.before, 0), lift3t(c.after, 0))
			dy := randTensor(rng, append([]int{y.s[0], y.s[1]}, y.s[5-rank:]...)...)
			dx := naiveCrop(vol{y.s, dy.Float64s()}, xv.s, lift3t(c.before, 0))
			for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
				out, _, grads, err := forwardBackward(dt, map[string]*tensor.Dense{"x": x}, []string{"x"}, dy,
					func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
						return ops.Pad(xs["x"], c.before, c.after)
					})
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
