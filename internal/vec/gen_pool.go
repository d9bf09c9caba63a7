//go:build ignore

// gen_pool writes the amd64 AVX2 pair kernels of package vec, the inner
// loops of pooling with windows two wide along the row:
//
//	go run gen_pool.go
//
// It produces pool_amd64.s and the Go declarations in pool_decl_amd64.go.
// A pair kernel reduces each pair (x[2i], x[2i+1]) of one or more rows to
// one output (max, or sum times a scale), or spreads each input to a pair
// (the gradient of the average). One step handles two YMM vectors of
// input: 8 outputs in float32, 4 in float64; n, the number of outputs,
// must be a multiple of that, the Go wrappers in pool.go do the tail.
//
// Deinterleaving: VSHUFPS/VHADDPS (VSHUFPD/VHADDPD) of two input vectors
// give the outputs in 128-bit-lane order, pairs (0,1,4,5 | 2,3,6,7) in
// float32 and (0,2 | 1,3) in float64, that is 64-bit words 0,2,1,3 of
// the result; VPERMPD $0xD8 puts them back in order. Spreading runs the
// other way: VPERMPD $0xD8 first, then VUNPCKL/VUNPCKH with itself.
//
// Go's assembler writes AVX operands in reverse Intel order: VMAXPS b, a, d
// is d = a > b ? a : b (b when either is NaN or both are zero);
// VCMPPS $3, b, a, m is m = unordered(a, b); VBLENDVPS m, b, a, d is
// d = m ? b : a.
package main

import (
	"bytes"
	"fmt"
	"log"
	"os"
)

type gen struct{ w *bytes.Buffer }

func (g gen) p(format string, args ...any) { fmt.Fprintf(g.w, "\t"+format+"\n", args...) }

// elem is one element type: its Go name, the AVX suffix (S or D), the
// element size and the VSHUFP immediates that pick the even and the odd
// elements of two vectors.
type elem struct {
	goType, suf string
	size        int
	even, odd   int
}

var (
	f32 = elem{"float32", "S", 4, 0x88, 0xdd}
	f64 = elem{"float64", "D", 8, 0x0, 0xf}
)

// outs is the number of outputs of one step (two input vectors).
func (e elem) outs() int { return 32 / e.size }

func (e elem) name() string { return map[int]string{4: "32", 8: "64"}[e.size] }

// The kernels walk a block of m rows of n outputs: row j of the output
// starts ds elements after row j-1, row j of each input xs elements after
// row j-1 (the byte strides are in R10 and R11). Within a row BX is the
// byte offset into the output, and twice that into the inputs (a pair per
// output), so one register walks both.

// frame loads the common arguments after the pointers (at off): n into CX
// as a byte count of output, m into AX, ds and xs as byte strides into
// R10 and R11, and jumps to done when there is nothing to do.
func frame(g gen, e elem, off int, nName string) {
	g.p("MOVQ n+%d(FP), CX", off)
	g.p("MOVQ m+%d(FP), AX", off+8)
	g.p("MOVQ ds+%d(FP), R10", off+16)
	g.p("MOVQ xs+%d(FP), R11", off+24)
	sh := map[int]int{4: 2, 8: 3}[e.size]
	g.p("SHLQ $%d, CX", sh)
	g.p("SHLQ $%d, R10", sh)
	g.p("SHLQ $%d, R11", sh)
	g.p("TESTQ CX, CX")
	g.p("JZ done")
	g.p("TESTQ AX, AX")
	g.p("JZ done")
}

var rowRegs = []string{"SI", "DX", "R8", "R9"}

// rowEnd closes the inner loop (BX steps by step bytes up to CX) and the
// outer one, stepping the output row by R10 and the rows by R11.
func rowEnd(g gen, step, rows int) {
	g.p("ADDQ $%d, BX", step)
	g.p("CMPQ BX, CX")
	g.p("JB inner")
	g.p("ADDQ R10, DI")
	for r := 0; r < rows; r++ {
		g.p("ADDQ R11, %s", rowRegs[r])
	}
	g.p("DECQ AX")
	g.p("JNZ outer")
	fmt.Fprintf(g.w, "done:\n")
	g.p("VZEROUPPER")
	g.p("RET")
}

