//go:build ignore

// gen_kernels writes the amd64 AVX2+FMA kernels of package vec:
//
//	go run gen_kernels.go
//
// It produces kernels_amd64.s and the Go declarations in
// kernel_decl_amd64.go. Every kernel walks its slices one YMM vector (8
// float32 or 4 float64) at a time; n must be a multiple of the kernel's
// block (8 or 4 elements, 16 or 8 for the sums), the Go wrappers in vec.go
// do the tail with the portable code. The kernels are generated because
// they share one frame (pointer set-up, loop, tail) and one exponential
// (expCore) that would otherwise be copied by hand into five kernels.
//
// Go's assembler writes AVX operands in reverse Intel order: VFMADD213PS
// m, b, a is a = b·a + m; VSUBPS b, a, d is d = a - b; VCMPPS $p, b, a, m
// is m = a <p> b; VBLENDVPS m, b, a, d is d = m ? b : a.
package main

import (
	"bytes"
	"fmt"
	"log"
	"math"
	"os"
)

// consts are the 32-byte constants (one value in every lane), by name.
type consts struct {
	names []string
	bits  []uint32
	w64   []bool
}

func (c *consts) add32(name string, v float32) { c.addBits(name, math.Float32bits(v)) }

func (c *consts) addBits(name string, b uint32) {
	c.names = append(c.names, name)
	c.bits = append(c.bits, b)
	c.w64 = append(c.w64, false)
}

// ref is the memory operand of constant name.
func (c *consts) ref(name string) string {
	for i, n := range c.names {
		if n == name {
			return fmt.Sprintf("vconst<>+%d(SB)", 32*i)
		}
	}
	log.Fatalf("no constant %q", name)
	return ""
}

func (c *consts) emit(w *bytes.Buffer) {
	for i, b := range c.bits {
		fmt.Fprintf(w, "\n// %s\n", c.names[i])
		for l := 0; l < 8; l++ {
			fmt.Fprintf(w, "DATA vconst<>+%d(SB)/4, $0x%08x\n", 32*i+4*l, b)
		}
	}
	fmt.Fprintf(w, "GLOBL vconst<>(SB), RODATA|NOPTR, $%d\n", 32*len(c.bits))
}

var k = &consts{}

func init() {
	// exp: e^x = 2^n·e^r, n = round(x·log2e), r = x - n·ln2 (ln2 in two
	// parts so that n·ln2Hi is exact), e^r by a degree-7 polynomial
	// 1 + r + r²·(p0 + p1·r + ... + p5·r⁵) (the coefficients of the Cephes
	// library's expf, the same as ops' scalar exp32).
	k.add32("maxX", 88.72283)
	k.add32("minX", -87.33654)
	k.add32("log2e", 1.442695041)
	k.add32("negLn2Hi", -0.693359375)
	k.add32("negLn2Lo", 2.12194440e-4)
	k.add32("p5", 1.9875691500e-4)
	k.add32("p4", 1.3981999507e-3)
	k.add32("p3", 8.3334519073e-3)
	k.add32("p2", 4.1665795894e-2)
	k.add32("p1", 1.6666665459e-1)
	k.add32("p0", 5.0000001201e-1)
	k.add32("one", 1)
	k.add32("two", 2)
	k.addBits("inf", 0x7f800000)
	k.addBits("nan", 0x7fc00000)
	k.addBits("negInf", 0xff800000)
	k.addBits("abs", 0x7fffffff)
	k.addBits("sign", 0x80000000)
	k.addBits("bias", 127)
	k.add32("expm1Min", -87)
	// tanh for |x| < 0.625: x + x·z·P(z), z = x² (Cephes's tanhf).
	// log(1+t) for t in [0, 1]: 2·atanh(s)·t/(u-1), u = 1+t, s = (u-1)/(u+1)
	// (the atanh series to s^13; t/(u-1) cancels the rounding of u).
	k.add32("l6", 1.0/13)
	k.add32("l5", 1.0/11)
	k.add32("l4", 1.0/9)
	k.add32("l3", 1.0/7)
	k.add32("l2", 1.0/5)
	k.add32("l1", 1.0/3)
	// log: x = 2^e·m, m in [sqrt(1/2), sqrt(2)), log m = 2·atanh(s) with
	// s = (m-1)/(m+1), |s| <= 0.1716, by its series to s^9.
	k.add32("minNorm", 1.17549435e-38)
	k.add32("two23", 8388608)
	k.add32("twentyThree", 23)
	k.addBits("mantMask", 0x007fffff)
	k.add32("sqrt2", 1.41421356)
	k.add32("half", 0.5)
	k.add32("ln2Hi", 0.693359375)
	k.add32("ln2Lo", -2.12194440e-4)
	k.add32("l9", 1.0/9)
	k.add32("tanhSmall", 0.625)
	k.add32("t4", -5.70498872745e-3)
	k.add32("t3", 2.06390887954e-2)
	k.add32("t2", -5.37397155531e-2)
	k.add32("t1", 1.33314422036e-1)
	k.add32("t0", -3.33332819422e-1)
}

