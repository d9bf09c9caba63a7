package gemm

import "fmt"

// PackedA is op(A) packed once for several products with different B: a
// convolution multiplies the same weight matrix by the columns of every
// image (or group of images) of a batch, and Sgemm would pack it again for
// each of them, and once more on each goroutine it splits a product over.
//
// The layout is packA's for the whole of op(A), one depth block after the
// other: depth block [pc, pc+kb) starts at pc·roundUp(m, mr) and holds the
// panels of all m rows, panel r (rows r·mr ...) at offset r·mr·kb. Any row
// range starting at a multiple of mr is then a contiguous run of panels,
// which is how SgemmPacked splits m over goroutines without repacking.
//
// Usage: Prepare, then PackPanels over [0, panels) (in one call or in
// parallel over disjoint ranges), then any number of SgemmPacked calls,
// which may run concurrently: they only read the packed matrix.
type PackedA struct {
	kern    *kernel
	transA  bool
	m, k    int
	kc      int // depth block, as sgemmSerial would choose it for k
	panels  int // ⌈m/mr⌉
	data    []float32
	prepped bool
}

// Prepare sizes p for op(A) of m×k (a is m×k row-major, or k×m when
// transA), for products about n columns wide (which picks the kernel),
// reusing p's storage. It returns the number of row panels, the unit of
// PackPanels.
func (p *PackedA) Prepare(transA bool, m, k, n int) int {
	if m < 0 || k < 0 {
		panic(fmt.Sprintf("gemm: negative size m=%d k=%d", m, k))
	}
	kern := defaultKernels.pick(m, max(1, n))
	p.kern, p.transA, p.m, p.k = kern, transA, m, k
	p.kc = balance(k, kern.kc, 1)
	p.panels = (m + kern.mr - 1) / kern.mr
	p.data = grow(p.data, roundUp(m, kern.mr)*k)
	p.prepped = true
	return p.panels
}

// PackPanels packs the row panels [lo, hi) of op(A) from a (lda apart)
// into p. Calls for disjoint ranges may run concurrently.
func (p *PackedA) PackPanels(a []float32, lda, lo, hi int) {
	if !p.prepped {
		panic("gemm: PackPanels before Prepare")
	}
	rowsA, colsA := p.m, p.k
	if p.transA {
		rowsA, colsA = p.k, p.m
	}
	if rowsA > 0 && colsA > 0 && (lda < colsA || len(a) < (rowsA-1)*lda+colsA) {
		panic(fmt.Sprintf("gemm: A holds %d values with stride %d, a %d×%d matrix needs more", len(a), lda, rowsA, colsA))
	}
	if lo < 0 || hi > p.panels || lo >= hi {
		return
	}
	mr := p.kern.mr
	mp := roundUp(p.m, mr)
	rows := min(p.m, hi*mr) - lo*mr
	for pc := 0; pc < p.k; pc += p.kc {
		kb := min(p.kc, p.k-pc)
		packA(p.kern.tr, p.transA, 1, a, lda, lo*mr, pc, rows, kb, mr, p.data[pc*mp+lo*mr*kb:])
	}
}

// SgemmPacked computes C = op(A)·B + beta·C with op(A) (m×k) packed in p,
// B k×n (ldb apart, not transposed) and C m×n (ldc apart). When beta is
// zero C is written without being read. Large products run on several
// goroutines as Sgemm's do.
func SgemmPacked(p *PackedA, n int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemmPacked(0, p, n, b, ldb, beta, c, ldc)
}

// sgemmPacked is SgemmPacked on up to threads goroutines (threads ≤ 0:
// GOMAXPROCS, with small products kept on one goroutine).
func sgemmPacked(threads int, p *PackedA, n int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if !p.prepped {
		panic("gemm: SgemmPacked before Prepare")
	}
	m, k := p.m, p.k
	checkArgs(false, false, m, n, k, roundUp(m, p.kern.mr)*k, max(1, k), len(b), ldb, len(c), ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	kern := p.kern
	parts := splitThreads(threads, m, n, k, kern.mr, kern.nr)
	if parts == 1 {
		sgemmPackedSerial(p, 0, m, n, b, ldb, beta, c, ldc)
		return
	}
	pr := products.get()
	*pr = product{packed: p, m: m, n: n, k: k, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc}
	pr.run(parts, kern.mr, kern.nr)
}

// sgemmPackedSerial is sgemmSerial for rows [row0, row0+m) of a packed A
// (row0 a multiple of mr): C (m×n) = A[row0:row0+m]·B + beta·C.
func sgemmPackedSerial(p *PackedA, row0, m, n int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	kern := p.kern
	mr, nr := kern.mr, kern.nr
	k, kc := p.k, p.kc
	mp := roundUp(p.m, mr)
	mc := balance(m, kern.mc, mr)
	nc := balance(n, kern.nc, nr)
	direct := m <= kern.directMaxM && (kern.directBadStride <= 0 || ldb%kern.directBadStride != 0)

	ws := workspaces.get()
	defer workspaces.put(ws)
	ws.b = growWS(ws.b, kc*roundUp(nc, nr), wsFloor)
	ws.tile = growWS(ws.tile, mr*nr, tileFloor)

	for ic := 0; ic < m; ic += mc {
		mb := min(mc, m-ic)
		for pc := 0; pc < k; pc += kc {
			kb := min(kc, k-pc)
			betaP := beta
			if pc > 0 {
				betaP = 1
			}
			blk := p.data[pc*mp : pc*mp+mp*kb]
			for jc := 0; jc < n; jc += nc {
				nb := min(nc, n-jc)
				macroBlock(kern, ws, blk[(row0+ic)*kb:], false, direct, b, ldb, pc, kb, jc, nb, mb, c[ic*ldc:], ldc, betaP)
			}
		}
	}
}
