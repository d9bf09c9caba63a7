package ops

import (
	"runtime"

	"github.com/convnet-go/convnet/internal/vec"
)

// A direct convolution for the fused convolution and 2x2 max pool
// (ConvMaxPool2D) of layers with few input taps, such as a first layer
// on a one-channel image (LeNet's 1 -> 32 channels, 3x3: C·kh·kw = 9). As
// a matrix product the reduction would be only C·kh·kw deep, too shallow
// for the GEMM's micro-kernels, and im2col would copy each input value
// C·kh·kw times. Instead each output row of K channels is a sum over the
// taps of the weight times the input shifted by the tap's offset
// (vec.Taps), computed "wide": over positions h·W + x of the W-wide input
// plane, so that every tap reads one contiguous run of the image and the
// ow < x < W positions of each row, which wrap into the next row, are
// computed and never read. A band of rows of every output channel is
// written into the worker's tile and pooled from there while it is in
// cache; the bias and ReLU are applied to the pooled values, as in
// convPoolForward. With padding (or windows reaching past the input) each
// image is first copied into a zero-padded plane of the windows' extent
// (padImage), once per image and worker.

// directTapsMax is the largest C·kh·kw convolved directly: up to here
// the matrix product's reduction is too shallow to pay for its packing
// and im2col. Measured at 9 taps (faster) and 288 (LeNet's second layer:
// 1.6x the CPU time of im2col and the GEMM); the limit between is a guess.
const directTapsMax = 32

// directTaps reports whether g can be convolved by convPoolDirect: 2-D,
// stride 1, at most directTapsMax taps, an output of at least 2x2.
func (g *convGeom) directTaps() bool {
	return g.in[0] == 1 && g.out[0] == 1 && g.ker[0] == 1 && g.stride[1] == 1 && g.stride[2] == 1 &&
		g.colRows() <= directTapsMax && g.out[1] >= 2 && g.out[2] >= 2
}

// directPadded reports whether convPoolDirect reads zero-padded copies of
// the images rather than x itself: with padding before an axis, or
// windows that reach past the input (padding after it).
func (g *convGeom) directPadded() bool {
	return g.pad[1] != 0 || g.pad[2] != 0 ||
		g.out[1]-1+g.dil[1]*(g.ker[1]-1) >= g.in[1] || g.out[2]-1+g.dil[2]*(g.ker[2]-1) >= g.in[2]
}

// useDirectTaps reports whether convPoolForward takes the direct path:
// the geometry allows it and the element type has vector kernels
// (float32 on a CPU where vec.TapsFast).
func useDirectTaps[T float](g *convGeom) bool {
	var z T
	_, f32 := any(z).(float32)
	return f32 && vec.TapsFast() && g.directTaps()
}

// directKernels are the kernels of convPoolDirect for element type T:
// taps is vec.Taps's, pool vec.TapsPool2's signature (pool may be nil:
// then every band is convolved by taps and pooled apart).
type directKernels[T float] struct {
	taps func(dst, src, w []T, off []int, k, n, ldw, ldd int)
	pool func(dst, src, w []T, off []int, k, blocks, ldw, ldd, ld int)
}

// directKernelsFor is vec.Taps and vec.TapsPool2 for float32 (their
// vector kernels where the CPU has them) and the portable code for
// float64.
func directKernelsFor[T float]() directKernels[T] {
	var taps, pool any = vec.TapsPortable[float64], vec.TapsPool2Portable[float64]
	var z T
	if _, ok := any(z).(float32); ok {
		taps, pool = vec.Taps, vec.TapsPool2
	}
	return directKernels[T]{
		taps: taps.(func(dst, src, w []T, off []int, k, n, ldw, ldd int)),
		pool: pool.(func(dst, src, w []T, off []int, k, blocks, ldw, ldd, ld int)),
	}
}

