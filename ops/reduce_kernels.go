package ops

import "gorgonia.org/tensor"

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
// Work is split over the first collapsed axis when it is kept (disjoint
// outputs); otherwise it runs on one goroutine.
func reduceSum[T float](x []T, acc []float64, w *axisWalk) {
	dims, red, inS, outS := w.dims, w.red, w.inS, w.outS
	var walk func(level, xo, oo int)
	walk = func(level, xo, oo int) {
		d := dims[level]
		if level == len(dims)-1 {
			if red[level] {
				s := 0.0
				for _, v := range x[xo : xo+d] {
					s += float64(v)
				}
				acc[oo] += s
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
	if red[0] || len(dims) == 1 {
		walk(0, 0, 0)
		return
	}
	parallelFor(dims[0], max(1, elementwiseGrain/max(1, inS[0])), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			walk(1, i*inS[0], i*outS[0])
		}
	})
}

// broadcastInto writes dx[i] = sc·dy[out(i)].
func broadcastInto[T float](dy, dx []T, w *axisWalk, sc T) {
	dims, red, inS, outS := w.dims, w.red, w.inS, w.outS
	var walk func(level, xo, oo int)
	walk = func(level, xo, oo int) {
		d := dims[level]
		if level == len(dims)-1 {
			xs := dx[xo : xo+d]
			if red[level] {
				v := sc * dy[oo]
				for j := range xs {
					xs[j] = v
				}
			} else {
				for j, v := range dy[oo : oo+d] {
					xs[j] = sc * v
				}
			}
			return
		}
		for i := 0; i < d; i++ {
			walk(level+1, xo+i*inS[level], oo+i*outS[level])
		}
	}
	if len(dims) == 1 {
		walk(0, 0, 0)
		return
	}
	parallelFor(dims[0], max(1, elementwiseGrain/max(1, inS[0])), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			walk(1, i*inS[0], i*outS[0])
		}
	})
}
