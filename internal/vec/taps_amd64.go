//go:build amd64 && !purego

package vec

import "golang.org/x/sys/cpu"

//go:generate go run gen_taps.go

// hasTaps reports whether Taps runs the AVX2+FMA kernels of taps_amd64.s.
var hasTaps = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// TapsFast reports whether Taps runs vector kernels on this CPU (callers
// choose a direct convolution over a matrix product only then).
func TapsFast() bool { return hasTaps }
