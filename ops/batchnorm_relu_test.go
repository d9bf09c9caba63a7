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

// TestBatchNormReLUMatchesUnfused checks that BatchNorm with the fused
// ReLU gives exactly ReLU(BatchNorm(...)): the output, the gradients of x,
// gamma and beta, and the running statistics, in training and evaluation
// mode, with and without the affine parameters, for ranks 2 to 5.
func TestBatchNormReLUMatchesUnfused(t *testing.T) {
	rng := graph.NewRand(31)
	shapes := [][]int{{6, 3}, {4, 3, 5}, {3, 4, 5, 6}, {2, 2, 3, 4, 3}}
	for _, shape := range shapes {
		for _, training := range []bool{true, false} {
			for _, affine := range []bool{true, false} {
				c := shape[1]
				name := fmt.Sprintf("x%v-train=%v-affine=%v", shape, training, affine)
				inputs := map[string]*tensor.Dense{"x": randTensor(rng, shape...)}
				wrt := []string{"x"}
				if affine {
					inputs["g"] = randTensor(rng, c)
					inputs["b"] = randTensor(rng, c)
					wrt = append(wrt, "g", "b")
				}
				rm0, rv0 := randTensor(rng, c), randTensor(rng, c)
				for i, v := range rv0.Float64s() {
					rv0.Float64s()[i] = math.Abs(v) + 0.5
				}
				up := randTensor(rng, shape...)
				for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
					stats := map[bool][2]*tensor.Dense{}
					run := func(fused bool) ([]float64, map[string][]float64) {
						rm, rv := castTo(rm0, dt), castTo(rv0, dt)
						stats[fused] = [2]*tensor.Dense{rm, rv}
						out, _, grads, err := forwardBackward(dt, inputs, wrt, up, func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
							p := ops.BatchNormParams{Training: training, RunningMean: rm, RunningVar: rv, Momentum: 0.1, Eps: 1e-5, ReLU: fused}
							y, err := ops.BatchNorm(xs["x"], xs["g"], xs["b"], p)
							if err != nil || fused {
								return y, err
							}
							return ops.ReLU(y)
						})
						if err != nil {
							t.Fatalf("%s: %+v", name, err)
						}
						return out, grads
					}
					want, wantG := run(false)
					got, gotG := run(true)
					checkFusedReLU(t, fmt.Sprintf("%s %v", name, dt), got, want)
					for _, v := range wrt {
						for i := range wantG[v] {
							if gotG[v][i] != wantG[v][i] {
								t.Fatalf("%s %v: grad %s[%d] fused %v, unfused %v", name, dt, v, i, gotG[v][i], wantG[v][i])
							}
						}
					}
					for k := range 2 {
						a, _ := graph.Float64s(stats[false][k])
						b, _ := graph.Float64s(stats[true][k])
						for i := range a {
							if a[i] != b[i] {
								t.Fatalf("%s %v: running statistic %d[%d]: fused %v, unfused %v", name, dt, k, i, b[i], a[i])
							}
						}
					}
				}
			}
		}
	}
}

func TestBatchNormReLUGradCheck(t *testing.T) {
	rng := graph.NewRand(32)
	rm, rv := tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(3)), tensor.New(tensor.WithShape(3), tensor.WithBacking([]float64{1, 1, 1}))
	gradCheck(t, "batchnorm-relu", []*tensor.Dense{randTensor(rng, 4, 3, 3, 2), randTensor(rng, 3), randTensor(rng, 3)},
		func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
			return ops.BatchNorm(xs[0], xs[1], xs[2], ops.BatchNormParams{Training: true, RunningMean: rm, RunningVar: rv, Momentum: 0.1, Eps: 1e-5, ReLU: true})
		})
}
