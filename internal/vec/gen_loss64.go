//go:build ignore

// gen_loss64 writes the amd64 AVX2+FMA float64 kernels of the arithmetic
// of softmax and the losses (loss64.go):
//
//	go run gen_loss64.go
//
// It produces loss64_amd64.s and the Go declarations in
// loss64_decl_amd64.go. The reductions (maximum, dot product, sum of
// squared differences) keep four YMM accumulators, 16 float64 a loop
// iteration (n a multiple of 16); the elementwise kernels walk one YMM
// vector of 4 float64 at a time (n a multiple of 4). The Go wrappers in
// loss64.go do the tails.
//
// Go's assembler writes AVX operands in reverse Intel order (see
// gen_kernels.go): VFMADD231PD b, a, d is d = a·b + d; VSUBPD b, a, d is
// d = a - b; VCMPPD $p, b, a, m is m = a <p> b; VBLENDVPD m, b, a, d is
// d = m ? b : a.
package main

import (
	"bytes"
	"fmt"
	"log"
	"math"
	"os"
)

// consts are the 32-byte constants of expShiftSum64AVX2 (one float64 in
// every lane), by name: the same values as gen_kernels64.go's, so that
// the kernel's e^x is expShift64AVX2's bit for bit.
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
			return fmt.Sprintf("lconst64<>+%d(SB)", 32*i)
		}
	}
	log.Fatalf("no constant %q", name)
	return ""
}

func (c *consts) emit(w *bytes.Buffer) {
	for i, b := range c.bits {
		fmt.Fprintf(w, "\n// %s\n", c.names[i])
		for l := 0; l < 4; l++ {
			fmt.Fprintf(w, "DATA lconst64<>+%d(SB)/8, $0x%016x\n", 32*i+8*l, b)
		}
	}
	fmt.Fprintf(w, "GLOBL lconst64<>(SB), RODATA|NOPTR, $%d\n", 32*len(c.bits))
}

var k = &consts{}

// taylor is the number of terms of the series of e^r past 1 + r, as in
// gen_kernels64.go.
const taylor = 13

func init() {
	k.add("expMax", 710)
	k.add("expMin", -746)
	k.add("log2e", 1/math.Ln2)
	k.add("negLn2Hi", -6.93147180369123816490e-01)
	k.add("negLn2Lo", -1.90821492927058770002e-10)
	f := 1.0
	for i := 1; i <= taylor; i++ {
		f *= float64(i)
		k.add(fmt.Sprintf("c%d", i), 1/f)
	}
	k.add("one", 1)
	k.add("half", 0.5)
	k.add("magic", 0x1.8p52)
	k.addBits("bias", 1023)
}

// expRegs are the registers of one vector of expShiftSum64AVX2: the
// shifted input, the exponential, and four temporaries.
type expRegs struct{ in, out, t1, t2, t3, t4 int }

