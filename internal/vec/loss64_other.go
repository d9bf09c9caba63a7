//go:build !amd64 || purego

package vec

import "unsafe"

// The kernel names of loss64_amd64.s, for builds without it: they do what
// the kernels do, on plain loops (called on arm64, where asm64.asm is true
// for the NEON exponentials; never under purego or elsewhere).

func max64AVX2(x *float64, n int) float64 { return max64(&kernelSet64{}, unsafe.Slice(x, n)) }

func dot64AVX2(a, b *float64, n int) float64 {
	return dot64(&kernelSet64{}, unsafe.Slice(a, n), unsafe.Slice(b, n))
}

func sqDiff64AVX2(a, b *float64, n int) float64 {
	return sqDiffSum64(&kernelSet64{}, unsafe.Slice(a, n), unsafe.Slice(b, n))
}

func scaleAdd64AVX2(dst, x *float64, n int, a, c float64) {
	scaleAdd64(&kernelSet64{}, unsafe.Slice(dst, n), unsafe.Slice(x, n), a, c)
}

func axpby64AVX2(dst, a, b *float64, n int, ca, cb float64) {
	axpby64(&kernelSet64{}, unsafe.Slice(dst, n), unsafe.Slice(a, n), unsafe.Slice(b, n), ca, cb)
}

func addMul64AVX2(dst, a, b *float64, n int, c float64) {
	addMul64(&kernelSet64{}, unsafe.Slice(dst, n), unsafe.Slice(a, n), unsafe.Slice(b, n), c)
}

func maxOf64AVX2(dst, a, b *float64, n int) {
	maxOf64(&kernelSet64{}, unsafe.Slice(dst, n), unsafe.Slice(a, n), unsafe.Slice(b, n))
}

func sub64AVX2(dst, a, b *float64, n int) {
	sub64(&kernelSet64{}, unsafe.Slice(dst, n), unsafe.Slice(a, n), unsafe.Slice(b, n))
}

// sumRow64AVX2 adds as Sum does on this build (sumOther64).
func sumRow64AVX2(x *float64, n int) float64 { return sumOther64(x, n) }

func addRow64AVX2(dst, a, b *float64, n int) {
	addRow64(&kernelSet64{}, unsafe.Slice(dst, n), unsafe.Slice(a, n), unsafe.Slice(b, n))
}

// expShiftSum64AVX2 is ExpShift64 (on arm64 its NEON kernel) and a sum.
func expShiftSum64AVX2(dst, x *float64, n int, c float64) float64 {
	d := unsafe.Slice(dst, n)
	expShift64(&asm64, d, unsafe.Slice(x, n), c)
	s := 0.0
	for _, v := range d {
		s += v
	}
	return s
}
