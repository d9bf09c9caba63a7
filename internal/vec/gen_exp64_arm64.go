//go:build ignore

// gen_exp64_arm64 writes the arm64 NEON (ASIMD) float64 kernels of package
// vec's exponential family (vec64.go):
//
//	go run gen_exp64_arm64.go
//
// It produces exp64_arm64.s and exp64_decl_arm64.go: e^(x-c), sigmoid,
// tanh, ELU, log and softplus, one V register of 2 float64s a step (n a
// multiple of 2; the Go wrappers do the tail with the math package). The
// algorithms, constants and order of operations are those of the amd64
// kernels (gen_kernels64.go, which explains them): Cody-Waite reduction and
// a Taylor series to r^13 for e^x, 2^n applied in two halves, log by the
// atanh series to s^23, every multiply-add fused. FRINTN and FRINTM round
// as VROUNDPD $0 and $1 do, so finite results are those of the amd64
// kernels. Where the amd64 code relies on VMINPD/VMAXPD turning a NaN into
// the other operand, NEON's FMIN/FMAX keep the NaN; those lanes are
// replaced by x at the end in both.
//
// Go's assembler has no mnemonics for most ASIMD floating-point
// instructions, so they are emitted as WORDs from their encodings (Arm ARM,
// "Advanced SIMD three same", "two-register miscellaneous" and "shift by
// immediate", Q = 1, 2D forms), with the instruction in a comment.
//
// Registers: V0 x, V1 the result, V2-V13 work registers (numbered as the
// amd64 kernels' Y registers), V14 zero, V15 the scalar c, V16-V29
// constants, loaded from the table in R5 as they are used (FMOVQ); R0 dst,
// R1 x, R3 the count of steps.
package main

import (
	"bytes"
	"fmt"
	"log"
	"math"
	"os"
)

// Encodings of the 2D forms; Rd | Rn<<5 | Rm<<16 are or-ed in.
const (
	fadd    = 0x4E60D400
	fsub    = 0x4EE0D400
	fmul    = 0x6E60DC00
	fdiv    = 0x6E60FC00
	fmax    = 0x4E60F400
	fmin    = 0x4EE0F400
	fmla    = 0x4E60CC00 // d += n·m
	fcmgt   = 0x6EE0E400 // d = n > m
	fcmeq   = 0x4E60E400 // d = n == m
	and     = 0x4E201C00
	orr     = 0x4EA01C00
	bif     = 0x6EE01C00 // d = m ? d : n (bitwise)
	bit     = 0x6EA01C00 // d = m ? n : d (bitwise)
	addI    = 0x4EE08400 // integer add, 2D
	frintn  = 0x4E618800 // round to nearest, ties to even
	frintm  = 0x4E619800 // round toward -Inf
	fabs    = 0x4EE0F800
	fneg    = 0x6EE0F800
	fcmeq0  = 0x4EE0D800 // d = n == 0
	fcmlt0  = 0x4EE0E800 // d = n < 0
	cmlt0   = 0x4EE0A800 // integer: d = n < 0 (the sign bit)
	shl52   = 0x4F005400 | (64+52)<<16
	ushr52  = 0x6F000400 | (128-52)<<16
	firstK  = 16 // the constant registers V16...
	numK    = 14 // ... V29
	taylor  = 13 // terms of the series of e^r past 1 + r
	atanhTn = 11 // terms of the series of atanh(s)/s past 1
)

var names = map[uint32]string{
	fadd: "FADD", fsub: "FSUB", fmul: "FMUL", fdiv: "FDIV", fmax: "FMAX", fmin: "FMIN", fmla: "FMLA",
	fcmgt: "FCMGT", fcmeq: "FCMEQ", and: "AND", orr: "ORR", bif: "BIF", bit: "BIT", addI: "ADD",
	frintn: "FRINTN", frintm: "FRINTM", fabs: "FABS", fneg: "FNEG", fcmeq0: "FCMEQ #0", fcmlt0: "FCMLT #0",
	cmlt0: "CMLT #0", shl52: "SHL #52", ushr52: "USHR #52",
}

// consts is the constant table, each value twice (16 bytes).
type consts struct {
	names []string
	bits  []uint64
}

func (c *consts) add(name string, v float64) { c.addBits(name, math.Float64bits(v)) }

func (c *consts) addBits(name string, b uint64) {
	c.names = append(c.names, name)
	c.bits = append(c.bits, b)
}

func (c *consts) offset(name string) int {
	for i, n := range c.names {
		if n == name {
			return 16 * i
		}
	}
	log.Fatalf("no constant %q", name)
	return 0
}

