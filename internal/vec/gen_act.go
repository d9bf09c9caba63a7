//go:build ignore

// gen_act writes amd64 AVX2+FMA kernels of the activations: the float64
// kernels of the cheap activations and activation gradients (act64.go),
// the float64 sigmoid, ELU and softplus (vec64.go) and the float32 sigmoid
// and ELU (vec.go, selected in kernel_amd64.go):
//
//	go run gen_act.go
//
// It produces act_amd64.s and the Go declarations in act_decl_amd64.go.
// One YMM vector (4 float64 or 8 float32) per loop iteration, n a multiple
// of the lanes (the Go wrappers do the tail).
//
// The cheap kernels are the same sequence of correctly rounded operations
// (no fused multiply-adds) as their scalar tails in act64.go, so the two
// agree bit for bit (TestAct64). sigmoidExp64AVX2, eluExp64AVX2 and
// softplusExp64AVX2, the kernels of Sigmoid64, ELU64 and Softplus64, are
// within 3 ulps of the math package (TestKernels64): e^-|x| (expNeg) or
// e^x - 1 for x < 0 with the magic-number reduction and Estrin's scheme,
// then 1/(1+e) or e/(1+e), alpha·(e^x - 1), or max(x, 0) + log1p(e) by
// the atanh series. The float32 sigmoidExpAVX2 and eluExpAVX2 compute what
// gen_kernels.go's sigmoid and ELU kernels did (Cephes's expf polynomial)
// with the same reduction and Estrin's scheme, within TestUnaryAccuracy's
// relative bounds.
//
// Go's assembler writes AVX operands in reverse Intel order: VBLENDVPD
// mask, b, a, dst sets dst = mask ? b : a, and VCMPPD $0x1e, z, x, m sets m
// where x > z (ordered: false for NaN).
package main

import (
	"bytes"
	"fmt"
	"log"
	"math"
	"os"
)

// consts is the read-only table of broadcast constants, 32 bytes each.
var consts = []struct {
	name string
	bits uint64
}{
	{"one", math.Float64bits(1)},
	{"abs", 0x7fffffffffffffff},
	{"sign", 0x8000000000000000},
	{"half", math.Float64bits(0.5)},
	{"expMin", math.Float64bits(-746)},  // e^x rounds to 0 below -745.13
	{"normMin", math.Float64bits(-708)}, // 2^n is normal for n = round(x/ln2) from here up
	{"expm1Min", math.Float64bits(-40)}, // e^x - 1 = -1 to float64 precision below -37
	{"two", math.Float64bits(2)},
	{"quarter", math.Float64bits(0.25)},
	{"sqrt2m1", math.Float64bits(math.Sqrt2 - 1)},
	{"ln2Hi", math.Float64bits(6.93147180369123816490e-01)},
	{"ln2Lo", math.Float64bits(1.90821492927058770002e-10)},
	{"log2e", math.Float64bits(1 / math.Ln2)},
	{"magic", math.Float64bits(0x1.8p52)}, // x + magic holds round(x) in its low mantissa bits
	{"bias", 1023},
	// ln2 in two parts: ln2Hi has 21 trailing zero bits, so n·ln2Hi is
	// exact for |n| < 2^21.
	{"negLn2Hi", math.Float64bits(-6.93147180369123816490e-01)},
	{"negLn2Lo", math.Float64bits(-1.90821492927058770002e-10)},
}

// taylor is the degree of the series of e^r, |r| <= ln2/2: the first term
// left out, r^14/14!, is below 5e-18.
const taylor = 13

// atanhTerms is the number of terms of the series atanh(s)/s - 1 = s²/3 +
// s⁴/5 + ... that softplusExp64AVX2 sums, for |s| <= 0.1716: the first
// left out, s^24/25, is below 2e-20.
const atanhTerms = 11

func init() {
	for i := 1; i <= atanhTerms; i++ {
		consts = append(consts, struct {
			name string
			bits uint64
		}{fmt.Sprintf("a%d", i), math.Float64bits(1 / float64(2*i+1))})
	}
	f := 1.0
	for i := 1; i <= taylor; i++ {
		f *= float64(i)
		consts = append(consts, struct {
			name string
			bits uint64
		}{fmt.Sprintf("c%d", i), math.Float64bits(1 / f)})
	}
}

