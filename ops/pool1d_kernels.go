package ops

import "github.com/convnet-go/convnet/internal/vec"

// One-dimensional max pooling without the argmax.

// maxPool1DValuesOnly reports whether maxPool1DValues handles g: 1-D
// pooling (windows one row high and one row deep).
func maxPool1DValuesOnly(g *poolGeom) bool {
	return g.in[0] == 1 && g.in[1] == 1 && g.k[0] == 1 && g.k[1] == 1
}

// maxPool1DValues writes the window maxima of every row of x (planes of
// one row) into y, without the argmax that only a backward reads. The
// maximum of a window holding a NaN is NaN, as on the argmax path; the
// one difference is that a window whose maximum is a zero of both signs
// gives +0 (the argmax path gives the first of them, as PyTorch).
func maxPool1DValues[T float](g *poolGeom, x, y []T) {
	W, OW := g.in[2], g.out[2]
	parallelFor(g.planes, planeGrain(W+OW), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			maxPoolRowValues(g, x[p*W:(p+1)*W], y[p*OW:(p+1)*OW])
		}
	})
}

// maxPoolRowValues reduces one input row over every window along W: the
// unclipped windows of the usual kernels run as straight-line loops, the
// clipped ones at either end through poolRowMax.
func maxPoolRowValues[T float](g *poolGeom, row, y []T) {
	loW, hiW := g.lo[2], g.hi[2]
	k, s, p := g.k[2], g.s[2], g.pb[2]
	a, b := g.innerW[0], max(g.innerW[0], g.innerW[1])
	for ow := 0; ow < a; ow++ {
		y[ow] = poolRowMax(row[loW[ow]:hiW[ow]])
	}
	switch {
	case k == 2 && s == 2:
		// pairs: y[ow] = max(row[2ow-p], row[2ow-p+1])
		maxPairs(y[a:b], row[a*2-p:b*2-p])
	case k == 2:
		for ow := a; ow < b; ow++ {
			w := ow*s - p
			pr := (*[2]T)(row[w:])
			y[ow] = max(pr[0], pr[1])
		}
	case k == 3:
		for ow := a; ow < b; ow++ {
			w := ow*s - p
			pr := (*[3]T)(row[w:])
			y[ow] = max(max(pr[0], pr[1]), pr[2])
		}
	default:
		for ow := a; ow < b; ow++ {
			w := ow*s - p
			y[ow] = poolRowMax(row[w : w+k])
		}
	}
	for ow := b; ow < len(loW); ow++ {
		y[ow] = poolRowMax(row[loW[ow]:hiW[ow]])
	}
}

// maxPairs sets dst[i] = max(src[2i], src[2i+1]): internal/vec's pair
// kernel (AVX2 on amd64), Go's max semantics (NaN wins, +0 for ±0).
func maxPairs[T float](dst, src []T) { vec.PairMax(dst, [][]T{src}, len(dst), 1, 0, 0) }
