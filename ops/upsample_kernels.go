package ops

import "github.com/convnet-go/convnet/internal/vec"

// Nearest-neighbour upsampling.

// nearestUp writes, for every input row (d, h), one output row with each
// element repeated fW times, then copies that row to the other fH·fD rows of
// its block.
func nearestUp[T float](u *upGeom, x, y []T) {
	ip, op := u.inPlane(), u.outPlane()
	H, W := u.in[1], u.in[2]
	fD, fH, fW := u.f[0], u.f[1], u.f[2]
	OH, OW := u.out[1], u.out[2]
	parallelFor(u.planes, planeGrain(ip+op), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			xp, yp := x[p*ip:(p+1)*ip], y[p*op:(p+1)*op]
			for d := 0; d < u.in[0]; d++ {
				for h := 0; h < H; h++ {
					xr := xp[(d*H+h)*W : (d*H+h+1)*W]
					o := ((d*fD)*OH + h*fH) * OW
					yr := yp[o : o+OW]
					switch fW {
					case 1:
						copy(yr, xr)
					case 2:
						vec.Repeat2(yr, xr)
					default:
						for w, v := range xr {
							blk := yr[w*fW : (w+1)*fW]
							for i := range blk {
								blk[i] = v
							}
						}
					}
					for i := 0; i < fD; i++ {
						for j := 0; j < fH; j++ {
							if i == 0 && j == 0 {
								continue
							}
							r := (((d*fD+i)*OH + h*fH + j) * OW)
							copy(yp[r:r+OW], yr)
						}
					}
				}
			}
		}
	})
}

// nearestUpGrad sums every fD×fH×fW block of dy into one element of dx.
func nearestUpGrad[T float](u *upGeom, dy, dx []T) {
	ip, op := u.inPlane(), u.outPlane()
	H, W := u.in[1], u.in[2]
	fD, fH, fW := u.f[0], u.f[1], u.f[2]
	OH, OW := u.out[1], u.out[2]
	parallelFor(u.planes, planeGrain(ip+op), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			dxp, dyp := dx[p*ip:(p+1)*ip], dy[p*op:(p+1)*op]
			for d := 0; d < u.in[0]; d++ {
				for h := 0; h < H; h++ {
					xr := dxp[(d*H+h)*W : (d*H+h+1)*W]
					if fW != 2 {
						clear(xr)
					}
					for i := 0; i < fD; i++ {
						for j := 0; j < fH; j++ {
							r := ((d*fD+i)*OH + h*fH + j) * OW
							yr := dyp[r : r+OW]
							switch fW {
							case 1:
								vec.Add(xr, xr, yr)
							case 2: // the block's first row sets xr (no clear)
								if i == 0 && j == 0 {
									vec.PairSum(xr, yr)
								} else {
									vec.PairSumAdd(xr, yr)
								}
							default:
								for w := range xr {
									var s T
									for _, v := range yr[w*fW : (w+1)*fW] {
										s += v
									}
									xr[w] += s
								}
							}
						}
					}
				}
			}
		}
	})
}

// Bilinear resizing.

// lerpWeights converts an axis's weights to T once per run.
func lerpWeights[T float](la lerpAxis) (l0, l1 []T) {
	l0, l1 = make([]T, len(la.l0)), make([]T, len(la.l1))
	for i := range la.l0 {
		l0[i], l1[i] = T(la.l0[i]), T(la.l1[i])
	}
	return l0, l1
}

// bilinearForward interpolates each plane along W first (every input row
// into a row of the output width, in t) and then along H (each output row
// is a weighted sum of two rows of t): the same arithmetic as PyTorch's
// h0λ·(w0λ·x00 + w1λ·x01) + h1λ·(w0λ·x10 + w1λ·x11), with tight row loops.
func bilinearForward[T float](op *bilinearResize, x, y []T) {
	u := op.u
	ip, opl := u.inPlane(), u.outPlane()
	H, W, OW := u.in[1], u.in[2], u.out[2]
	hl0, hl1 := lerpWeights[T](op.h)
	wl0, wl1 := lerpWeights[T](op.w)
	wi0, wi1 := op.w.i0[:OW], op.w.i1[:OW]
	parallelFor(u.planes, planeGrain(ip+opl), func(lo, hi int) {
		t := make([]T, H*OW)
		for p := lo; p < hi; p++ {
			xp, yp := x[p*ip:(p+1)*ip], y[p*opl:(p+1)*opl]
			for h := 0; h < H; h++ {
				xr, tr := xp[h*W:(h+1)*W], t[h*OW:(h+1)*OW]
				for ow := range tr {
					tr[ow] = wl0[ow]*xr[wi0[ow]] + wl1[ow]*xr[wi1[ow]]
				}
			}
			for oh := range op.h.i0 {
				t0 := t[op.h.i0[oh]*OW : (op.h.i0[oh]+1)*OW]
				t1 := t[op.h.i1[oh]*OW : (op.h.i1[oh]+1)*OW]
				a0, a1 := hl0[oh], hl1[oh]
				yr := yp[oh*OW : (oh+1)*OW]
				t0, t1 = t0[:len(yr)], t1[:len(yr)]
				for ow := range yr {
					yr[ow] = a0*t0[ow] + a1*t1[ow]
				}
			}
		}
	})
}

// bilinearBackward is the transpose of bilinearForward: dy's rows are
// spread over the two source rows (into t), then each row of t over the
// two source columns.
func bilinearBackward[T float](op *bilinearResize, dy, dx []T) {
	u := op.u
	ip, opl := u.inPlane(), u.outPlane()
	H, W, OW := u.in[1], u.in[2], u.out[2]
	hl0, hl1 := lerpWeights[T](op.h)
	wl0, wl1 := lerpWeights[T](op.w)
	wi0, wi1 := op.w.i0[:OW], op.w.i1[:OW]
	parallelFor(u.planes, planeGrain(ip+opl), func(lo, hi int) {
		t := make([]T, H*OW)
		for p := lo; p < hi; p++ {
			dxp, dyp := dx[p*ip:(p+1)*ip], dy[p*opl:(p+1)*opl]
			clear(t)
			for oh := range op.h.i0 {
				t0 := t[op.h.i0[oh]*OW : (op.h.i0[oh]+1)*OW]
				t1 := t[op.h.i1[oh]*OW : (op.h.i1[oh]+1)*OW]
				a0, a1 := hl0[oh], hl1[oh]
				gr := dyp[oh*OW : (oh+1)*OW]
				t0, t1 = t0[:len(gr)], t1[:len(gr)]
				for ow, g := range gr {
					t0[ow] += a0 * g
					t1[ow] += a1 * g
				}
			}
			for h := 0; h < H; h++ {
				xr, tr := dxp[h*W:(h+1)*W], t[h*OW:(h+1)*OW]
				clear(xr)
				for ow, g := range tr {
					xr[wi0[ow]] += wl0[ow] * g
					xr[wi1[ow]] += wl1[ow] * g
				}
			}
		}
	})
}
