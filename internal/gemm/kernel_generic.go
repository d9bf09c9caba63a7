package gemm

// The portable micro-kernel: a 4×4 register block in plain Go. It is the
// only kernel under the purego build tag and on CPUs without AVX2+FMA, and a
// reference for the assembly kernels in tests.

var genericKernel = kernel{
	name: "generic", speed: 1, mr: 4, nr: 4,
	kc: 256, mc: 256, nc: 1024, directMaxM: 256,
	micro: kernGeneric4x4,
}

// genericKernels is the set of portable kernels.
var genericKernels = kernelSet{&genericKernel}

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
