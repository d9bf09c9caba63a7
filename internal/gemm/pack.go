package gemm

// Packing copies a block of op(A) or op(B) into the layout the micro-kernel
// reads: consecutive panels, each holding kb steps of mr (or nr) contiguous
// values, zero-padded at the bottom/right edge so that every panel is full.
// The four transpose combinations are resolved here; the kernels see one
// layout only.
//
// Two of the four cases (A not transposed, B transposed) are transposes.
// When the kernel provides block transposes (the assembly kernels do), they
// go 8×8 and 4×4 blocks at a time through them; the rest is scalar Go.

// transposeFunc transposes n s×s blocks (s = 8 or 4):
// dst[b·dstStep + c·ldd + r] = src[b·srcStep + r·lds + c] for b < n and
// r, c < s.
type transposeFunc func(n int, src *float32, lds int, dst *float32, ldd int, srcStep, dstStep int)

// transposer holds block transposes of 8×8 and 4×4; nil ones fall back to
// scalar loops.
type transposer struct {
	t8, t4 transposeFunc
}

// packA packs rows [i0, i0+mb) and depth [p0, p0+kb) of alpha·op(A) into
// dst: panel r holds dst[r·mr·kb + p·mr + i] = alpha·op(A)[i0+r·mr+i][p0+p].
// Scaling here costs one multiply per element of A instead of one per
// element of C in every micro-kernel call.
func packA(tr transposer, transA bool, alpha float32, a []float32, lda, i0, p0, mb, kb, mr int, dst []float32) {
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
		tr.transpose(a[row0*lda+p0:], lda, rows, kb, panel, mr)
		if rows < mr {
			for p := range kb {
				clear(panel[p*mr+rows : p*mr+mr])
			}
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
func packB(tr transposer, transB bool, b []float32, ldb, p0, j0, kb, nb, nr int, dst []float32) {
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
		tr.transpose(b[col0*ldb+p0:], ldb, cols, kb, panel, nr)
		if cols < nr {
			for p := range kb {
				clear(panel[p*nr+cols : p*nr+nr])
			}
		}
	}
}

// transpose sets dst[c·ldd + r] = src[r·lds + c] for r < rows, c < cols,
// using the block transposes for groups of 8 and then 4 rows.
func (tr transposer) transpose(src []float32, lds, rows, cols int, dst []float32, ldd int) {
	if rows == 1 && ldd == 1 {
		copy(dst[:cols], src[:cols])
		return
	}
	r := 0
	for _, blk := range []struct {
		size int
		fn   transposeFunc
	}{{8, tr.t8}, {4, tr.t4}} {
		s, fn := blk.size, blk.fn
		blocks, groups := cols/s, (rows-r)/s
		if fn == nil || blocks == 0 || groups == 0 {
			continue
		}
		// Blocks of s rows × s columns, [r, r+groups·s) × [0, blocks·s).
		// The calls read src[r·lds .. (r+groups·s-1)·lds + blocks·s) and
		// write dst[r .. (blocks·s-1)·ldd + r+groups·s): both inside the
		// slices.
		_ = src[(r+groups*s-1)*lds+blocks*s-1]
		_ = dst[(blocks*s-1)*ldd+r+groups*s-1]
		// Row group by row group: each call reads s rows of src. (Column
		// block by column block, writing s rows of dst per call, measured
		// 2.5× slower.)
		for g := range groups {
			fn(blocks, &src[(r+g*s)*lds], lds, &dst[r+g*s], ldd, s, s*ldd)
		}
		for c := s * blocks; c < cols; c++ {
			for i := r; i < r+groups*s; i++ {
				dst[c*ldd+i] = src[i*lds+c]
			}
		}
		r += groups * s
	}
	for ; r < rows; r++ {
		row := src[r*lds : r*lds+cols]
		for c, v := range row {
			dst[c*ldd+r] = v
		}
	}
}
