package gemm

import (
	"fmt"
	"runtime"
	"unsafe"

	"github.com/convnet-go/convnet/internal/workers"
)

// microKernel computes one mr×nr tile of C from packed panels:
//
//	C[i][j] = Σ_p a[p·mr+i]·b[p·ldb+j] + beta·C[i][j]
//
// for 0 ≤ i < mr, 0 ≤ j < nr, 0 ≤ p < kc, where C[i][j] is c[i·ldc+j]. b is
// a packed panel (ldb = nr) or, when B needs no packing, points into B.
// alpha is not an argument: packA multiplies it into the packed A. When beta
// is ±0, C is written without being read. kc ≥ 1. The caller guarantees that
// every address touched is inside its slice.
type microKernel func(kc int, a, b *float32, ldb int, c *float32, ldc int, beta float32)

// kernel is a micro-kernel with its register block and cache block sizes.
//
// The driver (sgemmSerial) runs the five loops of the Goto/BLIS algorithm
// with this kernel's sizes. Our kernels broadcast A and load vectors of B, so
// in BLIS terms our A plays the role of BLIS's B and vice versa:
//
//	for ic := 0; ic < m; ic += mc        // A block: mc×kc, packed once, L2/L3
//	  for pc := 0; pc < k; pc += kc      // depth of the packed panels
//	    pack A[ic:ic+mc, pc:pc+kc]
//	    for jc := 0; jc < n; jc += nc    // B block: kc×nc, stays in L2
//	      pack B[pc:pc+kc, jc:jc+nc]
//	      for ir := 0; ir < mc; ir += mr   // A micro-panel mr×kc stays in L1
//	        for jr := 0; jr < nc; jr += nr // B micro-panel kc×nr streams from L2
//	          micro-kernel: C[ir:ir+mr, jr:jr+nr] (registers)
//
// So kc·mr·4 bytes must fit comfortably in L1 next to the streaming B
// micro-panels, and kc·nc·4 bytes in about half of L2.
type kernel struct {
	name   string
	speed  float64 // relative throughput within its set, for pick
	mr, nr int     // register block (rows of A, columns of B)
	kc     int     // depth of packed panels
	mc     int     // rows of A per packed block (a multiple of mr)
	nc     int     // columns of B per packed block (a multiple of nr)
	micro  microKernel
	// tr speeds up the transposing packs; its zero value is scalar Go.
	tr transposer
	// directMaxM is the largest m for which an untransposed B is read in
	// place instead of being packed. Packing costs a copy of B, which pays
	// off only when each B panel is used by many A panels; with few rows
	// (convolutions: m = output channels) reading B directly is faster.
	// Large m keeps packing: packed panels avoid the cache-set conflicts
	// of rows a power-of-two stride apart.
	directMaxM int
	// directBadStride, if positive, keeps packing B when ldb is a multiple
	// of it: B rows a multiple of 1 KB apart share few L1 sets, which the
	// AVX2 kernels (twice the B traffic per FMA) do not tolerate.
	directBadStride int
}

// kernelSet is a family of kernels for one instruction set that differ in
// their register block, fastest-in-general first.
type kernelSet []*kernel

// pick returns the kernel of the set expected to be fastest on an m×n
// product: the one with the least work on zero-padded edge tiles, weighted
// by its speed (the first one on ties).
func (s kernelSet) pick(m, n int) *kernel {
	best, bestCost := s[0], -1.0
	for _, k := range s {
		cost := float64(roundUp(m, k.mr)*roundUp(n, k.nr)) / k.speed
		if bestCost < 0 || cost < bestCost {
			best, bestCost = k, cost
		}
	}
	return best
}

