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
	return im2colSlab(g, x, col, ld, 0, g.out[0])
}

// slabOK reports whether im2colSlab handles g.
func (g *convGeom) slabOK() bool {
	if (g.ker[0] == 1 && g.in[0] == 1) || g.stride[1] != 1 || g.stride[2] != 1 {
		return false
	}
	hp, wp := g.out[1]+g.dil[1]*(g.ker[1]-1), g.out[2]+g.dil[2]*(g.ker[2]-1)
	return hp*wp <= smallPlane
}

// im2colSlab is im2colSlices for the output depths [d0, d1) alone: col
// holds their (d1-d0)·oh·ow columns, rows ld apart.
func im2colSlab[T float](g *convGeom, x, col []T, ld, d0, d1 int) bool {
	if !g.slabOK() {
		return false
	}
	id, ih, iw := g.in[0], g.in[1], g.in[2]
	oh, ow := g.out[1], g.out[2]
	kd, kh, kw := g.ker[0], g.ker[1], g.ker[2]
	dh, dw := g.dil[1], g.dil[2]
	hp, wp := oh+dh*(kh-1), ow+dw*(kw-1)
	var buf [smallPlane]T
	pad := buf[:hp*wp]
	plane, taps2 := oh*ow, kh*kw
	slice := ih * iw
	for c := 0; c < g.c; c++ {
		xc := x[c*id*slice : (c+1)*id*slice]
		for d := d0; d < d1; d++ {
			cd := (d - d0) * plane // the depth's first column
			for a := 0; a < kd; a++ {
				r0 := (c*kd + a) * taps2 // first column row of tap (c, a, 0, 0)
				zd := d*g.stride[0] + a*g.dil[0] - g.pad[0]
				if zd < 0 || zd >= id {
					for t := 0; t < taps2; t++ {
						clear(col[(r0+t)*ld+cd : (r0+t)*ld+cd+plane])
					}
					continue
				}
				padSlice(pad, xc[zd*slice:(zd+1)*slice], hp, wp, ih, iw, g.pad[1], g.pad[2])
				for i := 0; i < kh; i++ {
					for j := 0; j < kw; j++ {
						o := (r0+i*kw+j)*ld + cd
						copyTapPlane(col[o:o+plane], pad[i*dh*wp+j*dw:], wp, oh, ow)
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

// copyTapPlane writes the oh rows of ow elements of a tap's plane into
// dst (oh·ow): row h is src[h·wp : h·wp+ow]. Rows of 4, 8 or 16 float32
// (2 to 8 float64), the usual 3-D feature maps, are copied in 16-byte
// moves on the concrete type: in generic code, and as larger arrays, a
// move compiles to a call of runtime.memmove, which costs more than the
// few elements.
func copyTapPlane[T float](dst, src []T, wp, oh, ow int) {
	switch d := any(dst).(type) {
	case []float32:
		if ow == 4 || ow == 8 || ow == 16 {
			copyPlane32(d, any(src).([]float32), wp, oh, ow)
			return
		}
	case []float64:
		if ow <= 8 && ow&1 == 0 {
			copyPlane64(d, any(src).([]float64), wp, oh, ow)
			return
		}
	}
	for h := 0; h < oh; h++ {
		copy(dst[h*ow:(h+1)*ow], src[h*wp:h*wp+ow])
	}
}

// copyPlane32 is copyTapPlane for rows of 4, 8 or 16 float32: one array
// pointer per row (a single bounds check), moves at constant offsets.
func copyPlane32(dst, src []float32, wp, oh, ow int) {
	switch ow {
	case 16:
		for h := 0; h < oh; h++ {
			d, s := (*[16]float32)(dst[h*16:]), (*[16]float32)(src[h*wp:])
			*(*[4]float32)(d[0:4]) = *(*[4]float32)(s[0:4])
			*(*[4]float32)(d[4:8]) = *(*[4]float32)(s[4:8])
			*(*[4]float32)(d[8:12]) = *(*[4]float32)(s[8:12])
			*(*[4]float32)(d[12:16]) = *(*[4]float32)(s[12:16])
		}
	case 8:
		for h := 0; h < oh; h++ {
			d, s := (*[8]float32)(dst[h*8:]), (*[8]float32)(src[h*wp:])
			*(*[4]float32)(d[0:4]) = *(*[4]float32)(s[0:4])
			*(*[4]float32)(d[4:8]) = *(*[4]float32)(s[4:8])
		}
	default:
		for h := 0; h < oh; h++ {
			*(*[4]float32)(dst[h*ow:]) = *(*[4]float32)(src[h*wp:])
		}
	}
}

// copyPlane64 is copyTapPlane for rows of 2, 4, 6 or 8 float64.
func copyPlane64(dst, src []float64, wp, oh, ow int) {
	for h := 0; h < oh; h++ {
		d, s := dst[h*ow:(h+1)*ow], src[h*wp:h*wp+ow]
		for i := 0; i+2 <= len(d); i += 2 {
			*(*[2]float64)(d[i:]) = *(*[2]float64)(s[i:])
		}
	}
}
