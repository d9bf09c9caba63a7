//go:build arm64 && !purego

package vec

// sumOther64 is Σ x[i] for n a multiple of 16 as Sum adds it on arm64
// (sum64NEON), so that Sum64 keeps Sum's order.
func sumOther64(x *float64, n int) float64 { return sum64NEON(x, n) }
