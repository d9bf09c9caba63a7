//go:build ignore

// gen_kernels_arm64 writes the arm64 NEON (ASIMD) kernels of package vec:
//
//	go run gen_kernels_arm64.go
//
// It produces kernels_arm64.s and kernel_decl_arm64.go: the float32
// exponential family (e^(x-c), e^(a-b), sigmoid, tanh, ELU), ReLU and its
// mask, and add, multiply, scale and axpy, with the algorithms and
// contracts of the amd64 kernels (gen_kernels.go), 4 lanes a step; n must
// be a multiple of 4. Go's assembler has no mnemonics for most ASIMD
// floating-point instructions, so they are emitted as WORDs from their
// encodings (enc below; Arm ARM, "Advanced SIMD three same", "two-register
// miscellaneous" and "shift by immediate", Q = 1, single precision), with
// the instruction in a comment.
//
// Registers: V0-V7 work registers, V8-V31 the constants a kernel uses
// (loaded once before its loop), R0 dst, R1 x or a, R2 b, R3 n/4.
package main

import (
	"bytes"
	"fmt"
	"log"
	"math"
	"os"
)

// Encodings of the 4S forms; Rd | Rn<<5 | Rm<<16 are or-ed in.
const (
	fadd   = 0x4E20D400
	fsub   = 0x4EA0D400
	fmul   = 0x6E20DC00
	fdiv   = 0x6E20FC00
	fmax   = 0x4E20F400
	fmin   = 0x4EA0F400
	fmla   = 0x4E20CC00 // d += n·m
	fmls   = 0x4EA0CC00 // d -= n·m
	fcmgt  = 0x6EA0E400 // d = n > m
	fcmeq  = 0x4E20E400 // d = n == m
	and    = 0x4E201C00
	orr    = 0x4EA01C00
	bic    = 0x4E601C00 // d = n &^ m
	bsl    = 0x6E601C00 // d = d ? n : m (bitwise)
	bif    = 0x6EE01C00 // d = m ? d : n (bitwise)
	addI   = 0x4EA08400 // integer add, 4S
	frintn = 0x4E218800 // round to nearest, ties to even
	fcvtns = 0x4E21A800 // to int32, to nearest
	fabs   = 0x4EA0F800
	fneg   = 0x6EA0F800
	fcmgt0 = 0x4EA0C800 // d = n > 0
	fcmlt0 = 0x4EA0E800 // d = n < 0
	shl    = 0x4F205400 // d = n << sh, sh<<16 or-ed in
)

var names = map[uint32]string{
	fadd: "FADD", fsub: "FSUB", fmul: "FMUL", fdiv: "FDIV", fmax: "FMAX", fmin: "FMIN", fmla: "FMLA",
	fmls: "FMLS", fcmgt: "FCMGT", fcmeq: "FCMEQ", and: "AND", orr: "ORR", bic: "BIC", bsl: "BSL", bif: "BIF",
	addI: "ADD", frintn: "FRINTN", fcvtns: "FCVTNS", fabs: "FABS", fneg: "FNEG", fcmgt0: "FCMGT #0",
	fcmlt0: "FCMLT #0", shl: "SHL",
}

type gen struct {
	w      *bytes.Buffer
	consts map[string]int // constant name -> register
}

func (g *gen) p(format string, args ...any) { fmt.Fprintf(g.w, "\t"+format+"\n", args...) }

// op emits base with Vd, Vn, Vm.
func (g *gen) op(base uint32, d, n, m int) {
	g.p("WORD $0x%08x // %s V%d.4S, V%d.4S, V%d.4S", base|uint32(m)<<16|uint32(n)<<5|uint32(d), names[base], d, n, m)
}

// op2 emits a two-register instruction.
func (g *gen) op2(base uint32, d, n int) {
	g.p("WORD $0x%08x // %s V%d.4S, V%d.4S", base|uint32(n)<<5|uint32(d), names[base], d, n)
}

func (g *gen) shl(d, n, sh int) {
	g.p("WORD $0x%08x // SHL V%d.4S, V%d.4S, #%d", shl|uint32(sh)<<16|uint32(n)<<5|uint32(d), d, n, sh)
}

func (g *gen) mov(d, n int) { g.p("VMOV V%d.B16, V%d.B16", n, d) }

