//go:build ignore

// gen_vec64_arm64 writes the arm64 NEON (ASIMD) float64 kernels of package
// vec:
//
//	go run gen_vec64_arm64.go
//
// It produces vec64_arm64.s and vec64_decl_arm64.go: ReLU and its mask,
// add, scale and fill (n a multiple of 2) and the sum (n a multiple of 16),
// the float64 entries of the arm64 kernelSet (kernel_arm64.go), with the
// contracts of the amd64 ones (relu64AVX2 ... in gen_kernels.go). A V
// register holds 2 float64s. The elementwise kernels run 4 registers (8
// float64s) a step and then 1 register a step for the last n%8; the sum
// keeps 16 partial sums in 8 registers. Go's assembler has no mnemonics for
// most ASIMD floating-point instructions, so they are emitted as WORDs from
// their encodings (Arm ARM, "Advanced SIMD three same" and "two-register
// miscellaneous", Q = 1, sz = 1: the 2D forms), with the instruction in a
// comment.
//
// Registers: V0-V3 x or a, V4-V7 the results, V8-V11 scratch, V12-V15 b,
// V31 the scalar c; R0 dst, R1 x or a, R2 b, R3 the count of single
// registers, R4 the count of 4-register steps.
package main

import (
	"bytes"
	"fmt"
	"log"
	"os"
)

// Encodings of the 2D forms; Rd | Rn<<5 | Rm<<16 are or-ed in.
const (
	fadd   = 0x4E60D400
	fmul   = 0x6E60DC00
	and    = 0x4E201C00
	bic    = 0x4E601C00 // d = n &^ m
	fcmgt0 = 0x4EE0C800 // d = n > 0
	fcmlt0 = 0x4EE0E800 // d = n < 0
	faddp  = 0x7E70D800 // scalar: Dd = Vn.D[0] + Vn.D[1]
)

var names = map[uint32]string{
	fadd: "FADD", fmul: "FMUL", and: "AND", bic: "BIC", fcmgt0: "FCMGT #0", fcmlt0: "FCMLT #0",
}

type gen struct{ w *bytes.Buffer }

func (g gen) p(format string, args ...any) { fmt.Fprintf(g.w, "\t"+format+"\n", args...) }

// op emits base with Vd, Vn, Vm.
func (g gen) op(base uint32, d, n, m int) {
	g.p("WORD $0x%08x // %s V%d.2D, V%d.2D, V%d.2D", base|uint32(m)<<16|uint32(n)<<5|uint32(d), names[base], d, n, m)
}

// op2 emits a two-register instruction.
func (g gen) op2(base uint32, d, n int) {
	g.p("WORD $0x%08x // %s V%d.2D, V%d.2D", base|uint32(n)<<5|uint32(d), names[base], d, n)
}

// kernel is one elementwise kernel.
type kernel struct {
	name, doc, form string // form: unary, unaryC, binary
	// body computes register 4+k from 0+k (x or a) and 12+k (b), with 8+k
	// as scratch and the scalar c in V31, for k < 4.
	body func(g gen, k int)
}

func (kn kernel) signature() string {
	switch kn.form {
	case "unary":
		return "(dst, x *float64, n int)"
	case "unaryC":
		return "(dst, x *float64, n int, c float64)"
	}
	return "(dst, a, b *float64, n int)"
}

func (kn kernel) frame() string {
	switch kn.form {
	case "unary":
		return "$0-24"
	}
	return "$0-32"
}

// regs formats registers r, r+1, ... r+n-1 as a VLD1/VST1 list.
func regs(r, n int) string {
	var b bytes.Buffer
	b.WriteString("[")
	for k := range n {
		if k > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "V%d.D2", r+k)
	}
	b.WriteString("]")
	return b.String()
}

func emit(w *bytes.Buffer, kn kernel) {
	g := gen{w}
	fmt.Fprintf(w, "\n// func %s%s\n", kn.name, kn.signature())
	fmt.Fprintf(w, "TEXT ·%s(SB), NOSPLIT, %s\n", kn.name, kn.frame())
	g.p("MOVD dst+0(FP), R0")
	binary := kn.form == "binary"
	if binary {
		g.p("MOVD a+8(FP), R1")
		g.p("MOVD b+16(FP), R2")
		g.p("MOVD n+24(FP), R3")
	} else {
		g.p("MOVD x+8(FP), R1")
		g.p("MOVD n+16(FP), R3")
	}
	if kn.form == "unaryC" {
		g.p("FMOVD c+24(FP), F31")
		g.p("VDUP V31.D[0], V31.D2")
	}
	g.p("LSR $3, R3, R4") // 4-register steps
	g.p("AND $7, R3, R3")
	g.p("LSR $1, R3, R3") // single registers after them
	g.p("CBZ R4, tail")
	fmt.Fprintf(w, "loop4:\n")
	g.p("VLD1.P 64(R1), %s", regs(0, 4))
	if binary {
		g.p("VLD1.P 64(R2), %s", regs(12, 4))
	}
	for k := range 4 {
		kn.body(g, k)
	}
	g.p("VST1.P %s, 64(R0)", regs(4, 4))
	g.p("SUBS $1, R4, R4")
	g.p("BNE loop4")
	fmt.Fprintf(w, "tail:\n")
	g.p("CBZ R3, done")
	fmt.Fprintf(w, "loop1:\n")
	g.p("VLD1.P 16(R1), %s", regs(0, 1))
	if binary {
		g.p("VLD1.P 16(R2), %s", regs(12, 1))
	}
	kn.body(g, 0)
	g.p("VST1.P %s, 16(R0)", regs(4, 1))
	g.p("SUBS $1, R3, R3")
	g.p("BNE loop1")
	fmt.Fprintf(w, "done:\n")
	g.p("RET")
}

