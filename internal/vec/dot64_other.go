//go:build !amd64 || purego

package vec

// dotRows4Asm has no assembly here: DotRows64's loops do all of it.
func dotRows4Asm(dst *[4]float64, x, w []float64, ldw int, fast bool) int { return 0 }
