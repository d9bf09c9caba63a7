//go:build !amd64 || purego

package vec

// hasTaps is false: Taps runs the portable code.
const hasTaps = false

// TapsFast reports whether Taps runs vector kernels on this CPU: never
// here.
func TapsFast() bool { return false }

func taps4AVX2(dst, src, w *float32, off *int, taps, n, ldw, ldd int) {
	panic("vec: no taps kernel")
}

func taps1AVX2(dst, src, w *float32, off *int, taps, n, ldw, ldd int) {
	panic("vec: no taps kernel")
}

func tapsPool2AVX2(dst, src, w *float32, off *int, taps, blocks, ldw, ldd, ld, groups int) {
	panic("vec: no taps kernel")
}

func tapsPool1AVX2(dst, src, w *float32, off *int, taps, blocks, ldw, ldd, ld, groups int) {
	panic("vec: no taps kernel")
}

func pool2RowsAVX2(dst, src *float32, rows, blocks, ld, ldo int) {
	panic("vec: no taps kernel")
}
