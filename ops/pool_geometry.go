package ops

import (
	"fmt"
	"math"

	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// poolGeom is a pooling window over up to three spatial axes, held as 3-D
// (D, H, W) with leading singleton axes for 1-D and 2-D inputs, so that one
// kernel serves every rank.
type poolGeom struct {
	name           string // "MaxPool2D", ...
	nd             int    // spatial rank
	planes         int    // N·C
	in, out        [3]int // spatial sizes
	k, s, pb, pa   [3]int
	ceil, exclude  bool
	xShape, yShape tensor.Shape
	// lo[a][o], hi[a][o]: the window of output o along axis a, clipped to
	// the input; cnt[a][o]: its length counted for the average divisor.
	lo, hi, cnt [3][]int
	// innerW: the outputs [innerW[0], innerW[1]) along W whose windows are
	// not clipped (start o·s - pad, length k).
	innerW [2]int
}

// inPlane and outPlane are the element counts of one (n, c) plane.
func (g *poolGeom) inPlane() int  { return g.in[0] * g.in[1] * g.in[2] }
func (g *poolGeom) outPlane() int { return g.out[0] * g.out[1] * g.out[2] }

// String is the op's name and attrs, as "MaxPool2D(k=(2, 2), ...)".
func (g *poolGeom) String() string { return g.name + "(" + g.attrs() + ")" }

// attrs describes the window, as "k=(2, 2), s=(2, 2), p=(0, 0)".
func (g *poolGeom) attrs() string {
	sp := func(v [3]int) string { return graph.FormatShape(v[3-g.nd:]) }
	s := fmt.Sprintf("k=%s, s=%s, p=%s", sp(g.k), sp(g.s), sp(g.pb))
	if g.pa != g.pb {
		s += fmt.Sprintf(", pafter=%s", sp(g.pa))
	}
	if g.ceil {
		s += ", ceil"
	}
	if g.exclude {
		s += ", excludepad"
	}
	return s
}

// poolAxes expands a per-axis setting to three axes: nil gives def,
// otherwise it must have nd entries; the leading axes get fill.
func poolAxes(name, what string, v []int, nd int, def []int, fill int) ([3]int, error) {
	var out [3]int
	if v == nil {
		v = def
	}
	if len(v) != nd {
		return out, graph.ArgErrorf("ops: %s: %s needs %d values (one per spatial axis), got %d %v", name, what, nd, len(v), v)
	}
	for i := 0; i < 3-nd; i++ {
		out[i] = fill
	}
	copy(out[3-nd:], v)
	return out, nil
}

// newPoolGeom checks x and spec and computes the window tables. kind is
// "Max" or "Avg".
func newPoolGeom(kind string, x *G.Node, spec PoolSpec) (*poolGeom, error) {
	nd := len(spec.Kernel)
	name := fmt.Sprintf("%sPool%dD", kind, nd)
	if nd < 1 || nd > 3 {
		return nil, graph.ArgErrorf("ops: %sPool: kernel needs 1, 2 or 3 values (one per spatial axis), got %v", kind, spec.Kernel)
	}
	if err := checkNode(name, "input", x, nd+2); err != nil {
		return nil, err
	}
	g := &poolGeom{name: name, nd: nd, ceil: spec.Ceil, exclude: spec.ExcludePad && kind == "Avg"}
	zeros := make([]int, nd)
	var err error
	if g.k, err = poolAxes(name, "kernel", spec.Kernel, nd, nil, 1); err != nil {
		return nil, err
	}
	if g.s, err = poolAxes(name, "stride", spec.Stride, nd, spec.Kernel, 1); err != nil {
		return nil, err
	}
	if g.pb, err = poolAxes(name, "pad", spec.Pad, nd, zeros, 0); err != nil {
		return nil, err
	}
	if g.pa, err = poolAxes(name, "pad after", spec.PadAfter, nd, g.pb[3-nd:], 0); err != nil {
		return nil, err
	}
	xs := x.Shape()
	sp := func(v [3]int) string { return graph.FormatShape(v[3-nd:]) }
	for i, d := range xs {
		if d <= 0 {
			return nil, graph.ShapeErrorf("ops: %s: input dimensions must be positive, got shape %s (axis %d)", name, graph.FormatShape(xs), i)
		}
	}
	g.planes = xs[0] * xs[1]
	copy(g.in[:], []int{1, 1, 1})
	copy(g.in[3-nd:], xs[2:])
	for a := 3 - nd; a < 3; a++ {
		switch {
		case g.k[a] < 1:
			return nil, graph.ArgErrorf("ops: %s: kernel must be positive, got %s", name, sp(g.k))
		case g.s[a] < 1:
			return nil, graph.ArgErrorf("ops: %s: stride must be positive, got %s", name, sp(g.s))
		case g.pb[a] < 0 || g.pa[a] < 0:
			return nil, graph.ArgErrorf("ops: %s: padding must be >= 0, got %s (after %s)", name, sp(g.pb), sp(g.pa))
		case 2*g.pb[a] > g.k[a] || 2*g.pa[a] > g.k[a]:
			return nil, graph.ArgErrorf("ops: %s: padding must be at most half the kernel, got pad %s (after %s) for kernel %s", name, sp(g.pb), sp(g.pa), sp(g.k))
		case g.in[a]+g.pb[a]+g.pa[a] < g.k[a]:
			var padded [3]int
			for b := range padded {
				padded[b] = g.in[b] + g.pb[b] + g.pa[b]
			}
			return nil, graph.ShapeErrorf("ops: %s: kernel %s is larger than the padded input %s (input %s of shape %s, pad %s)",
				name, sp(g.k), sp(padded), sp(g.in), graph.FormatShape(xs), sp(g.pb))
		}
		span := g.in[a] + g.pb[a] + g.pa[a] - g.k[a]
		o := span/g.s[a] + 1
		if g.ceil {
			o = (span+g.s[a]-1)/g.s[a] + 1
			if (o-1)*g.s[a] >= g.in[a]+g.pb[a] {
				o-- // the last window would start in the trailing padding
			}
		}
		g.out[a] = o
	}
	for a := 0; a < 3-nd; a++ {
		g.out[a] = 1
	}
	if g.inPlane() > math.MaxInt32 {
		return nil, graph.ShapeErrorf("ops: %s: a plane of %d elements is too large (at most %d)", name, g.inPlane(), math.MaxInt32)
	}
	for a := 0; a < 3; a++ {
		n := g.out[a]
		g.lo[a], g.hi[a], g.cnt[a] = make([]int, n), make([]int, n), make([]int, n)
		for o := 0; o < n; o++ {
			start := o*g.s[a] - g.pb[a]
			end := min(start+g.k[a], g.in[a]+g.pa[a])
			lo, hi := max(start, 0), min(end, g.in[a])
			g.lo[a][o], g.hi[a][o] = lo, hi
			if g.exclude {
				g.cnt[a][o] = hi - lo
			} else {
				g.cnt[a][o] = end - start
			}
		}
	}
	g.innerW = [2]int{g.out[2], g.out[2]}
	for o := 0; o < g.out[2]; o++ {
		if g.lo[2][o] == o*g.s[2]-g.pb[2] && g.hi[2][o] == g.lo[2][o]+g.k[2] {
			if g.innerW[0] == g.out[2] {
				g.innerW[0] = o
			}
			g.innerW[1] = o + 1
		}
	}
	g.xShape = xs.Clone()
	g.yShape = append(tensor.Shape{xs[0], xs[1]}, g.out[3-nd:]...)
	return g, nil
}

// poolGrain is the smallest amount of work (in elements) worth a goroutine.
const poolGrain = 1 << 14

// planeGrain is the number of planes of size per that make up poolGrain.
func planeGrain(per int) int { return max(1, poolGrain/max(per, 1)) }