// convPoolDirect computes convPoolForward's y = pool(conv(x, w) + b) (then
// max(0, ·) with the run's ReLU) by direct convolution: g.directTaps()
// must hold. The work is cut into bands of pooled rows of one image (all
// K channels; as many rows as fit convPoolTile), spread over the workers
// in order. A band is convolved and pooled by kern.pool, one pooled row
// of every channel a call, into the worker's tile (rows padded to a
// multiple of 8), then copied into y; where pool's blocks of 16 positions
// would read past the end of x (the last rows of the batch), or without
// kern.pool, the band's convolution rows are written "wide" by kern.taps
// and pooled from the tile (maxPoolRowPairFor).
func convPoolDirect[T float](cp *convPoolRun, x, w, b, y []T, kern directKernels[T]) {
	g := &cp.conv.geom
	ih, iw := g.in[1], g.in[2]
	xs := g.c * ih * iw
	ow := g.out[2]
	padded := g.directPadded()
	var pg shiftGeom // the padded extent: what the windows cover
	if padded {
		pg.ext = [3]int{1, g.out[1] + g.dil[1]*(g.ker[1]-1), g.out[2] + g.dil[2]*(g.ker[2]-1)}
		pg.plane = pg.ext[1] * pg.ext[2]
		ih, iw = pg.ext[1], pg.ext[2]
	}
	ph, pw := g.out[1]/2, g.out[2]/2
	var offs [directTapsMax]int
	off := offs[:0]
	for c := 0; c < g.c; c++ {
		for a := 0; a < g.ker[1]; a++ {
			for bb := 0; bb < g.ker[2]; bb++ {
				off = append(off, c*ih*iw+a*g.dil[1]*iw+bb*g.dil[2])
			}
		}
	}
	ck := len(off)
	maxOff := off[ck-1]
	// a band is rows pooled rows: 2·rows convolution rows of every channel
	rows := max(1, min(ph, convPoolTile/max(1, g.k*2*iw)))
	bands := (ph + rows - 1) / rows
	items := g.n * bands
	nw := max(1, min(runtime.GOMAXPROCS(0), items))
	for len(cp.tiles) < nw {
		cp.engs = append(cp.engs, convEngine{})
		cp.subs = append(cp.subs, convGeom{})
		cp.tiles = append(cp.tiles, nil)
	}
	blocks := (pw + 7) / 8 // TapsPool2's blocks of 8 pooled values
	ldo := 8 * blocks
	ys, ldd, ldp := g.k*ph*pw, 2*rows*iw+8, rows*ldo // ldd: room for n rounded up
	// a padded image is followed by zeros for TapsPool2's last blocks
	padSize := 0
	if padded {
		padSize = g.c*pg.plane + 16*blocks + iw
	}
	rowPair := maxPoolRowPairFor[T]()
	parallelFor(nw, 1, func(lo, hi int) {
		for wk := lo; wk < hi; wk++ {
			buf, ok := cp.tiles[wk].([]T)
			tileSize := g.k * max(ldd, ldp)
			if !ok || len(buf) < tileSize+padSize {
				buf = make([]T, tileSize+padSize)
				cp.tiles[wk] = buf
			}
			tile, xp := buf[:tileSize], buf[tileSize:tileSize+padSize]
			clear(xp[g.c*pg.plane:])
			last := -1 // the image in xp
			for it := wk * items / nw; it < (wk+1)*items/nw; it++ {
				img, band := it/bands, it%bands
				r0, r1 := band*rows, min((band+1)*rows, ph) // pooled rows
				var src []T
				if padded {
					if img != last {
						padImage(g, &pg, x[img*xs:(img+1)*xs], xp, pg.plane, 0)
						last = img
					}
					src = xp[2*r0*iw:]
				} else {
					src = x[img*xs+2*r0*iw:]
				}
				if kern.pool != nil && 2*(r1-r0-1)*iw+iw+16*blocks+maxOff <= len(src) {
					for r := 0; r < r1-r0; r++ {
						kern.pool(tile[r*ldo:], src[2*r*iw:], w, off, g.k, blocks, ck, ldp, iw)
					}
					for k := 0; k < g.k; k++ {
						yk := y[img*ys+k*ph*pw+r0*pw : img*ys+k*ph*pw+r1*pw]
						copyRows(yk, tile[k*ldp:], r1-r0, pw, ldo)
						directEpilogue(yk, b, k, cp.conv.relu)
					}
					continue
				}
				n := (2*(r1-r0)-1)*iw + ow
				if up := (n + 7) &^ 7; up+maxOff <= len(src) {
					// a few more wide positions (never read) spare the
					// kernel's scalar tail, where the input goes on
					n = up
				}
				kern.taps(tile, src, w, off, g.k, n, ck, ldd)
				for k := 0; k < g.k; k++ {
					tk := tile[k*ldd:]
					yk := y[img*ys+k*ph*pw+r0*pw : img*ys+k*ph*pw+r1*pw]
					for r := 0; r < r1-r0; r++ {
						rowPair(yk[r*pw:(r+1)*pw], tk[2*r*iw:2*r*iw+2*pw], tk[(2*r+1)*iw:(2*r+1)*iw+2*pw])
					}
					directEpilogue(yk, b, k, cp.conv.relu)
				}
			}
		}
	})
}

// directEpilogue adds b[k] (when b is not nil) to the pooled values yk of
// channel k, then applies max(0, ·) with relu.
func directEpilogue[T float](yk, b []T, k int, relu bool) {
	if b == nil && !relu {
		return
	}
	var bv T
	if b != nil {
		bv = b[k]
	}
	epilogue(yk, bv, relu, yk)
}
