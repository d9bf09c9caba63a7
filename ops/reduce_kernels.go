package ops

import (
	"slices"

	"github.com/convnet-go/convnet/internal/vec"
	"gorgonia.org/tensor"
)

// collapseAxes merges neighbouring axes that are both reduced or both kept
// and drops axes of size 1, so that a reduction walks as few, as long,
// contiguous runs as possible. It returns at least one axis.
func collapseAxes(shape tensor.Shape, red []bool) (dims []int, flags []bool) {
	for i, d := range shape {
		if d == 1 {
			continue
		}
		if n := len(dims); n > 0 && flags[n-1] == red[i] {
			dims[n-1] *= d
			continue
		}
		dims = append(dims, d)
		flags = append(flags, red[i])
	}
	if len(dims) == 0 {
		return []int{1}, []bool{false}
	}
	return dims, flags
}

// axisWalk is how a reduction and its gradient walk the input: the axes
// of the input shape collapsed by collapseAxes (dims, red marking the
// reduced ones), with their input strides (row-major) and output strides
// (0 on reduced axes). It depends on the shapes only, so an op builds it
// once.
type axisWalk struct {
	dims      []int
	red       []bool
	inS, outS []int
}

func newAxisWalk(shape tensor.Shape, red []bool) axisWalk {
	dims, cred := collapseAxes(shape, red)
	in, out := make([]int, len(dims)), make([]int, len(dims))
	si, so := 1, 1
	for i := len(dims) - 1; i >= 0; i-- {
		in[i] = si
		si *= dims[i]
		if !cred[i] {
			out[i] = so
			so *= dims[i]
		}
	}
	return axisWalk{dims: dims, red: cred, inS: in, outS: out}
}

// reduceSum adds x into acc (zeroed by the caller) over the reduced axes.
// The innermost runs are internal/vec's Sum (a reduced run) or a float64
// accumulation (a kept run). Work is split over the outermost kept axis:
// each worker owns whole outputs and adds into them in the sequential
// order, so results do not depend on GOMAXPROCS. A full reduction is
// split into fixed chunks whose partial sums are added in order
// (chunkedSum), for the same reason.
func reduceSum[T float](x []T, acc []float64, w *axisWalk) {
	dims, red, inS, outS := w.dims, w.red, w.inS, w.outS
	last := len(dims) - 1
	var walk func(level, xo, oo int)
	walk = func(level, xo, oo int) {
		d := dims[level]
		if level == last {
			if red[level] {
				acc[oo] += vec.Sum(x[xo : xo+d])
			} else {
				a := acc[oo : oo+d]
				for j, v := range x[xo : xo+d] {
					a[j] += float64(v)
				}
			}
			return
		}
		for i := 0; i < d; i++ {
			walk(level+1, xo+i*inS[level], oo+i*outS[level])
		}
	}
	kept := slices.Index(red, false)
	if kept < 0 { // everything is reduced: one run
		var work []float64
		acc[0] += chunkedSum(len(x), &work, func(lo, hi int) float64 { return vec.Sum(x[lo:hi]) })
		return
	}
	// outer walks the reduced axes above kept, then the outputs lo..hi-1 of kept.
	parallelFor(dims[kept], max(1, elementwiseGrain/max(1, inS[kept])), func(lo, hi int) {
		var outer func(level, xo int)
		outer = func(level, xo int) {
			if level < kept {
				for i := 0; i < dims[level]; i++ {
					outer(level+1, xo+i*inS[level])
				}
				return
			}
			for i := lo; i < hi; i++ {
				if kept == last {
					acc[i] += float64(x[xo+i])
				} else {
					walk(kept+1, xo+i*inS[kept], i*outS[kept])
				}
			}
		}
		outer(0, 0)
	})
}

// broadcastInto writes dx[i] = sc·dy[out(i)], in parallel over the first
// collapsed axis (or, for a single axis, over its elements).
func broadcastInto[T float](dy, dx []T, w *axisWalk, sc T) {
	dims, red, inS, outS := w.dims, w.red, w.inS, w.outS
	var walk func(level, xo, oo int)
	walk = func(level, xo, oo int) {
		d := dims[level]
		if level == len(dims)-1 {
			if red[level] {
				fill(dx[xo:xo+d], sc*dy[oo])
			} else {
				vec.Scale(dx[xo:xo+d], dy[oo:oo+d], sc)
			}
			return
		}
		for i := 0; i < d; i++ {
			walk(level+1, xo+i*inS[level], oo+i*outS[level])
		}
	}
	if len(dims) == 1 {
		parallelFor(dims[0], elementwiseGrain, func(lo, hi int) {
			if red[0] {
				fill(dx[lo:hi], sc*dy[0])
			} else {
				vec.Scale(dx[lo:hi], dy[lo:hi], sc)
			}
		})
		return
	}
	parallelFor(dims[0], max(1, elementwiseGrain/max(1, inS[0])), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			walk(1, i*inS[0], i*outS[0])
		}
	})
}

// fill sets every element of s to v.
func fill[T float](s []T, v T) { vec.Fill(s, v) }
