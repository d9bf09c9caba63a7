package gemm

// Packing copies a block of op(A) or op(B) into the layout the micro-kernel
// reads: consecutive panels, each holding kb steps of mr (or nr) contiguous
// values, zero-padded at the bottom/right edge so that every panel is full.
// The four transpose combinations are resolved here; the kernels see one
// layout only.
//
// Two of the four cases (A not transposed, B transposed) are transposes.
// When the kernel provides a transpose8 routine (the assembly kernels do),
// they go 8×8 blocks at a time through it; the rest is scalar Go.

// transposeFunc transposes n 8×8 blocks laid side by side along the rows of
// src: dst[(8b+c)·ldd + r] = src[r·lds + 8b + c] for b < n and r, c < 8.
type transposeFunc func(n int, src *float32, lds int, dst *float32, ldd int)

// packA packs rows [i0, i0+mb) and depth [p0, p0+kb) of alpha·op(A) into
// dst: panel r holds dst[r·mr·kb + p·mr + i] = alpha·op(A)[i0+r·mr+i][p0+p].
// Scaling here costs one multiply per element of A instead of one per
// element of C in every micro-kernel call.
func packA(t8 transposeFunc, transA bool, alpha float32, a []float32, lda, i0, p0, mb, kb, mr int, dst []float32) {
	panels := (mb + mr - 1) / mr
	for r := range panels {
		rows := min(mr, mb-r*mr)
		panel := dst[r*mr*kb : (r+1)*mr*kb]
		row0 := i0 + r*mr
		if transA {
			// op(A)[i][p] = a[p·lda+i]: each step is a contiguous run.
			for p := range kb {
				d := panel[p*mr : p*mr+mr]
				copy(d, a[(p0+p)*lda+row0:][:rows])
				clear(d[rows:])
			}
			continue
		}
		// op(A)[i][p] = a[i·lda+p]: a transpose of rows×kb.
		transpose(t8, a[row0*lda+p0:], lda, rows, kb, panel, mr)
		for p := range kb {
			clear(panel[p*mr+rows : p*mr+mr])
		}
	}
	if alpha != 1 {
		for i := range dst[:panels*mr*kb] {
			dst[i] *= alpha
		}
	}
}

// packB packs depth [p0, p0+kb) and columns [j0, j0+nb) of op(B) into dst:
// panel s holds dst[s·nr·kb + p·nr + j] = op(B)[p0+p][j0+s·nr+j].
func packB(t8 transposeFunc, transB bool, b []float32, ldb, p0, j0, kb, nb, nr int, dst []float32) {
	for s := 0; s*nr < nb; s++ {
		cols := min(nr, nb-s*nr)
		panel := dst[s*nr*kb : (s+1)*nr*kb]
		col0 := j0 + s*nr
		if !transB {
			// op(B)[p][j] = b[p·ldb+j]: each step is a contiguous run.
			for p := range kb {
				d := panel[p*nr : p*nr+nr]
				copy(d, b[(p0+p)*ldb+col0:][:cols])
				clear(d[cols:])
			}
			continue
		}
		// op(B)[p][j] = b[j·ldb+p]: a transpose of cols×kb.
		transpose(t8, b[col0*ldb+p0:], ldb, cols, kb, panel, nr)
		for p := range kb {
			clear(panel[p*nr+cols : p*nr+nr])
		}
	}
}

// transpose sets dst[c·ldd + r] = src[r·lds + c] for r < rows, c < cols,
// using t8 (if not nil) for whole 8×8 blocks.
func transpose(t8 transposeFunc, src []float32, lds, rows, cols int, dst []float32, ldd int) {
	r := 0
	if t8 != nil && cols >= 8 {
		blocks := cols / 8
		for ; r+8 <= rows; r += 8 {
			// The blocks read src[r·lds .. (r+7)·lds + 8·blocks) and write
			// dst[r .. (8·blocks-1)·ldd + r+8): both inside the slices.
			_ = src[(r+7)*lds+8*blocks-1]
			_ = dst[(8*blocks-1)*ldd+r+7]
			t8(blocks, &src[r*lds], lds, &dst[r], ldd)
			for c := 8 * blocks; c < cols; c++ {
				for i := r; i < r+8; i++ {
					dst[c*ldd+i] = src[i*lds+c]
				}
			}
		}
	}
	for ; r < rows; r++ {
		row := src[r*lds : r*lds+cols]
		for c, v := range row {
			dst[c*ldd+r] = v
		}
	}
}
