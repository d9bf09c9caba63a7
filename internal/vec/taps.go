package vec

import "fmt"

// Taps sets dst[c·ldd+p] = Σ_t w[c·ldw+t]·src[p+off[t]] for every row
// c < k and position p < n, the taps t < len(off) in order: k rows of a
// correlation of src with a kernel given as element offsets and weights,
// which is a direct convolution's output rows for k output channels when
// off holds the offsets of the kernel's taps in the input image (a "wide"
// convolution of a stride-1 2-D image: positions h·W + x of the W-wide
// input, of which those with x beyond the output width are not used).
//
// On amd64 with AVX2 and FMA it runs four rows at a time over 16
// positions (two vectors a row, each tap's source loaded once for the
// four rows); the positions after the last multiple of 8 and other CPUs
// run TapsPortable. Each output is the same sum in the same tap order on
// both paths, but the assembly fuses each multiply-add, so the two can
// differ in the last bits. It panics if a slice is too short (an internal
// caller's error).
func Taps(dst, src, w []float32, off []int, k, n, ldw, ldd int) {
	if k <= 0 || n <= 0 {
		return
	}
	tapsCheck(len(dst), len(src), len(w), off, k, n, ldw, ldd)
	if len(off) == 0 {
		for c := range k {
			clear(dst[c*ldd : c*ldd+n])
		}
		return
	}
	done := 0
	if hasTaps {
		done = n &^ 7
	}
	if done > 0 {
		c := 0
		for ; c+4 <= k; c += 4 {
			taps4AVX2(&dst[c*ldd], &src[0], &w[c*ldw], &off[0], len(off), done, ldw, ldd)
		}
		for ; c < k; c++ {
			taps1AVX2(&dst[c*ldd], &src[0], &w[c*ldw], &off[0], len(off), done, ldw, ldd)
		}
	}
	if done < n {
		tapsRange(dst, src, w, off, k, done, n, ldw, ldd)
	}
}

// TapsPortable is Taps in plain Go, on every CPU (the tail and fallback of
// Taps; exported for tests of the assembly against it).
func TapsPortable[T float32 | float64](dst, src, w []T, off []int, k, n, ldw, ldd int) {
	if k <= 0 || n <= 0 {
		return
	}
	tapsCheck(len(dst), len(src), len(w), off, k, n, ldw, ldd)
	tapsRange(dst, src, w, off, k, 0, n, ldw, ldd)
}

// tapsRange computes Taps's positions [lo, hi) of the k rows.
func tapsRange[T float32 | float64](dst, src, w []T, off []int, k, lo, hi, ldw, ldd int) {
	for c := range k {
		d := dst[c*ldd+lo : c*ldd+hi]
		clear(d)
		for t, o := range off {
			wt := w[c*ldw+t]
			s := src[o+lo : o+hi]
			for p := range d {
				d[p] += wt * s[p]
			}
		}
	}
}

// tapsCheck panics unless the slices hold what Taps reads and writes.
func tapsCheck(ld, ls, lw int, off []int, k, n, ldw, ldd int) {
	if ldd < n || ld < (k-1)*ldd+n || lw < (k-1)*ldw+len(off) || ldw < len(off) {
		panic(fmt.Sprintf("vec: Taps: %d rows of %d (ld %d) need %d outputs, have %d; weights ld %d for %d taps, have %d", k, n, ldd, (k-1)*ldd+n, ld, ldw, len(off), lw))
	}
	for _, o := range off {
		if o < 0 || o+n > ls {
			panic(fmt.Sprintf("vec: Taps: tap offset %d with %d positions reads past the source (length %d)", o, n, ls))
		}
	}
}

// TapsPool2 is Taps fused with a 2x2 max pool at stride 2 for one pooled
// row of k rows c: it sets dst[c·ldd+i], for i < 8·blocks, to the
// maximum of Taps's sums at the positions 2i, 2i+1, ld+2i and ld+2i+1
// (NaN if one is, as Go's max gives it; between -0 and +0 either may be
// returned), src holding two input rows ld apart. It reads src up to
// 16·blocks + ld + max(off), writes 8·blocks values a row (the caller
// keeps the ones it needs) and panics if a slice is too short.
//
// On amd64 with AVX2 and FMA it runs two rows at a time, 16 positions of
// both input rows a step, and pools in registers; elsewhere it runs
// TapsPool2Portable.
func TapsPool2(dst, src, w []float32, off []int, k, blocks, ldw, ldd, ld int) {
	if k <= 0 || blocks <= 0 {
		return
	}
	tapsPoolCheck(len(dst), len(src), len(w), off, k, blocks, ldw, ldd, ld)
	if !hasTaps || len(off) == 0 {
		tapsPoolRange(dst, src, w, off, k, blocks, ldw, ldd, ld)
		return
	}
	if k >= 2 {
		tapsPool2AVX2(&dst[0], &src[0], &w[0], &off[0], len(off), blocks, ldw, ldd, ld, k/2)
	}
	if c := k &^ 1; c < k {
		tapsPool1AVX2(&dst[c*ldd], &src[0], &w[c*ldw], &off[0], len(off), blocks, ldw, ldd, ld, 1)
	}
}

