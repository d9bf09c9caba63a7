//go:build arm64 && !purego

package vec

import "testing"

// TestNEON64InUse makes sure the float64 NEON kernels are in use on arm64,
// so that TestFloat64, TestFill64 and TestKernels64 do not compare the
// portable code with itself unnoticed.
func TestNEON64InUse(t *testing.T) {
	if asm.name != "neon" {
		t.Skipf("kernel set %q: no NEON on this CPU", Name())
	}
	for name, ok := range map[string]bool{
		"relu64": asm.relu64 != nil, "reluGrad64": asm.reluGrad64 != nil, "add64": asm.add64 != nil,
		"scale64": asm.scale64 != nil, "sum64": asm.sum64 != nil, "fill64": asm.fill64 != nil,
		"exponential family (asm64)": asm64.asm,
	} {
		if !ok {
			t.Errorf("NEON kernel set lacks %s", name)
		}
	}
}
