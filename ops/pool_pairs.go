package ops

import "github.com/convnet-go/convnet/internal/vec"

// Pooling whose windows are pairs along W, on internal/vec's pair kernels.
//
// When every window is whole (no clipping), regular (window o starts at
// o·stride along every axis), at most 2 long along D and H, and a pair at
// stride 2 along W, as MaxPool/AvgPool with kernel 2 on every axis (1-D,
// 2-D or 3-D), the outputs of one (plane, od) slice are a block of OH
// rows of OW outputs, each reading the same 1, 2 or 4 input rows (the
// window's (d, h) offsets) a fixed stride apart: one call of a pair
// kernel. For 1-D inputs the planes themselves are the rows, so a chunk
// of planes is one call.

// poolPairs reports whether g's windows have that shape.
func poolPairs(g *poolGeom) bool {
	if g.k[2] != 2 || g.s[2] != 2 || g.k[0] > 2 || g.k[1] > 2 {
		return false
	}
	for a := 0; a < 3; a++ {
		if g.out[a] == 0 {
			return false
		}
		for o := range g.out[a] {
			if g.lo[a][o] != o*g.s[a] || g.hi[a][o] != o*g.s[a]+g.k[a] {
				return false
			}
		}
	}
	return true
}

// poolPairBlock is one call of a pair kernel: output offset y, the input
// rows' offsets rows[:n], m rows of g.out[2] outputs with output stride
// ds and input stride xs.
type poolPairBlock struct {
	y       int
	rows    [4]int
	n       int
	m, ds   int
	xs      int
	outRows int // g.out[2]
}

// poolPairBlocks calls fn with every block of the planes [lo, hi).
func poolPairBlocks(g *poolGeom, lo, hi int, fn func(b *poolPairBlock)) {
	H, W := g.in[1], g.in[2]
	OH, OW := g.out[1], g.out[2]
	ip, op := g.inPlane(), g.outPlane()
	b := poolPairBlock{outRows: OW, ds: OW}
	if g.in[0] == 1 && g.in[1] == 1 {
		b.y, b.rows[0], b.n, b.m, b.xs = lo*op, lo*ip, 1, hi-lo, ip
		fn(&b)
		return
	}
	b.m, b.xs = OH, g.s[1]*W
	for p := lo; p < hi; p++ {
		for od := range g.out[0] {
			b.y = p*op + od*OH*OW
			b.n = 0
			for d := g.lo[0][od]; d < g.hi[0][od]; d++ {
				for h := range g.k[1] {
					b.rows[b.n] = p*ip + (d*H+h)*W
					b.n++
				}
			}
			fn(&b)
		}
	}
}

// maxPoolPairsValues writes the window maxima of x into y (no argmax):
// NaN for a window holding one, as the argmax path.
func maxPoolPairsValues[T float](g *poolGeom, x, y []T) {
	parallelFor(g.planes, planeGrain(g.inPlane()+g.outPlane()), func(lo, hi int) {
		var rows [4][]T
		poolPairBlocks(g, lo, hi, func(b *poolPairBlock) {
			for i := range b.n {
				rows[i] = x[b.rows[i]:]
			}
			vec.PairMax(y[b.y:], rows[:b.n], b.outRows, b.m, b.ds, b.xs)
		})
	})
}

// avgPoolPairsForward writes the window means of x into y: the sum of the
// window's pairs, balanced as avgPoolSmallForward adds them, times inv.
func avgPoolPairsForward[T float](g *poolGeom, x, y []T, inv T) {
	parallelFor(g.planes, planeGrain(g.inPlane()+g.outPlane()), func(lo, hi int) {
		var rows [4][]T
		poolPairBlocks(g, lo, hi, func(b *poolPairBlock) {
			for i := range b.n {
				rows[i] = x[b.rows[i]:]
			}
			vec.PairSum(y[b.y:], rows[:b.n], b.outRows, b.m, b.ds, b.xs, inv)
		})
	})
}

// avgPoolPairsBackward writes dy·inv into both elements of every pair of
// every window; the windows must tile (stride = kernel), and input
// elements no window covers are zeroed first.
func avgPoolPairsBackward[T float](g *poolGeom, dy, dx []T, inv T) {
	ip := g.inPlane()
	covered := true
	for a := 0; a < 3; a++ {
		covered = covered && g.out[a]*g.k[a] == g.in[a]
	}
	parallelFor(g.planes, planeGrain(ip+g.outPlane()), func(lo, hi int) {
		if !covered {
			clear(dx[lo*ip : hi*ip])
		}
		poolPairBlocks(g, lo, hi, func(b *poolPairBlock) {
			for i := range b.n {
				vec.PairSpread(dx[b.rows[i]:], dy[b.y:], b.outRows, b.m, b.xs, b.ds, inv)
			}
		})
	})
}