// maxOf sets Y<d> to the maximum of Y<a> and Y<b> as Go's max: NaN if
// either is, +0 for zeros of both signs (the AND of both operand orders of
// VMAXP), with t1 and t2 scratch.
func maxOf(g gen, e elem, a, b, d, t1, t2 int) {
	g.p("VMAXP%s Y%d, Y%d, Y%d", e.suf, b, a, t1) // a > b ? a : b
	g.p("VMAXP%s Y%d, Y%d, Y%d", e.suf, a, b, t2) // b > a ? b : a
	g.p("VANDP%s Y%d, Y%d, Y%d", e.suf, t2, t1, t1)
	g.p("VCMPP%s $3, Y%d, Y%d, Y%d", e.suf, b, a, t2) // either NaN
	g.p("VADDP%s Y%d, Y%d, Y%d", e.suf, b, a, d)      // NaN where either is
	g.p("VBLENDVP%s Y%d, Y%d, Y%d, Y%d", e.suf, t2, d, t1, d)
}

// pairMax: dst[i] = the maximum of the pairs (r[2i], r[2i+1]) of rows
// rows (1, 2 or 4), as Go's max.
func pairMax(w *bytes.Buffer, e elem, rows int) string {
	g := gen{w}
	name := fmt.Sprintf("pairMax%d_%sAVX2", rows, e.name())
	sig := fmt.Sprintf("(dst, a, b, c, d *%s, n, m, ds, xs int)", e.goType)
	fmt.Fprintf(w, "\n// func %s%s\nTEXT ·%s(SB), NOSPLIT, $0-72\n", name, sig, name)
	g.p("MOVQ dst+0(FP), DI")
	for r := 0; r < rows; r++ {
		g.p("MOVQ %s+%d(FP), %s", string(rune('a'+r)), 8+8*r, rowRegs[r])
	}
	frame(g, e, 40, "n")
	fmt.Fprintf(w, "outer:\n")
	g.p("XORQ BX, BX")
	fmt.Fprintf(w, "inner:\n")
	// the elementwise maximum of the rows, 2 vectors (Y0, Y1)
	g.p("VMOVUP%s (SI)(BX*2), Y0", e.suf)
	g.p("VMOVUP%s 32(SI)(BX*2), Y1", e.suf)
	for r := 1; r < rows; r++ {
		g.p("VMOVUP%s (%s)(BX*2), Y2", e.suf, rowRegs[r])
		g.p("VMOVUP%s 32(%s)(BX*2), Y3", e.suf, rowRegs[r])
		maxOf(g, e, 0, 2, 0, 4, 5)
		maxOf(g, e, 1, 3, 1, 4, 5)
	}
	g.p("VSHUFP%s $0x%02x, Y1, Y0, Y2", e.suf, e.even)
	g.p("VSHUFP%s $0x%02x, Y1, Y0, Y3", e.suf, e.odd)
	maxOf(g, e, 2, 3, 6, 4, 5)
	g.p("VPERMPD $0xd8, Y6, Y6")
	g.p("VMOVUP%s Y6, (DI)(BX*1)", e.suf)
	rowEnd(g, 32, rows)
	return fmt.Sprintf("%s sets dst[j·ds+i] to the maximum of the pairs (r[j·xs+2i], r[j·xs+2i+1]) of the first %d of the rows a, b, c, d, as Go's max (NaN if one is NaN, +0 for zeros of both signs), for i < n, j < m; n a multiple of %d (AVX2).\n//\n//go:noescape\nfunc %s%s", name, rows, e.outs(), name, sig)
}

