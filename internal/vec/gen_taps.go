//go:build ignore

// gen_taps writes the amd64 AVX2+FMA kernels of vec's Taps (taps.go):
//
//	go run gen_taps.go
//
// It produces taps_amd64.s and the Go declarations in taps_decl_amd64.go:
// the Taps kernels (kernel), those of TapsPool2 (poolKernel) and of
// MaxPool2Rows (rowsKernel).
// A kernel computes ch output rows (ch = 4 or 1) at once: for each block
// of 16 positions (two YMM vectors per row), then one block of 8, it loads
// the source vectors of each tap once and multiplies them into every row's
// accumulators with that row's broadcast weight. n must be a multiple of
// 8; the Go wrapper does the tail with the portable code.
//
// Go's assembler writes AVX operands in reverse Intel order: VFMADD231PS
// w, x, acc is acc = x·w + acc.
package main

import (
	"bytes"
	"fmt"
	"log"
	"os"
)

// rowAddr is the memory operand of row c (< 4) at displacement disp from
// base, rows stride bytes apart (stride in sreg, 3·stride in s3reg).
func rowAddr(disp int, base, sreg, s3reg string, c int) string {
	d := ""
	if disp != 0 {
		d = fmt.Sprint(disp)
	}
	switch c {
	case 0:
		return fmt.Sprintf("%s(%s)", d, base)
	case 1:
		return fmt.Sprintf("%s(%s)(%s*1)", d, base, sreg)
	case 2:
		return fmt.Sprintf("%s(%s)(%s*2)", d, base, sreg)
	default:
		return fmt.Sprintf("%s(%s)(%s*1)", d, base, s3reg)
	}
}

// block writes the loop body for vecs vectors (of 8) per row and ch rows,
// under label name; it jumps to next when fewer than 8·vecs positions are
// left.
func block(s *bytes.Buffer, name, next string, ch, vecs int) {
	w := func(f string, a ...any) { fmt.Fprintf(s, "\t"+f+"\n", a...) }
	acc := func(c, v int) string { return fmt.Sprintf("Y%d", c*vecs+v) }
	fmt.Fprintf(s, "%s:\n", name)
	w("CMPQ CX, $%d", 8*vecs)
	w("JLT %s", next)
	for c := 0; c < ch; c++ {
		for v := 0; v < vecs; v++ {
			w("VXORPS %s, %s, %s", acc(c, v), acc(c, v), acc(c, v))
		}
	}
	w("MOVQ DX, R13")
	w("MOVQ BX, R14")
	fmt.Fprintf(s, "%s_tap:\n", name)
	w("MOVQ (R13), AX")
	w("LEAQ (SI)(AX*4), AX")
	for v := 0; v < vecs; v++ {
		w("VMOVUPS %d(AX), Y%d", 32*v, 8+v)
	}
	for c := 0; c < ch; c++ {
		wr := fmt.Sprintf("Y%d", 8+vecs+c) // after the source vectors
		w("VBROADCASTSS %s, %s", rowAddr(0, "R14", "R9", "R11", c), wr)
		for v := 0; v < vecs; v++ {
			w("VFMADD231PS %s, Y%d, %s", wr, 8+v, acc(c, v))
		}
	}
	w("ADDQ $8, R13")
	w("ADDQ $4, R14")
	w("CMPQ R13, R8")
	w("JNE %s_tap", name)
	for c := 0; c < ch; c++ {
		for v := 0; v < vecs; v++ {
			w("VMOVUPS %s, %s", acc(c, v), rowAddr(32*v, "DI", "R10", "R12", c))
		}
	}
	w("ADDQ $%d, SI", 32*vecs)
	w("ADDQ $%d, DI", 32*vecs)
	w("SUBQ $%d, CX", 8*vecs)
	w("JMP %s", name)
}

