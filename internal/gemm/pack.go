package gemm

// Packing copies a block of op(A) or op(B) into the layout the micro-kernel
// reads: consecutive panels, each holding kb steps of mr (or nr) contiguous
// values, zero-padded at the bottom/right edge so that every panel is full.
// The four transpose combinations are resolved here; the kernels see one
// layout only.

// packA packs rows [i0, i0+mb) and depth [p0, p0+kb) of alpha·op(A) into
// dst: panel r holds dst[r·mr·kb + p·mr + i] = alpha·op(A)[i0+r·mr+i][p0+p].
// Scaling here costs one multiply per element of A instead of one per
// element of C in every micro-kernel call.
func packA(transA bool, alpha float32, a []float32, lda, i0, p0, mb, kb, mr int, dst []float32) {
	for r := 0; r*mr < mb; r++ {
		rows := min(mr, mb-r*mr)
		panel := dst[r*mr*kb : (r+1)*mr*kb]
		row0 := i0 + r*mr
		if transA {
			// op(A)[i][p] = a[p·lda+i]: each step is a contiguous run.
			for p := range kb {
				src := a[(p0+p)*lda+row0:][:rows]
				d := panel[p*mr : p*mr+mr]
				if alpha == 1 {
					copy(d, src)
				} else {
					for i, v := range src {
						d[i] = alpha * v
					}
				}
				clear(d[rows:])
			}
			continue
		}
		// op(A)[i][p] = a[i·lda+p]: read each row, scatter with stride mr.
		for i := range rows {
			src := a[(row0+i)*lda+p0:][:kb]
			for p, v := range src {
				panel[p*mr+i] = alpha * v
			}
		}
		for i := rows; i < mr; i++ {
			for p := range kb {
				panel[p*mr+i] = 0
			}
		}
	}
}

// packB packs depth [p0, p0+kb) and columns [j0, j0+nb) of op(B) into dst:
// panel s holds dst[s·nr·kb + p·nr + j] = op(B)[p0+p][j0+s·nr+j].
func packB(transB bool, b []float32, ldb, p0, j0, kb, nb, nr int, dst []float32) {
	for s := 0; s*nr < nb; s++ {
		cols := min(nr, nb-s*nr)
		panel := dst[s*nr*kb : (s+1)*nr*kb]
		col0 := j0 + s*nr
		if !transB {
			// op(B)[p][j] = b[p·ldb+j]: each step is a contiguous run.
			for p := range kb {
				src := b[(p0+p)*ldb+col0:][:cols]
				d := panel[p*nr : p*nr+nr]
				copy(d, src)
				clear(d[cols:])
			}
			continue
		}
		// op(B)[p][j] = b[j·ldb+p]: read each stored row, scatter with stride nr.
		for j := range cols {
			src := b[(col0+j)*ldb+p0:][:kb]
			for p, v := range src {
				panel[p*nr+j] = v
			}
		}
		for j := cols; j < nr; j++ {
			for p := range kb {
				panel[p*nr+j] = 0
			}
		}
	}
}
