//go:build ignore

// gen_kernels64 writes the amd64 AVX2+FMA float64 kernels of package vec's
// exponential family (vec64.go):
//
//	go run gen_kernels64.go
//
// It produces kernels64_amd64.s and the Go declarations in
// kernel64_decl_amd64.go, in the style of gen_kernels.go (one YMM vector of
// 4 float64 per loop iteration; n a multiple of 4, the Go wrappers do the
// tail with the math package). float64 graphs exist for finite-difference
// gradient checks, so these kernels aim at math's accuracy, not at speed:
//
//   - e^x = 2^n·e^r, n = round(x/ln2), r = x - n·ln2 with ln2 in two parts
//     (Cody and Waite; n·ln2Hi is exact), |r| <= ln2/2, e^r by its Taylor
//     series to r^13 (truncation below 4e-18) in Horner form with fused
//     multiply-adds. 2^n is applied as 2^(n/2)·2^(n-n/2), so that results
//     that overflow, or are subnormal, round once like math.Exp's.
//   - e^x - 1 = 2^n·(e^r - 1) + (2^n - 1), e^r - 1 = r + r²·P(r): no
//     cancellation near 0 (n = 0 there).
//   - log x = e·ln2 + log m for x = 2^e·m, m in [sqrt(1/2), sqrt(2)) (a
//     subnormal x scaled by 2^52 first), log m = 2·atanh((m-1)/(m+1)) by
//     its series to s^23.
//   - tanh |x| = (e^2|x| - 1)/(e^2|x| - 1 + 2) with x's sign. (The sigmoid,
//     the ELU and the softplus are in gen_act.go.)
//
// vec64_test.go measures them against math.Exp, math.Expm1, math.Tanh,
// math.Log and math.Log1p in ulps over wide grids and at ±Inf, NaN, ±0, subnormals and the
// overflow and underflow edges.
//
// Go's assembler writes AVX operands in reverse Intel order (see
// gen_kernels.go).
package main

import (
	"bytes"
	"fmt"
	"log"
	"math"
	"os"
)

type consts struct {
	names []string
	bits  []uint64
}

func (c *consts) add(name string, v float64) { c.addBits(name, math.Float64bits(v)) }

func (c *consts) addBits(name string, b uint64) {
	c.names = append(c.names, name)
	c.bits = append(c.bits, b)
}

func (c *consts) ref(name string) string {
	for i, n := range c.names {
		if n == name {
			return fmt.Sprintf("vconst64<>+%d(SB)", 32*i)
		}
	}
	log.Fatalf("no constant %q", name)
	return ""
}

func (c *consts) emit(w *bytes.Buffer) {
	for i, b := range c.bits {
		fmt.Fprintf(w, "\n// %s\n", c.names[i])
		for l := 0; l < 4; l++ {
			fmt.Fprintf(w, "DATA vconst64<>+%d(SB)/8, $0x%016x\n", 32*i+8*l, b)
		}
	}
	fmt.Fprintf(w, "GLOBL vconst64<>(SB), RODATA|NOPTR, $%d\n", 32*len(c.bits))
}

var k = &consts{}

// taylor is the number of terms of the series of e^r past 1 + r.
const taylor = 13

func init() {
	k.add("expMax", 710)  // e^x is +Inf above 709.78: clamped here, overflows below
	k.add("expMin", -746) // e^x rounds to 0 below -745.13
	k.add("expm1Max", 40) // e^x - 1 = e^x to float64 precision above 37
	k.add("expm1Min", -40)
	k.add("log2e", 1/math.Ln2)
	// ln2 in two parts: ln2Hi has 21 trailing zero bits, so n·ln2Hi is
	// exact for |n| < 2^21.
	k.add("negLn2Hi", -6.93147180369123816490e-01)
	k.add("negLn2Lo", -1.90821492927058770002e-10)
	f := 1.0
	for i := 1; i <= taylor; i++ {
		f *= float64(i)
		k.add(fmt.Sprintf("c%d", i), 1/f) // 1/i!
	}
	// log: x = 2^e·m, m in [sqrt(1/2), sqrt(2)), log m = 2·atanh(s) with
	// s = (m-1)/(m+1), |s| <= 0.1716, by its series s + s³/3 + ... to
	// s^(2·atanhTerms+1) (truncation below 1e-18 relative).
	for i := atanhTerms; i >= 1; i-- {
		k.add(fmt.Sprintf("a%d", i), 1/float64(2*i+1))
	}
	k.add("minNorm", 0x1p-1022)
	k.add("two52", 0x1p52)
	k.addBits("mantMask", 0x000fffffffffffff)
	k.add("sqrt2", math.Sqrt2)
	k.add("fiftyTwo", 52)
	k.add("bias1023", 1023)
	k.add("ln2Hi", 6.93147180369123816490e-01)
	k.add("ln2Lo", 1.90821492927058770002e-10)
	k.add("inf", math.Inf(1))
	k.add("negInf", math.Inf(-1))
	k.addBits("nan", 0x7ff8000000000001)
	k.add("one", 1)
	k.add("two", 2)
	k.add("half", 0.5)
	k.add("magic", 0x1.8p52) // n + magic holds n in its low mantissa bits
	k.addBits("bias", 1023)
	k.addBits("abs", 0x7fffffffffffffff)
	k.addBits("sign", 0x8000000000000000)
}

