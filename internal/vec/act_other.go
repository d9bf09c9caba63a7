//go:build !amd64 || purego

package vec

import (
	"math"
	"unsafe"
)

// The kernel names of act_amd64.s, for builds without it: never called
// (asm64.asm is false there), they run the scalar loops of act64.go.

func leakyReLU64AVX2(dst, x *float64, n int, c float64) {
	leakyReLU64(&kernelSet64{}, unsafe.Slice(dst, n), unsafe.Slice(x, n), c)
}

func leakyReLUGrad64AVX2(dst, a, b *float64, n int, c float64) {
	leakyReLUGrad64(&kernelSet64{}, unsafe.Slice(dst, n), unsafe.Slice(a, n), unsafe.Slice(b, n), c)
}

func eluGrad64AVX2(dst, a, b *float64, n int, c float64) {
	eluGrad64(&kernelSet64{}, unsafe.Slice(dst, n), unsafe.Slice(a, n), unsafe.Slice(b, n), c)
}

func sigmoidGrad64AVX2(dst, a, b *float64, n int) {
	sigmoidGrad64(&kernelSet64{}, unsafe.Slice(dst, n), unsafe.Slice(a, n), unsafe.Slice(b, n))
}

func tanhGrad64AVX2(dst, a, b *float64, n int) {
	tanhGrad64(&kernelSet64{}, unsafe.Slice(dst, n), unsafe.Slice(a, n), unsafe.Slice(b, n))
}

func softsign64AVX2(dst, x *float64, n int) {
	softsign64(&kernelSet64{}, unsafe.Slice(dst, n), unsafe.Slice(x, n))
}

func softsignGrad64AVX2(dst, a, b *float64, n int) {
	softsignGrad64(&kernelSet64{}, unsafe.Slice(dst, n), unsafe.Slice(a, n), unsafe.Slice(b, n))
}

func mul64AVX2(dst, a, b *float64, n int) {
	mul64(&kernelSet64{}, unsafe.Slice(dst, n), unsafe.Slice(a, n), unsafe.Slice(b, n))
}

func sigmoidExp64AVX2(dst, x *float64, n int) {
	d, s := unsafe.Slice(dst, n), unsafe.Slice(x, n)
	for i, v := range s {
		d[i] = Sigmoid64Scalar(v)
	}
}

func eluExp64AVX2(dst, x *float64, n int, c float64) {
	d, s := unsafe.Slice(dst, n), unsafe.Slice(x, n)
	for i, v := range s {
		if v < 0 {
			d[i] = c * math.Expm1(v)
		} else {
			d[i] = v
		}
	}
}

func softplusExp64AVX2(dst, x *float64, n int) {
	d, s := unsafe.Slice(dst, n), unsafe.Slice(x, n)
	for i, v := range s {
		d[i] = Softplus64Scalar(v)
	}
}