// pow2 sets Y(out) = 2^n from Y(sh) = n + magic, for integral n in
// [-1022, 1023]: n is in the low bits of Y(sh)'s mantissa.
func (g gen) pow2(sh, out int) {
	g.p("VPADDQ %s, Y%d, Y%d", ref("bias"), sh, out)
	g.p("VPSLLQ $52, Y%d, Y%d", out, out)
}

// reduce sets Y4 = n + magic, Y5 = n = round(Y2/ln2) and Y6 = r = Y2 -
// n·ln2 (the magic-number addition rounds and leaves n in Y4's low
// mantissa bits, ready for pow2).
func (g gen) reduce() {
	g.p("VMOVUPD %s, Y4", ref("magic"))
	g.p("VFMADD231PD %s, Y2, Y4", ref("log2e")) // n + magic
	g.p("VSUBPD %s, Y4, Y5", ref("magic"))      // n
	g.p("VMOVAPD Y2, Y6")
	g.p("VFMADD231PD %s, Y5, Y6", ref("negLn2Hi"))
	g.p("VFMADD231PD %s, Y5, Y6", ref("negLn2Lo")) // r
}

// expm1Poly sets Y7 = e^r - 1 = r + r²·Q(r) for r = Y6, |r| <= ln2/2,
// Q(r) = c2 + c3·r + ... + c13·r^11 by Estrin's scheme (a chain of 5
// multiply-adds instead of Horner's 12: the loop runs at the
// multipliers' throughput, not their latency). The pairs c(2i+2) +
// c(2i+3)·r go to Y7-Y10 and the two registers of extra; Y11-Y13 hold r²,
// r⁴ and r⁸.
func (g gen) expm1Poly(extra [2]int) {
	g.p("VMULPD Y6, Y6, Y11")   // r²
	g.p("VMULPD Y11, Y11, Y12") // r⁴
	g.p("VMULPD Y12, Y12, Y13") // r⁸
	pr := []int{7, 8, 9, 10, extra[0], extra[1]}
	for i, reg := range pr {
		g.p("VMOVUPD %s, Y%d", ref(fmt.Sprintf("c%d", 2*i+3)), reg)
		g.p("VFMADD213PD %s, Y6, Y%d", ref(fmt.Sprintf("c%d", 2*i+2)), reg)
	}
	g.p("VFMADD231PD Y8, Y11, Y7")                       // q0 = p0 + p1·r²
	g.p("VFMADD231PD Y10, Y11, Y9")                      // q1 = p2 + p3·r²
	g.p("VFMADD231PD Y%d, Y11, Y%d", extra[1], extra[0]) // q2 = p4 + p5·r²
	g.p("VFMADD231PD Y9, Y12, Y7")                       // q0 + q1·r⁴
	g.p("VFMADD231PD Y%d, Y13, Y7", extra[0])            // Q = q0 + q1·r⁴ + q2·r⁸
	g.p("VFMADD213PD Y6, Y11, Y7")                       // r + r²·Q
}

// expNeg sets Y7 = e^Y2 for Y2 in [expMin, 0] (the caller clamps), with
// Y3-Y13, Y15 and AX, in the style of gen_kernels64.go's expCore, cheaper
// for the non-positive arguments of the sigmoid: n by the magic-number
// addition, which also gives 2^n's bits, e^r by expm1Poly, and 2^n applied
// in one multiplication; only a vector with a lane below normMin, where
// 2^n or the result is subnormal, takes the two-step scaling
// 2^(n/2)·2^(n-n/2), so that the result rounds once like math.Exp's.
func (g gen) expNeg() {
	g.p("VCMPPD $0x11, %s, Y2, Y3", ref("normMin")) // x < normMin
	g.p("VMOVMSKPD Y3, AX")
	g.reduce()
	g.expm1Poly([2]int{3, 15})
	g.p("VADDPD %s, Y7, Y7", ref("one")) // e^r
	g.p("TESTL AX, AX")
	g.p("JNZ tiny")
	g.pow2(4, 8)
	g.p("VMULPD Y8, Y7, Y7")
	fmt.Fprintf(g.w, "scaled:\n")
}