// sgemmAuto multiplies with the best kernel of set for the shape (or dk, the
// dot-product kernel, if not nil and the shape suits it), on GOMAXPROCS
// goroutines if the product is large enough.
func sgemmAuto(set kernelSet, dk *dotKernel, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m*n*k <= tinyWork && alpha != 0 && k > 0 {
		checkArgs(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
		sgemmTiny(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	if dk != nil && !transA && n == 1 && ldb == 1 && k > 1 {
		// A matrix-vector product: the column vector b is also a 1×k row.
		transB, ldb = true, k
	}
	if dk != nil && !transA && transB && useDot(set.pick(m, n), dk, m, n, k) {
		sgemmDot(dk, 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	if n == 1 && ldc == 1 && m > 1 {
		// A matrix-vector product: a contiguous m×1 C is also a 1×m row,
		// Cᵀ = op(B)ᵀ·op(A)ᵀ, which the single-row kernels handle without
		// padding each row of C to a full register block.
		checkArgs(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
		transA, transB = !transB, !transA
		a, lda, b, ldb = b, ldb, a, lda
		m, n, ldc = 1, m, m
	}
	sgemm(set.pick(m, n), 0, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// tinyWork is the m·n·k up to which sgemmAuto uses plain loops: below it
// the fixed costs of packing and of the kernel calls (about 0.2 µs) exceed
// the product itself.
const tinyWork = 128

// sgemmTiny computes C = alpha·op(A)·op(B) + beta·C with plain loops.
func sgemmTiny(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	// op(A)[i][p] = a[i·ai + p·ap], op(B)[p][j] = b[p·bp + j·bj].
	ai, ap := lda, 1
	if transA {
		ai, ap = 1, lda
	}
	bp, bj := ldb, 1
	if transB {
		bp, bj = 1, ldb
	}
	for i := range m {
		for j := range n {
			var sum float32
			for p := range k {
				sum += a[i*ai+p*ap] * b[p*bp+j*bj]
			}
			if beta == 0 {
				c[i*ldc+j] = alpha * sum
			} else {
				c[i*ldc+j] = alpha*sum + beta*c[i*ldc+j]
			}
		}
	}
}

// parallelMinWork is the m·n·k each goroutine gets at least: starting and
// joining goroutines and packing A or B once more per goroutine cost several
// microseconds, and a 64×121×288 product (2.2·10⁶ multiply-adds) split in
// two measured 35% less work per CPU-second than on one goroutine.
// Convolution code often calls Sgemm from parallel workers already.
const parallelMinWork = 1 << 21

// workspace holds one goroutine's packing buffers.
type workspace struct {
	a, b []float32
	tile []float32 // an mr×nr tile for edge blocks
}

// workspaces holds the idle workspaces of the float32 drivers: process
// state that no result depends on (see freeList).
var workspaces freeList[workspace]

// growWS is grow for the buffers of a workspace: when it reallocates, the
// new capacity is at least floor and twice the old one. Products take
// the shared workspaces in whatever order they run; with exact sizes a
// workspace would grow again each time it met a larger product than
// before, over many steps. At most one workspace per goroutine is in use
// at a time (GOMAXPROCS in all, with the workers), and a floor of wsFloor
// holds the panels of most products from the first (m up to 800 rows at
// full depth; the largest blocks need 2.4 MB), doubling bounds the rest.
func growWS(s []float32, n, floor int) []float32 {
	if cap(s) < n {
		return make([]float32, n, max(n, 2*cap(s), floor))
	}
	return s[:n]
}

// wsFloor and tileFloor are the least capacities growWS gives a packing
// buffer (1 MB of float32) and an edge tile (any kernel's mr×nr).
const (
	wsFloor   = 1 << 18
	tileFloor = 512
)

// grow returns s with length n, reallocating only when the capacity is short.
func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// sgemm checks the arguments, handles the cases that need no product and
// runs the blocked product with kern on up to threads goroutines (threads ≤ 0:
// GOMAXPROCS, with small products kept on one goroutine).
func sgemm(kern *kernel, threads int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkArgs(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if m == 0 || n == 0 {
		return
	}
	if alpha == 0 || k == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	parts := splitThreads(threads, m, n, k, kern.mr, kern.nr)
	if parts == 1 {
		sgemmSerial(kern, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	p := products.get()
	*p = product{
		kern: kern, transA: transA, transB: transB, m: m, n: n, k: k,
		alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc,
	}
	p.run(parts, kern.mr, kern.nr)
}

// splitThreads is the number of goroutines split runs an m×n×k product
// on (threads ≤ 0: automatic). Callers that get 1 call their serial
// product directly.
func splitThreads(threads, m, n, k, mr, nr int) int {
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
		if m*n*k < parallelMinWork*threads {
			threads = max(1, m*n*k/parallelMinWork)
		}
	}
	dim, unit := m, mr
	if n >= m {
		dim, unit = n, nr
	}
	return max(1, min(threads, (dim+unit-1)/unit))
}

// product is one matrix product split into parts along m or n, as
// workers.Task. The parts share its arguments; each part computes the
// sub-product C[rowA:rowA+m', colB:colB+n'] with the serial driver (the
// dot-product one when dot is set, the packed-A one when packed is set,
// serial when set). Products are reused
// through the products pool, so splitting a product allocates nothing.
type product struct {
	kern           *kernel
	dot            *dotKernel
	packed         *PackedA // op(A), packed (SgemmPacked; a and lda unused)
	serial         func(m, n, rowA, colB int)
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int

	parts  int  // number of parts
	splitN bool // the parts are column blocks (else row blocks)
	units  int  // register blocks along the split dimension
	unit   int  // the register block along it (nr or mr)
}

// products holds unused products (see product). Like workspaces, it is
// process state that no result depends on.
var products freeList[product]

// run computes p on parts goroutines and puts p back into the products
// pool. The larger of m and n is cut into one chunk per goroutine, each a
// multiple of the register block (mr rows or nr columns) so that no extra
// edge tiles appear. Part t covers register blocks [units·t/parts,
// units·(t+1)/parts), whichever goroutine computes it, so the result does
// not depend on the scheduling: every element of C is summed in the same
// order as by one serial product over its chunk.
func (p *product) run(parts, mr, nr int) {
	p.parts = parts
	p.splitN = p.n >= p.m
	dim, unit := p.m, mr
	if p.splitN {
		dim, unit = p.n, nr
	}
	p.units, p.unit = (dim+unit-1)/unit, unit
	workers.Run(parts, p)
	*p = product{} // drop the references to the caller's matrices
	products.put(p)
}

// RunPart computes part t of the product (workers.Task).
func (p *product) RunPart(t int) {
	dim := p.m
	if p.splitN {
		dim = p.n
	}
	lo := p.units * t / p.parts * p.unit
	hi := min(dim, p.units*(t+1)/p.parts*p.unit)
	m, n, rowA, colB := hi-lo, p.n, lo, 0
	if p.splitN {
		m, n, rowA, colB = p.m, hi-lo, 0, lo
	}
	switch {
	case p.serial != nil:
		p.serial(m, n, rowA, colB)
	case p.packed != nil:
		sgemmPackedSerial(p.packed, rowA, m, n, p.b[colB:], p.ldb, p.beta, p.c[rowA*p.ldc+colB:], p.ldc)
	case p.dot != nil:
		sgemmDotSerial(p.dot, m, n, p.k, p.alpha, p.a[rowA*p.lda:], p.lda, p.b[colB*p.ldb:], p.ldb, p.beta, p.c[rowA*p.ldc+colB:], p.ldc)
	default:
		aOff := rowA * p.lda // row rowA of op(A)
		if p.transA {
			aOff = rowA
		}
		bOff := colB // column colB of op(B)
		if p.transB {
			bOff = colB * p.ldb
		}
		sgemmSerial(p.kern, p.transA, p.transB, m, n, p.k, p.alpha, p.a[aOff:], p.lda, p.b[bOff:], p.ldb, p.beta, p.c[rowA*p.ldc+colB:], p.ldc)
	}
}

// split runs serial(m', n', rowA, colB) for the sub-products C[rowA:rowA+m',
// colB:colB+n'] that make up an m×n product, on up to threads goroutines
// (threads ≤ 0: GOMAXPROCS, fewer for small products), cut as product.run
// cuts them. The closure serial escapes to the heap when the product is
// split; sgemm and sgemmDot avoid it by filling a product themselves.
func split(threads, m, n, k, mr, nr int, serial func(m, n, rowA, colB int)) {
	parts := splitThreads(threads, m, n, k, mr, nr)
	if parts <= 1 {
		serial(m, n, 0, 0)
		return
	}
	p := products.get()
	*p = product{serial: serial, m: m, n: n, k: k}
	p.run(parts, mr, nr)
}

// sgemmSerial runs the blocked product on the calling goroutine (see kernel
// for the loop structure). Edge tiles are computed into a scratch tile from
// zero-padded panels and then merged into C.
func sgemmSerial(kern *kernel, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	mr, nr := kern.mr, kern.nr
	// Split each dimension into equal blocks no larger than the kernel's:
	// k = 576 runs as 288+288 rather than 320+256, m = 2048 as 1024+1024.
	kc := balance(k, kern.kc, 1)
	mc := balance(m, kern.mc, mr)
	nc := balance(n, kern.nc, nr)
	// B is read in place when it is not transposed and m is small; then only
	// a partial last panel of each block is packed.
	direct := !transB && m <= kern.directMaxM && (kern.directBadStride <= 0 || ldb%kern.directBadStride != 0)

	ws := workspaces.get()
	defer workspaces.put(ws)
	ws.a = growWS(ws.a, roundUp(mc, mr)*kc, wsFloor)
	ws.b = growWS(ws.b, kc*roundUp(nc, nr), wsFloor)
	ws.tile = growWS(ws.tile, mr*nr, tileFloor)

	for ic := 0; ic < m; ic += mc {
		mb := min(mc, m-ic)
		for pc := 0; pc < k; pc += kc {
			kb := min(kc, k-pc)
			// C already holds this block's earlier partial sums after the
			// first pass over k: accumulate into it from then on.
			betaP := beta
			if pc > 0 {
				betaP = 1
			}
			packA(kern.tr, transA, alpha, a, lda, ic, pc, mb, kb, mr, ws.a)
			for jc := 0; jc < n; jc += nc {
				nb := min(nc, n-jc)
				macroBlock(kern, ws, ws.a, transB, direct, b, ldb, pc, kb, jc, nb, mb, c[ic*ldc:], ldc, betaP)
			}
		}
	}
}

// mergeTile stores the rows×cols corner of a computed tile into C:
// C = tile + beta·C, or C = tile when beta is zero.
func mergeTile(tile []float32, ldt, rows, cols int, beta float32, c []float32, ldc int) {
	for i := range rows {
		t := tile[i*ldt : i*ldt+cols]
		ci := c[i*ldc : i*ldc+cols]
		if beta == 0 {
			copy(ci, t)
			continue
		}
		for j, v := range t {
			ci[j] = v + beta*ci[j]
		}
	}
}

// scaleC sets C = beta·C (C = 0 when beta is zero, whatever C held).
func scaleC(m, n int, beta float32, c []float32, ldc int) {
	for i := range m {
		ci := c[i*ldc : i*ldc+n]
		switch beta {
		case 0:
			clear(ci)
		case 1:
		default:
			for j := range ci {
				ci[j] *= beta
			}
		}
	}
}

func roundUp(x, unit int) int { return (x + unit - 1) / unit * unit }

// balance returns the block size that splits n into as few blocks of at most
// maxBlock as possible, all of about the same size and (but for the last) a
// multiple of unit. maxBlock is a multiple of unit.
func balance(n, maxBlock, unit int) int {
	blocks := (n + maxBlock - 1) / maxBlock
	return min(maxBlock, roundUp((n+blocks-1)/blocks, unit))
}

// checkArgs panics when a size or stride is invalid or a slice is too
// short. After it, every access of the product is inside the slices, which
// the assembly kernels rely on.
func checkArgs(transA, transB bool, m, n, k, lenA, lda, lenB, ldb, lenC, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("gemm: negative size m=%d n=%d k=%d", m, n, k))
	}
	rowsA, colsA := m, k
	if transA {
		rowsA, colsA = k, m
	}
	rowsB, colsB := k, n
	if transB {
		rowsB, colsB = n, k
	}
	check := func(name string, rows, cols, length, ld int) {
		if ld < max(1, cols) {
			panic(fmt.Sprintf("gemm: %s stride %d smaller than its %d columns", name, ld, cols))
		}
		if rows > 0 && cols > 0 && length < (rows-1)*ld+cols {
			panic(fmt.Sprintf("gemm: %s holds %d values, a %d×%d matrix with stride %d needs %d", name, length, rows, cols, ld, (rows-1)*ld+cols))
		}
	}
	if m == 0 || n == 0 {
		return
	}
	check("C", m, n, lenC, ldc)
	if k > 0 {
		check("A", rowsA, colsA, lenA, lda)
		check("B", rowsB, colsB, lenB, ldb)
	}
}

// floatsAt returns the n float32s starting at p (for the portable kernel).
func floatsAt(p *float32, n int) []float32 { return unsafe.Slice(p, n) }

// macroBlock multiplies the packed A panels of one block (mb rows; panel
// ir·mr starts at a[ir·kb]) by columns [jc, jc+nb) of depth slice
// [pc, pc+kb) of B into C's rows from c (C's row ic of the whole product),
// with betaP as the micro-kernel's beta. B is packed into ws.b, or with
// direct read in place except a partial last panel; edge tiles go through
// ws.tile and mergeTile.
func macroBlock(kern *kernel, ws *workspace, a []float32, transB, direct bool, b []float32, ldb, pc, kb, jc, nb, mb int, c []float32, ldc int, betaP float32) {
	mr, nr := kern.mr, kern.nr
	tile := ws.tile
	full := nb
	if direct {
		full = nb / nr * nr
		if full < nb {
			packB(kern.tr, false, b, ldb, pc, jc+full, kb, nb-full, nr, ws.b)
		}
	} else {
		packB(kern.tr, transB, b, ldb, pc, jc, kb, nb, nr, ws.b)
	}
	for ir := 0; ir < mb; ir += mr {
		rows := min(mr, mb-ir)
		ap := &a[ir*kb]
		for jr := 0; jr < nb; jr += nr {
			cols := min(nr, nb-jr)
			var bp *float32
			ldp := nr
			switch {
			case !direct:
				bp = &ws.b[jr*kb]
			case jr < full:
				bp, ldp = &b[pc*ldb+jc+jr], ldb
			default:
				bp = &ws.b[0]
			}
			off := ir*ldc + jc + jr
			if rows == mr && cols == nr {
				kern.micro(kb, ap, bp, ldp, &c[off], ldc, betaP)
				continue
			}
			kern.micro(kb, ap, bp, ldp, &tile[0], nr, 0)
			mergeTile(tile, nr, rows, cols, betaP, c[off:], ldc)
		}
	}
}