func (c *consts) emit(w *bytes.Buffer) {
	for i, b := range c.bits {
		fmt.Fprintf(w, "\n// %s\n", c.names[i])
		for l := 0; l < 2; l++ {
			fmt.Fprintf(w, "DATA vconst64<>+%d(SB)/8, $0x%016x\n", 16*i+8*l, b)
		}
	}
	fmt.Fprintf(w, "GLOBL vconst64<>(SB), RODATA|NOPTR, $%d\n", 16*len(c.bits))
}

var kt = &consts{}

func init() {
	kt.add("expMax", 710)
	kt.add("expMin", -746)
	kt.add("expm1Max", 40)
	kt.add("expm1Min", -40)
	kt.add("log2e", 1/math.Ln2)
	kt.add("negLn2Hi", -6.93147180369123816490e-01)
	kt.add("negLn2Lo", -1.90821492927058770002e-10)
	kt.add("c0", 1)
	f := 1.0
	for i := 1; i <= taylor; i++ {
		f *= float64(i)
		kt.add(fmt.Sprintf("c%d", i), 1/f) // 1/i!
	}
	for i := atanhTn; i >= 1; i-- {
		kt.add(fmt.Sprintf("a%d", i), 1/float64(2*i+1))
	}
	kt.add("minNorm", 0x1p-1022)
	kt.add("two52", 0x1p52)
	kt.addBits("mantMask", 0x000fffffffffffff)
	kt.add("sqrt2", math.Sqrt2)
	kt.add("fiftyTwo", 52)
	kt.add("bias1023", 1023)
	kt.add("ln2Hi", 6.93147180369123816490e-01)
	kt.add("ln2Lo", 1.90821492927058770002e-10)
	kt.add("inf", math.Inf(1))
	kt.add("negInf", math.Inf(-1))
	kt.addBits("nan", 0x7ff8000000000001)
	kt.add("one", 1)
	kt.add("two", 2)
	kt.add("half", 0.5)
	kt.add("magic", 0x1.8p52) // n + magic holds n in its low mantissa bits
	kt.addBits("bias", 1023)
	kt.addBits("sign", 0x8000000000000000)
}

type gen struct {
	w    *bytes.Buffer
	next int // the next constant register, in rotation
}

func (g *gen) p(format string, args ...any) { fmt.Fprintf(g.w, "\t"+format+"\n", args...) }

// op emits base with Vd, Vn, Vm.
func (g *gen) op(base uint32, d, n, m int) {
	g.p("WORD $0x%08x // %s V%d.2D, V%d.2D, V%d.2D", base|uint32(m)<<16|uint32(n)<<5|uint32(d), names[base], d, n, m)
}

// op2 emits a two-register instruction.
func (g *gen) op2(base uint32, d, n int) {
	g.p("WORD $0x%08x // %s V%d.2D, V%d.2D", base|uint32(n)<<5|uint32(d), names[base], d, n)
}

func (g *gen) mov(d, n int) { g.p("VMOV V%d.B16, V%d.B16", n, d) }

// k loads constant name into the next constant register and returns it.
func (g *gen) k(name string) int {
	r := firstK + g.next
	g.next = (g.next + 1) % numK
	g.p("FMOVQ %d(R5), F%d // %s", kt.offset(name), r, name)
	return r
}

// horner sets out = Σ prefix_i·t^(i-lo) for i from hi down to lo, as
// (...(prefix_hi·t + prefix_(hi-1))·t ...) + prefix_lo with fused
// multiply-adds (the amd64 kernels' VFMADD213PD chain).
func (g *gen) horner(prefix string, hi, lo, t, out int) {
	acc := g.k(fmt.Sprintf("%s%d", prefix, hi))
	for i := hi - 1; i >= lo; i-- {
		r := g.k(fmt.Sprintf("%s%d", prefix, i))
		g.op(fmla, r, acc, t) // r = c_i + acc·t
		acc = r
	}
	g.mov(out, acc)
}

// pow2 sets V(out) = 2^V(n) for integral float64 lanes n in [-1022, 1023].
func (g *gen) pow2(n, out int) {
	g.op(fadd, out, n, g.k("magic"))
	g.op(addI, out, out, g.k("bias"))
	g.op2(shl52, out, out)
}

// reduce sets V(n) = round(V(x)/ln2) and V(x) = V(x) - n·ln2.
func (g *gen) reduce(x, n int) {
	g.op(fmul, n, x, g.k("log2e"))
	g.op2(frintn, n, n)
	g.op(fmla, x, n, g.k("negLn2Hi"))
	g.op(fmla, x, n, g.k("negLn2Lo"))
}