// c is the register holding constant name.
func (g *gen) c(name string) int {
	r, ok := g.consts[name]
	if !ok {
		log.Fatalf("constant %q not loaded", name)
	}
	return r
}

// constant values, as bits.
var constVals = map[string]uint32{}
var constOrder []string

func addC(name string, bits uint32) {
	constVals[name] = bits
	constOrder = append(constOrder, name)
}

func init() {
	f := math.Float32bits
	addC("maxX", f(88.72283))
	addC("minX", f(-87.33654))
	addC("log2e", f(1.442695041))
	addC("negLn2Hi", f(-0.693359375))
	addC("negLn2Lo", f(2.12194440e-4))
	addC("p5", f(1.9875691500e-4))
	addC("p4", f(1.3981999507e-3))
	addC("p3", f(8.3334519073e-3))
	addC("p2", f(4.1665795894e-2))
	addC("p1", f(1.6666665459e-1))
	addC("p0", f(5.0000001201e-1))
	addC("one", f(1))
	addC("two", f(2))
	addC("inf", 0x7f800000)
	addC("zero", 0)
	addC("sign", 0x80000000)
	addC("bias", 127)
	addC("expm1Min", f(-87))
	addC("tanhSmall", f(0.625))
	addC("t4", f(-5.70498872745e-3))
	addC("t3", f(2.06390887954e-2))
	addC("t2", f(-5.37397155531e-2))
	addC("t1", f(1.33314422036e-1))
	addC("t0", f(-3.33332819422e-1))
}

var expConsts = []string{"maxX", "minX", "log2e", "negLn2Hi", "negLn2Lo", "p5", "p4", "p3", "p2", "p1", "p0", "one", "inf", "zero"}

// horner sets V(out) = ((c0·r + c1)·r + ...) for the named coefficients,
// highest first, using V(t).
func (g *gen) horner(out, r, t int, coefs []string) {
	g.mov(out, g.c(coefs[0]))
	for _, c := range coefs[1:] {
		g.mov(t, g.c(c))
		g.op(fmla, t, out, r) // t = c + out·r
		g.mov(out, t)
	}
}

// expCore sets V(out) = e^V(in) with V(in) unchanged, using V(t1)-V(t3):
// +Inf above maxX, 0 below minX, NaN for NaN (see gen_kernels.go).
func (g *gen) expCore(in, out, t1, t2, t3 int) {
	g.op(fmin, t1, in, g.c("maxX"))
	g.op(fmax, t1, t1, g.c("minX"))
	g.op(fmul, t2, t1, g.c("log2e"))
	g.op2(frintn, t2, t2) // n
	g.op(fmla, t1, t2, g.c("negLn2Hi"))
	g.op(fmla, t1, t2, g.c("negLn2Lo")) // r
	g.horner(out, t1, t3, []string{"p5", "p4", "p3", "p2", "p1", "p0", "one", "one"})
	g.op2(fcvtns, t2, t2)
	g.shl(t2, t2, 23)
	g.op(addI, out, out, t2) // e^r·2^n
	g.op(fcmgt, t1, in, g.c("maxX"))
	g.op(bsl, t1, g.c("inf"), out) // t1 = x > maxX ? inf : out
	g.op(fcmgt, t2, g.c("minX"), in)
	g.op(bic, out, t1, t2) // 0 where x < minX
	g.op(fcmeq, t1, in, in)
	g.op(bif, out, in, t1) // x where x is a NaN
}

type kernel struct {
	name, doc, form string // form: unary, unaryC, binary, binaryC
	consts          []string
	// body computes V1 from V0 (x or a) and V2 (b); the scalar c is in V7.
	body func(g *gen)
}

func (kn kernel) signature() string {
	switch kn.form {
	case "unary":
		return "(dst, x *float32, n int)"
	case "unaryC":
		return "(dst, x *float32, n int, c float32)"
	case "binary":
		return "(dst, a, b *float32, n int)"
	}
	return "(dst, a, b *float32, n int, c float32)"
}

func (kn kernel) frame() string {
	switch kn.form {
	case "unary":
		return "$0-24"
	case "unaryC":
		return "$0-28"
	case "binary":
		return "$0-32"
	}
	return "$0-36"
}