// atanhTerms is the number of terms of the series of atanh(s)/s past 1.
const atanhTerms = 11

type gen struct{ w *bytes.Buffer }

func (g gen) p(format string, args ...any) { fmt.Fprintf(g.w, "\t"+format+"\n", args...) }

// pow2 sets Y(out) = 2^Y(n) for integral float64 lanes n in [-1022, 1023].
func (g gen) pow2(n, out int) {
	g.p("VADDPD %s, Y%d, Y%d", k.ref("magic"), n, out)
	g.p("VPADDQ %s, Y%d, Y%d", k.ref("bias"), out, out)
	g.p("VPSLLQ $52, Y%d, Y%d", out, out)
}

// reduce sets Y(n) = round(Y(x)/ln2) and Y(x) = Y(x) - n·ln2.
func (g gen) reduce(x, n int) {
	g.p("VMULPD %s, Y%d, Y%d", k.ref("log2e"), x, n)
	g.p("VROUNDPD $0, Y%d, Y%d", n, n)
	g.p("VFMADD231PD %s, Y%d, Y%d", k.ref("negLn2Hi"), n, x)
	g.p("VFMADD231PD %s, Y%d, Y%d", k.ref("negLn2Lo"), n, x)
}

// expCore sets Y(out) = e^Y(in), Y(in) unchanged, with Y(t1)-Y(t4): +Inf
// for overflow, 0 for underflow, NaN for NaN.
func (g gen) expCore(in, out, t1, t2, t3, t4 int) {
	g.p("VMINPD %s, Y%d, Y%d", k.ref("expMax"), in, t1) // a NaN becomes expMax, restored below
	g.p("VMAXPD %s, Y%d, Y%d", k.ref("expMin"), t1, t1)
	g.reduce(t1, t2)
	g.p("VMOVUPD %s, Y%d", k.ref(fmt.Sprintf("c%d", taylor)), out)
	for i := taylor - 1; i >= 1; i-- {
		g.p("VFMADD213PD %s, Y%d, Y%d", k.ref(fmt.Sprintf("c%d", i)), t1, out)
	}
	g.p("VFMADD213PD %s, Y%d, Y%d", k.ref("one"), t1, out) // e^r
	g.p("VMULPD %s, Y%d, Y%d", k.ref("half"), t2, t3)
	g.p("VROUNDPD $1, Y%d, Y%d", t3, t3)    // n1 = floor(n/2)
	g.p("VSUBPD Y%d, Y%d, Y%d", t3, t2, t2) // n2 = n - n1
	g.pow2(t3, t4)
	g.p("VMULPD Y%d, Y%d, Y%d", t4, out, out)
	g.pow2(t2, t4)
	g.p("VMULPD Y%d, Y%d, Y%d", t4, out, out)
	g.p("VCMPPD $3, Y%d, Y%d, Y%d", in, in, t1)
	g.p("VBLENDVPD Y%d, Y%d, Y%d, Y%d", t1, in, out, out)
}

