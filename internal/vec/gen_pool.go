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

// pairMax: dst[i] = max(x[2i], x[2i+1]) as Go's max: NaN if either is, +0
// for a pair of zeros of both signs.
func pairMax(w *bytes.Buffer, e elem) string {
	g := gen{w}
	name := "pairMax" + e.name() + "AVX2"
	sig := fmt.Sprintf("(dst, x *%s, n int)", e.goType)
	fmt.Fprintf(w, "\n// func %s%s\nTEXT ·%s(SB), NOSPLIT, $0-24\n", name, sig, name)
	g.p("MOVQ dst+0(FP), DI")
	g.p("MOVQ x+8(FP), SI")
	g.p("MOVQ n+16(FP), CX")
	g.p("SHRQ $%d, CX", map[int]int{8: 3, 4: 2}[e.outs()])
	g.p("JZ done")
	fmt.Fprintf(w, "loop:\n")
	g.p("VMOVUP%s (SI), Y0", e.suf)
	g.p("VMOVUP%s 32(SI), Y1", e.suf)
	g.p("VSHUFP%s $0x%02x, Y1, Y0, Y2", e.suf, e.even) // even elements
	g.p("VSHUFP%s $0x%02x, Y1, Y0, Y3", e.suf, e.odd)  // odd elements
	g.p("VMAXP%s Y3, Y2, Y4", e.suf)                   // even > odd ? even : odd
	g.p("VMAXP%s Y2, Y3, Y5", e.suf)                   // odd > even ? odd : even
	g.p("VANDP%s Y5, Y4, Y4", e.suf)                   // equal but for +0 & -0 = +0
	g.p("VCMPP%s $3, Y3, Y2, Y5", e.suf)               // either NaN
	g.p("VADDP%s Y3, Y2, Y6", e.suf)                   // NaN where either is
	g.p("VBLENDVP%s Y5, Y6, Y4, Y4", e.suf)
	g.p("VPERMPD $0xd8, Y4, Y4")
	g.p("VMOVUP%s Y4, (DI)", e.suf)
	g.p("ADDQ $64, SI")
	g.p("ADDQ $32, DI")
	g.p("DECQ CX")
	g.p("JNZ loop")
	fmt.Fprintf(w, "done:\n")
	g.p("VZEROUPPER")
	g.p("RET")
	return fmt.Sprintf("%s sets dst[i] = max(x[2i], x[2i+1]) (NaN if either is, +0 for zeros of both signs), for n a multiple of %d (AVX2).\n//\n//go:noescape\nfunc %s%s", name, e.outs(), name, sig)
}

// pairSum: dst[i] = ((a[2i]+a[2i+1]) + (b[2i]+b[2i+1]) + ...)·s over
// rows rows (1, 2 or 4), added as a balanced tree.
func pairSum(w *bytes.Buffer, e elem, rows int) string {
	g := gen{w}
	name := fmt.Sprintf("pairSum%d_%sAVX2", rows, e.name())
	sig := fmt.Sprintf("(dst, a, b, c, d *%s, n int, s %s)", e.goType, e.goType)
	fmt.Fprintf(w, "\n// func %s%s\nTEXT ·%s(SB), NOSPLIT, $0-%d\n", name, sig, name, 48+e.size)
	g.p("MOVQ dst+0(FP), DI")
	regs := []string{"SI", "DX", "R8", "R9"}
	for r := 0; r < rows; r++ {
		g.p("MOVQ %s+%d(FP), %s", string(rune('a'+r)), 8+8*r, regs[r])
	}
	g.p("MOVQ n+40(FP), CX")
	g.p("VBROADCASTS%s s+48(FP), Y15", e.suf)
	g.p("SHRQ $%d, CX", map[int]int{8: 3, 4: 2}[e.outs()])
	g.p("JZ done")
	fmt.Fprintf(w, "loop:\n")
	for r := 0; r < rows; r++ {
		g.p("VMOVUP%s (%s), Y0", e.suf, regs[r])
		g.p("VHADDP%s 32(%s), Y0, Y%d", e.suf, regs[r], 4+r)
		g.p("ADDQ $64, %s", regs[r])
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
	g.p("VMOVUP%s Y4, (DI)", e.suf)
	g.p("ADDQ $32, DI")
	g.p("DECQ CX")
	g.p("JNZ loop")
	fmt.Fprintf(w, "done:\n")
	g.p("VZEROUPPER")
	g.p("RET")
	terms := map[int]string{1: "(a[2i]+a[2i+1])", 2: "((a[2i]+a[2i+1]) + (b[2i]+b[2i+1]))",
		4: "(((a[2i]+a[2i+1]) + (b[2i]+b[2i+1])) + ((c[2i]+c[2i+1]) + (d[2i]+d[2i+1])))"}[rows]
	return fmt.Sprintf("%s sets dst[i] = %s·s, for n a multiple of %d (AVX2); the unused rows are ignored.\n//\n//go:noescape\nfunc %s%s", name, terms, e.outs(), name, sig)
}

// pairSpread: dst[2i] = dst[2i+1] = x[i]·s.
func pairSpread(w *bytes.Buffer, e elem) string {
	g := gen{w}
	name := "pairSpread" + e.name() + "AVX2"
	sig := fmt.Sprintf("(dst, x *%s, n int, s %s)", e.goType, e.goType)
	fmt.Fprintf(w, "\n// func %s%s\nTEXT ·%s(SB), NOSPLIT, $0-%d\n", name, sig, name, 24+e.size)
	g.p("MOVQ dst+0(FP), DI")
	g.p("MOVQ x+8(FP), SI")
	g.p("MOVQ n+16(FP), CX")
	g.p("VBROADCASTS%s s+24(FP), Y15", e.suf)
	g.p("SHRQ $%d, CX", map[int]int{8: 3, 4: 2}[e.outs()])
	g.p("JZ done")
	fmt.Fprintf(w, "loop:\n")
	g.p("VMULP%s (SI), Y15, Y0", e.suf)
	g.p("VPERMPD $0xd8, Y0, Y0")
	g.p("VUNPCKLP%s Y0, Y0, Y1", e.suf)
	g.p("VUNPCKHP%s Y0, Y0, Y2", e.suf)
	g.p("VMOVUP%s Y1, (DI)", e.suf)
	g.p("VMOVUP%s Y2, 32(DI)", e.suf)
	g.p("ADDQ $32, SI")
	g.p("ADDQ $64, DI")
	g.p("DECQ CX")
	g.p("JNZ loop")
	fmt.Fprintf(w, "done:\n")
	g.p("VZEROUPPER")
	g.p("RET")
	return fmt.Sprintf("%s sets dst[2i] = dst[2i+1] = x[i]·s, for n (the length of x) a multiple of %d (AVX2).\n//\n//go:noescape\nfunc %s%s", name, e.outs(), name, sig)
}

func main() {
	var s, decl bytes.Buffer
	fmt.Fprintf(&s, "// Code generated by gen_pool.go; DO NOT EDIT.\n\n//go:build amd64 && !purego\n\n#include \"textflag.h\"\n")
	fmt.Fprintf(&decl, "// Code generated by gen_pool.go; DO NOT EDIT.\n\n//go:build amd64 && !purego\n\npackage vec\n")
	for _, e := range []elem{f32, f64} {
		docs := []string{pairMax(&s, e)}
		for _, rows := range []int{1, 2, 4} {
			docs = append(docs, pairSum(&s, e, rows))
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
