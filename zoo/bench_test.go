package zoo_test

import (
	"testing"

	"github.com/convnet-go/convnet/nn"
)

// BenchmarkPredict times Predict (evaluation mode, float32, compiled graph
// cached) on one image for every model of the test table; the parameter
// count is reported as a metric. The machine the numbers come from matters
// (and a shared one makes them noisy).
func BenchmarkPredict(bm *testing.B) {
	for _, c := range zooCases {
		bm.Run(c.name, func(bm *testing.B) {
			if c.heavy && testing.Short() {
				bm.Skip("heavy")
			}
			m, err := c.build(10)
			if err != nil {
				bm.Fatal(err)
			}
			x := randInput(1, append([]int{1}, c.in[1:]...)...)
			if _, err := nn.Predict(m, x); err != nil {
				bm.Fatal(err)
			}
			bm.ResetTimer()
			for i := 0; i < bm.N; i++ {
				if _, err := nn.Predict(m, x); err != nil {
					bm.Fatal(err)
				}
			}
			bm.ReportMetric(float64(nn.NumParams(m)), "params")
		})
	}
}

// BenchmarkTrainStep times one training step's forward and backward pass
// (no optimiser update) on a batch of 8 for the MNIST-sized models,
// graph building and compilation included (trainStep builds a new graph).
func BenchmarkTrainStep(bm *testing.B) {
	for _, c := range zooCases {
		if c.in[1] != 1 || c.in[2] != 28 {
			continue
		}
		bm.Run(c.name, func(bm *testing.B) {
			m, err := c.build(10)
			if err != nil {
				bm.Fatal(err)
			}
			x := randInput(1, 8, 1, 28, 28)
			bm.ResetTimer()
			for i := 0; i < bm.N; i++ {
				trainStep(bm, m, x)
			}
		})
	}
}