// expm1Core sets Y(out) = e^Y(in) - 1 for Y(in) in [expm1Min, expm1Max]
// (the caller clamps; NaN lanes give garbage), with Y(t1)-Y(t3).
func (g gen) expm1Core(in, out, t1, t2, t3 int) {
	g.p("VMOVAPD Y%d, Y%d", in, t1)
	g.reduce(t1, t2)
	g.p("VMOVUPD %s, Y%d", k.ref(fmt.Sprintf("c%d", taylor)), out)
	for i := taylor - 1; i >= 2; i-- {
		g.p("VFMADD213PD %s, Y%d, Y%d", k.ref(fmt.Sprintf("c%d", i)), t1, out)
	}
	g.p("VMULPD Y%d, Y%d, Y%d", t1, out, out)
	g.p("VFMADD213PD Y%d, Y%d, Y%d", t1, t1, out) // q = r + r²·P(r) = e^r - 1
	g.pow2(t2, t3)                                // s = 2^n
	g.p("VSUBPD %s, Y%d, Y%d", k.ref("one"), t3, t2)
	g.p("VFMADD213PD Y%d, Y%d, Y%d", t2, t3, out) // s·q + (s - 1)
}

// logCore sets Y(out) = log Y(in) for Y(in) > 0 finite (the caller fixes
// 0, negative, infinite and NaN lanes), with Y(t1)-Y(t6).
func (g gen) logCore(in, out, t1, t2, t3, t4, t5, t6 int) {
	g.p("VCMPPD $0x11, %s, Y%d, Y%d", k.ref("minNorm"), in, t1) // subnormal
	g.p("VMULPD %s, Y%d, Y%d", k.ref("two52"), in, t2)
	g.p("VBLENDVPD Y%d, Y%d, Y%d, Y%d", t1, t2, in, t2) // x scaled to a normal number
	// e: the biased exponent field as a float64 (OR it into 2^52's
	// mantissa and subtract 2^52), less 1023, less 52 where x was scaled.
	g.p("VPSRLQ $52, Y%d, Y%d", t2, t3)
	g.p("VPOR %s, Y%d, Y%d", k.ref("two52"), t3, t3)
	g.p("VSUBPD %s, Y%d, Y%d", k.ref("two52"), t3, t3)
	g.p("VSUBPD %s, Y%d, Y%d", k.ref("bias1023"), t3, t3)
	g.p("VANDPD %s, Y%d, Y%d", k.ref("fiftyTwo"), t1, t1) // 52 where x was scaled, 0 elsewhere
	g.p("VSUBPD Y%d, Y%d, Y%d", t1, t3, t3)               // e
	g.p("VANDPD %s, Y%d, Y%d", k.ref("mantMask"), t2, t4)
	g.p("VORPD %s, Y%d, Y%d", k.ref("one"), t4, t4) // m in [1, 2)
	g.p("VCMPPD $0x1e, %s, Y%d, Y%d", k.ref("sqrt2"), t4, t5)
	g.p("VMULPD %s, Y%d, Y%d", k.ref("half"), t4, t6)
	g.p("VBLENDVPD Y%d, Y%d, Y%d, Y%d", t5, t6, t4, t4)
	g.p("VANDPD %s, Y%d, Y%d", k.ref("one"), t5, t5)
	g.p("VADDPD Y%d, Y%d, Y%d", t5, t3, t3) // e+1 where m was halved
	g.p("VSUBPD %s, Y%d, Y%d", k.ref("one"), t4, t5)
	g.p("VADDPD %s, Y%d, Y%d", k.ref("one"), t4, t6)
	g.p("VDIVPD Y%d, Y%d, Y%d", t6, t5, t5) // s
	g.p("VADDPD Y%d, Y%d, Y%d", t5, t5, t4) // 2s
	g.p("VMULPD Y%d, Y%d, Y%d", t5, t5, t5) // s²
	g.p("VMOVUPD %s, Y%d", k.ref(fmt.Sprintf("a%d", atanhTerms)), out)
	for i := atanhTerms - 1; i >= 1; i-- {
		g.p("VFMADD213PD %s, Y%d, Y%d", k.ref(fmt.Sprintf("a%d", i)), t5, out)
	}
	g.p("VMULPD Y%d, Y%d, Y%d", t5, out, out)
	g.p("VFMADD213PD Y%d, Y%d, Y%d", t4, t4, out) // log m = 2s + 2s·s²·P(s²)
	g.p("VFMADD231PD %s, Y%d, Y%d", k.ref("ln2Lo"), t3, out)
	g.p("VFMADD231PD %s, Y%d, Y%d", k.ref("ln2Hi"), t3, out)
}

type kernel struct {
	name, doc string
	withC     bool // (dst, x *float64, n int, c float64)
	body      func(g gen)
}

