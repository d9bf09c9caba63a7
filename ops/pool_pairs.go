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

// poolPairOp is the kernel a poolPairRun applies to each block.
type poolPairOp int

const (
	pairMaxOp    poolPairOp = iota // y = the maximum of the window
	pairSumOp                      // y = the sum of the window · inv
	pairSpreadOp                   // x (the gradient) = y · inv on every element
)

// poolPairRun is one pair-kernel pass over the planes of x (the input or
// its gradient) and y (the output or its gradient), a workers.Ranger over
// planes: a struct rather than closures, so a pass allocates once.
type poolPairRun[T float] struct {
	g       *poolGeom
	op      poolPairOp
	x, y    []T
	inv     T
	covered bool // pairSpreadOp: the windows cover every input element
}

// Range runs the pass on the planes [lo, hi): for 1-D inputs one block
// whose rows are the planes; otherwise one block per (plane, od) slice,
// OH rows of OW outputs reading the window's 1, 2 or 4 (d, h) rows.
func (r *poolPairRun[T]) Range(lo, hi int) {
	g := r.g
	H, W := g.in[1], g.in[2]
	OH, OW := g.out[1], g.out[2]
	ip, op := g.inPlane(), g.outPlane()
	if r.op == pairSpreadOp && !r.covered {
		clear(r.x[lo*ip : hi*ip])
	}
	var rows [4]int
	if g.in[0] == 1 && g.in[1] == 1 {
		rows[0] = lo * ip
		r.block(lo*op, rows[:1], hi-lo, ip)
		return
	}
	for p := lo; p < hi; p++ {
		for od := range g.out[0] {
			n := 0
			for d := g.lo[0][od]; d < g.hi[0][od]; d++ {
				for h := range g.k[1] {
					rows[n] = p*ip + (d*H+h)*W
					n++
				}
			}
			r.block(p*op+od*OH*OW, rows[:n], OH, g.s[1]*W)
		}
	}
}

// block applies the kernel to m rows of OW outputs from y0 (OW apart),
// reading the input rows at offsets rows (xs apart).
func (r *poolPairRun[T]) block(y0 int, rows []int, m, xs int) {
	OW := r.g.out[2]
	if r.op == pairSpreadOp {
		for _, o := range rows {
			vec.PairSpread(r.x[o:], r.y[y0:], OW, m, xs, OW, r.inv)
		}
		return
	}
	var in [4][]T
	for i, o := range rows {
		in[i] = r.x[o:]
	}
	if r.op == pairMaxOp {
		vec.PairMax(r.y[y0:], in[:len(rows)], OW, m, OW, xs)
		return
	}
	vec.PairSumRows(r.y[y0:], in[:len(rows)], OW, m, OW, xs, r.inv)
}

// run splits the pass over the planes.
func (r *poolPairRun[T]) run() {
	parallelRange(r.g.planes, planeGrain(r.g.inPlane()+r.g.outPlane()), r)
}

// maxPoolPairsValues writes the window maxima of x into y (no argmax):
// NaN for a window holding one, as the argmax path.
func maxPoolPairsValues[T float](g *poolGeom, x, y []T) {
	(&poolPairRun[T]{g: g, op: pairMaxOp, x: x, y: y}).run()
}

// avgPoolPairsForward writes the window means of x into y: the sum of the
// window's pairs, balanced as avgPoolSmallForward adds them, times inv.
func avgPoolPairsForward[T float](g *poolGeom, x, y []T, inv T) {
	(&poolPairRun[T]{g: g, op: pairSumOp, x: x, y: y, inv: inv}).run()
}

// avgPoolPairsBackward writes dy·inv into both elements of every pair of
// every window; the windows must tile (stride = kernel), and input
// elements no window covers are zeroed first.
func avgPoolPairsBackward[T float](g *poolGeom, dy, dx []T, inv T) {
	covered := true
	for a := 0; a < 3; a++ {
		covered = covered && g.out[a]*g.k[a] == g.in[a]
	}
	(&poolPairRun[T]{g: g, op: pairSpreadOp, x: dx, y: dy, inv: inv, covered: covered}).run()
}
