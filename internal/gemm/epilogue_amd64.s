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

// func maxPool2AVX2(dst, r0, r1 *float32, n int)
//
// dst[i] = max(r0[2i], r0[2i+1], r1[2i], r1[2i+1]) for i < n (n a multiple
// of 8). Each maximum is Go's: VMAXPS in both operand orders ANDed (equal
// unless both are zeros, where the AND gives +0 unless both are -0), with
// the unordered comparison's all-ones mask ORed in where either is NaN.
// The vertical maxima of 16 columns are split into even and odd columns
// (VSHUFPS, per 128-bit lane), whose maxima VPERMPD puts back in order.
TEXT ·maxPool2AVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ r0+8(FP), SI
	MOVQ r1+16(FP), DX
	MOVQ n+24(FP), CX

loop:
	CMPQ    CX, $8
	JLT     done
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS (DX), Y2
	VMOVUPS 32(DX), Y3

	// Y4 = max(Y0, Y2), columns 0-7
	VMAXPS Y2, Y0, Y4
	VMAXPS Y0, Y2, Y5
	VANDPS Y5, Y4, Y4
	VCMPPS $3, Y2, Y0, Y5
	VORPS  Y5, Y4, Y4

	// Y6 = max(Y1, Y3), columns 8-15
	VMAXPS Y3, Y1, Y6
	VMAXPS Y1, Y3, Y7
	VANDPS Y7, Y6, Y6
	VCMPPS $3, Y3, Y1, Y7
	VORPS  Y7, Y6, Y6

	// even columns in Y0, odd in Y1: lane 0 holds 0, 2, 8, 10 (and 1, 3,
	// 9, 11), lane 1 holds 4, 6, 12, 14 (5, 7, 13, 15)
	VSHUFPS $0x88, Y6, Y4, Y0
	VSHUFPS $0xDD, Y6, Y4, Y1
	VMAXPS  Y1, Y0, Y2
	VMAXPS  Y0, Y1, Y3
	VANDPS  Y3, Y2, Y2
	VCMPPS  $3, Y1, Y0, Y3
	VORPS   Y3, Y2, Y2

	// outputs 0 1 4 5 | 2 3 6 7 as 64-bit pairs 0 1 2 3: order 0 2 1 3
	VPERMPD $0xD8, Y2, Y2
	VMOVUPS Y2, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DX
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     loop

done:
	VZEROUPPER
	RET