type gen struct{ w *bytes.Buffer }

func (g gen) p(format string, args ...any) { fmt.Fprintf(g.w, "\t"+format+"\n", args...) }

// expCore sets Y(out) = e^Y(in) for float32 lanes, Y(in) unchanged, using
// Y(t1) and Y(t2): +Inf above maxX, 0 below minX (where e^x is subnormal),
// NaN for NaN.
func (g gen) expCore(in, out, t1, t2 int) {
	g.p("VMINPS %s, Y%d, Y%d", k.ref("maxX"), in, t1) // a NaN becomes maxX here, restored below
	g.p("VMAXPS %s, Y%d, Y%d", k.ref("minX"), t1, t1)
	g.p("VMULPS %s, Y%d, Y%d", k.ref("log2e"), t1, t2)
	g.p("VROUNDPS $0, Y%d, Y%d", t2, t2) // n, to nearest
	g.p("VFMADD231PS %s, Y%d, Y%d", k.ref("negLn2Hi"), t2, t1)
	g.p("VFMADD231PS %s, Y%d, Y%d", k.ref("negLn2Lo"), t2, t1) // r
	g.p("VMOVUPS %s, Y%d", k.ref("p5"), out)
	for _, c := range []string{"p4", "p3", "p2", "p1", "p0", "one", "one"} {
		g.p("VFMADD213PS %s, Y%d, Y%d", k.ref(c), t1, out)
	}
	g.p("VCVTPS2DQ Y%d, Y%d", t2, t2)
	g.p("VPSLLD $23, Y%d, Y%d", t2, t2)
	g.p("VPADDD Y%d, Y%d, Y%d", t2, out, out) // e^r·2^n: n added to the exponent
	g.p("VCMPPS $0x1e, %s, Y%d, Y%d", k.ref("maxX"), in, t1)
	g.p("VBLENDVPS Y%d, %s, Y%d, Y%d", t1, k.ref("inf"), out, out)
	g.p("VCMPPS $0x11, %s, Y%d, Y%d", k.ref("minX"), in, t1)
	g.p("VANDNPS Y%d, Y%d, Y%d", out, t1, out)
	g.p("VCMPPS $3, Y%d, Y%d, Y%d", in, in, t1)
	g.p("VBLENDVPS Y%d, Y%d, Y%d, Y%d", t1, in, out, out)
}

// kernel describes one generated kernel.
type kernel struct {
	name string
	doc  string
	// form: "unary" (dst, x, n), "unaryC" (dst, x, n, c), "binary"
	// (dst, a, b, n), "binaryC" (dst, a, b, n, c), "sum" (x, n) float64,
	// "max" (x, n) float32, "dot" (a, b, n) float64.
	form string
	f64  bool
	// body computes Y1 from Y0 (x or a) and Y2 (b); the scalar c is in
	// Y15 and Y14 is zero. It may use Y3-Y13.
	body func(g gen)
}

func (kn kernel) elem() (goType, suf string, size int) {
	if kn.f64 {
		return "float64", "PD", 8
	}
	return "float32", "PS", 4
}

func (kn kernel) signature() string {
	t, _, _ := kn.elem()
	switch kn.form {
	case "unary":
		return fmt.Sprintf("(dst, x *%s, n int)", t)
	case "unaryC":
		return fmt.Sprintf("(dst, x *%s, n int, c %s)", t, t)
	case "binary":
		return fmt.Sprintf("(dst, a, b *%s, n int)", t)
	case "binaryC":
		return fmt.Sprintf("(dst, a, b *%s, n int, c %s)", t, t)
	case "sum":
		return fmt.Sprintf("(x *%s, n int) float64", t)
	case "max":
		return fmt.Sprintf("(x *%s, n int) %s", t, t)
	case "dot":
		return fmt.Sprintf("(a, b *%s, n int) float64", t)
	case "fill":
		return fmt.Sprintf("(dst *%s, n int, c %s)", t, t)
	}
	log.Fatalf("form %q", kn.form)
	return ""
}

