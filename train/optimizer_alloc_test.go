package train_test

import (
	"runtime"
	"slices"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/train"
	"gorgonia.org/tensor"
)

// adamCase builds float32 and float64 Params of several chunks each (and
// a small one), with fixed gradients.
func adamCase(t *testing.T) []train.ParamGrad {
	t.Helper()
	var pgs []train.ParamGrad
	for i, c := range []struct {
		dt tensor.Dtype
		n  int
	}{{tensor.Float32, 100000}, {tensor.Float64, 70000}, {tensor.Float32, 7}} {
		p, err := graph.NewParam(graph.Weight, c.dt, tensor.Shape{c.n}, graph.Normal(0, 1), int64(i))
		if err != nil {
			t.Fatal(err)
		}
		g := make([]float64, c.n)
		for j := range g {
			g[j] = float64(j%7-3) * 0.01
		}
		gt, err := graph.FromFloat64s(c.dt, []int{c.n}, g)
		if err != nil {
			t.Fatal(err)
		}
		pgs = append(pgs, train.ParamGrad{Param: p, Grad: gt})
	}
	return pgs
}

// TestAdamStepAllocs checks that an Adam step allocates nothing once its
// state exists, and that its chunks spread over goroutines give the
// weights of one goroutine bit for bit.
func TestAdamStepAllocs(t *testing.T) {
	values := func(pgs []train.ParamGrad) [][]float64 {
		var out [][]float64
		for _, pg := range pgs {
			v, err := graph.Float64s(pg.Param.Value())
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, v)
		}
		return out
	}
	var got [2][][]float64
	for i, procs := range []int{1, 2} {
		prev := runtime.GOMAXPROCS(procs)
		opt := must(train.NewAdamW(1e-2, train.WithWeightDecay(0.1)))
		pgs := adamCase(t)
		for range 3 {
			if err := opt.Step(pgs); err != nil {
				t.Fatal(err)
			}
		}
		got[i] = values(pgs)
		runtime.GOMAXPROCS(prev)
		if procs == 1 {
			if a := testing.AllocsPerRun(10, func() {
				if err := opt.Step(pgs); err != nil {
					t.Fatal(err)
				}
			}); a != 0 {
				t.Errorf("Adam.Step: %v allocations per step, want 0", a)
			}
		}
	}
	for i := range got[0] {
		if !slices.Equal(got[0][i], got[1][i]) {
			t.Errorf("Param %d: the weights after three steps depend on GOMAXPROCS", i)
		}
	}
}
