package onnx

import (
	"sync"
	"testing"

	"github.com/convnet-go/convnet/nn"
	"gorgonia.org/tensor"
)

// TestRunConcurrent: Run and nn.Predict on one Model from several
// goroutines at once, on two input shapes (so graphs are compiled while
// others run), give each call the same result as a lone call. Run under
// -race, it checks that compiling and running share the Params safely.
func TestRunConcurrent(t *testing.T) {
	m, err := Read(marshal(t, smallModel()))
	if err != nil {
		t.Fatal(err)
	}
	xs := []*tensor.Dense{fusedInput(1, 1, 4, 4), fusedInput(2, 1, 4, 4)}
	want := make([][]float32, len(xs))
	for i, x := range xs {
		ref, err := Read(marshal(t, smallModel()))
		if err != nil {
			t.Fatal(err)
		}
		y, err := ref.Run(x)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = y[0].Data().([]float32)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 4 {
				i := (g + k) % len(xs)
				var got []float32
				if (g+k)%2 == 0 {
					y, err := m.Run(xs[i])
					if err != nil {
						errs <- err
						return
					}
					got = y[0].Data().([]float32)
				} else {
					y, err := nn.Predict(m, xs[i])
					if err != nil {
						errs <- err
						return
					}
					got = y.Data().([]float32)
				}
				for j := range want[i] {
					if got[j] != want[i][j] {
						t.Errorf("goroutine %d, call %d: output %d = %v, want %v", g, k, j, got[j], want[i][j])
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("%+v", err)
	}
}
