//go:build amd64 && !purego

#include "textflag.h"

// func biasReLUAVX2(dst, src *float32, n int, b float32)
//
// dst[i] = max(src[i] + b, 0) for i < n (n a multiple of 8). VMAXPS takes
// its second source when either is NaN: with x as that source, NaN stays
// NaN as in Go's max.
TEXT ·biasReLUAVX2(SB), NOSPLIT, $0-28
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS b+24(FP), Y1
	VXORPS Y0, Y0, Y0
	CMPQ CX, $32
	JLT  loop8

loop32:
	VADDPS  (SI), Y1, Y2
	VADDPS  32(SI), Y1, Y3
	VADDPS  64(SI), Y1, Y4
	VADDPS  96(SI), Y1, Y5
	VMAXPS  Y2, Y0, Y2
	VMAXPS  Y3, Y0, Y3
	VMAXPS  Y4, Y0, Y4
	VMAXPS  Y5, Y0, Y5
	VMOVUPS Y2, (DI)
	VMOVUPS Y3, 32(DI)
	VMOVUPS Y4, 64(DI)
	VMOVUPS Y5, 96(DI)
	ADDQ    $128, SI
	ADDQ    $128, DI
	SUBQ    $32, CX
	CMPQ    CX, $32
	JGE     loop32

loop8:
	CMPQ    CX, $8
	JLT     done
	VADDPS  (SI), Y1, Y2
	VMAXPS  Y2, Y0, Y2
	VMOVUPS Y2, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     loop8

done:
	VZEROUPPER
	RET

// func maxAVX2(dst, a, b *float32, n int)
//
// dst[i] = max(a[i], b[i]) for i < n (n a multiple of 8); where either is
// NaN, the unordered comparison's all-ones mask ORed in makes it NaN.
TEXT ·maxAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX

loop:
	CMPQ    CX, $8
	JLT     done
	VMOVUPS (SI), Y0
	VMOVUPS (DX), Y1
	VMAXPS  Y1, Y0, Y2
	VCMPPS  $3, Y1, Y0, Y3
	VORPS   Y3, Y2, Y2
	VMOVUPS Y2, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     loop

done:
	VZEROUPPER
	RET