func emit(w *bytes.Buffer, kn kernel) {
	g := &gen{w: w, consts: map[string]int{}}
	fmt.Fprintf(w, "\n// func %s%s\n", kn.name, kn.signature())
	fmt.Fprintf(w, "TEXT ·%s(SB), NOSPLIT, %s\n", kn.name, kn.frame())
	g.p("MOVD dst+0(FP), R0")
	if kn.form[0] == 'u' {
		g.p("MOVD x+8(FP), R1")
		g.p("MOVD n+16(FP), R3")
		if kn.form == "unaryC" {
			g.p("FMOVS c+24(FP), F7")
		}
	} else {
		g.p("MOVD a+8(FP), R1")
		g.p("MOVD b+16(FP), R2")
		g.p("MOVD n+24(FP), R3")
		if kn.form == "binaryC" {
			g.p("FMOVS c+32(FP), F7")
		}
	}
	if kn.form == "unaryC" || kn.form == "binaryC" {
		g.p("VDUP V7.S[0], V7.S4")
	}
	for i, name := range kn.consts {
		r := 8 + i
		if r > 31 {
			log.Fatalf("%s: too many constants", kn.name)
		}
		g.consts[name] = r
		idx := -1
		for j, n := range constOrder {
			if n == name {
				idx = j
			}
		}
		g.p("MOVD $vconst<>+%d(SB), R4", 16*idx)
		g.p("VLD1 (R4), [V%d.S4]", r)
	}
	g.p("LSR $2, R3, R3")
	g.p("CBZ R3, done")
	fmt.Fprintf(w, "loop:\n")
	g.p("VLD1.P 16(R1), [V0.S4]")
	if kn.form[0] == 'b' {
		g.p("VLD1.P 16(R2), [V2.S4]")
	}
	kn.body(g)
	g.p("VST1.P [V1.S4], 16(R0)")
	g.p("SUBS $1, R3, R3")
	g.p("BNE loop")
	fmt.Fprintf(w, "done:\n")
	g.p("RET")
}

// nanFromX sets V1 to x (V0) where x is a NaN.
func nanFromX(g *gen) {
	g.op(fcmeq, 3, 0, 0)
	g.op(bif, 1, 0, 3)
}

func with(extra ...string) []string { return append(append([]string{}, expConsts...), extra...) }

