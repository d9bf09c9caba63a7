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
// convPoolForward.

// directTapsMax is the largest C·kh·kw convolved directly: up to here
// the matrix product's reduction is too shallow to pay for its packing
// and im2col.
const directTapsMax = 32

// directTaps reports whether g can be convolved by convPoolDirect: 2-D,
// stride 1, no padding, at most directTapsMax taps, every window inside
// the input.
func (g *convGeom) directTaps() bool {
	if g.in[0] != 1 || g.out[0] != 1 || g.ker[0] != 1 || g.stride[1] != 1 || g.stride[2] != 1 ||
		g.pad[1] != 0 || g.pad[2] != 0 || g.colRows() > directTapsMax || g.out[1] < 2 || g.out[2] < 2 {
		return false
	}
	return g.out[1]-1+g.dil[1]*(g.ker[1]-1) < g.in[1] && g.out[2]-1+g.dil[2]*(g.ker[2]-1) < g.in[2]
}

// useDirectTaps reports whether convPoolForward takes the direct path:
// the geometry allows it and the element type has vector kernels
// (float32 on a CPU where vec.TapsFast).
func useDirectTaps[T float](g *convGeom) bool {
	var z T
	_, f32 := any(z).(float32)
	return f32 && vec.TapsFast() && g.directTaps()
}

// tapsFunc is vec.Taps's signature for element type T.
type tapsFunc[T float] func(dst, src, w []T, off []int, k, n, ldw, ldd int)

// tapsFor is vec.Taps for float32 (its vector kernels where the CPU has
// them) and the portable code for float64.
func tapsFor[T float]() tapsFunc[T] {
	var f any = vec.TapsPortable[float64]
	var z T
	if _, ok := any(z).(float32); ok {
		f = vec.Taps
	}
	return f.(func(dst, src, w []T, off []int, k, n, ldw, ldd int))
}

// convPoolDirect computes convPoolForward's y = pool(conv(x, w) + b) (then
// max(0, ·) with the run's ReLU) by direct convolution: g.directTaps()
// must hold. The work is cut into bands of an even number of output rows
// of one image (all K channels; as many rows as fit convPoolTile), spread
// over the workers in order.
func convPoolDirect[T float](cp *convPoolRun, x, w, b, y []T, taps tapsFunc[T]) {
	g := &cp.conv.geom
	ih, iw := g.in[1], g.in[2]
	ow := g.out[2]
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
	xs, ys, ldd := g.c*ih*iw, g.k*ph*pw, 2*rows*iw+8 // room for n rounded up
	rowPair := maxPoolRowPairFor[T]()
	parallelFor(nw, 1, func(lo, hi int) {
		for wk := lo; wk < hi; wk++ {
			tile, ok := cp.tiles[wk].([]T)
			if !ok || len(tile) < g.k*ldd {
				tile = make([]T, g.k*ldd)
				cp.tiles[wk] = tile
			}
			for it := wk * items / nw; it < (wk+1)*items/nw; it++ {
				img, band := it/bands, it%bands
				r0, r1 := band*rows, min((band+1)*rows, ph) // pooled rows
				n := (2*(r1-r0)-1)*iw + ow
				if up := (n + 7) &^ 7; img*xs+2*r0*iw+up+off[ck-1] <= len(x) {
					// a few more wide positions (never read) spare the
					// kernel's scalar tail, where the input goes on
					n = up
				}
				taps(tile, x[img*xs+2*r0*iw:], w, off, g.k, n, ck, ldd)
				for k := 0; k < g.k; k++ {
					tk := tile[k*ldd:]
					yk := y[img*ys+k*ph*pw+r0*pw : img*ys+k*ph*pw+r1*pw]
					for r := 0; r < r1-r0; r++ {
						rowPair(yk[r*pw:(r+1)*pw], tk[2*r*iw:2*r*iw+2*pw], tk[(2*r+1)*iw:(2*r+1)*iw+2*pw])
					}
					if b != nil || cp.conv.relu {
						var bv T
						if b != nil {
							bv = b[k]
						}
						epilogue(yk, bv, cp.conv.relu, yk)
					}
				}
			}
		}
	})
}