func kernel(s, decl *bytes.Buffer, ch int) {
	name := fmt.Sprintf("taps%dAVX2", ch)
	fmt.Fprintf(decl, "\n// %s sets dst[c·ldd+p] = Σ_t w[c·ldw+t]·src[p+off[t]] for the %d rows c and\n", name, ch)
	fmt.Fprintf(decl, "// p < n, n a multiple of 8, taps >= 1 (AVX2 and FMA).\n//\n//go:noescape\n")
	fmt.Fprintf(decl, "func %s(dst, src, w *float32, off *int, taps, n, ldw, ldd int)\n", name)

	fmt.Fprintf(s, "\n// func %s(dst, src, w *float32, off *int, taps, n, ldw, ldd int)\n", name)
	fmt.Fprintf(s, "TEXT ·%s(SB), NOSPLIT, $0-64\n", name)
	w := func(f string, a ...any) { fmt.Fprintf(s, "\t"+f+"\n", a...) }
	w("MOVQ dst+0(FP), DI")
	w("MOVQ src+8(FP), SI")
	w("MOVQ w+16(FP), BX")
	w("MOVQ off+24(FP), DX")
	w("MOVQ taps+32(FP), R8")
	w("LEAQ (DX)(R8*8), R8") // end of off
	w("MOVQ n+40(FP), CX")
	w("MOVQ ldw+48(FP), R9")
	w("SHLQ $2, R9")
	w("LEAQ (R9)(R9*2), R11")
	w("MOVQ ldd+56(FP), R10")
	w("SHLQ $2, R10")
	w("LEAQ (R10)(R10*2), R12")
	vecs := 2
	if ch == 1 {
		vecs = 4
	}
	labels := []string{}
	for v := vecs; v >= 1; v /= 2 {
		labels = append(labels, fmt.Sprintf("%s_%d", name, 8*v))
	}
	labels = append(labels, name+"_done")
	for i, v := 0, vecs; v >= 1; i, v = i+1, v/2 {
		block(s, labels[i], labels[i+1], ch, v)
	}
	fmt.Fprintf(s, "%s:\n", labels[len(labels)-1])
	w("VZEROUPPER")
	w("RET")
}