// expCore sets V(out) = e^V(in), V(in) unchanged, with V(t1)-V(t4): +Inf
// for overflow, 0 for underflow, NaN for NaN.
func (g *gen) expCore(in, out, t1, t2, t3, t4 int) {
	g.op(fmin, t1, in, g.k("expMax"))
	g.op(fmax, t1, t1, g.k("expMin"))
	g.reduce(t1, t2)
	g.horner("c", taylor, 0, t1, out) // e^r, c0 = 1
	g.op(fmul, t3, t2, g.k("half"))
	g.op2(frintm, t3, t3)  // n1 = floor(n/2)
	g.op(fsub, t2, t2, t3) // n2 = n - n1
	g.pow2(t3, t4)
	g.op(fmul, out, out, t4)
	g.pow2(t2, t4)
	g.op(fmul, out, out, t4)
	g.op(fcmeq, t1, in, in)
	g.op(bif, out, in, t1) // in where it is a NaN
}

// expm1Core sets V(out) = e^V(in) - 1 for V(in) in [expm1Min, expm1Max]
// (the caller clamps; NaN lanes give garbage), with V(t1)-V(t3).
func (g *gen) expm1Core(in, out, t1, t2, t3 int) {
	g.mov(t1, in)
	g.reduce(t1, t2)
	g.horner("c", taylor, 2, t1, out)
	g.op(fmul, out, out, t1)
	g.mov(t3, t1)
	g.op(fmla, t3, out, t1) // q = r + r²·P(r) = e^r - 1
	g.mov(out, t3)
	g.pow2(t2, t3) // s = 2^n
	g.op(fsub, t2, t3, g.k("one"))
	g.op(fmla, t2, t3, out) // s·q + (s - 1)
	g.mov(out, t2)
}

// logCore sets V(out) = log V(in) for V(in) > 0 finite (the caller fixes
// 0, negative, infinite and NaN lanes), with V(t1)-V(t6).
func (g *gen) logCore(in, out, t1, t2, t3, t4, t5, t6 int) {
	g.op(fcmgt, t1, g.k("minNorm"), in) // subnormal
	g.op(fmul, t2, in, g.k("two52"))
	g.op(bif, t2, in, t1) // x scaled to a normal number
	// e: the biased exponent field as a float64, less 1023, less 52 where
	// x was scaled.
	g.op2(ushr52, t3, t2)
	g.op(orr, t3, t3, g.k("two52"))
	g.op(fsub, t3, t3, g.k("two52"))
	g.op(fsub, t3, t3, g.k("bias1023"))
	g.op(and, t1, t1, g.k("fiftyTwo"))
	g.op(fsub, t3, t3, t1) // e
	g.op(and, t4, t2, g.k("mantMask"))
	g.op(orr, t4, t4, g.k("one")) // m in [1, 2)
	g.op(fcmgt, t5, t4, g.k("sqrt2"))
	g.op(fmul, t6, t4, g.k("half"))
	g.op(bit, t4, t6, t5)
	g.op(and, t5, t5, g.k("one"))
	g.op(fadd, t3, t3, t5) // e+1 where m was halved
	g.op(fsub, t5, t4, g.k("one"))
	g.op(fadd, t6, t4, g.k("one"))
	g.op(fdiv, t5, t5, t6) // s
	g.op(fadd, t4, t5, t5) // 2s
	g.op(fmul, t5, t5, t5) // s²
	g.horner("a", atanhTn, 1, t5, out)
	g.op(fmul, out, out, t5)
	g.op(fmla, t4, out, t4) // log m = 2s + 2s·s²·P(s²)
	g.mov(out, t4)
	g.op(fmla, out, t3, g.k("ln2Lo"))
	g.op(fmla, out, t3, g.k("ln2Hi"))
}

func nanFromX(g *gen) {
	g.op(fcmeq, 3, 0, 0)
	g.op(bif, 1, 0, 3)
}

type kernel struct {
	name, doc string
	withC     bool // (dst, x *float64, n int, c float64)
	body      func(g *gen)
}

