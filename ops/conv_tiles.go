package ops

// im2col of convolutions whose windows tile the input.
//
// With kernel = stride, no dilation and no padding on every axis (the
// 2x2x2 stride-2 transposed convolutions of 3-D decoders, whose input
// and filter gradients take im2col of the output gradient), the windows
// do not overlap: im2col is a rearrangement ("space to depth"). The
// general loops copy one tap row at a time with a stride of k along W;
// im2colTiles reads each input row once and deals its elements out to
// the kW tap rows (a deinterleave). (col2im of these geometries is
// col2imTiled.)

// tilesWithin reports whether the windows of g tile the input or a
// leading part of it: kernel = stride, dilation 1 and no padding on every
// axis (before, and after: every window inside the input), and not a
// plain 1x1 product. Unlike tiles, input positions past the last window
// are allowed.
func (g *convGeom) tilesWithin() bool {
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

// im2colTiles is im2col for the geometries tilesWithin accepts; it reports
// false when g is not one.
func im2colTiles[T float](g *convGeom, x, col []T, ld int) bool {
	if !g.tilesWithin() {
		return false
	}
	tileRows(g, x, col, ld)
	return true
}

// tileRows copies the image x (c, in...) into the columns col (C·∏k rows,
// ld apart): for every (c, kd, kh) and output row (od, oh), the input row
// x[c][od·kD+kd][oh·kH+kh] holds, at o·kW + j, the column element
// (c, kd, kh, j; od, oh, o).
func tileRows[T float](g *convGeom, x, col []T, ld int) {
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
							for q := range c0 {
								p := (*[2]T)(xr[2*q:])
								c0[q], c1[q] = p[0], p[1]
							}
							continue
						}
						for j := 0; j < kw; j++ {
							cj := col[(r0+j)*ld+o:][:ow]
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
