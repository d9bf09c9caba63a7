package ops

// im2col and col2im of convolutions whose windows tile the input.
//
// With kernel = stride, no dilation and no padding on every axis (the
// 2x2x2 stride-2 transposed convolutions of 3-D decoders, and their
// gradients), the windows do not overlap: im2col is a rearrangement
// ("space to depth") and col2im its inverse. The general loops copy one
// tap row at a time with a stride of k along W; these read each input row
// once and deal its elements out to the kW tap rows (a deinterleave), and
// col2im interleaves them back.

// tiles reports whether the windows of g tile the input: kernel = stride,
// dilation 1 and no padding on every axis (before, and after: every
// window inside the input), and not a plain 1x1 product.
func (g *convGeom) tiles() bool {
	if g.ker != g.stride || g.dil != [3]int{1, 1, 1} || g.pad != [3]int{} || g.ker == [3]int{1, 1, 1} {
		return false
	}
	for a := range 3 {
		if g.out[a]*g.ker[a] > g.in[a] {
			return false
		}
	}
	return true
}

// im2colTiles is im2col for the geometries tiles accepts; it reports
// false when g is not one.
func im2colTiles[T float](g *convGeom, x, col []T, ld int) bool {
	if !g.tiles() {
		return false
	}
	tileRows(g, x, col, ld, false)
	return true
}

// col2imTiles is col2im for the geometries tiles accepts (adding into x);
// it reports false when g is not one.
func col2imTiles[T float](g *convGeom, col, x []T, ld int) bool {
	if !g.tiles() {
		return false
	}
	tileRows(g, x, col, ld, true)
	return true
}

// tileRows moves data between the image x (c, in...) and the columns col
// (C·∏k rows, ld apart): for every (c, kd, kh) and output row (od, oh),
// the input row x[c][od·kD+kd][oh·kH+kh] holds, at o·kW + j, the column
// element (c, kd, kh, j; od, oh, o). Without back it copies x into col;
// with back it adds col into x.
func tileRows[T float](g *convGeom, x, col []T, ld int, back bool) {
	id, ih, iw := g.in[0], g.in[1], g.in[2]
	od, oh, ow := g.out[0], g.out[1], g.out[2]
	kd, kh, kw := g.ker[0], g.ker[1], g.ker[2]
	plane := oh * ow
	for c := 0; c < g.c; c++ {
		xc := x[c*id*ih*iw : (c+1)*id*ih*iw]
		for a := 0; a < kd; a++ {
			for i := 0; i < kh; i++ {
				r0 := ((c*kd+a)*kh + i) * kw // column row of tap (c, a, i, 0)
				for d := 0; d < od; d++ {
					for h := 0; h < oh; h++ {
						xr := xc[((d*kd+a)*ih+h*kh+i)*iw:][:ow*kw]
						o := d*plane + h*ow
						if kw == 2 {
							c0 := col[r0*ld+o:][:ow]
							c1 := col[(r0+1)*ld+o:][:len(c0)]
							if back {
								for q := range c0 {
									p := (*[2]T)(xr[2*q:])
									p[0] += c0[q]
									p[1] += c1[q]
								}
							} else {
								for q := range c0 {
									p := (*[2]T)(xr[2*q:])
									c0[q], c1[q] = p[0], p[1]
								}
							}
							continue
						}
						for j := 0; j < kw; j++ {
							cj := col[(r0+j)*ld+o:][:ow]
							if back {
								for q := range cj {
									xr[q*kw+j] += cj[q]
								}
							} else {
								for q := range cj {
									cj[q] = xr[q*kw+j]
								}
							}
						}
					}
				}
			}
		}
	}
}
