package ops

// im2col of 3-D convolutions through padded depth slices.
//
// im2colGeneral writes every row of a column matrix segment by segment,
// each with its own bounds: a clear of the left padding, a copy and a
// clear of the right padding, three runtime calls per output row (16
// elements for a 16x16x16 volume). For 3-D convolutions with stride 1
// along H and W, im2colSlices pads one input depth slice at a time into a
// small buffer on the stack (zeros around it, as im2colSmall does for a
// 2-D plane), after which the rows of every (kh, kw) tap reading that
// slice are plain slices of the buffer, copied without bounds logic.

// im2colSlices is im2col for 3-D convolutions (a depth kernel or input
// depth above 1) with stride 1 along H and W whose padded slice fits in
// smallPlane elements. It reports false when g does not qualify.
func im2colSlices[T float](g *convGeom, x, col []T, ld int) bool {
	if (g.ker[0] == 1 && g.in[0] == 1) || g.stride[1] != 1 || g.stride[2] != 1 {
		return false
	}
	id, ih, iw := g.in[0], g.in[1], g.in[2]
	od, oh, ow := g.out[0], g.out[1], g.out[2]
	kd, kh, kw := g.ker[0], g.ker[1], g.ker[2]
	dh, dw := g.dil[1], g.dil[2]
	hp, wp := oh+dh*(kh-1), ow+dw*(kw-1)
	if hp*wp > smallPlane {
		return false
	}
	var buf [smallPlane]T
	pad := buf[:hp*wp]
	plane, taps2 := oh*ow, kh*kw
	slice := ih * iw
	for c := 0; c < g.c; c++ {
		xc := x[c*id*slice : (c+1)*id*slice]
		for d := 0; d < od; d++ {
			for a := 0; a < kd; a++ {
				r0 := (c*kd + a) * taps2 // first column row of tap (c, a, 0, 0)
				zd := d*g.stride[0] + a*g.dil[0] - g.pad[0]
				if zd < 0 || zd >= id {
					for t := 0; t < taps2; t++ {
						clear(col[(r0+t)*ld+d*plane : (r0+t)*ld+(d+1)*plane])
					}
					continue
				}
				padSlice(pad, xc[zd*slice:(zd+1)*slice], hp, wp, ih, iw, g.pad[1], g.pad[2])
				for i := 0; i < kh; i++ {
					for j := 0; j < kw; j++ {
						o := (r0+i*kw+j)*ld + d*plane
						dst := col[o : o+plane]
						at := i*dh*wp + j*dw
						for h := 0; h < oh; h++ {
							copyShortRow(dst[h*ow:(h+1)*ow], pad[at+h*wp:])
						}
					}
				}
			}
		}
	}
	return true
}

// padSlice writes the slice xs (ih, iw) into pad (hp, wp) at offset
// (padH, padW), zeros elsewhere: pad[r][q] = xs[r-padH][q-padW].
func padSlice[T float](pad, xs []T, hp, wp, ih, iw, padH, padW int) {
	for r := 0; r < hp; r++ {
		pr := pad[r*wp : (r+1)*wp]
		zr := r - padH
		if zr < 0 || zr >= ih {
			clear(pr)
			continue
		}
		pw := min(padW, wp)
		n := min(iw, wp-pw) // the input row's part inside the padded row
		for q := range pr[:pw] {
			pr[q] = 0
		}
		copy(pr[pw:pw+n], xs[zr*iw:zr*iw+n])
		for q := range pr[pw+n:] {
			pr[pw+n+q] = 0
		}
	}
}

// copyShortRow copies len(dst) elements of src: rows of a multiple of 16
// bytes up to 64 (4, 8 or 16 float32, 2 to 8 float64: the usual 3-D
// feature maps) as 16-byte moves, short others in a loop, long ones with
// copy. The moves are made on the concrete element type in 16-byte pieces:
// generic code and larger array moves compile to a call of runtime.memmove,
// which costs more than the few elements.
func copyShortRow[T float](dst, src []T) {
	switch d := any(dst).(type) {
	case []float32:
		if copyRow32(d, any(src).([]float32)) {
			return
		}
	case []float64:
		if copyRow64(d, any(src).([]float64)) {
			return
		}
	}
	if len(dst) < 16 {
		for i := range dst {
			dst[i] = src[i]
		}
		return
	}
	copy(dst, src[:len(dst)])
}

// copyRow32 copies rows of 4, 8 or 16 float32 and reports whether it did.
func copyRow32(dst, src []float32) bool {
	n := len(dst)
	if (n != 4 && n != 8 && n != 16) || len(src) < n {
		return false
	}
	for i := 0; i < n; i += 4 {
		*(*[4]float32)(dst[i:]) = *(*[4]float32)(src[i:])
	}
	return true
}

// copyRow64 copies rows of 2, 4, 6 or 8 float64 and reports whether it did.
func copyRow64(dst, src []float64) bool {
	n := len(dst)
	if n > 8 || n&1 != 0 || len(src) < n {
		return false
	}
	for i := 0; i < n; i += 2 {
		*(*[2]float64)(dst[i:]) = *(*[2]float64)(src[i:])
	}
	return true
}