// poolKernel writes tapsPool{ch}AVX2, the convolution of ch rows (ch = 2
// or 1) fused with a 2x2 max pool at stride 2: per block of 16 wide
// positions of two input rows ld apart it accumulates the 2·2 vectors of
// each output row, then takes the maximum of each 2x2 window (even and
// odd positions by VSHUFPS, the two rows, a NaN in any of the four
// giving NaN as Go's max does, by an unordered compare ORed in) and stores
// the 8 pooled values in order (VPERMPD).
func poolKernel(s, decl *bytes.Buffer, ch int) {
	name := fmt.Sprintf("tapsPool%dAVX2", ch)
	fmt.Fprintf(decl, "\n// %s sets dst[c·ldd+i] to the maximum of Σ_t w[c·ldw+t]·src[q+off[t]] over\n", name)
	fmt.Fprintf(decl, "// q in {2i, 2i+1, ld+2i, ld+2i+1} for the %d rows c and i < 8·blocks, NaN if\n// one is; taps >= 1, blocks >= 1 (AVX2 and FMA). It does this for groups\n", ch)
	fmt.Fprintf(decl, "// groups >= 1 of %d rows, %d·ldw and %d·ldd apart.\n//\n//go:noescape\n", ch, ch, ch)
	fmt.Fprintf(decl, "func %s(dst, src, w *float32, off *int, taps, blocks, ldw, ldd, ld, groups int)\n", name)

	fmt.Fprintf(s, "\n// func %s(dst, src, w *float32, off *int, taps, blocks, ldw, ldd, ld, groups int)\n", name)
	fmt.Fprintf(s, "TEXT ·%s(SB), NOSPLIT, $0-80\n", name)
	w := func(f string, a ...any) { fmt.Fprintf(s, "\t"+f+"\n", a...) }
	w("MOVQ dst+0(FP), DI")
	w("MOVQ src+8(FP), SI")
	w("MOVQ w+16(FP), BX")
	w("MOVQ off+24(FP), DX")
	w("MOVQ taps+32(FP), R8")
	w("LEAQ (DX)(R8*8), R8")
	w("MOVQ blocks+40(FP), CX")
	w("MOVQ ldw+48(FP), R9")
	w("SHLQ $2, R9")
	w("MOVQ ldd+56(FP), R10")
	w("SHLQ $2, R10")
	w("MOVQ ld+64(FP), R11")
	w("SHLQ $2, R11")
	w("MOVQ groups+72(FP), R12")
	// accumulators of row c: Y(4c) row 0 low, Y(4c+1) row 0 high,
	// Y(4c+2) row 1 low, Y(4c+3) row 1 high
	fmt.Fprintf(s, "%s_block:\n", name)
	for i := 0; i < 4*ch; i++ {
		w("VXORPS Y%d, Y%d, Y%d", i, i, i)
	}
	w("MOVQ DX, R13")
	w("MOVQ BX, R14")
	fmt.Fprintf(s, "%s_tap:\n", name)
	w("MOVQ (R13), AX")
	w("LEAQ (SI)(AX*4), AX")
	w("VMOVUPS (AX), Y8")
	w("VMOVUPS 32(AX), Y9")
	w("VMOVUPS (AX)(R11*1), Y10")
	w("VMOVUPS 32(AX)(R11*1), Y11")
	for c := 0; c < ch; c++ {
		wr := fmt.Sprintf("Y%d", 12+c)
		if c == 0 {
			w("VBROADCASTSS (R14), %s", wr)
		} else {
			w("VBROADCASTSS (R14)(R9*1), %s", wr)
		}
		for v := 0; v < 4; v++ {
			w("VFMADD231PS %s, Y%d, Y%d", wr, 8+v, 4*c+v)
		}
	}
	w("ADDQ $8, R13")
	w("ADDQ $4, R14")
	w("CMPQ R13, R8")
	w("JNE %s_tap", name)
	for c := 0; c < ch; c++ {
		pool2x2(w, 4*c)
		if c == 0 {
			w("VMOVUPS Y8, (DI)")
		} else {
			w("VMOVUPS Y8, (DI)(R10*1)")
		}
	}
	w("ADDQ $64, SI")
	w("ADDQ $32, DI")
	w("DECQ CX")
	w("JNZ %s_block", name)
	// next group of rows: back to the first block, ch rows on
	w("DECQ R12")
	w("JZ %s_done", name)
	w("MOVQ blocks+40(FP), CX")
	w("MOVQ CX, AX")
	w("SHLQ $5, AX")
	w("SUBQ AX, DI")
	for c := 0; c < ch; c++ {
		w("ADDQ R10, DI")
		w("ADDQ R9, BX")
	}
	w("MOVQ src+8(FP), SI")
	w("JMP %s_block", name)
	fmt.Fprintf(s, "%s_done:\n", name)
	w("VZEROUPPER")
	w("RET")
}

// pool2x2 writes the 2x2 max pool of the 16 positions of two rows,
// Y(a), Y(a+1) (row 0) and Y(a+2), Y(a+3) (row 1), into Y8 as the 8
// pooled values in order, NaN where one of a window's four is; it uses
// Y8-Y15. VSHUFPS takes the even and the odd positions of each row (in
// the order 0 2 8 10 4 6 12 14 of the 16), VMAXPS their maxima and those
// of the rows (VMAXPS returns its second operand when one is NaN: an
// unordered compare of each pair, ORed in, makes it NaN), VPERMPD puts
// the 64-bit pairs back in order.
func pool2x2(w func(string, ...any), a int) {
	w("VSHUFPS $0x88, Y%d, Y%d, Y8", a+1, a) // row 0 even positions
	w("VSHUFPS $0xdd, Y%d, Y%d, Y9", a+1, a) // row 0 odd positions
	w("VSHUFPS $0x88, Y%d, Y%d, Y10", a+3, a+2)
	w("VSHUFPS $0xdd, Y%d, Y%d, Y11", a+3, a+2)
	w("VMAXPS Y9, Y8, Y12")
	w("VCMPPS $3, Y9, Y8, Y13")
	w("VMAXPS Y11, Y10, Y14")
	w("VCMPPS $3, Y11, Y10, Y15")
	w("VMAXPS Y14, Y12, Y8")
	w("VCMPPS $3, Y14, Y12, Y9")
	w("VORPS Y9, Y8, Y8")
	w("VORPS Y13, Y8, Y8")
	w("VORPS Y15, Y8, Y8")
	w("VPERMPD $0xd8, Y8, Y8")
}

