//go:build amd64 && !purego

package vec

import "golang.org/x/sys/cpu"

//go:generate go run gen_move.go

// moveAsm is the data-movement kernel set of this CPU: the AVX2 kernels of
// move_amd64.s (declared in move_decl_amd64.go) when it has AVX2, none
// otherwise.
var moveAsm = func() moveKernels {
	if !cpu.X86.HasAVX2 {
		return moveKernels{}
	}
	return moveKernels{
		fill64:       fill64AVX2,
		repeat2:      repeat2AVX2,
		pairSum:      pairSumAVX2,
		pairSumAdd:   pairSumAddAVX2,
		repeat2x64:   repeat2x64AVX2,
		pairSum64:    pairSum64AVX2,
		pairSumAdd64: pairSumAdd64AVX2,
		padRows:      padRowsAVX2,
		padRows64:    padRows64AVX2,
		cropRows:     cropRowsAVX2,
		cropRows64:   cropRows64AVX2,
		rowMeans:     rowMeansAVX2,
		rowMeans64:   rowMeans64AVX2,
	}
}()
