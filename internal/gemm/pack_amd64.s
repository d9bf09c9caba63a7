//go:build amd64 && !purego

#include "textflag.h"

// func transpose8x8(n int, src *float32, lds int, dst *float32, ldd int, srcStep, dstStep int)
//
// Transposes n 8×8 blocks: dst[b·dstStep + c·ldd + r] = src[b·srcStep +
// r·lds + c] for b < n and r, c < 8. Strides and steps are in floats. AVX
// only.
//
// Each YMM register first holds columns c..c+3 of row r in its low half and
// of row r+4 in its high half (VINSERTF128 from memory), so the classic
// unpack/shuffle 4×4 transpose, which works within 128-bit lanes, finishes
// the job without cross-lane shuffles.
TEXT ·transpose8x8(SB), NOSPLIT, $0-56
	MOVQ n+0(FP), CX
	MOVQ src+8(FP), SI
	MOVQ lds+16(FP), R8
	MOVQ dst+24(FP), DI
	MOVQ ldd+32(FP), R9
	MOVQ srcStep+40(FP), R13
	MOVQ dstStep+48(FP), R14
	SHLQ $2, R8
	SHLQ $2, R9
	SHLQ $2, R13
	SHLQ $2, R14
	LEAQ (R8)(R8*2), R10 // 3·lds
	TESTQ CX, CX
	JZ done

loop:
	LEAQ (SI)(R8*4), R11 // row 4

	// Columns 0..3: Y0..Y3 = rows (0|4), (1|5), (2|6), (3|7).
	VMOVUPS (SI), X0
	VINSERTF128 $1, (R11), Y0, Y0
	VMOVUPS (SI)(R8*1), X1
	VINSERTF128 $1, (R11)(R8*1), Y1, Y1
	VMOVUPS (SI)(R8*2), X2
	VINSERTF128 $1, (R11)(R8*2), Y2, Y2
	VMOVUPS (SI)(R10*1), X3
	VINSERTF128 $1, (R11)(R10*1), Y3, Y3

	// Columns 4..7: Y4..Y7 likewise.
	VMOVUPS 16(SI), X4
	VINSERTF128 $1, 16(R11), Y4, Y4
	VMOVUPS 16(SI)(R8*1), X5
	VINSERTF128 $1, 16(R11)(R8*1), Y5, Y5
	VMOVUPS 16(SI)(R8*2), X6
	VINSERTF128 $1, 16(R11)(R8*2), Y6, Y6
	VMOVUPS 16(SI)(R10*1), X7
	VINSERTF128 $1, 16(R11)(R10*1), Y7, Y7

	// 4×4 transposes within each 128-bit lane.
	VUNPCKLPS Y1, Y0, Y8  // r0c0 r1c0 r0c1 r1c1
	VUNPCKHPS Y1, Y0, Y9  // r0c2 r1c2 r0c3 r1c3
	VUNPCKLPS Y3, Y2, Y10 // r2c0 r3c0 r2c1 r3c1
	VUNPCKHPS Y3, Y2, Y11 // r2c2 r3c2 r2c3 r3c3
	VSHUFPS $0x44, Y10, Y8, Y0 // column 0
	VSHUFPS $0xEE, Y10, Y8, Y1 // column 1
	VSHUFPS $0x44, Y11, Y9, Y2 // column 2
	VSHUFPS $0xEE, Y11, Y9, Y3 // column 3
	VUNPCKLPS Y5, Y4, Y8
	VUNPCKHPS Y5, Y4, Y9
	VUNPCKLPS Y7, Y6, Y10
	VUNPCKHPS Y7, Y6, Y11
	VSHUFPS $0x44, Y10, Y8, Y4 // column 4
	VSHUFPS $0xEE, Y10, Y8, Y5 // column 5
	VSHUFPS $0x44, Y11, Y9, Y6 // column 6
	VSHUFPS $0xEE, Y11, Y9, Y7 // column 7

	MOVQ DI, R12
	VMOVUPS Y0, (R12)
	ADDQ R9, R12
	VMOVUPS Y1, (R12)
	ADDQ R9, R12
	VMOVUPS Y2, (R12)
	ADDQ R9, R12
	VMOVUPS Y3, (R12)
	ADDQ R9, R12
	VMOVUPS Y4, (R12)
	ADDQ R9, R12
	VMOVUPS Y5, (R12)
	ADDQ R9, R12
	VMOVUPS Y6, (R12)
	ADDQ R9, R12
	VMOVUPS Y7, (R12)

	ADDQ R13, SI
	ADDQ R14, DI
	DECQ CX
	JNZ loop

done:
	VZEROUPPER
	RET

// func transpose4x4(n int, src *float32, lds int, dst *float32, ldd int, srcStep, dstStep int)
//
// Like transpose8x8 with 4×4 blocks. AVX (VEX-encoded 128-bit) only.
TEXT ·transpose4x4(SB), NOSPLIT, $0-56
	MOVQ n+0(FP), CX
	MOVQ src+8(FP), SI
	MOVQ lds+16(FP), R8
	MOVQ dst+24(FP), DI
	MOVQ ldd+32(FP), R9
	MOVQ srcStep+40(FP), R13
	MOVQ dstStep+48(FP), R14
	SHLQ $2, R8
	SHLQ $2, R9
	SHLQ $2, R13
	SHLQ $2, R14
	LEAQ (R8)(R8*2), R10 // 3·lds
	LEAQ (R9)(R9*2), R11 // 3·ldd
	TESTQ CX, CX
	JZ done4

loop4:
	VMOVUPS (SI), X0
	VMOVUPS (SI)(R8*1), X1
	VMOVUPS (SI)(R8*2), X2
	VMOVUPS (SI)(R10*1), X3
	VUNPCKLPS X1, X0, X4 // r0c0 r1c0 r0c1 r1c1
	VUNPCKHPS X1, X0, X5 // r0c2 r1c2 r0c3 r1c3
	VUNPCKLPS X3, X2, X6 // r2c0 r3c0 r2c1 r3c1
	VUNPCKHPS X3, X2, X7 // r2c2 r3c2 r2c3 r3c3
	VSHUFPS $0x44, X6, X4, X0 // column 0
	VSHUFPS $0xEE, X6, X4, X1 // column 1
	VSHUFPS $0x44, X7, X5, X2 // column 2
	VSHUFPS $0xEE, X7, X5, X3 // column 3
	VMOVUPS X0, (DI)
	VMOVUPS X1, (DI)(R9*1)
	VMOVUPS X2, (DI)(R9*2)
	VMOVUPS X3, (DI)(R11*1)
	ADDQ R13, SI
	ADDQ R14, DI
	DECQ CX
	JNZ loop4

done4:
	RET