// expNegTiny is expNeg's two-step scaling, out of the loop: it jumps back
// to scaled.
func (g gen) expNegTiny() {
	fmt.Fprintf(g.w, "tiny:\n")
	g.p("VMULPD %s, Y5, Y8", ref("half"))
	g.p("VROUNDPD $1, Y8, Y8") // n1 = floor(n/2)
	g.p("VSUBPD Y8, Y5, Y9")   // n2 = n - n1
	g.p("VADDPD %s, Y8, Y8", ref("magic"))
	g.pow2(8, 10)
	g.p("VMULPD Y10, Y7, Y7")
	g.p("VADDPD %s, Y9, Y9", ref("magic"))
	g.pow2(9, 10)
	g.p("VMULPD Y10, Y7, Y7")
	g.p("JMP scaled")
}

// consts32 is the float32 table, 32 bytes (8 lanes) each.
var consts32 = []struct {
	name string
	bits uint32
}{
	{"one", math.Float32bits(1)},
	{"sign", 0x80000000},
	{"maxX", math.Float32bits(88.72283)},  // e^x is +Inf above
	{"minX", math.Float32bits(-87.33654)}, // e^x is subnormal below
	{"expm1Min", math.Float32bits(-87)},   // e^x - 1 = -1 to float32 precision below -17
	{"log2e", math.Float32bits(1.442695041)},
	{"magic", math.Float32bits(0x1.8p23)}, // x + magic holds round(x) in its low mantissa bits
	{"bias", 127},
	{"negLn2Hi", math.Float32bits(-0.693359375)},
	{"negLn2Lo", math.Float32bits(2.12194440e-4)},
	// e^r = 1 + r + r²·(p0 + p1·r + ... + p5·r⁵), |r| <= ln2/2: the
	// coefficients of Cephes's expf, as in gen_kernels.go.
	{"p0", math.Float32bits(5.0000001201e-1)},
	{"p1", math.Float32bits(1.6666665459e-1)},
	{"p2", math.Float32bits(4.1665795894e-2)},
	{"p3", math.Float32bits(8.3334519073e-3)},
	{"p4", math.Float32bits(1.3981999507e-3)},
	{"p5", math.Float32bits(1.9875691500e-4)},
}

func ref32(name string) string {
	for i, c := range consts32 {
		if c.name == name {
			return fmt.Sprintf("act32const<>+%d(SB)", 32*i)
		}
	}
	log.Fatalf("no constant %q", name)
	return ""
}

// expm1Poly32 sets, for float32 lanes, Y4 = n + magic, Y5 = n =
// round(Y2/ln2), Y2 = r = Y2 - n·ln2 and Y8 = e^r - 1 = r + r²·P(r) with
// P by Estrin's scheme (a chain of 3 multiply-adds instead of Horner's 6),
// using Y6, Y7, Y9 and Y10.
func (g gen) expm1Poly32() {
	g.p("VMOVUPS %s, Y4", ref32("magic"))
	g.p("VFMADD231PS %s, Y2, Y4", ref32("log2e")) // n + magic
	g.p("VSUBPS %s, Y4, Y5", ref32("magic"))      // n
	g.p("VFMADD231PS %s, Y5, Y2", ref32("negLn2Hi"))
	g.p("VFMADD231PS %s, Y5, Y2", ref32("negLn2Lo")) // r
	g.p("VMULPS Y2, Y2, Y6")                         // r²
	g.p("VMULPS Y6, Y6, Y7")                         // r⁴
	for i, reg := range []int{8, 9, 10} {
		g.p("VMOVUPS %s, Y%d", ref32(fmt.Sprintf("p%d", 2*i+1)), reg)
		g.p("VFMADD213PS %s, Y2, Y%d", ref32(fmt.Sprintf("p%d", 2*i)), reg)
	}
	g.p("VFMADD231PS Y9, Y6, Y8")  // (p0 + p1·r) + (p2 + p3·r)·r²
	g.p("VFMADD231PS Y10, Y7, Y8") // + (p4 + p5·r)·r⁴
	g.p("VFMADD213PS Y2, Y6, Y8")  // r + r²·P
}

