//go:build amd64 && !purego

package vec

import "golang.org/x/sys/cpu"

//go:generate go run gen_dot64.go

// hasDotRows64 is whether this CPU runs dotRows4x64AVX2.
var hasDotRows64 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// dotRows4Asm sets dst[j] to the dot product of the first k8 elements of
// x and of weight row j (rows ldw apart from w[0]) for j < 4, and returns
// k8 (a multiple of 8; 0 when the kernel does not run).
func dotRows4Asm(dst *[4]float64, x, w []float64, ldw int, fast bool) int {
	k8 := len(x) &^ 7
	if !fast || !hasDotRows64 || k8 == 0 {
		return 0
	}
	_ = w[3*ldw+k8-1]
	dotRows4x64AVX2(dst, &x[0], &w[0], ldw, k8)
	return k8
}
