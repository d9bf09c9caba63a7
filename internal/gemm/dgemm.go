package gemm

import (
	"gonum.org/v1/gonum/blas/gonum"
)

// dMicroKernel computes one mr×nr tile of C from packed float64 panels:
//
//	C[i][j] = Σ_p a[p·mr+i]·b[p·nr+j] + beta·C[i][j]
//
// for 0 ≤ i < mr, 0 ≤ j < nr, 0 ≤ p < kc, where C[i][j] is c[i·ldc+j]; when
// beta is ±0, C is written without being read. kc ≥ 1.
type dMicroKernel func(kc int, a, b, c *float64, ldc int, beta float64)

// dKernel is a float64 micro-kernel with its register block and cache block
// sizes (the same loops as kernel, see sgemmSerial; B is always packed).
type dKernel struct {
	name       string
	mr, nr     int
	kc, mc, nc int
	micro      dMicroKernel
}

// dTinyWork is the m·n·k up to which Dgemm hands the product to gonum: below
// it packing costs more than it saves.
const dTinyWork = 4096

// dworkspace holds one goroutine's float64 packing buffers.
type dworkspace struct{ a, b, tile []float64 }

// dworkspaces holds the idle float64 workspaces (see freeList).
var dworkspaces freeList[dworkspace]

func growD(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}

// dgemmAuto is Dgemm with kern, or gonum's pure-Go Dgemm when kern is nil
// (no float64 assembly kernel for this CPU or build) or the product is
// tiny. threads ≤ 0 means GOMAXPROCS, fewer for small products.
func dgemmAuto(kern *dKernel, threads int, transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if kern == nil || m*n*k <= dTinyWork {
		gonum.Implementation{}.Dgemm(trans(transA), trans(transB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	checkArgs(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if alpha == 0 || k == 0 {
		scaleCD(m, n, beta, c, ldc)
		return
	}
	if splitThreads(threads, m, n, k, kern.mr, kern.nr) == 1 {
		dgemmSerial(kern, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	split(threads, m, n, k, kern.mr, kern.nr, func(m, n, rowA, colB int) {
		aOff := rowA * lda
		if transA {
			aOff = rowA
		}
		bOff := colB
		if transB {
			bOff = colB * ldb
		}
		dgemmSerial(kern, transA, transB, m, n, k, alpha, a[aOff:], lda, b[bOff:], ldb, beta, c[rowA*ldc+colB:], ldc)
	})
}

// dgemmSerial runs the blocked float64 product on the calling goroutine:
// the loops of sgemmSerial, with A and B always packed and edge tiles
// computed into a scratch tile from zero-padded panels.
func dgemmSerial(kern *dKernel, transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	mr, nr := kern.mr, kern.nr
	kc := balance(k, kern.kc, 1)
	mc := balance(m, kern.mc, mr)
	nc := balance(n, kern.nc, nr)
	ws := dworkspaces.get()
	defer dworkspaces.put(ws)
	ws.a = growD(ws.a, roundUp(mc, mr)*kc)
	ws.b = growD(ws.b, kc*roundUp(nc, nr))
	ws.tile = growD(ws.tile, mr*nr)
	tile := ws.tile
	for ic := 0; ic < m; ic += mc {
		mb := min(mc, m-ic)
		for pc := 0; pc < k; pc += kc {
			kb := min(kc, k-pc)
			betaP := beta
			if pc > 0 {
				betaP = 1
			}
			packAD(transA, alpha, a, lda, ic, pc, mb, kb, mr, ws.a)
			for jc := 0; jc < n; jc += nc {
				nb := min(nc, n-jc)
				packBD(transB, b, ldb, pc, jc, kb, nb, nr, ws.b)
				for ir := 0; ir < mb; ir += mr {
					rows := min(mr, mb-ir)
					ap := &ws.a[ir*kb]
					for jr := 0; jr < nb; jr += nr {
						cols := min(nr, nb-jr)
						bp := &ws.b[jr*kb]
						off := (ic+ir)*ldc + jc + jr
						if rows == mr && cols == nr {
							kern.micro(kb, ap, bp, &c[off], ldc, betaP)
							continue
						}
						kern.micro(kb, ap, bp, &tile[0], nr, 0)
						for i := range rows {
							t := tile[i*nr : i*nr+cols]
							ci := c[off+i*ldc : off+i*ldc+cols]
							if betaP == 0 {
								copy(ci, t)
								continue
							}
							for j, v := range t {
								ci[j] = v + betaP*ci[j]
							}
						}
					}
				}
			}
		}
	}
}

// packAD packs rows [i0, i0+mb) and depth [p0, p0+kb) of alpha·op(A) into
// dst: panel r holds dst[r·mr·kb + p·mr + i] = alpha·op(A)[i0+r·mr+i][p0+p],
// zero-padded to full panels.
func packAD(transA bool, alpha float64, a []float64, lda, i0, p0, mb, kb, mr int, dst []float64) {
	for r := 0; r*mr < mb; r++ {
		rows := min(mr, mb-r*mr)
		panel := dst[r*mr*kb : (r+1)*mr*kb]
		row0 := i0 + r*mr
		for p := range kb {
			d := panel[p*mr : p*mr+mr]
			if transA { // op(A)[i][p] = a[p·lda+i]
				src := a[(p0+p)*lda+row0:][:rows]
				for i, v := range src {
					d[i] = alpha * v
				}
			} else {
				for i := range rows {
					d[i] = alpha * a[(row0+i)*lda+p0+p]
				}
			}
			clear(d[rows:])
		}
	}
}

// packBD packs depth [p0, p0+kb) and columns [j0, j0+nb) of op(B) into dst:
// panel s holds dst[s·nr·kb + p·nr + j] = op(B)[p0+p][j0+s·nr+j],
// zero-padded to full panels.
func packBD(transB bool, b []float64, ldb, p0, j0, kb, nb, nr int, dst []float64) {
	for s := 0; s*nr < nb; s++ {
		cols := min(nr, nb-s*nr)
		panel := dst[s*nr*kb : (s+1)*nr*kb]
		col0 := j0 + s*nr
		for p := range kb {
			d := panel[p*nr : p*nr+nr]
			if transB { // op(B)[p][j] = b[j·ldb+p]
				for j := range cols {
					d[j] = b[(col0+j)*ldb+p0+p]
				}
			} else {
				copy(d, b[(p0+p)*ldb+col0:][:cols])
			}
			clear(d[cols:])
		}
	}
}

// scaleCD sets C = beta·C (C = 0 when beta is zero, whatever C held).
func scaleCD(m, n int, beta float64, c []float64, ldc int) {
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