func nanFromX(g gen) {
	g.p("VCMPPD $3, Y0, Y0, Y3")
	g.p("VBLENDVPD Y3, Y0, Y1, Y1")
}

var kernels = []kernel{
	{name: "expShift64AVX2", withC: true, doc: "sets dst[i] = e^(x[i]-c)", body: func(g gen) {
		g.p("VSUBPD Y15, Y0, Y0")
		g.expCore(0, 1, 3, 4, 5, 6)
	}},
	{name: "tanh64AVX2", doc: "sets dst[i] = tanh(x[i])", body: func(g gen) {
		g.p("VANDPD %s, Y0, Y2", k.ref("abs"))
		g.p("VADDPD Y2, Y2, Y2")
		g.p("VMINPD %s, Y2, Y2", k.ref("expm1Max")) // NaN becomes expm1Max, restored below
		g.expm1Core(2, 4, 5, 6, 7)
		g.p("VADDPD %s, Y4, Y5", k.ref("two"))
		g.p("VDIVPD Y5, Y4, Y1")
		g.p("VANDPD %s, Y0, Y6", k.ref("sign"))
		g.p("VORPD Y6, Y1, Y1")
		nanFromX(g)
	}},
	{name: "log64AVX2", doc: "sets dst[i] = log(x[i]) (-Inf for ±0, NaN below 0)", body: func(g gen) {
		g.logCore(0, 1, 3, 4, 5, 6, 7, 8)
		g.p("VCMPPD $0, Y14, Y0, Y3")
		g.p("VBLENDVPD Y3, %s, Y1, Y1", k.ref("negInf"))
		g.p("VCMPPD $0x11, Y14, Y0, Y3")
		g.p("VBLENDVPD Y3, %s, Y1, Y1", k.ref("nan"))
		g.p("VCMPPD $0, %s, Y0, Y3", k.ref("inf"))
		g.p("VBLENDVPD Y3, %s, Y1, Y1", k.ref("inf"))
		nanFromX(g)
	}},
}

func emit(w *bytes.Buffer, kn kernel) {
	g := gen{w}
	sig, frame := "(dst, x *float64, n int)", "$0-24"
	if kn.withC {
		sig, frame = "(dst, x *float64, n int, c float64)", "$0-32"
	}
	fmt.Fprintf(w, "\n// func %s%s\n", kn.name, sig)
	fmt.Fprintf(w, "TEXT ·%s(SB), NOSPLIT, %s\n", kn.name, frame)
	g.p("MOVQ dst+0(FP), DI")
	g.p("MOVQ x+8(FP), SI")
	g.p("MOVQ n+16(FP), CX")
	if kn.withC {
		g.p("VBROADCASTSD c+24(FP), Y15")
	}
	g.p("VXORPD Y14, Y14, Y14")
	g.p("SHRQ $2, CX")
	g.p("JZ done")
	fmt.Fprintf(w, "loop:\n")
	g.p("VMOVUPD (SI), Y0")
	kn.body(g)
	g.p("VMOVUPD Y1, (DI)")
	g.p("ADDQ $32, SI")
	g.p("ADDQ $32, DI")
	g.p("DECQ CX")
	g.p("JNZ loop")
	fmt.Fprintf(w, "done:\n")
	g.p("VZEROUPPER")
	g.p("RET")
}

func main() {
	var s, decl bytes.Buffer
	fmt.Fprintf(&s, "// Code generated by gen_kernels64.go; DO NOT EDIT.\n\n//go:build amd64 && !purego\n\n#include \"textflag.h\"\n")
	fmt.Fprintf(&decl, "// Code generated by gen_kernels64.go; DO NOT EDIT.\n\n//go:build amd64 && !purego\n\npackage vec\n")
	for _, kn := range kernels {
		emit(&s, kn)
		sig := "(dst, x *float64, n int)"
		if kn.withC {
			sig = "(dst, x *float64, n int, c float64)"
		}
		fmt.Fprintf(&decl, "\n// %s %s, for n a multiple of 4 (AVX2 and FMA).\n//\n//go:noescape\nfunc %s%s\n", kn.name, kn.doc, kn.name, sig)
	}
	k.emit(&s)
	if err := os.WriteFile("kernels64_amd64.s", s.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("kernel64_decl_amd64.go", decl.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}
