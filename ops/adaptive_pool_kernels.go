package ops

// adaptiveBins returns the [start, end) input range of each of the out bins
// over an axis of size in: start = floor(i·in/out), end = ceil((i+1)·in/out).
func adaptiveBins(in, out int) (start, end []int) {
	start, end = make([]int, out), make([]int, out)
	for i := range out {
		start[i] = i * in / out
		end[i] = ((i+1)*in + out - 1) / out
	}
	return start, end
}

// adaptiveGeom is the bin layout of one adaptive pooling: planes (N·C)
// planes of inH x inW averaged into outH x outW.
type adaptiveGeom struct {
	planes           int
	inH, inW         int
	outH, outW       int
	hs, he, ws, we   []int
	identity, global bool
}

func newAdaptiveGeom(planes, inH, inW, outH, outW int) *adaptiveGeom {
	g := &adaptiveGeom{planes: planes, inH: inH, inW: inW, outH: outH, outW: outW}
	g.hs, g.he = adaptiveBins(inH, outH)
	g.ws, g.we = adaptiveBins(inW, outW)
	g.identity = inH == outH && inW == outW
	g.global = outH == 1 && outW == 1
	return g
}

// grain is the number of planes a worker takes at least, so that small
// inputs run inline.
func (g *adaptiveGeom) grain() int {
	per := g.inH * g.inW
	if per <= 0 {
		return 1
	}
	return max(1, 4096/per)
}

// adaptiveAvgForward writes the bin means of x into y, plane by plane.
func adaptiveAvgForward[T float](g *adaptiveGeom, x, y []T) {
	if g.identity {
		copy(y, x)
		return
	}
	inPlane, outPlane := g.inH*g.inW, g.outH*g.outW
	parallelFor(g.planes, g.grain(), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			xp := x[p*inPlane : (p+1)*inPlane]
			yp := y[p*outPlane : (p+1)*outPlane]
			if g.global {
				var s T
				for _, v := range xp {
					s += v
				}
				yp[0] = s / T(inPlane)
				continue
			}
			for oh := range g.outH {
				h0, h1 := g.hs[oh], g.he[oh]
				for ow := range g.outW {
					w0, w1 := g.ws[ow], g.we[ow]
					var s T
					for h := h0; h < h1; h++ {
						row := xp[h*g.inW+w0 : h*g.inW+w1]
						for _, v := range row {
							s += v
						}
					}
					yp[oh*g.outW+ow] = s / T((h1-h0)*(w1-w0))
				}
			}
		}
	})
}

// adaptiveAvgBackward writes dx: every element of a bin receives the bin's
// dy divided by the bin size (summed over the bins that contain it).
func adaptiveAvgBackward[T float](g *adaptiveGeom, dy, dx []T) {
	if g.identity {
		copy(dx, dy)
		return
	}
	inPlane, outPlane := g.inH*g.inW, g.outH*g.outW
	parallelFor(g.planes, g.grain(), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			dxp := dx[p*inPlane : (p+1)*inPlane]
			dyp := dy[p*outPlane : (p+1)*outPlane]
			if g.global {
				v := dyp[0] / T(inPlane)
				for i := range dxp {
					dxp[i] = v
				}
				continue
			}
			clear(dxp)
			for oh := range g.outH {
				h0, h1 := g.hs[oh], g.he[oh]
				for ow := range g.outW {
					w0, w1 := g.ws[ow], g.we[ow]
					v := dyp[oh*g.outW+ow] / T((h1-h0)*(w1-w0))
					for h := h0; h < h1; h++ {
						row := dxp[h*g.inW+w0 : h*g.inW+w1]
						for i := range row {
							row[i] += v
						}
					}
				}
			}
		}
	})
}