// emitSum writes sum64NEON: 16 partial sums in V16-V23 (partial sum j
// adds x[16·s+j] over steps s), added pairwise at the end in the order of
// the amd64 kernel.
func emitSum(w *bytes.Buffer) {
	g := gen{w}
	fmt.Fprintf(w, "\n// func sum64NEON(x *float64, n int) float64\n")
	fmt.Fprintf(w, "TEXT ·sum64NEON(SB), NOSPLIT, $0-24\n")
	g.p("MOVD x+0(FP), R1")
	g.p("MOVD n+8(FP), R3")
	for r := 16; r < 24; r++ {
		g.p("VEOR V%d.B16, V%d.B16, V%d.B16", r, r, r)
	}
	g.p("LSR $4, R3, R3")
	g.p("CBZ R3, done")
	fmt.Fprintf(w, "loop:\n")
	g.p("VLD1.P 64(R1), %s", regs(0, 4))
	g.p("VLD1.P 64(R1), %s", regs(4, 4))
	for k := range 8 {
		g.op(fadd, 16+k, 16+k, k)
	}
	g.p("SUBS $1, R3, R3")
	g.p("BNE loop")
	fmt.Fprintf(w, "done:\n")
	// The association of sum64AVX2 (Y0 = V16:V17, Y1 = V18:V19, ...):
	// (Y0+Y1) + (Y2+Y3), then its halves, then its two lanes, so that the
	// sums agree with amd64's bit for bit.
	for _, r := range [][2]int{{16, 18}, {17, 19}, {20, 22}, {21, 23}, {16, 20}, {17, 21}, {16, 17}} {
		g.op(fadd, r[0], r[0], r[1])
	}
	g.p("WORD $0x%08x // FADDP D0, V16.2D", faddp|16<<5)
	g.p("FMOVD F0, ret+16(FP)")
	g.p("RET")
}

// emitFill writes fill64NEON: c in V4-V7, stored 4 registers a step and
// then 1.
func emitFill(w *bytes.Buffer) {
	g := gen{w}
	fmt.Fprintf(w, "\n// func fill64NEON(dst *float64, n int, c float64)\n")
	fmt.Fprintf(w, "TEXT ·fill64NEON(SB), NOSPLIT, $0-24\n")
	g.p("MOVD dst+0(FP), R0")
	g.p("MOVD n+8(FP), R3")
	g.p("FMOVD c+16(FP), F4")
	g.p("VDUP V4.D[0], V4.D2")
	for r := 5; r < 8; r++ {
		g.p("VMOV V4.B16, V%d.B16", r)
	}
	g.p("LSR $3, R3, R4")
	g.p("AND $7, R3, R3")
	g.p("LSR $1, R3, R3")
	g.p("CBZ R4, tail")
	fmt.Fprintf(w, "loop4:\n")
	g.p("VST1.P %s, 64(R0)", regs(4, 4))
	g.p("SUBS $1, R4, R4")
	g.p("BNE loop4")
	fmt.Fprintf(w, "tail:\n")
	g.p("CBZ R3, done")
	fmt.Fprintf(w, "loop1:\n")
	g.p("VST1.P %s, 16(R0)", regs(4, 1))
	g.p("SUBS $1, R3, R3")
	g.p("BNE loop1")
	fmt.Fprintf(w, "done:\n")
	g.p("RET")
}

var kernels = []kernel{
	{name: "relu64NEON", form: "unary", doc: "sets dst[i] = x[i] unless x[i] < 0, else 0 (NaN and -0 kept)", body: func(g gen, k int) {
		g.op2(fcmlt0, 8+k, k)
		g.op(bic, 4+k, k, 8+k)
	}},
	{name: "reluGrad64NEON", form: "binary", doc: "sets dst[i] = b[i] where a[i] > 0, else 0", body: func(g gen, k int) {
		g.op2(fcmgt0, 8+k, k)
		g.op(and, 4+k, 12+k, 8+k)
	}},
	{name: "add64NEON", form: "binary", doc: "sets dst[i] = a[i] + b[i]", body: func(g gen, k int) { g.op(fadd, 4+k, k, 12+k) }},
	{name: "scale64NEON", form: "unaryC", doc: "sets dst[i] = c·x[i]", body: func(g gen, k int) { g.op(fmul, 4+k, 31, k) }},
}

func main() {
	var s, decl bytes.Buffer
	fmt.Fprintf(&s, "// Code generated by gen_vec64_arm64.go; DO NOT EDIT.\n\n//go:build arm64 && !purego\n\n#include \"textflag.h\"\n")
	fmt.Fprintf(&decl, "// Code generated by gen_vec64_arm64.go; DO NOT EDIT.\n\n//go:build arm64 && !purego\n\npackage vec\n")
	for _, kn := range kernels {
		emit(&s, kn)
		fmt.Fprintf(&decl, "\n// %s %s, for n a multiple of 2 (NEON).\n//\n//go:noescape\nfunc %s%s\n", kn.name, kn.doc, kn.name, kn.signature())
	}
	emitSum(&s)
	emitFill(&s)
	fmt.Fprintf(&decl, "\n// fill64NEON sets dst[i] = c, for n a multiple of 2 (NEON).\n//\n//go:noescape\nfunc fill64NEON(dst *float64, n int, c float64)\n")
	fmt.Fprintf(&decl, "\n// sum64NEON returns Σ x[i] in 16 interleaved partial sums, for n a multiple of 16 (NEON).\n//\n//go:noescape\nfunc sum64NEON(x *float64, n int) float64\n")
	if err := os.WriteFile("vec64_arm64.s", s.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("vec64_decl_arm64.go", decl.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}
