//go:build (!amd64 && !arm64) || purego

package vec

import (
	"math"
	"unsafe"
)

// asm64 is off: the float64 exponential family runs on the math package.
var asm64 = kernelSet64{}

// The float64 kernel names of kernels64_amd64.s, for builds without it:
// never called (asm64.asm is false), they do what the kernels do, on the
// portable functions.

func expShift64AVX2(dst, x *float64, n int, c float64) {
	each64(dst, x, n, func(v float64) float64 { return Exp64(v - c) })
}

func tanh64AVX2(dst, x *float64, n int) { each64(dst, x, n, math.Tanh) }

func log64AVX2(dst, x *float64, n int) { each64(dst, x, n, Log64Scalar) }

func each64(dst, x *float64, n int, f func(float64) float64) {
	d, s := unsafe.Slice(dst, n), unsafe.Slice(x, n)
	for i, v := range s {
		d[i] = f(v)
	}
}