// rowsKernel writes pool2RowsAVX2, the 2x2 max pool alone (MaxPool2Rows):
// rows pooled rows of blocks·8 values, the input rows ld apart (two per
// pooled row), the pooled rows ldo apart.
func rowsKernel(s, decl *bytes.Buffer) {
	name := "pool2RowsAVX2"
	fmt.Fprintf(decl, "\n// %s sets dst[r·ldo+i] to the maximum of src[2r·ld+2i], src[2r·ld+2i+1],\n", name)
	fmt.Fprintf(decl, "// src[(2r+1)·ld+2i] and src[(2r+1)·ld+2i+1] for r < rows, i < 8·blocks, NaN if\n// one is; rows, blocks >= 1; rows in order (AVX2).\n//\n//go:noescape\n")
	fmt.Fprintf(decl, "func %s(dst, src *float32, rows, blocks, ld, ldo int)\n", name)
	fmt.Fprintf(s, "\n// func %s(dst, src *float32, rows, blocks, ld, ldo int)\n", name)
	fmt.Fprintf(s, "TEXT ·%s(SB), NOSPLIT, $0-48\n", name)
	w := func(f string, a ...any) { fmt.Fprintf(s, "\t"+f+"\n", a...) }
	w("MOVQ dst+0(FP), DI")
	w("MOVQ src+8(FP), SI")
	w("MOVQ rows+16(FP), CX")
	w("MOVQ blocks+24(FP), DX")
	w("MOVQ ld+32(FP), R8")
	w("SHLQ $2, R8")
	w("MOVQ ldo+40(FP), R9")
	w("SHLQ $2, R9")
	fmt.Fprintf(s, "%s_row:\n", name)
	w("MOVQ SI, R10")
	w("MOVQ DI, R11")
	w("MOVQ DX, R12")
	fmt.Fprintf(s, "%s_block:\n", name)
	w("VMOVUPS (R10), Y0")
	w("VMOVUPS 32(R10), Y1")
	w("VMOVUPS (R10)(R8*1), Y2")
	w("VMOVUPS 32(R10)(R8*1), Y3")
	pool2x2(w, 0)
	w("VMOVUPS Y8, (R11)")
	w("ADDQ $64, R10")
	w("ADDQ $32, R11")
	w("DECQ R12")
	w("JNZ %s_block", name)
	w("LEAQ (SI)(R8*2), SI")
	w("ADDQ R9, DI")
	w("DECQ CX")
	w("JNZ %s_row", name)
	w("VZEROUPPER")
	w("RET")
}

func main() {
	var s, decl bytes.Buffer
	fmt.Fprintf(&s, "// Code generated by gen_taps.go; DO NOT EDIT.\n\n//go:build amd64 && !purego\n\n#include \"textflag.h\"\n")
	fmt.Fprintf(&decl, "// Code generated by gen_taps.go; DO NOT EDIT.\n\n//go:build amd64 && !purego\n\npackage vec\n")
	kernel(&s, &decl, 4)
	kernel(&s, &decl, 1)
	poolKernel(&s, &decl, 2)
	poolKernel(&s, &decl, 1)
	rowsKernel(&s, &decl)
	if err := os.WriteFile("taps_amd64.s", s.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("taps_decl_amd64.go", decl.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}