var kernels = []kernel{
	{name: "expShift64NEON", withC: true, doc: "sets dst[i] = e^(x[i]-c)", body: func(g *gen) {
		g.op(fsub, 0, 0, 15)
		g.expCore(0, 1, 3, 4, 5, 6)
	}},
	{name: "sigmoid64NEON", doc: "sets dst[i] = 1/(1+e^-x[i]), as e/(1+e) with e = e^x for x < 0", body: func(g *gen) {
		g.op2(fabs, 2, 0)
		g.op2(fneg, 2, 2)           // -|x|
		g.expCore(2, 4, 3, 5, 6, 7) // e = e^-|x|, never overflows
		one := g.k("one")
		g.op(fadd, 5, 4, one)
		g.mov(1, one)
		g.op2(cmlt0, 3, 0)
		g.op(bit, 1, 4, 3) // x's sign bit selects e
		g.op(fdiv, 1, 1, 5)
	}},
	{name: "tanh64NEON", doc: "sets dst[i] = tanh(x[i])", body: func(g *gen) {
		g.op2(fabs, 2, 0)
		g.op(fadd, 2, 2, 2)
		g.op(fmin, 2, 2, g.k("expm1Max"))
		g.expm1Core(2, 4, 5, 6, 7)
		g.op(fadd, 5, 4, g.k("two"))
		g.op(fdiv, 1, 4, 5)
		g.op(and, 6, 0, g.k("sign"))
		g.op(orr, 1, 1, 6)
		nanFromX(g)
	}},
	{name: "elu64NEON", withC: true, doc: "sets dst[i] = c·(e^x[i] - 1) if x[i] < 0, else x[i]", body: func(g *gen) {
		g.op(fmin, 2, 0, 14)
		g.op(fmax, 2, 2, g.k("expm1Min"))
		g.expm1Core(2, 4, 5, 6, 7)
		g.op(fmul, 4, 4, 15)
		g.op2(fcmlt0, 5, 0) // x < 0: false for ±0 and NaN, which give x
		g.mov(1, 0)
		g.op(bit, 1, 4, 5)
	}},
	{name: "log64NEON", doc: "sets dst[i] = log(x[i]) (-Inf for ±0, NaN below 0)", body: func(g *gen) {
		g.logCore(0, 1, 3, 4, 5, 6, 7, 8)
		g.op2(fcmeq0, 3, 0)
		g.op(bit, 1, g.k("negInf"), 3)
		g.op2(fcmlt0, 3, 0)
		g.op(bit, 1, g.k("nan"), 3)
		g.op(fcmeq, 3, 0, g.k("inf"))
		g.op(bit, 1, g.k("inf"), 3)
		nanFromX(g)
	}},
	{name: "softplus64NEON", doc: "sets dst[i] = log(1+e^x[i]) = max(x[i], 0) + log(1+e^-|x[i]|)", body: func(g *gen) {
		g.op2(fabs, 2, 0)
		g.op2(fneg, 2, 2)             // -|x|
		g.expCore(2, 9, 3, 4, 5, 6)   // t = e^-|x| in [0, 1]
		g.op(fadd, 10, 9, g.k("one")) // u = 1 + t
		g.logCore(10, 11, 3, 4, 5, 6, 7, 8)
		g.op(fsub, 12, 10, g.k("one")) // u - 1
		g.op(fdiv, 13, 9, 12)          // t/(u-1) corrects the rounding of u
		g.op(fmul, 11, 11, 13)
		g.op(fcmeq, 3, 10, g.k("one")) // u == 1: log(1+t) = t
		g.op(bit, 11, 9, 3)
		g.op(fmax, 1, 0, 14)
		g.op(fadd, 1, 1, 11)
		nanFromX(g)
	}},
}

func emit(w *bytes.Buffer, kn kernel) {
	g := &gen{w: w}
	sig, frame := "(dst, x *float64, n int)", "$0-24"
	if kn.withC {
		sig, frame = "(dst, x *float64, n int, c float64)", "$0-32"
	}
	fmt.Fprintf(w, "\n// func %s%s\n", kn.name, sig)
	fmt.Fprintf(w, "TEXT ·%s(SB), NOSPLIT, %s\n", kn.name, frame)
	g.p("MOVD dst+0(FP), R0")
	g.p("MOVD x+8(FP), R1")
	g.p("MOVD n+16(FP), R3")
	if kn.withC {
		g.p("FMOVD c+24(FP), F15")
		g.p("VDUP V15.D[0], V15.D2")
	}
	g.p("MOVD $vconst64<>(SB), R5")
	g.p("VEOR V14.B16, V14.B16, V14.B16")
	g.p("LSR $1, R3, R3")
	g.p("CBZ R3, done")
	fmt.Fprintf(w, "loop:\n")
	g.p("VLD1.P 16(R1), [V0.D2]")
	kn.body(g)
	g.p("VST1.P [V1.D2], 16(R0)")
	g.p("SUBS $1, R3, R3")
	g.p("BNE loop")
	fmt.Fprintf(w, "done:\n")
	g.p("RET")
}

func main() {
	var s, decl bytes.Buffer
	fmt.Fprintf(&s, "// Code generated by gen_exp64_arm64.go; DO NOT EDIT.\n\n//go:build arm64 && !purego\n\n#include \"textflag.h\"\n")
	fmt.Fprintf(&decl, "// Code generated by gen_exp64_arm64.go; DO NOT EDIT.\n\n//go:build arm64 && !purego\n\npackage vec\n")
	for _, kn := range kernels {
		emit(&s, kn)
		sig := "(dst, x *float64, n int)"
		if kn.withC {
			sig = "(dst, x *float64, n int, c float64)"
		}
		fmt.Fprintf(&decl, "\n// %s %s, for n a multiple of 2 (NEON).\n//\n//go:noescape\nfunc %s%s\n", kn.name, kn.doc, kn.name, sig)
	}
	kt.emit(&s)
	if err := os.WriteFile("exp64_arm64.s", s.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("exp64_decl_arm64.go", decl.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}