// expSteps emits e^Y(in) into Y(out) for every vector of rs, one step of
// the computation for all of them before the next, so that the vectors'
// dependency chains (13 fused multiply-adds of the series) overlap. The
// steps are gen_kernels64.go's expCore: clamp to [expMin, expMax], n =
// round(x/ln2), r = x - n·ln2 (Cody-Waite), e^r by its Taylor series to
// r^13, times 2^(n/2)·2^(n-n/2), NaN restored from the input.
func (g gen) expSteps(rs []expRegs) {
	each := func(f func(r expRegs)) {
		for _, r := range rs {
			f(r)
		}
	}
	each(func(r expRegs) { g.p("VMINPD %s, Y%d, Y%d", k.ref("expMax"), r.in, r.t1) })
	each(func(r expRegs) { g.p("VMAXPD %s, Y%d, Y%d", k.ref("expMin"), r.t1, r.t1) })
	each(func(r expRegs) { g.p("VMULPD %s, Y%d, Y%d", k.ref("log2e"), r.t1, r.t2) })
	each(func(r expRegs) { g.p("VROUNDPD $0, Y%d, Y%d", r.t2, r.t2) })
	each(func(r expRegs) { g.p("VFMADD231PD %s, Y%d, Y%d", k.ref("negLn2Hi"), r.t2, r.t1) })
	each(func(r expRegs) { g.p("VFMADD231PD %s, Y%d, Y%d", k.ref("negLn2Lo"), r.t2, r.t1) })
	each(func(r expRegs) { g.p("VMOVUPD %s, Y%d", k.ref(fmt.Sprintf("c%d", taylor)), r.out) })
	for i := taylor - 1; i >= 1; i-- {
		each(func(r expRegs) { g.p("VFMADD213PD %s, Y%d, Y%d", k.ref(fmt.Sprintf("c%d", i)), r.t1, r.out) })
	}
	each(func(r expRegs) { g.p("VFMADD213PD %s, Y%d, Y%d", k.ref("one"), r.t1, r.out) })
	each(func(r expRegs) { g.p("VMULPD %s, Y%d, Y%d", k.ref("half"), r.t2, r.t3) })
	each(func(r expRegs) { g.p("VROUNDPD $1, Y%d, Y%d", r.t3, r.t3) })
	each(func(r expRegs) { g.p("VSUBPD Y%d, Y%d, Y%d", r.t3, r.t2, r.t2) })
	for _, n := range []func(r expRegs) int{func(r expRegs) int { return r.t3 }, func(r expRegs) int { return r.t2 }} {
		each(func(r expRegs) { g.p("VADDPD %s, Y%d, Y%d", k.ref("magic"), n(r), r.t4) })
		each(func(r expRegs) { g.p("VPADDQ %s, Y%d, Y%d", k.ref("bias"), r.t4, r.t4) })
		each(func(r expRegs) { g.p("VPSLLQ $52, Y%d, Y%d", r.t4, r.t4) })
		each(func(r expRegs) { g.p("VMULPD Y%d, Y%d, Y%d", r.t4, r.out, r.out) })
	}
	each(func(r expRegs) { g.p("VCMPPD $3, Y%d, Y%d, Y%d", r.in, r.in, r.t1) })
	each(func(r expRegs) { g.p("VBLENDVPD Y%d, Y%d, Y%d, Y%d", r.t1, r.in, r.out, r.out) })
}

type gen struct{ w *bytes.Buffer }

func (g gen) p(format string, args ...any) { fmt.Fprintf(g.w, "\t"+format+"\n", args...) }
func (g gen) label(l string)               { fmt.Fprintf(g.w, "%s:\n", l) }

// kernel is one generated function: its Go signature, its frame size, a
// doc line, and its body.
type kernel struct {
	name, sig, frame, doc string
	block                 int
	body                  func(g gen)
}

// hsum adds the four accumulators Y0..Y3 into X0's low lane.
func (g gen) hsum() {
	g.p("VADDPD Y1, Y0, Y0")
	g.p("VADDPD Y3, Y2, Y2")
	g.p("VADDPD Y2, Y0, Y0")
	g.p("VEXTRACTF128 $1, Y0, X1")
	g.p("VADDPD X1, X0, X0")
	g.p("VUNPCKHPD X0, X0, X1")
	g.p("VADDSD X1, X0, X0")
}

// reduce2 is the body of a reduction over a (SI) and b (DX), 16 elements
// an iteration into Y0..Y3; step emits the update of accumulator i from
// the vector of a in Y(4+i) and b's memory operand.
func (g gen) reduce2(step func(i int, b string)) {
	g.p("MOVQ a+0(FP), SI")
	g.p("MOVQ b+8(FP), DX")
	g.p("MOVQ n+16(FP), CX")
	for i := 0; i < 4; i++ {
		g.p("VXORPD Y%d, Y%d, Y%d", i, i, i)
	}
	g.p("SHRQ $4, CX")
	g.p("JZ done")
	g.label("loop")
	for i := 0; i < 4; i++ {
		g.p("VMOVUPD %d(SI), Y%d", 32*i, 4+i)
		step(i, fmt.Sprintf("%d(DX)", 32*i))
	}
	g.p("ADDQ $128, SI")
	g.p("ADDQ $128, DX")
	g.p("DECQ CX")
	g.p("JNZ loop")
	g.label("done")
	g.hsum()
	g.p("VMOVSD X0, ret+24(FP)")
	g.p("VZEROUPPER")
	g.p("RET")
}

