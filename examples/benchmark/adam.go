package main

import (
	"math"
	"runtime"
	"sync"

	"github.com/convnet-go/convnet/graph"
	"gorgonia.org/tensor"
)

// adam is torch.optim.Adam (default betas and eps, no weight decay) in
// float32, parallel over the elements. It stands in for train's optimizer
// until that package is merged.
type adam struct {
	lr   float64
	t    int
	m, v [][]float32
}

func newAdam(lr float64) *adam { return &adam{lr: lr} }

func (a *adam) step(ps []*graph.Param, gs []*tensor.Dense) error {
	if a.m == nil {
		for _, p := range ps {
			a.m = append(a.m, make([]float32, p.Size()))
			a.v = append(a.v, make([]float32, p.Size()))
		}
	}
	a.t++
	const b1, b2, eps = 0.9, 0.999, 1e-8
	bc1 := 1 - math.Pow(b1, float64(a.t))
	bc2 := math.Sqrt(1 - math.Pow(b2, float64(a.t)))
	stepSize := float32(a.lr / bc1)
	inv := float32(1 / bc2)
	type job struct{ w, g, m, v []float32 }
	var jobs []job
	const chunk = 1 << 16
	for i, p := range ps {
		w, g := p.Value().Float32s(), gs[i].Float32s()
		for lo := 0; lo < len(w); lo += chunk {
			hi := min(lo+chunk, len(w))
			jobs = append(jobs, job{w[lo:hi], g[lo:hi], a.m[i][lo:hi], a.v[i][lo:hi]})
		}
	}
	nw := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for k := range nw {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := k; j < len(jobs); j += nw {
				jb := jobs[j]
				for i, d := range jb.g {
					m := jb.m[i] + (1-b1)*(d-jb.m[i])
					v := b2*jb.v[i] + (1-b2)*d*d
					jb.m[i], jb.v[i] = m, v
					jb.w[i] -= stepSize * m / (float32(math.Sqrt(float64(v)))*inv + eps)
				}
			}
		}()
	}
	wg.Wait()
	return nil
}