func ref(name string) string {
	for i, c := range consts {
		if c.name == name {
			return fmt.Sprintf("act64const<>+%d(SB)", 32*i)
		}
	}
	log.Fatalf("no constant %q", name)
	return ""
}

type gen struct{ w *bytes.Buffer }

func (g gen) p(format string, args ...any) { fmt.Fprintf(g.w, "\t"+format+"\n", args...) }

// A kernel computes Y1 from Y0 (x, or a) and, for the binary forms, Y2
// (b); the scalar c is in Y15 and Y14 is zero; Y3-Y13 are free.
type kernel struct {
	name, doc string
	binary    bool // (dst, a, b *float64, n int[, c float64]); else (dst, x *float64, n int[, c float64])
	f32       bool // float32 elements, 8 a vector
	withC     bool
	body      func(g gen)
	tail      func(g gen) // code after the loop's RET (out-of-line paths)
}

var kernels = []kernel{
	{name: "leakyReLU64AVX2", withC: true, doc: "sets dst[i] = c·x[i] where x[i]'s sign bit is set, else x[i]", body: func(g gen) {
		g.p("VMULPD Y15, Y0, Y3")
		g.p("VBLENDVPD Y0, Y3, Y0, Y1") // the sign bit of x selects c·x
	}},
	{name: "leakyReLUGrad64AVX2", binary: true, withC: true, doc: "sets dst[i] = b[i] where a[i] > 0, else c·b[i]", body: func(g gen) {
		g.p("VMULPD Y15, Y2, Y3")
		g.p("VCMPPD $0x1e, Y14, Y0, Y4")
		g.p("VBLENDVPD Y4, Y2, Y3, Y1")
	}},
	{name: "eluGrad64AVX2", binary: true, withC: true, doc: "sets dst[i] = b[i] where a[i] > 0, else (a[i]+c)·b[i] (ELU's gradient from its output a)", body: func(g gen) {
		g.p("VADDPD Y15, Y0, Y3")
		g.p("VMULPD Y2, Y3, Y3")
		g.p("VCMPPD $0x1e, Y14, Y0, Y4")
		g.p("VBLENDVPD Y4, Y2, Y3, Y1")
	}},
	{name: "sigmoidGrad64AVX2", binary: true, doc: "sets dst[i] = a[i]·(1-a[i])·b[i]", body: func(g gen) {
		g.p("VMOVUPD %s, Y3", ref("one"))
		g.p("VSUBPD Y0, Y3, Y3")
		g.p("VMULPD Y3, Y0, Y1")
		g.p("VMULPD Y2, Y1, Y1")
	}},
	{name: "tanhGrad64AVX2", binary: true, doc: "sets dst[i] = (1-a[i]·a[i])·b[i]", body: func(g gen) {
		g.p("VMULPD Y0, Y0, Y3")
		g.p("VMOVUPD %s, Y1", ref("one"))
		g.p("VSUBPD Y3, Y1, Y1")
		g.p("VMULPD Y2, Y1, Y1")
	}},
	{name: "softsign64AVX2", doc: "sets dst[i] = x[i]/(1+|x[i]|)", body: func(g gen) {
		g.p("VANDPD %s, Y0, Y3", ref("abs"))
		g.p("VADDPD %s, Y3, Y3", ref("one"))
		g.p("VDIVPD Y3, Y0, Y1")
	}},
	{name: "softsignGrad64AVX2", binary: true, doc: "sets dst[i] = b[i]/((1+|a[i]|)·(1+|a[i]|))", body: func(g gen) {
		g.p("VANDPD %s, Y0, Y3", ref("abs"))
		g.p("VADDPD %s, Y3, Y3", ref("one"))
		g.p("VMULPD Y3, Y3, Y3")
		g.p("VDIVPD Y3, Y2, Y1")
	}},
	{name: "sigmoidExp64AVX2", doc: "sets dst[i] = 1/(1+e^-x[i]), as e/(1+e) with e = e^x for x < 0", body: func(g gen) {
		g.p("VORPD %s, Y0, Y2", ref("sign"))    // -|x|
		g.p("VMAXPD %s, Y2, Y2", ref("expMin")) // a NaN becomes expMin, restored below
		g.expNeg()                              // e = e^-|x|, never overflows
		g.p("VADDPD %s, Y7, Y8", ref("one"))
		g.p("VMOVUPD %s, Y1", ref("one"))
		g.p("VBLENDVPD Y0, Y7, Y1, Y1") // x's sign bit selects e
		g.p("VDIVPD Y8, Y1, Y1")
		g.p("VCMPPD $3, Y0, Y0, Y3")
		g.p("VBLENDVPD Y3, Y0, Y1, Y1")
	}, tail: func(g gen) { g.expNegTiny() }},
	{name: "eluExp64AVX2", withC: true, doc: "sets dst[i] = c·(e^x[i] - 1) if x[i] < 0, else x[i]", body: func(g gen) {
		// e^z - 1 = 2^n·(e^r - 1) + (2^n - 1) for z = max(min(x, 0),
		// expm1Min): no cancellation near 0, where n = 0; 2^n >= 2^-58 is
		// normal.
		g.p("VMINPD Y14, Y0, Y2") // a NaN becomes 0, restored below
		g.p("VMAXPD %s, Y2, Y2", ref("expm1Min"))
		g.reduce()
		g.expm1Poly([2]int{3, 5})
		g.pow2(4, 8)                         // s = 2^n
		g.p("VSUBPD %s, Y8, Y9", ref("one")) // s - 1
		g.p("VFMADD213PD Y9, Y8, Y7")        // s·(e^r - 1) + s - 1
		g.p("VMULPD Y15, Y7, Y7")
		g.p("VCMPPD $0x15, Y14, Y0, Y5") // !(x < 0): x >= 0 and NaN give x
		g.p("VBLENDVPD Y5, Y0, Y7, Y1")
	}},
	{name: "softplusExp64AVX2", doc: "sets dst[i] = log(1+e^x[i]) = max(x[i], 0) + log1p(e^-|x[i]|)", body: func(g gen) {
		// log1p(e) for e = e^-|x| in [0, 1]: 1 + e = 2^k·m with k = 1
		// where e > sqrt2 - 1, m in [sqrt(1/2), sqrt(2)), and log m =
		// 2·atanh(s), s = (m-1)/(m+1): w = 2s = 2e/(2+e), or, for k = 1,
		// 2(e-1)/(3+e), both without rounding 1 + e first; log m = w +
		// w·s²·P(s²) with P by Estrin's scheme.
		g.p("VORPD %s, Y0, Y2", ref("sign"))    // -|x|
		g.p("VMAXPD %s, Y2, Y2", ref("expMin")) // a NaN becomes expMin, restored below
		g.expNeg()                              // e in Y7
		g.p("VCMPPD $0x1e, %s, Y7, Y3", ref("sqrt2m1"))
		g.p("VADDPD Y7, Y7, Y4")
		g.p("VANDPD %s, Y3, Y5", ref("two"))
		g.p("VSUBPD Y5, Y4, Y4") // 2e or 2e - 2
		g.p("VADDPD %s, Y7, Y6", ref("two"))
		g.p("VANDPD %s, Y3, Y8", ref("one")) // k
		g.p("VADDPD Y8, Y6, Y6")             // 2 + e or 3 + e
		g.p("VDIVPD Y6, Y4, Y9")             // w = 2s
		g.p("VMULPD Y9, Y9, Y10")
		g.p("VMULPD %s, Y10, Y10", ref("quarter")) // z = s²
		g.p("VMULPD Y10, Y10, Y11")                // z²
		g.p("VMULPD Y11, Y11, Y12")                // z⁴
		g.p("VMULPD Y12, Y12, Y13")                // z⁸
		for i, reg := range []int{1, 2, 4, 5, 6} { // a(2i+1) + a(2i+2)·z
			g.p("VMOVUPD %s, Y%d", ref(fmt.Sprintf("a%d", 2*i+2)), reg)
			g.p("VFMADD213PD %s, Y10, Y%d", ref(fmt.Sprintf("a%d", 2*i+1)), reg)
		}
		g.p("VFMADD231PD Y2, Y11, Y1")              // q0
		g.p("VFMADD231PD Y5, Y11, Y4")              // q1
		g.p("VFMADD231PD %s, Y11, Y6", ref("a11"))  // q2
		g.p("VFMADD231PD Y4, Y12, Y1")              // q0 + q1·z⁴
		g.p("VFMADD231PD Y6, Y13, Y1")              // P = q0 + q1·z⁴ + q2·z⁸
		g.p("VMULPD Y10, Y9, Y2")                   // w·z
		g.p("VFMADD213PD Y9, Y2, Y1")               // log m = w + w·z·P
		g.p("VFMADD231PD %s, Y8, Y1", ref("ln2Lo")) // + k·ln2
		g.p("VFMADD231PD %s, Y8, Y1", ref("ln2Hi"))
		g.p("VMAXPD Y14, Y0, Y2")
		g.p("VADDPD Y1, Y2, Y1")
		g.p("VCMPPD $3, Y0, Y0, Y3")
		g.p("VBLENDVPD Y3, Y0, Y1, Y1")
	}, tail: func(g gen) { g.expNegTiny() }},
	// float32
	{name: "sigmoidExpAVX2", f32: true, doc: "sets dst[i] = 1/(1+e^-x[i])", body: func(g gen) {
		// t = -x clamped to [minX, maxX] (a NaN becomes maxX, restored
		// below): e^t is at most 2^128·e^r <= +Inf, where the sigmoid is
		// 0, and at least e^minX, where 1 + e^t rounds to 1 (2^n normal
		// or not).
		g.p("VXORPS %s, Y0, Y2", ref32("sign"))
		g.p("VMINPS %s, Y2, Y2", ref32("maxX"))
		g.p("VMAXPS %s, Y2, Y2", ref32("minX"))
		g.expm1Poly32()
		g.p("VADDPS %s, Y8, Y8", ref32("one")) // e^r
		g.p("VPSLLD $23, Y4, Y4")
		g.p("VPADDD Y4, Y8, Y8") // e^t = e^r·2^n: n added to the exponent
		g.p("VADDPS %s, Y8, Y8", ref32("one"))
		g.p("VMOVUPS %s, Y1", ref32("one"))
		g.p("VDIVPS Y8, Y1, Y1")
		g.p("VCMPPS $3, Y0, Y0, Y3")
		g.p("VBLENDVPS Y3, Y0, Y1, Y1")
	}},
	{name: "eluExpAVX2", f32: true, withC: true, doc: "sets dst[i] = x[i] if x[i] > 0, else c·(e^x[i] - 1)", body: func(g gen) {
		// e^z - 1 = 2^n·(e^r - 1) + (2^n - 1) for z = max(min(x, 0),
		// expm1Min): no cancellation near 0, where n = 0; 2^n >= 2^-126
		// is normal.
		g.p("VMINPS Y14, Y0, Y2") // a NaN becomes 0, restored below
		g.p("VMAXPS %s, Y2, Y2", ref32("expm1Min"))
		g.expm1Poly32()
		g.p("VPADDD %s, Y4, Y4", ref32("bias"))
		g.p("VPSLLD $23, Y4, Y4")              // s = 2^n
		g.p("VSUBPS %s, Y4, Y5", ref32("one")) // s - 1
		g.p("VFMADD213PS Y5, Y4, Y8")          // s·(e^r - 1) + s - 1
		g.p("VMULPS Y15, Y8, Y8")
		g.p("VCMPPS $0x1e, Y14, Y0, Y5") // x > 0 gives x
		g.p("VBLENDVPS Y5, Y0, Y8, Y1")
		g.p("VCMPPS $3, Y0, Y0, Y3")
		g.p("VBLENDVPS Y3, Y0, Y1, Y1")
	}},
	// float64
	{name: "mul64AVX2", binary: true, doc: "sets dst[i] = a[i]·b[i]", body: func(g gen) {
		g.p("VMULPD Y2, Y0, Y1")
	}},
}

