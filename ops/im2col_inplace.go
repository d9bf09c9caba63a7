package ops

import "unsafe"

// im2colInPlace is im2col for 2-D stride-1 convolutions of small feature
// maps (rows of at most smallRow outputs) without padding before, whose
// windows stay inside the input (as LeNet's 3x3 on 13x13): the output rows
// of each kernel tap are then plain slices of the input plane, copied
// without a padded copy of the plane and without a call per row
// (copyRows). It reports false when g does not qualify.
func im2colInPlace[T float](g *convGeom, x, col []T, ld int) bool {
	if g.in[0] != 1 || g.out[0] != 1 || g.ker[0] != 1 || g.stride[1] != 1 || g.stride[2] != 1 ||
		g.pad[1] != 0 || g.pad[2] != 0 || g.out[2] > smallRow {
		return false
	}
	ih, iw, oh, ow := g.in[1], g.in[2], g.out[1], g.out[2]
	kh, kw, dh, dw := g.ker[1], g.ker[2], g.dil[1], g.dil[2]
	if oh+dh*(kh-1) > ih || ow+dw*(kw-1) > iw {
		return false // the windows reach past the input: zeros after it
	}
	p := oh * ow
	row := 0
	for c := 0; c < g.c; c++ {
		xc := x[c*ih*iw : (c+1)*ih*iw]
		for a := 0; a < kh; a++ {
			for b := 0; b < kw; b++ {
				copyRows(col[row*ld:row*ld+p], xc[a*dh*iw+b*dw:], oh, ow, iw)
				row++
			}
		}
	}
	return true
}

// copyRows copies rows rows of n elements, stride apart in src, to dst
// (contiguous). Rows of 16 to 64 bytes (4 to 16 float32) are copied as two
// or four overlapping 16-byte moves with the bounds checked once for all
// rows: calls to memmove for a handful of elements cost more than the
// elements.
func copyRows[T float](dst, src []T, rows, n, stride int) {
	if rows <= 0 || n <= 0 {
		return
	}
	dst, src = dst[:rows*n], src[:(rows-1)*stride+n]
	size := int(unsafe.Sizeof(dst[0]))
	b := n * size
	if b < 16 || b > 64 {
		for h := range rows {
			copy(dst[h*n:(h+1)*n], src[h*stride:h*stride+n])
		}
		return
	}
	// [0, 16) and [b-16, b) cover rows up to 32 bytes; [16, 32) and
	// [b-32, b-16) the rest of longer ones
	d0, s0 := unsafe.Pointer(&dst[0]), unsafe.Pointer(&src[0])
	for h := range rows {
		d, s := unsafe.Add(d0, h*b), unsafe.Add(s0, h*stride*size)
		*(*[16]byte)(d) = *(*[16]byte)(s)
		*(*[16]byte)(unsafe.Add(d, b-16)) = *(*[16]byte)(unsafe.Add(s, b-16))
		if b > 32 {
			*(*[16]byte)(unsafe.Add(d, 16)) = *(*[16]byte)(unsafe.Add(s, 16))
			*(*[16]byte)(unsafe.Add(d, b-32)) = *(*[16]byte)(unsafe.Add(s, b-32))
		}
	}
}
