package ops

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"gorgonia.org/tensor"
)

// TestLossesIndependentOfGOMAXPROCS checks that every fused loss, forward
// and backward, and the softmax and log-softmax give the same bits with 1
// and 4 workers, in float32 and float64, on shapes large enough to split.
func TestLossesIndependentOfGOMAXPROCS(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testLossThreads[float32](t) })
	t.Run("float64", func(t *testing.T) { testLossThreads[float64](t) })
}

func testLossThreads[T float](t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	rng := rand.New(rand.NewPCG(5, 6))
	shapes := map[lossKind]tensor.Shape{
		lossSoftmaxCE: {8, 5, 33, 31},
		lossBCE:       {3, 20001},
		lossMSE:       {3, 20001},
		lossDice:      {16, 1, 37, 41},
	}
	for kind, shape := range shapes {
		n := shape.TotalSize()
		a, b := make([]T, n), make([]T, n)
		for i := range a {
			a[i] = T(rng.NormFloat64() * 3)
			b[i] = T(rng.Float64())
		}
		var loss [2]float64
		var grad [2][]T
		for k, procs := range []int{1, 4} {
			runtime.GOMAXPROCS(procs)
			ls := &lossSpec{kind: kind, smooth: 1}
			loss[k] = lossForward(ls, a, b, shape)
			grad[k] = make([]T, n)
			lossBackward(ls, a, b, grad[k], shape, 0.75)
		}
		if math.Float64bits(loss[0]) != math.Float64bits(loss[1]) {
			t.Errorf("%s: loss %v with 1 worker, %v with 4", kind, loss[0], loss[1])
		}
		for i := range grad[0] {
			if grad[0][i] != grad[1][i] {
				t.Fatalf("%s: gradient [%d] %v with 1 worker, %v with 4", kind, i, grad[0][i], grad[1][i])
			}
		}
	}
	const outer, k = 300, 1000
	x, dy := make([]T, outer*k), make([]T, outer*k)
	for i := range x {
		x[i], dy[i] = T(rng.NormFloat64()*4), T(rng.NormFloat64())
	}
	for _, log := range []bool{false, true} {
		var y, dx [2][]T
		for c, procs := range []int{1, 4} {
			runtime.GOMAXPROCS(procs)
			var rows rowPool[float32]
			y[c], dx[c] = make([]T, len(x)), make([]T, len(x))
			softmaxForward(log, x, y[c], outer, k, 1, &rows)
			softmaxBackward(log, y[c], dy, dx[c], outer, k, 1, k, &rows)
		}
		for i := range y[0] {
			if y[0][i] != y[1][i] || dx[0][i] != dx[1][i] {
				t.Fatalf("log=%v [%d]: y %v, dx %v with 1 worker; %v, %v with 4", log, i, y[0][i], dx[0][i], y[1][i], dx[1][i])
			}
		}
	}
}