func (kn kernel) signature() string {
	t := "float64"
	if kn.f32 {
		t = "float32"
	}
	s := "(dst, x *" + t + ", n int"
	if kn.binary {
		s = "(dst, a, b *" + t + ", n int"
	}
	if kn.withC {
		s += ", c " + t
	}
	return s + ")"
}

// lanes is the number of elements of one vector.
func (kn kernel) lanes() int {
	if kn.f32 {
		return 8
	}
	return 4
}

func emit(w *bytes.Buffer, kn kernel) {
	g := gen{w}
	args := 24
	if kn.binary {
		args = 32
	}
	if kn.withC {
		args += 8
		if kn.f32 {
			args -= 4
		}
	}
	fmt.Fprintf(w, "\n// func %s%s\n", kn.name, kn.signature())
	fmt.Fprintf(w, "TEXT ·%s(SB), NOSPLIT, $0-%d\n", kn.name, args)
	g.p("MOVQ dst+0(FP), DI")
	if kn.binary {
		g.p("MOVQ a+8(FP), SI")
		g.p("MOVQ b+16(FP), DX")
		g.p("MOVQ n+24(FP), CX")
	} else {
		g.p("MOVQ x+8(FP), SI")
		g.p("MOVQ n+16(FP), CX")
	}
	switch {
	case kn.withC && kn.f32:
		g.p("VBROADCASTSS c+%d(FP), Y15", args-4)
	case kn.withC:
		g.p("VBROADCASTSD c+%d(FP), Y15", args-8)
	}
	g.p("VXORPD Y14, Y14, Y14")
	if kn.f32 {
		g.p("SHRQ $3, CX")
	} else {
		g.p("SHRQ $2, CX")
	}
	g.p("JZ done")
	fmt.Fprintf(w, "loop:\n")
	g.p("VMOVUPD (SI), Y0")
	if kn.binary {
		g.p("VMOVUPD (DX), Y2")
		g.p("ADDQ $32, DX")
	}
	kn.body(g)
	g.p("VMOVUPD Y1, (DI)")
	g.p("ADDQ $32, SI")
	g.p("ADDQ $32, DI")
	g.p("DECQ CX")
	g.p("JNZ loop")
	fmt.Fprintf(w, "done:\n")
	g.p("VZEROUPPER")
	g.p("RET")
	if kn.tail != nil {
		kn.tail(g)
	}
}

