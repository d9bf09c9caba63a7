package ops

import "testing"

// TestKernels64DoNotAllocate checks that the float64 loss kernels keep
// their scratch on the stack: a heap allocation per sample is what an
// escaping buffer costs (1136 allocations per run of a 16×11×64×64
// cross-entropy before this test).
func TestKernels64DoNotAllocate(t *testing.T) {
	const k, s = 11, 300
	x, tg, dx := make([]float64, k*s), make([]float64, k*s), make([]float64, k*s)
	for i := range x {
		x[i] = float64(i%17) - 8
		tg[i] = float64(i % 2)
	}
	cases := map[string]func(){
		"bce64":                 func() { bce64(x, tg) },
		"bceGrad64":             func() { bceGrad64(x, tg, dx, 0.5) },
		"softmaxCESample64/row": func() { softmaxCESample64(x[:s], tg[:s], s, 1) },
		"softmaxCESample64":     func() { softmaxCESample64(x, tg, k, s) },
		"softmaxCEGradSample64/row": func() {
			softmaxCEGradSample64(x[:s], tg[:s], dx[:s], s, 1, 0.5)
		},
		"softmaxCEGradSample64": func() { softmaxCEGradSample64(x, tg, dx, k, s, 0.5) },
	}
	for name, f := range cases {
		if n := testing.AllocsPerRun(5, f); n != 0 {
			t.Errorf("%s: %v allocations per call, want 0", name, n)
		}
	}
}