// pairSum: dst[i] = ((a[2i]+a[2i+1]) + (b[2i]+b[2i+1]) + ...)·s over
// rows rows (1, 2 or 4), added as a balanced tree.
func pairSum(w *bytes.Buffer, e elem, rows int) string {
	g := gen{w}
	name := fmt.Sprintf("pairSum%d_%sAVX2", rows, e.name())
	sig := fmt.Sprintf("(dst, a, b, c, d *%s, n, m, ds, xs int, s %s)", e.goType, e.goType)
	fmt.Fprintf(w, "\n// func %s%s\nTEXT ·%s(SB), NOSPLIT, $0-%d\n", name, sig, name, 72+e.size)
	g.p("MOVQ dst+0(FP), DI")
	for r := 0; r < rows; r++ {
		g.p("MOVQ %s+%d(FP), %s", string(rune('a'+r)), 8+8*r, rowRegs[r])
	}
	g.p("VBROADCASTS%s s+72(FP), Y15", e.suf)
	frame(g, e, 40, "n")
	fmt.Fprintf(w, "outer:\n")
	g.p("XORQ BX, BX")
	fmt.Fprintf(w, "inner:\n")
	for r := 0; r < rows; r++ {
		g.p("VMOVUP%s (%s)(BX*2), Y0", e.suf, rowRegs[r])
		g.p("VHADDP%s 32(%s)(BX*2), Y0, Y%d", e.suf, rowRegs[r], 4+r)
	}
	switch rows {
	case 2:
		g.p("VADDP%s Y5, Y4, Y4", e.suf)
	case 4:
		g.p("VADDP%s Y5, Y4, Y4", e.suf)
		g.p("VADDP%s Y7, Y6, Y6", e.suf)
		g.p("VADDP%s Y6, Y4, Y4", e.suf)
	}
	g.p("VMULP%s Y15, Y4, Y4", e.suf)
	g.p("VPERMPD $0xd8, Y4, Y4")
	g.p("VMOVUP%s Y4, (DI)(BX*1)", e.suf)
	rowEnd(g, 32, rows)
	terms := map[int]string{1: "(a[2i]+a[2i+1])", 2: "((a[2i]+a[2i+1]) + (b[2i]+b[2i+1]))",
		4: "(((a[2i]+a[2i+1]) + (b[2i]+b[2i+1])) + ((c[2i]+c[2i+1]) + (d[2i]+d[2i+1])))"}[rows]
	return fmt.Sprintf("%s sets dst[i] = %s·s in each of m rows (output rows ds elements apart, input rows xs), for n a multiple of %d (AVX2); the unused row pointers are ignored.\n//\n//go:noescape\nfunc %s%s", name, terms, e.outs(), name, sig)
}

// pairSpread: dst[2i] = dst[2i+1] = x[i]·s.
func pairSpread(w *bytes.Buffer, e elem) string {
	g := gen{w}
	name := "pairSpread" + e.name() + "AVX2"
	sig := fmt.Sprintf("(dst, x *%s, n, m, ds, xs int, s %s)", e.goType, e.goType)
	fmt.Fprintf(w, "\n// func %s%s\nTEXT ·%s(SB), NOSPLIT, $0-%d\n", name, sig, name, 48+e.size)
	g.p("MOVQ dst+0(FP), DI")
	g.p("MOVQ x+8(FP), SI")
	g.p("VBROADCASTS%s s+48(FP), Y15", e.suf)
	frame(g, e, 16, "n")
	fmt.Fprintf(w, "outer:\n")
	g.p("XORQ BX, BX")
	fmt.Fprintf(w, "inner:\n")
	g.p("VMULP%s (SI)(BX*1), Y15, Y0", e.suf)
	g.p("VPERMPD $0xd8, Y0, Y0")
	g.p("VUNPCKLP%s Y0, Y0, Y1", e.suf)
	g.p("VUNPCKHP%s Y0, Y0, Y2", e.suf)
	g.p("VMOVUP%s Y1, (DI)(BX*2)", e.suf)
	g.p("VMOVUP%s Y2, 32(DI)(BX*2)", e.suf)
	// here BX walks x (the narrow side) and the rows step the other way:
	// R10 is dst's stride, R11 x's
	g.p("ADDQ $32, BX")
	g.p("CMPQ BX, CX")
	g.p("JB inner")
	g.p("ADDQ R10, DI")
	g.p("ADDQ R11, SI")
	g.p("DECQ AX")
	g.p("JNZ outer")
	fmt.Fprintf(w, "done:\n")
	g.p("VZEROUPPER")
	g.p("RET")
	return fmt.Sprintf("%s sets dst[j·ds+2i] = dst[j·ds+2i+1] = x[j·xs+i]·s for i < n, j < m; n a multiple of %d (AVX2).\n//\n//go:noescape\nfunc %s%s", name, e.outs(), name, sig)
}

func main() {
	var s, decl bytes.Buffer
	fmt.Fprintf(&s, "// Code generated by gen_pool.go; DO NOT EDIT.\n\n//go:build amd64 && !purego\n\n#include \"textflag.h\"\n")
	fmt.Fprintf(&decl, "// Code generated by gen_pool.go; DO NOT EDIT.\n\n//go:build amd64 && !purego\n\npackage vec\n")
	for _, e := range []elem{f32, f64} {
		var docs []string
		for _, rows := range []int{1, 2, 4} {
			docs = append(docs, pairMax(&s, e, rows), pairSum(&s, e, rows))
		}
		docs = append(docs, pairSpread(&s, e))
		for _, d := range docs {
			fmt.Fprintf(&decl, "\n// %s\n", d)
		}
	}
	if err := os.WriteFile("pool_amd64.s", s.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("pool_decl_amd64.go", decl.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}