func main() {
	var s, decl bytes.Buffer
	fmt.Fprintf(&s, "// Code generated by gen_act.go; DO NOT EDIT.\n\n//go:build amd64 && !purego\n\n#include \"textflag.h\"\n")
	fmt.Fprintf(&decl, "// Code generated by gen_act.go; DO NOT EDIT.\n\n//go:build amd64 && !purego\n\npackage vec\n")
	for _, kn := range kernels {
		emit(&s, kn)
		fmt.Fprintf(&decl, "\n// %s %s, for n a multiple of %d (AVX2 and FMA).\n//\n//go:noescape\nfunc %s%s\n", kn.name, kn.doc, kn.lanes(), kn.name, kn.signature())
	}
	for i, c := range consts {
		fmt.Fprintf(&s, "\n// %s\n", c.name)
		for l := 0; l < 4; l++ {
			fmt.Fprintf(&s, "DATA act64const<>+%d(SB)/8, $0x%016x\n", 32*i+8*l, c.bits)
		}
	}
	fmt.Fprintf(&s, "GLOBL act64const<>(SB), RODATA|NOPTR, $%d\n", 32*len(consts))
	for i, c := range consts32 {
		fmt.Fprintf(&s, "\n// %s\n", c.name)
		for l := 0; l < 8; l++ {
			fmt.Fprintf(&s, "DATA act32const<>+%d(SB)/4, $0x%08x\n", 32*i+4*l, c.bits)
		}
	}
	fmt.Fprintf(&s, "GLOBL act32const<>(SB), RODATA|NOPTR, $%d\n", 32*len(consts32))
	if err := os.WriteFile("act_amd64.s", s.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("act_decl_amd64.go", decl.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}