func (kn kernel) frame() string {
	_, _, size := kn.elem()
	switch kn.form {
	case "unary":
		return "$0-24"
	case "unaryC":
		return fmt.Sprintf("$0-%d", 24+size)
	case "binary":
		return "$0-32"
	case "binaryC":
		return fmt.Sprintf("$0-%d", 32+size)
	case "sum":
		return "$0-24"
	case "max":
		return fmt.Sprintf("$0-%d", 16+size)
	case "dot":
		return "$0-32"
	case "fill":
		return fmt.Sprintf("$0-%d", 16+size)
	}
	return ""
}

// block is the number of elements one loop iteration handles.
func (kn kernel) block() int {
	_, _, size := kn.elem()
	lanes := 32 / size
	if kn.form == "sum" || kn.form == "dot" {
		return 4 * 4 // four float64 accumulators of 4 lanes
	}
	return lanes
}

func emit(w *bytes.Buffer, kn kernel) {
	g := gen{w}
	_, suf, size := kn.elem()
	shift := map[int]int{4: 2, 8: 3, 16: 4}[kn.block()]
	fmt.Fprintf(w, "\n// func %s%s\n", kn.name, kn.signature())
	fmt.Fprintf(w, "TEXT ·%s(SB), NOSPLIT, %s\n", kn.name, kn.frame())
	switch kn.form {
	case "unary", "unaryC", "binary", "binaryC":
		g.p("MOVQ dst+0(FP), DI")
		if kn.form[0] == 'u' {
			g.p("MOVQ x+8(FP), SI")
			g.p("MOVQ n+16(FP), CX")
		} else {
			g.p("MOVQ a+8(FP), SI")
			g.p("MOVQ b+16(FP), DX")
			g.p("MOVQ n+24(FP), CX")
		}
		if kn.form == "unaryC" || kn.form == "binaryC" {
			off := 24
			if kn.form == "binaryC" {
				off = 32
			}
			if kn.f64 {
				g.p("VBROADCASTSD c+%d(FP), Y15", off)
			} else {
				g.p("VBROADCASTSS c+%d(FP), Y15", off)
			}
		}
		g.p("VXORPS Y14, Y14, Y14")
		g.p("SHRQ $%d, CX", shift)
		g.p("JZ done")
		fmt.Fprintf(w, "loop:\n")
		g.p("VMOVUP%s (SI), Y0", suf[1:])
		if kn.form[0] == 'b' {
			g.p("VMOVUP%s (DX), Y2", suf[1:])
			g.p("ADDQ $32, DX")
		}
		kn.body(g)
		g.p("VMOVUP%s Y1, (DI)", suf[1:])
		g.p("ADDQ $32, SI")
		g.p("ADDQ $32, DI")
		g.p("DECQ CX")
		g.p("JNZ loop")
		fmt.Fprintf(w, "done:\n")
		g.p("VZEROUPPER")
		g.p("RET")
	case "sum", "dot":
		// four float64 accumulators Y0-Y3, each fed 4 elements a step
		if kn.form == "sum" {
			g.p("MOVQ x+0(FP), SI")
			g.p("MOVQ n+8(FP), CX")
		} else {
			g.p("MOVQ a+0(FP), SI")
			g.p("MOVQ b+8(FP), DX")
			g.p("MOVQ n+16(FP), CX")
		}
		for i := 0; i < 4; i++ {
			g.p("VXORPD Y%d, Y%d, Y%d", i, i, i)
		}
		g.p("SHRQ $4, CX")
		g.p("JZ done")
		fmt.Fprintf(w, "loop:\n")
		for i := 0; i < 4; i++ {
			if kn.f64 {
				g.p("VMOVUPD %d(SI), Y%d", 32*i, 4+i)
				if kn.form == "dot" {
					g.p("VFMADD231PD %d(DX), Y%d, Y%d", 32*i, 4+i, i)
				} else {
					g.p("VADDPD Y%d, Y%d, Y%d", 4+i, i, i)
				}
				continue
			}
			g.p("VCVTPS2PD %d(SI), Y%d", 16*i, 4+i)
			if kn.form == "dot" {
				g.p("VCVTPS2PD %d(DX), Y%d", 16*i, 8+i)
				g.p("VFMADD231PD Y%d, Y%d, Y%d", 8+i, 4+i, i)
			} else {
				g.p("VADDPD Y%d, Y%d, Y%d", 4+i, i, i)
			}
		}
		g.p("ADDQ $%d, SI", 16*size)
		if kn.form == "dot" {
			g.p("ADDQ $%d, DX", 16*size)
		}
		g.p("DECQ CX")
		g.p("JNZ loop")
		fmt.Fprintf(w, "done:\n")
		g.p("VADDPD Y1, Y0, Y0")
		g.p("VADDPD Y3, Y2, Y2")
		g.p("VADDPD Y2, Y0, Y0")
		g.p("VEXTRACTF128 $1, Y0, X1")
		g.p("VADDPD X1, X0, X0")
		g.p("VUNPCKHPD X0, X0, X1")
		g.p("VADDSD X1, X0, X0")
		off := 16
		if kn.form == "dot" {
			off = 24
		}
		g.p("VMOVSD X0, ret+%d(FP)", off)
		g.p("VZEROUPPER")
		g.p("RET")
	case "fill":
		g.p("MOVQ dst+0(FP), DI")
		g.p("MOVQ n+8(FP), CX")
		g.p("VBROADCASTSS c+16(FP), Y0")
		g.p("SHRQ $3, CX")
		g.p("JZ done")
		fmt.Fprintf(w, "loop:\n")
		g.p("VMOVUPS Y0, (DI)")
		g.p("ADDQ $32, DI")
		g.p("DECQ CX")
		g.p("JNZ loop")
		fmt.Fprintf(w, "done:\n")
		g.p("VZEROUPPER")
		g.p("RET")
	case "max":
		// Y0 the running maximum, Y3 the lanes that saw a NaN
		g.p("MOVQ x+0(FP), SI")
		g.p("MOVQ n+8(FP), CX")
		if kn.f64 {
			log.Fatal("max: float32 only")
		}
		g.p("VMOVUPS %s, Y0", k.ref("negInf"))
		g.p("VXORPS Y3, Y3, Y3")
		g.p("SHRQ $3, CX")
		g.p("JZ done")
		fmt.Fprintf(w, "loop:\n")
		g.p("VMOVUPS (SI), Y1")
		g.p("VMAXPS Y0, Y1, Y0")
		g.p("VCMPPS $3, Y1, Y1, Y2")
		g.p("VORPS Y2, Y3, Y3")
		g.p("ADDQ $32, SI")
		g.p("DECQ CX")
		g.p("JNZ loop")
		fmt.Fprintf(w, "done:\n")
		g.p("VEXTRACTF128 $1, Y0, X1")
		g.p("VMAXPS X1, X0, X0")
		g.p("VPERMILPS $0x4e, X0, X1")
		g.p("VMAXPS X1, X0, X0")
		g.p("VPERMILPS $0xb1, X0, X1")
		g.p("VMAXPS X1, X0, X0")
		g.p("VMOVMSKPS Y3, AX")
		g.p("TESTL AX, AX")
		g.p("JZ store")
		g.p("VMOVSS %s, X0", k.ref("nan"))
		fmt.Fprintf(w, "store:\n")
		g.p("VMOVSS X0, ret+16(FP)")
		g.p("VZEROUPPER")
		g.p("RET")
	}
}

