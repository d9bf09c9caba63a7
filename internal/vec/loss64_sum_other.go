//go:build (!amd64 && !arm64) || purego

package vec

import "unsafe"

// sumOther64 is Σ x[i] in order, as Sum adds without kernels.
func sumOther64(x *float64, n int) float64 {
	s := 0.0
	for _, v := range unsafe.Slice(x, n) {
		s += v
	}
	return s
}
