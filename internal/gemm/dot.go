package gemm

// The dot-product path for C = alpha·A·Bᵀ + beta·C with A and B both stored
// row-major (transA false, transB true), so that both are contiguous along
// k. The packed path has to transpose B into panels first, which costs as
// much as the product itself when m is small (a weight gradient of a
// layer with few output channels: 6×25×576) or n is (matrix-vector
// products). This path reads A and B in place: each entry of a 6×4 tile of
// C is a dot product, kept as 16 partial sums in a ZMM register and reduced
// at the end of the tile.
//
//	for pc := 0; pc < k; pc += kc            // k blocks (C accumulates)
//	  for jc := 0; jc < n; jc += nc          // nc rows of B (kc·nc floats in L2)
//	    for ir := 0; ir < m; ir += mr        // mr rows of A (kc·mr floats in L1)
//	      for jr := jc; jr < jc+nc; jr += nr // nr rows of B stream from L2
//	        dot kernel: C[ir:ir+mr, jr:jr+nr]
//
// Partial tiles at the bottom and right edges read zero-padded copies of
// the last rows and go through a scratch tile.

// dotMicro computes one mr×nr tile:
//
//	C[i][j] = alpha·Σ_p a[i·lda+p]·b[j·ldb+p] + beta·C[i][j]
//
// for i < mr, j < nr, p < kc, where C[i][j] is c[i·ldc+j]; C is not read
// when beta is ±0. It reads exactly kc floats of each row.
type dotMicro func(kc int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)

// dotKernel is a dot-product kernel with its block sizes.
type dotKernel struct {
	name   string
	mr, nr int // rows of A and of B per tile
	kc     int // depth of a k block
	nc     int // rows of B per block (a multiple of nr)
	micro  dotMicro
}

// useDot reports whether an m×n×k product A·Bᵀ is expected to run faster
// on the dot-product path (kernel dk) than on the packed path (kernel pk).
// The estimates count multiply-adds including the zero padding of edge
// tiles, scaled by the overheads of each path: the packed path transposes
// every element of B, which costs about as much as 5 multiply-adds per row
// of A that will use it; the dot path spends about 10% more per
// multiply-add (two operands loaded per FMA) plus the reduction of each
// tile, about 16 steps of k. The constants come from single-thread
// measurements of both paths on shapes from 6×25×576 to 128×1152×256
// (GEMM_TUNE=dot in tune_test.go).
func useDot(pk *kernel, dk *dotKernel, m, n, k int) bool {
	packed := float64(roundUp(m, pk.mr)*roundUp(n, pk.nr)) / pk.speed * (1 + 5/float64(m))
	dot := float64(roundUp(m, dk.mr)*roundUp(n, dk.nr)) * 1.1 * (1 + 16/float64(k))
	return dot < packed
}

// sgemmDot computes C = alpha·A·Bᵀ + beta·C (A m×k, B n×k, both row-major)
// with dk on up to threads goroutines (threads ≤ 0: automatic).
func sgemmDot(dk *dotKernel, threads int, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkArgs(false, true, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if m == 0 || n == 0 {
		return
	}
	if alpha == 0 || k == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	parts := splitThreads(threads, m, n, k, dk.mr, dk.nr)
	if parts == 1 {
		sgemmDotSerial(dk, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	p := products.get()
	*p = product{
		dot: dk, transB: true, m: m, n: n, k: k,
		alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc,
	}
	p.run(parts, dk.mr, dk.nr)
}

func sgemmDotSerial(dk *dotKernel, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	mr, nr := dk.mr, dk.nr
	kc := balance(k, dk.kc, 16)
	nc := balance(n, dk.nc, nr)

	ws := workspaces.get()
	defer workspaces.put(ws)
	// ws.a holds the zero-padded last rows of A, ws.b those of B.
	ws.a = growWS(ws.a, mr*kc, wsFloor)
	ws.b = growWS(ws.b, nr*kc, wsFloor)
	ws.tile = growWS(ws.tile, mr*nr, tileFloor)
	tile := ws.tile

	for pc := 0; pc < k; pc += kc {
		kb := min(kc, k-pc)
		betaP := beta
		if pc > 0 {
			betaP = 1
		}
		for jc := 0; jc < n; jc += nc {
			nb := min(nc, n-jc)
			fullB := jc + nb/nr*nr // rows of B in whole tiles end here
			if fullB < jc+nb {
				padRows(ws.b, b, ldb, fullB, jc+nb, pc, kb, nr)
			}
			for ir := 0; ir < m; ir += mr {
				rows := min(mr, m-ir)
				ap, ldap := &a[ir*lda+pc], lda
				if rows < mr {
					padRows(ws.a, a, lda, ir, m, pc, kb, mr)
					ap, ldap = &ws.a[0], kb
				}
				for jr := jc; jr < jc+nb; jr += nr {
					cols := min(nr, jc+nb-jr)
					bp, ldbp := &ws.b[0], kb
					if jr < fullB {
						bp, ldbp = &b[jr*ldb+pc], ldb
					}
					off := ir*ldc + jr
					if rows == mr && cols == nr {
						dk.micro(kb, ap, ldap, bp, ldbp, &c[off], ldc, alpha, betaP)
						continue
					}
					dk.micro(kb, ap, ldap, bp, ldbp, &tile[0], nr, alpha, 0)
					mergeTile(tile, nr, rows, cols, betaP, c[off:], ldc)
				}
			}
		}
	}
}

// padRows copies rows [r0, r1) of x, columns [p0, p0+kb), into dst as rows
// kb floats apart, and zeroes dst up to `rows` rows.
func padRows(dst, x []float32, ldx, r0, r1, p0, kb, rows int) {
	for r := range rows {
		d := dst[r*kb : (r+1)*kb]
		if r0+r < r1 {
			copy(d, x[(r0+r)*ldx+p0:][:kb])
		} else {
			clear(d)
		}
	}
}

func firstOrNil(ks []*dotKernel) *dotKernel {
	if len(ks) == 0 {
		return nil
	}
	return ks[0]
}
