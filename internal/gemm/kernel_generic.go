package gemm

// The portable micro-kernels: register blocks in plain Go, without bounds
// checks in their inner loops (the slices are cut to the exact panel length
// first; check with go build -gcflags=-d=ssa/check_bce/debug=1). They are the
// only kernels under the purego build tag and on architectures without
// assembly kernels, the fallback on CPUs without AVX2+FMA, and a reference
// for the assembly kernels in tests.
//
// Which register block is fastest depends on the number of floating-point
// registers and on whether the compiler fuses a·b+c into one instruction:
//
//   - 4×4 (16 accumulators, 8 operands): for architectures with 32 FP
//     registers where Go fuses multiply-adds (arm64, ppc64, riscv64, s390x,
//     loong64): the loop is 8 loads and 16 FMAs.
//   - 2×4 (8 accumulators): for amd64 and 386, 16 XMM registers (15 usable
//     by Go code) and separate MULSS and ADDSS. The compiler schedules all
//     the products of an iteration before the sums, so a 4×4 block spills
//     accumulators to the stack on every iteration; 2×4 keeps everything in
//     registers and runs about twice as fast as 4×4 there.
//
// genericKernels (kernel_portable_*.go) holds both, the one for this
// architecture first; pick takes the other only for shapes it tiles much
// better, and the tests run both on every architecture.

var genericKernel4x4 = kernel{
	name: "generic-4x4", speed: 1, mr: 4, nr: 4,
	kc: 256, mc: 256, nc: 1024, directMaxM: 256,
	micro: kernGeneric4x4,
}

var genericKernel2x4 = kernel{
	name: "generic-2x4", speed: 1, mr: 2, nr: 4,
	kc: 256, mc: 256, nc: 1024, directMaxM: 256,
	micro: kernGeneric2x4,
}

func kernGeneric4x4(kc int, a, b *float32, ldb int, c *float32, ldc int, beta float32) {
	as := floatsAt(a, 4*kc)
	bs := floatsAt(b, (kc-1)*ldb+4)
	var (
		c00, c01, c02, c03 float32
		c10, c11, c12, c13 float32
		c20, c21, c22, c23 float32
		c30, c31, c32, c33 float32
	)
	for p := range kc {
		ap := as[4*p : 4*p+4 : 4*p+4]
		bp := bs[p*ldb : p*ldb+4 : p*ldb+4]
		a0, a1, a2, a3 := ap[0], ap[1], ap[2], ap[3]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	cs := floatsAt(c, 3*ldc+4)
	storeRow(cs[0:4:4], c00, c01, c02, c03, beta)
	storeRow(cs[ldc:ldc+4:ldc+4], c10, c11, c12, c13, beta)
	storeRow(cs[2*ldc:2*ldc+4:2*ldc+4], c20, c21, c22, c23, beta)
	storeRow(cs[3*ldc:3*ldc+4:3*ldc+4], c30, c31, c32, c33, beta)
}

func kernGeneric2x4(kc int, a, b *float32, ldb int, c *float32, ldc int, beta float32) {
	as := floatsAt(a, 2*kc)
	bs := floatsAt(b, (kc-1)*ldb+4)
	var (
		c00, c01, c02, c03 float32
		c10, c11, c12, c13 float32
	)
	for p := range kc {
		ap := as[2*p : 2*p+2 : 2*p+2]
		bp := bs[p*ldb : p*ldb+4 : p*ldb+4]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		a0, a1 := ap[0], ap[1]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
	}
	cs := floatsAt(c, ldc+4)
	storeRow(cs[0:4:4], c00, c01, c02, c03, beta)
	storeRow(cs[ldc:ldc+4:ldc+4], c10, c11, c12, c13, beta)
}

// storeRow writes (x0..x3) + beta·c into c[0:4], not reading c when beta is
// zero.
func storeRow(c []float32, x0, x1, x2, x3, beta float32) {
	if beta == 0 {
		c[0], c[1], c[2], c[3] = x0, x1, x2, x3
		return
	}
	c[0] = x0 + beta*c[0]
	c[1] = x1 + beta*c[1]
	c[2] = x2 + beta*c[2]
	c[3] = x3 + beta*c[3]
}