var kernels = []kernel{
	{name: "expShiftNEON", form: "unaryC", doc: "sets dst[i] = e^(x[i]-c)", consts: expConsts, body: func(g *gen) {
		g.op(fsub, 0, 0, 7)
		g.expCore(0, 1, 3, 4, 5)
	}},
	{name: "expSubNEON", form: "binary", doc: "sets dst[i] = e^(a[i]-b[i])", consts: expConsts, body: func(g *gen) {
		g.op(fsub, 0, 0, 2)
		g.expCore(0, 1, 3, 4, 5)
	}},
	{name: "sigmoidNEON", form: "unary", doc: "sets dst[i] = 1/(1+e^-x[i])", consts: expConsts, body: func(g *gen) {
		g.op2(fneg, 2, 0)
		g.expCore(2, 4, 3, 5, 6)
		g.op(fadd, 4, 4, g.c("one"))
		g.op(fdiv, 1, g.c("one"), 4)
	}},
	{name: "tanhNEON", form: "unary", doc: "sets dst[i] = tanh(x[i])", consts: with("two", "sign", "tanhSmall", "t4", "t3", "t2", "t1", "t0"), body: func(g *gen) {
		g.op2(fabs, 2, 0)
		g.op(fadd, 3, 2, 2) // 2|x|
		g.expCore(3, 4, 5, 6, 1)
		g.op(fadd, 4, 4, g.c("one"))
		g.op(fdiv, 5, g.c("two"), 4)
		g.op(fsub, 1, g.c("one"), 5) // 1 - 2/(e^2|x| + 1)
		g.op(fmul, 6, 2, 2)          // z
		g.horner(4, 6, 5, []string{"t4", "t3", "t2", "t1", "t0"})
		g.op(fmul, 4, 4, 6)
		g.mov(5, 2)
		g.op(fmla, 5, 2, 4)                 // |x| + |x|·z·P(z)
		g.op(fcmgt, 6, g.c("tanhSmall"), 2) // |x| < 0.625
		g.op(bsl, 6, 5, 1)                  // small ? poly : big
		g.op(and, 3, 0, g.c("sign"))
		g.op(orr, 1, 6, 3) // with x's sign
	}},
	{name: "eluNEON", form: "unaryC", doc: "sets dst[i] = x[i] if x[i] > 0, else c·(e^x[i] - 1)", consts: []string{"log2e", "negLn2Hi", "negLn2Lo", "p5", "p4", "p3", "p2", "p1", "p0", "one", "zero", "bias", "expm1Min"}, body: func(g *gen) {
		g.op(fmin, 2, 0, g.c("zero"))
		g.op(fmax, 2, 2, g.c("expm1Min"))
		g.op(fmul, 3, 2, g.c("log2e"))
		g.op2(frintn, 3, 3)
		g.op(fmla, 2, 3, g.c("negLn2Hi"))
		g.op(fmla, 2, 3, g.c("negLn2Lo"))
		g.horner(4, 2, 5, []string{"p5", "p4", "p3", "p2", "p1", "p0", "one"})
		g.op(fmul, 4, 4, 2) // q = e^r - 1
		g.op2(fcvtns, 3, 3)
		g.op(addI, 3, 3, g.c("bias"))
		g.shl(3, 3, 23) // s = 2^n
		g.op(fsub, 5, 3, g.c("one"))
		g.op(fmla, 5, 3, 4) // s - 1 + s·q
		g.op(fmul, 4, 5, 7)
		g.op2(fcmgt0, 5, 0)
		g.op(bsl, 5, 0, 4)
		g.mov(1, 5)
		nanFromX(g)
	}},
	{name: "reluNEON", form: "unary", doc: "sets dst[i] = x[i] unless x[i] < 0, else 0", body: func(g *gen) {
		g.op2(fcmlt0, 3, 0)
		g.op(bic, 1, 0, 3)
	}},
	{name: "reluGradNEON", form: "binary", doc: "sets dst[i] = b[i] where a[i] > 0, else 0", body: func(g *gen) {
		g.op2(fcmgt0, 3, 0)
		g.op(and, 1, 2, 3)
	}},
	{name: "addNEON", form: "binary", doc: "sets dst[i] = a[i] + b[i]", body: func(g *gen) { g.op(fadd, 1, 0, 2) }},
	{name: "mulNEON", form: "binary", doc: "sets dst[i] = a[i]·b[i]", body: func(g *gen) { g.op(fmul, 1, 0, 2) }},
	{name: "scaleNEON", form: "unaryC", doc: "sets dst[i] = c·x[i]", body: func(g *gen) { g.op(fmul, 1, 7, 0) }},
	{name: "axpyNEON", form: "binaryC", doc: "sets dst[i] = a[i] + c·b[i]", body: func(g *gen) {
		g.op(fmla, 0, 7, 2)
		g.mov(1, 0)
	}},
}

func main() {
	var s, decl bytes.Buffer
	fmt.Fprintf(&s, "// Code generated by gen_kernels_arm64.go; DO NOT EDIT.\n\n//go:build arm64 && !purego\n\n#include \"textflag.h\"\n")
	fmt.Fprintf(&decl, "// Code generated by gen_kernels_arm64.go; DO NOT EDIT.\n\n//go:build arm64 && !purego\n\npackage vec\n")
	for _, kn := range kernels {
		emit(&s, kn)
		fmt.Fprintf(&decl, "\n// %s %s, for n a multiple of 4 (NEON).\n//\n//go:noescape\nfunc %s%s\n", kn.name, kn.doc, kn.name, kn.signature())
	}
	for i, name := range constOrder {
		fmt.Fprintf(&s, "\n// %s\n", name)
		for l := 0; l < 4; l++ {
			fmt.Fprintf(&s, "DATA vconst<>+%d(SB)/4, $0x%08x\n", 16*i+4*l, constVals[name])
		}
	}
	fmt.Fprintf(&s, "GLOBL vconst<>(SB), RODATA|NOPTR, $%d\n", 16*len(constOrder))
	if err := os.WriteFile("kernels_arm64.s", s.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("kernel_decl_arm64.go", decl.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}
