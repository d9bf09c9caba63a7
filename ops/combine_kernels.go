package ops

import "github.com/convnet-go/convnet/internal/vec"

// addAll sets y to the sum of srcs (at least one), added left to right.
func addAll[T float](y []T, srcs [][]T) {
	parallelFor(len(y), elementwiseGrain, func(lo, hi int) {
		ys := y[lo:hi]
		if len(srcs) == 1 {
			copy(ys, srcs[0][lo:hi])
			return
		}
		vec.Add(ys, srcs[0][lo:hi], srcs[1][lo:hi])
		for _, s := range srcs[2:] {
			vec.Add(ys, ys, s[lo:hi])
		}
	})
}

// concatCopy copies, for every outer index, each input's contiguous block
// of sizes[i]·inner values into its place in y.
func concatCopy[T float](y []T, in [][]T, sizes []int, outer, inner int) {
	total := 0
	for _, s := range sizes {
		total += s
	}
	row := total * inner
	parallelFor(outer, max(1, elementwiseGrain/row), func(lo, hi int) {
		for o := lo; o < hi; o++ {
			off := o * row
			for i, t := range in {
				blk := sizes[i] * inner
				copy(y[off:off+blk], t[o*blk:(o+1)*blk])
				off += blk
			}
		}
	})
}

func splitCopy[T float](dx, dy []T, outer, total, inner, start, size int) {
	blk := size * inner
	parallelFor(outer, max(1, elementwiseGrain/blk), func(lo, hi int) {
		for o := lo; o < hi; o++ {
			src := dy[o*total*inner+start*inner:]
			copy(dx[o*blk:(o+1)*blk], src[:blk])
		}
	})
}

// scaleInto sets y = s·x.
func scaleInto[T float](y, x []T, s T) {
	parallelFor(len(x), elementwiseGrain, func(lo, hi int) {
		vec.Scale(y[lo:hi], x[lo:hi], s)
	})
}