// nanFromX sets Y1 to x (Y0) in the lanes where x is a NaN.
func nanFromX(g gen) {
	g.p("VCMPPS $3, Y0, Y0, Y3")
	g.p("VBLENDVPS Y3, Y0, Y1, Y1")
}

var kernels = []kernel{
	{name: "expShiftAVX2", form: "unaryC", doc: "sets dst[i] = e^(x[i]-c)", body: func(g gen) {
		g.p("VSUBPS Y15, Y0, Y0")
		g.expCore(0, 1, 3, 4)
	}},
	{name: "expSubAVX2", form: "binary", doc: "sets dst[i] = e^(a[i]-b[i])", body: func(g gen) {
		g.p("VSUBPS Y2, Y0, Y0")
		g.expCore(0, 1, 3, 4)
	}},
	{name: "tanhAVX2", form: "unary", doc: "sets dst[i] = tanh(x[i])", body: func(g gen) {
		g.p("VANDPS %s, Y0, Y2", k.ref("abs"))
		g.p("VADDPS Y2, Y2, Y3") // 2|x|
		g.expCore(3, 4, 5, 6)
		g.p("VADDPS %s, Y4, Y4", k.ref("one"))
		g.p("VMOVUPS %s, Y5", k.ref("two"))
		g.p("VDIVPS Y4, Y5, Y5")
		g.p("VMOVUPS %s, Y1", k.ref("one"))
		g.p("VSUBPS Y5, Y1, Y1") // 1 - 2/(e^2|x| + 1)
		g.p("VMULPS Y2, Y2, Y6") // z = x²
		g.p("VMOVUPS %s, Y7", k.ref("t4"))
		for _, c := range []string{"t3", "t2", "t1", "t0"} {
			g.p("VFMADD213PS %s, Y6, Y7", k.ref(c))
		}
		g.p("VMULPS Y6, Y7, Y7")
		g.p("VFMADD213PS Y2, Y2, Y7") // |x| + |x|·z·P(z)
		g.p("VCMPPS $0x11, %s, Y2, Y6", k.ref("tanhSmall"))
		g.p("VBLENDVPS Y6, Y7, Y1, Y1")
		g.p("VANDPS %s, Y0, Y6", k.ref("sign"))
		g.p("VORPS Y6, Y1, Y1")
	}},
	{name: "softplusAVX2", form: "unary", doc: "sets dst[i] = log(1+e^x[i]) = max(x[i], 0) + log(1+e^-|x[i]|)", body: func(g gen) {
		g.p("VANDPS %s, Y0, Y2", k.ref("abs"))
		g.p("VXORPS %s, Y2, Y2", k.ref("sign")) // -|x|
		g.expCore(2, 4, 3, 5)                   // t = e^-|x| in [0, 1]
		g.p("VADDPS %s, Y4, Y5", k.ref("one"))  // u
		g.p("VSUBPS %s, Y5, Y6", k.ref("one"))  // u - 1
		g.p("VADDPS %s, Y5, Y7", k.ref("one"))  // u + 1
		g.p("VDIVPS Y7, Y6, Y7")                // s
		g.p("VMULPS Y7, Y7, Y8")                // s²
		g.p("VMOVUPS %s, Y9", k.ref("l6"))
		for _, c := range []string{"l5", "l4", "l3", "l2", "l1", "one"} {
			g.p("VFMADD213PS %s, Y8, Y9", k.ref(c))
		}
		g.p("VMULPS Y7, Y9, Y9")
		g.p("VADDPS Y9, Y9, Y9")  // log(u)
		g.p("VDIVPS Y6, Y4, Y10") // t/(u-1)
		g.p("VMULPS Y10, Y9, Y9")
		g.p("VCMPPS $0, %s, Y5, Y10", k.ref("one")) // u == 1: log(1+t) = t
		g.p("VBLENDVPS Y10, Y4, Y9, Y9")
		g.p("VMAXPS Y14, Y0, Y1")
		g.p("VADDPS Y9, Y1, Y1")
		nanFromX(g)
	}},
	{name: "logAVX2", form: "unary", doc: "sets dst[i] = log(x[i]) (-Inf for 0, NaN below 0)", body: func(g gen) {
		g.p("VCMPPS $0x11, %s, Y0, Y3", k.ref("minNorm")) // subnormal (or <= 0: overridden below)
		g.p("VMULPS %s, Y0, Y4", k.ref("two23"))
		g.p("VBLENDVPS Y3, Y4, Y0, Y4") // x scaled to a normal number
		g.p("VANDPS %s, Y3, Y5", k.ref("twentyThree"))
		g.p("VPSRLD $23, Y4, Y6")
		g.p("VPSUBD %s, Y6, Y6", k.ref("bias")) // e
		g.p("VANDPS %s, Y4, Y7", k.ref("mantMask"))
		g.p("VORPS %s, Y7, Y7", k.ref("one")) // m in [1, 2)
		g.p("VCMPPS $0x1e, %s, Y7, Y8", k.ref("sqrt2"))
		g.p("VMULPS %s, Y7, Y9", k.ref("half"))
		g.p("VBLENDVPS Y8, Y9, Y7, Y7")
		g.p("VPSUBD Y8, Y6, Y6") // e+1 where m was halved
		g.p("VCVTDQ2PS Y6, Y6")
		g.p("VSUBPS Y5, Y6, Y6")
		g.p("VSUBPS %s, Y7, Y9", k.ref("one"))
		g.p("VADDPS %s, Y7, Y10", k.ref("one"))
		g.p("VDIVPS Y10, Y9, Y9") // s
		g.p("VMULPS Y9, Y9, Y10")
		g.p("VMOVUPS %s, Y11", k.ref("l9"))
		for _, c := range []string{"l3", "l2", "l1", "one"} {
			g.p("VFMADD213PS %s, Y10, Y11", k.ref(c))
		}
		g.p("VMULPS Y9, Y11, Y11")
		g.p("VADDPS Y11, Y11, Y11") // log m
		g.p("VFMADD231PS %s, Y6, Y11", k.ref("ln2Lo"))
		g.p("VFMADD231PS %s, Y6, Y11", k.ref("ln2Hi"))
		g.p("VCMPPS $0, Y14, Y0, Y3")
		g.p("VBLENDVPS Y3, %s, Y11, Y11", k.ref("negInf"))
		g.p("VCMPPS $0x11, Y14, Y0, Y3")
		g.p("VBLENDVPS Y3, %s, Y11, Y11", k.ref("nan"))
		g.p("VCMPPS $0, %s, Y0, Y3", k.ref("inf"))
		g.p("VBLENDVPS Y3, %s, Y11, Y1", k.ref("inf"))
		nanFromX(g)
	}},
	{name: "reluAVX2", form: "unary", doc: "sets dst[i] = max(x[i], 0), NaN for NaN", body: func(g gen) {
		g.p("VMAXPS Y0, Y14, Y1") // a NaN in x is returned as it is
	}},
	{name: "reluGradAVX2", form: "binary", doc: "sets dst[i] = b[i] where a[i] > 0, else 0", body: func(g gen) {
		g.p("VCMPPS $0x1e, Y14, Y0, Y3")
		g.p("VANDPS Y2, Y3, Y1")
	}},
	{name: "addAVX2", form: "binary", doc: "sets dst[i] = a[i] + b[i]", body: func(g gen) {
		g.p("VADDPS Y2, Y0, Y1")
	}},
	{name: "mulAVX2", form: "binary", doc: "sets dst[i] = a[i]·b[i]", body: func(g gen) {
		g.p("VMULPS Y2, Y0, Y1")
	}},
	{name: "divAVX2", form: "binary", doc: "sets dst[i] = a[i]/b[i]", body: func(g gen) {
		g.p("VDIVPS Y2, Y0, Y1")
	}},
	{name: "maxAVX2", form: "binary", doc: "sets dst[i] = max(a[i], b[i]), NaN if either is", body: func(g gen) {
		g.p("VMAXPS Y2, Y0, Y1") // NaN in a or b gives b
		nanFromX(g)
	}},
	{name: "axpyAVX2", form: "binaryC", doc: "sets dst[i] = a[i] + c·b[i]", body: func(g gen) {
		g.p("VFMADD231PS Y15, Y2, Y0")
		g.p("VMOVUPS Y0, Y1")
	}},
	{name: "scaleAVX2", form: "unaryC", doc: "sets dst[i] = c·x[i]", body: func(g gen) {
		g.p("VMULPS Y15, Y0, Y1")
	}},
	{name: "addScalarAVX2", form: "unaryC", doc: "sets dst[i] = x[i] + c", body: func(g gen) {
		g.p("VADDPS Y15, Y0, Y1")
	}},
	{name: "sigmoidGradAVX2", form: "binary", doc: "sets dst[i] = a[i]·(1-a[i])·b[i]", body: func(g gen) {
		g.p("VMOVUPS %s, Y3", k.ref("one"))
		g.p("VSUBPS Y0, Y3, Y3")
		g.p("VMULPS Y3, Y0, Y1")
		g.p("VMULPS Y2, Y1, Y1")
	}},
	{name: "tanhGradAVX2", form: "binary", doc: "sets dst[i] = (1-a[i]²)·b[i]", body: func(g gen) {
		g.p("VMOVUPS %s, Y1", k.ref("one"))
		g.p("VFNMADD231PS Y0, Y0, Y1")
		g.p("VMULPS Y2, Y1, Y1")
	}},
	{name: "eluGradAVX2", form: "binaryC", doc: "sets dst[i] = b[i] where a[i] > 0, else (a[i]+c)·b[i] (ELU's gradient from its output a)", body: func(g gen) {
		g.p("VADDPS Y15, Y0, Y3")
		g.p("VMULPS Y2, Y3, Y3")
		g.p("VCMPPS $0x1e, Y14, Y0, Y4")
		g.p("VBLENDVPS Y4, Y2, Y3, Y1")
	}},
	{name: "leakyReLUAVX2", form: "unaryC", doc: "sets dst[i] = c·x[i] where x[i]'s sign bit is set, else x[i]", body: func(g gen) {
		g.p("VMULPS Y15, Y0, Y3")
		g.p("VBLENDVPS Y0, Y3, Y0, Y1") // the sign bit of x selects c·x
	}},
	{name: "leakyReLUGradAVX2", form: "binaryC", doc: "sets dst[i] = b[i] where a[i] > 0, else c·b[i]", body: func(g gen) {
		g.p("VMULPS Y15, Y2, Y3")
		g.p("VCMPPS $0x1e, Y14, Y0, Y4")
		g.p("VBLENDVPS Y4, Y2, Y3, Y1")
	}},
	{name: "softsignAVX2", form: "unary", doc: "sets dst[i] = x[i]/(1+|x[i]|)", body: func(g gen) {
		g.p("VANDPS %s, Y0, Y3", k.ref("abs"))
		g.p("VADDPS %s, Y3, Y3", k.ref("one"))
		g.p("VDIVPS Y3, Y0, Y1")
	}},
	{name: "softsignGradAVX2", form: "binary", doc: "sets dst[i] = b[i]/(1+|a[i]|)²", body: func(g gen) {
		g.p("VANDPS %s, Y0, Y3", k.ref("abs"))
		g.p("VADDPS %s, Y3, Y3", k.ref("one"))
		g.p("VMULPS Y3, Y3, Y3")
		g.p("VDIVPS Y3, Y2, Y1")
	}},
	{name: "fillAVX2", form: "fill", doc: "sets dst[i] = c"},
	{name: "sumAVX2", form: "sum", doc: "returns Σ x[i], added in float64 in 16 interleaved partial sums"},
	{name: "dotAVX2", form: "dot", doc: "returns Σ a[i]·b[i], in float64 in 16 interleaved partial sums"},
	{name: "maxReduceAVX2", form: "max", doc: "returns max x[i] (-Inf for n = 0), NaN if any is"},
	// float64
	{name: "relu64AVX2", form: "unary", f64: true, doc: "sets dst[i] = max(x[i], 0), NaN for NaN", body: func(g gen) {
		g.p("VMAXPD Y0, Y14, Y1")
	}},
	{name: "reluGrad64AVX2", form: "binary", f64: true, doc: "sets dst[i] = b[i] where a[i] > 0, else 0", body: func(g gen) {
		g.p("VCMPPD $0x1e, Y14, Y0, Y3")
		g.p("VANDPD Y2, Y3, Y1")
	}},
	{name: "add64AVX2", form: "binary", f64: true, doc: "sets dst[i] = a[i] + b[i]", body: func(g gen) {
		g.p("VADDPD Y2, Y0, Y1")
	}},
	{name: "scale64AVX2", form: "unaryC", f64: true, doc: "sets dst[i] = c·x[i]", body: func(g gen) {
		g.p("VMULPD Y15, Y0, Y1")
	}},
	{name: "sum64AVX2", form: "sum", f64: true, doc: "returns Σ x[i] in 16 interleaved partial sums"},
}

func main() {
	var s, decl bytes.Buffer
	fmt.Fprintf(&s, "// Code generated by gen_kernels.go; DO NOT EDIT.\n\n//go:build amd64 && !purego\n\n#include \"textflag.h\"\n")
	fmt.Fprintf(&decl, "// Code generated by gen_kernels.go; DO NOT EDIT.\n\n//go:build amd64 && !purego\n\npackage vec\n")
	for _, kn := range kernels {
		emit(&s, kn)
		fmt.Fprintf(&decl, "\n// %s %s, for n a multiple of %d (AVX2 and FMA).\n//\n//go:noescape\nfunc %s%s\n", kn.name, kn.doc, kn.block(), kn.name, kn.signature())
	}
	k.emit(&s)
	if err := os.WriteFile("kernels_amd64.s", s.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("kernel_decl_amd64.go", decl.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}