// elementwise is the frame of a kernel writing dst (DI) from a (SI) and,
// with two, b (DX), 4 elements an iteration: a's vector in Y0, the result
// to store in Y1. pre loads the constants (from FP) first.
func (g gen) elementwise(two bool, pre func(), body func()) {
	g.p("MOVQ dst+0(FP), DI")
	if two {
		g.p("MOVQ a+8(FP), SI")
		g.p("MOVQ b+16(FP), DX")
		g.p("MOVQ n+24(FP), CX")
	} else {
		g.p("MOVQ x+8(FP), SI")
		g.p("MOVQ n+16(FP), CX")
	}
	pre()
	g.p("SHRQ $2, CX")
	g.p("JZ done")
	g.label("loop")
	g.p("VMOVUPD (SI), Y0")
	body()
	g.p("VMOVUPD Y1, (DI)")
	g.p("ADDQ $32, SI")
	if two {
		g.p("ADDQ $32, DX")
	}
	g.p("ADDQ $32, DI")
	g.p("DECQ CX")
	g.p("JNZ loop")
	g.label("done")
	g.p("VZEROUPPER")
	g.p("RET")
}

var kernels = []kernel{
	{name: "max64AVX2", sig: "(x *float64, n int) float64", frame: "$0-24", block: 16,
		doc: "returns max x[i] (-Inf for n = 0, NaN if any x[i] is NaN)",
		body: func(g gen) {
			// Y0..Y3 the running maxima, Y8 the lanes that saw a NaN
			g.p("MOVQ x+0(FP), SI")
			g.p("MOVQ n+8(FP), CX")
			g.p("MOVQ $0xfff0000000000000, AX") // -Inf
			g.p("MOVQ AX, X0")
			g.p("VBROADCASTSD X0, Y0")
			g.p("VMOVAPD Y0, Y1")
			g.p("VMOVAPD Y0, Y2")
			g.p("VMOVAPD Y0, Y3")
			g.p("VXORPD Y8, Y8, Y8")
			g.p("SHRQ $4, CX")
			g.p("JZ done")
			g.label("loop")
			for i := 0; i < 4; i++ {
				g.p("VMOVUPD %d(SI), Y%d", 32*i, 4+i)
				g.p("VMAXPD Y%d, Y%d, Y%d", i, 4+i, i)
				g.p("VCMPPD $3, Y%d, Y%d, Y%d", 4+i, 4+i, 9+i)
			}
			g.p("VORPD Y9, Y10, Y9")
			g.p("VORPD Y11, Y12, Y11")
			g.p("VORPD Y9, Y8, Y8")
			g.p("VORPD Y11, Y8, Y8")
			g.p("ADDQ $128, SI")
			g.p("DECQ CX")
			g.p("JNZ loop")
			g.label("done")
			g.p("VMAXPD Y1, Y0, Y0")
			g.p("VMAXPD Y3, Y2, Y2")
			g.p("VMAXPD Y2, Y0, Y0")
			g.p("VEXTRACTF128 $1, Y0, X1")
			g.p("VMAXPD X1, X0, X0")
			g.p("VUNPCKHPD X0, X0, X1")
			g.p("VMAXSD X1, X0, X0")
			g.p("VMOVMSKPD Y8, AX")
			g.p("TESTL AX, AX")
			g.p("JZ store")
			g.p("MOVQ $0x7ff8000000000001, AX") // NaN
			g.p("MOVQ AX, X0")
			g.label("store")
			g.p("VMOVSD X0, ret+16(FP)")
			g.p("VZEROUPPER")
			g.p("RET")
		}},
	{name: "sumRow64AVX2", sig: "(x *float64, n int) float64", frame: "$0-24", block: 16,
		doc: "returns Σ x[i] in 16 interleaved partial sums (as sum64AVX2)",
		body: func(g gen) {
			g.p("MOVQ x+0(FP), SI")
			g.p("MOVQ n+8(FP), CX")
			for i := 0; i < 4; i++ {
				g.p("VXORPD Y%d, Y%d, Y%d", i, i, i)
			}
			g.p("SHRQ $4, CX")
			g.p("JZ done")
			g.label("loop")
			for i := 0; i < 4; i++ {
				g.p("VADDPD %d(SI), Y%d, Y%d", 32*i, i, i)
			}
			g.p("ADDQ $128, SI")
			g.p("DECQ CX")
			g.p("JNZ loop")
			g.label("done")
			g.hsum()
			g.p("VMOVSD X0, ret+16(FP)")
			g.p("VZEROUPPER")
			g.p("RET")
		}},
	{name: "expShiftSum64AVX2", sig: "(dst, x *float64, n int, c float64) float64", frame: "$0-40", block: 8,
		doc: "sets dst[i] = e^(x[i]-c), bit for bit as expShift64AVX2, and returns Σ dst[i] in 8 interleaved partial sums",
		body: func(g gen) {
			rs := []expRegs{{0, 5, 1, 2, 3, 4}, {6, 11, 7, 8, 9, 10}}
			g.p("MOVQ dst+0(FP), DI")
			g.p("MOVQ x+8(FP), SI")
			g.p("MOVQ n+16(FP), CX")
			g.p("VBROADCASTSD c+24(FP), Y15")
			g.p("VXORPD Y12, Y12, Y12")
			g.p("VXORPD Y13, Y13, Y13")
			g.p("SHRQ $3, CX")
			g.p("JZ done")
			g.label("loop")
			g.p("VMOVUPD (SI), Y0")
			g.p("VMOVUPD 32(SI), Y6")
			g.p("VSUBPD Y15, Y0, Y0")
			g.p("VSUBPD Y15, Y6, Y6")
			g.expSteps(rs)
			g.p("VMOVUPD Y5, (DI)")
			g.p("VMOVUPD Y11, 32(DI)")
			g.p("VADDPD Y5, Y12, Y12")
			g.p("VADDPD Y11, Y13, Y13")
			g.p("ADDQ $64, SI")
			g.p("ADDQ $64, DI")
			g.p("DECQ CX")
			g.p("JNZ loop")
			g.label("done")
			g.p("VADDPD Y13, Y12, Y0")
			g.p("VEXTRACTF128 $1, Y0, X1")
			g.p("VADDPD X1, X0, X0")
			g.p("VUNPCKHPD X0, X0, X1")
			g.p("VADDSD X1, X0, X0")
			g.p("VMOVSD X0, ret+32(FP)")
			g.p("VZEROUPPER")
			g.p("RET")
		}},
	{name: "dot64AVX2", sig: "(a, b *float64, n int) float64", frame: "$0-32", block: 16,
		doc: "returns Σ a[i]·b[i] in 16 interleaved partial sums (fused multiply-adds)",
		body: func(g gen) {
			g.reduce2(func(i int, b string) { g.p("VFMADD231PD %s, Y%d, Y%d", b, 4+i, i) })
		}},
	{name: "sqDiff64AVX2", sig: "(a, b *float64, n int) float64", frame: "$0-32", block: 16,
		doc: "returns Σ (a[i]-b[i])² in 16 interleaved partial sums (fused multiply-adds)",
		body: func(g gen) {
			g.reduce2(func(i int, b string) {
				g.p("VSUBPD %s, Y%d, Y%d", b, 4+i, 4+i)
				g.p("VFMADD231PD Y%d, Y%d, Y%d", 4+i, 4+i, i)
			})
		}},
	{name: "scaleAdd64AVX2", sig: "(dst, x *float64, n int, a, c float64)", frame: "$0-40", block: 4,
		doc: "sets dst[i] = a·x[i] + c (one rounding)",
		body: func(g gen) {
			g.elementwise(false, func() {
				g.p("VBROADCASTSD a+24(FP), Y14")
				g.p("VBROADCASTSD c+32(FP), Y15")
			}, func() {
				g.p("VMOVAPD Y15, Y1")
				g.p("VFMADD231PD Y14, Y0, Y1")
			})
		}},
	{name: "axpby64AVX2", sig: "(dst, a, b *float64, n int, ca, cb float64)", frame: "$0-48", block: 4,
		doc: "sets dst[i] = ca·a[i] + cb·b[i] (cb·b[i] rounded, then one fused multiply-add)",
		body: func(g gen) {
			g.elementwise(true, func() {
				g.p("VBROADCASTSD ca+32(FP), Y14")
				g.p("VBROADCASTSD cb+40(FP), Y15")
			}, func() {
				g.p("VMULPD (DX), Y15, Y1")
				g.p("VFMADD231PD Y14, Y0, Y1")
			})
		}},
	{name: "addMul64AVX2", sig: "(dst, a, b *float64, n int, c float64)", frame: "$0-40", block: 4,
		doc: "sets dst[i] = (a[i] + c)·b[i]",
		body: func(g gen) {
			g.elementwise(true, func() {
				g.p("VBROADCASTSD c+32(FP), Y15")
			}, func() {
				g.p("VADDPD Y15, Y0, Y1")
				g.p("VMULPD (DX), Y1, Y1")
			})
		}},
	{name: "maxOf64AVX2", sig: "(dst, a, b *float64, n int)", frame: "$0-32", block: 4,
		doc: "sets dst[i] = max(a[i], b[i]), NaN if either is",
		body: func(g gen) {
			g.elementwise(true, func() {}, func() {
				g.p("VMOVUPD (DX), Y2")
				g.p("VMAXPD Y2, Y0, Y1")
				g.p("VCMPPD $3, Y2, Y0, Y3") // unordered: a or b is NaN
				g.p("VADDPD Y2, Y0, Y4")     // NaN there
				g.p("VBLENDVPD Y3, Y4, Y1, Y1")
			})
		}},
	{name: "addRow64AVX2", sig: "(dst, a, b *float64, n int)", frame: "$0-32", block: 4,
		doc: "sets dst[i] = a[i] + b[i]",
		body: func(g gen) {
			g.elementwise(true, func() {}, func() {
				g.p("VADDPD (DX), Y0, Y1")
			})
		}},
	{name: "sub64AVX2", sig: "(dst, a, b *float64, n int)", frame: "$0-32", block: 4,
		doc: "sets dst[i] = a[i] - b[i]",
		body: func(g gen) {
			g.elementwise(true, func() {}, func() {
				g.p("VSUBPD (DX), Y0, Y1")
			})
		}},
}

func main() {
	var s, decl bytes.Buffer
	fmt.Fprintf(&s, "// Code generated by gen_loss64.go; DO NOT EDIT.\n\n//go:build amd64 && !purego\n\n#include \"textflag.h\"\n")
	fmt.Fprintf(&decl, "// Code generated by gen_loss64.go; DO NOT EDIT.\n\n//go:build amd64 && !purego\n\npackage vec\n")
	for _, kn := range kernels {
		fmt.Fprintf(&s, "\n// func %s%s\n", kn.name, kn.sig)
		fmt.Fprintf(&s, "TEXT ·%s(SB), NOSPLIT, %s\n", kn.name, kn.frame)
		kn.body(gen{&s})
		fmt.Fprintf(&decl, "\n// %s %s, for n a multiple of %d (AVX2 and FMA).\n//\n//go:noescape\nfunc %s%s\n",
			kn.name, kn.doc, kn.block, kn.name, kn.sig)
	}
	k.emit(&s)
	if err := os.WriteFile("loss64_amd64.s", s.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("loss64_decl_amd64.go", decl.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}
