package ops

// Average pooling with windows of at most 2 along every axis.
//
// The general kernels (avgPoolPlane, avgPoolPlaneGrad) sum rows into a
// scratch matrix and combine them in a second pass. When every window is
// whole (no clipping, no padding) and at most 2 wide along each axis, as
// AvgPool2D(2) and AvgPool3D(2) on even sizes, one pass over the window's
// rows is all it takes: each output is the sum of its 2, 4 or 8 inputs
// times the reciprocal of the window size (exact: a power of two), and
// the gradient writes dy times that reciprocal straight into the window.

// avgPoolSmall reports whether the one-pass kernels handle g: every window
// along every axis unclipped, of length k ∈ {1, 2}, counted in full.
func avgPoolSmall(g *poolGeom) bool {
	for a := 0; a < 3; a++ {
		if g.k[a] > 2 {
			return false
		}
		for o := range g.out[a] {
			if g.hi[a][o]-g.lo[a][o] != g.k[a] || g.cnt[a][o] != g.k[a] {
				return false
			}
		}
	}
	return true
}

// avgPoolTiles reports whether the windows of g tile the input without
// overlap (stride = kernel on every axis), which the one-pass backward
// needs: it writes each window's gradient rather than adding it.
func avgPoolTiles(g *poolGeom) bool {
	return g.s == g.k
}

// avgPoolFwd is the average pool's forward: the pair kernels or the
// one-pass kernel when they apply, else avgPoolForward.
func avgPoolFwd[T float](g *poolGeom, x, y []T) {
	if avgPoolSmall(g) && poolPairs(g) {
		avgPoolPairsForward(g, x, y, 1/T(g.k[0]*g.k[1]*g.k[2]))
		return
	}
	if avgPoolSmall(g) {
		avgPoolSmallForward(g, x, y)
		return
	}
	avgPoolForward(g, x, y)
}

// avgPoolBwd is the average pool's backward: the pair kernels or the
// one-pass kernel when they apply, else avgPoolBackward.
func avgPoolBwd[T float](g *poolGeom, dy, dx []T) {
	if avgPoolSmall(g) && avgPoolTiles(g) && poolPairs(g) {
		avgPoolPairsBackward(g, dy, dx, 1/T(g.k[0]*g.k[1]*g.k[2]))
		return
	}
	if avgPoolSmall(g) && avgPoolTiles(g) {
		avgPoolSmallBackward(g, dy, dx)
		return
	}
	avgPoolBackward(g, dy, dx)
}

// avgPoolRows returns the input rows of the window (od, oh) of one plane
// xp, in window order (d, then h), and how many there are (1, 2 or 4).
func avgPoolRows[T float](g *poolGeom, xp []T, od, oh int) (rows [4][]T, n int) {
	H, W := g.in[1], g.in[2]
	for d := g.lo[0][od]; d < g.hi[0][od]; d++ {
		for h := g.lo[1][oh]; h < g.hi[1][oh]; h++ {
			r := (d*H + h) * W
			rows[n] = xp[r : r+W]
			n++
		}
	}
	return rows, n
}

func avgPoolSmallForward[T float](g *poolGeom, x, y []T) {
	ip, op := g.inPlane(), g.outPlane()
	OW, kW := g.out[2], g.k[2]
	loW := g.lo[2][:OW]
	inv := 1 / T(g.k[0]*g.k[1]*g.k[2])
	parallelFor(g.planes, planeGrain(ip+op), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			xp, yp := x[p*ip:(p+1)*ip], y[p*op:(p+1)*op]
			o := 0
			for od := range g.out[0] {
				for oh := range g.out[1] {
					rows, n := avgPoolRows(g, xp, od, oh)
					yr := yp[o : o+OW]
					o += OW
					switch {
					case n == 4 && kW == 2:
						r0, r1, r2, r3 := rows[0], rows[1], rows[2], rows[3]
						for ow, w := range loW {
							a, b := (*[2]T)(r0[w:]), (*[2]T)(r1[w:])
							c, d := (*[2]T)(r2[w:]), (*[2]T)(r3[w:])
							yr[ow] = (((a[0] + a[1]) + (b[0] + b[1])) + ((c[0] + c[1]) + (d[0] + d[1]))) * inv
						}
					case n == 2 && kW == 2:
						r0, r1 := rows[0], rows[1]
						for ow, w := range loW {
							a, b := (*[2]T)(r0[w:]), (*[2]T)(r1[w:])
							yr[ow] = ((a[0] + a[1]) + (b[0] + b[1])) * inv
						}
					default:
						for ow, w := range loW {
							var s T
							for _, r := range rows[:n] {
								for _, v := range r[w : w+kW] {
									s += v
								}
							}
							yr[ow] = s * inv
						}
					}
				}
			}
		}
	})
}

// avgPoolSmallBackward writes dy·inv into every element of each window;
// input elements no window covers (the tail that floor rounding drops)
// get zero.
func avgPoolSmallBackward[T float](g *poolGeom, dy, dx []T) {
	ip, op := g.inPlane(), g.outPlane()
	OW, kW := g.out[2], g.k[2]
	loW := g.lo[2][:OW]
	inv := 1 / T(g.k[0]*g.k[1]*g.k[2])
	covered := true
	for a := 0; a < 3; a++ {
		covered = covered && g.out[a]*g.k[a] == g.in[a]
	}
	parallelFor(g.planes, planeGrain(ip+op), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			dxp, dyp := dx[p*ip:(p+1)*ip], dy[p*op:(p+1)*op]
			if !covered {
				clear(dxp)
			}
			o := 0
			for od := range g.out[0] {
				for oh := range g.out[1] {
					rows, n := avgPoolRows(g, dxp, od, oh)
					gr := dyp[o : o+OW]
					o += OW
					if kW == 2 {
						for _, r := range rows[:n] {
							for ow, w := range loW {
								v := gr[ow] * inv
								*(*[2]T)(r[w:]) = [2]T{v, v}
							}
						}
						continue
					}
					for _, r := range rows[:n] {
						for ow, w := range loW {
							r[w] = gr[ow] * inv
						}
					}
				}
			}
		}
	})
}