// TapsPool2Portable is TapsPool2 in plain Go, on every CPU.
func TapsPool2Portable[T float32 | float64](dst, src, w []T, off []int, k, blocks, ldw, ldd, ld int) {
	if k <= 0 || blocks <= 0 {
		return
	}
	tapsPoolCheck(len(dst), len(src), len(w), off, k, blocks, ldw, ldd, ld)
	tapsPoolRange(dst, src, w, off, k, blocks, ldw, ldd, ld)
}

// tapsPoolRange computes TapsPool2 with the portable code: the sums of
// the two rows' 16·blocks positions, then their 2x2 maxima.
func tapsPoolRange[T float32 | float64](dst, src, w []T, off []int, k, blocks, ldw, ldd, ld int) {
	var buf [2 * 16]T
	for c := range k {
		for b := range blocks {
			rows := buf[:]
			for h := range 2 {
				tapsRange(rows[h*16:], src[h*ld+16*b:], w[c*ldw:], off, 1, 0, 16, ldw, 16)
			}
			d := dst[c*ldd+8*b : c*ldd+8*b+8]
			for i := range d {
				d[i] = max(max(rows[2*i], rows[2*i+1]), max(rows[16+2*i], rows[16+2*i+1]))
			}
		}
	}
}

// tapsPoolCheck panics unless the slices hold what TapsPool2 reads and
// writes.
func tapsPoolCheck(ld, ls, lw int, off []int, k, blocks, ldw, ldd, rowLd int) {
	n := 8 * blocks
	if ldd < n || ld < (k-1)*ldd+n || lw < (k-1)*ldw+len(off) || ldw < len(off) || rowLd < 0 {
		panic(fmt.Sprintf("vec: TapsPool2: %d rows of %d (ld %d) need %d outputs, have %d; weights ld %d for %d taps, have %d", k, n, ldd, (k-1)*ldd+n, ld, ldw, len(off), lw))
	}
	for _, o := range off {
		if o < 0 || o+rowLd+2*n > ls {
			panic(fmt.Sprintf("vec: TapsPool2: tap offset %d with rows %d apart and %d positions reads past the source (length %d)", o, rowLd, 2*n, ls))
		}
	}
}

// MaxPool2Rows is a 2x2 max pool at stride 2 of rows pooled rows of cols
// values: dst[r·ldo+i] = the maximum of src[2r·ld+2i], src[2r·ld+2i+1],
// src[(2r+1)·ld+2i] and src[(2r+1)·ld+2i+1] (NaN if one is, as Go's max
// gives it; between -0 and +0 either may be returned). dst must hold
// (rows-1)·ldo + cols values and src (2·rows-1)·ld + 2·cols.
//
// On amd64 with AVX2 it pools 8 values a step, whole blocks of 8: a row
// whose last block runs past cols writes the values after it, which lie in
// the next row (rewritten when that row is pooled, as the rows are pooled
// in order) or, for the last rows, past (rows-1)·ldo + cols: those rows
// are vectorised only while the writes stay within len(dst) and the reads
// within len(src), so a caller that pools consecutive blocks in order may
// pass the rest of its buffers to vectorise the last row too. The values
// between cols and ldo of a row may be overwritten. The other rows, and
// other CPUs, run the portable code.
func MaxPool2Rows(dst, src []float32, rows, cols, ld, ldo int) {
	if rows <= 0 || cols <= 0 {
		return
	}
	if ld < 2*cols || ldo < cols || len(dst) < (rows-1)*ldo+cols || len(src) < (2*rows-1)*ld+2*cols {
		panic(fmt.Sprintf("vec: MaxPool2Rows: %d rows of %d (ld %d, ldo %d) need %d inputs and %d outputs, have %d and %d",
			rows, cols, ld, ldo, (2*rows-1)*ld+2*cols, (rows-1)*ldo+cols, len(src), len(dst)))
	}
	r := 0
	if hasTaps {
		blocks := (cols + 7) / 8
		// rows r with r·ldo + 8·blocks <= len(dst) and
		// (2r+1)·ld + 16·blocks <= len(src)
		fast := rows
		if lim := len(dst) - 8*blocks; lim < 0 {
			fast = 0
		} else {
			fast = min(fast, lim/ldo+1)
		}
		if lim := len(src) - 16*blocks - ld; lim < 0 {
			fast = 0
		} else {
			fast = min(fast, lim/(2*ld)+1)
		}
		if fast > 0 {
			pool2RowsAVX2(&dst[0], &src[0], fast, blocks, ld, ldo)
			r = fast
		}
	}
	for ; r < rows; r++ {
		d, a, b := dst[r*ldo:r*ldo+cols], src[2*r*ld:2*r*ld+2*cols], src[(2*r+1)*ld:(2*r+1)*ld+2*cols]
		for i := range d {
			d[i] = max(max(a[2*i], a[2*i+1]), max(b[2*i], b[2*i+1]))
		}
	}
}
