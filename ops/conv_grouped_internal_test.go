package ops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestGroupDirectMatchesEngine checks the direct grouped kernels, which
// run depthwise convolutions, on groups of several channels against the
// engine path those take, in all three directions.
func TestGroupDirectMatchesEngine(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	fill := func(n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		return v
	}
	for _, c := range []struct {
		n, c, k, groups  int
		in, ker, out     []int
		stride, pad, dil []int
		bias             bool
	}{
		{2, 6, 4, 2, []int{6, 7}, []int{3, 2}, []int{6, 4}, []int{1, 2}, []int{1, 0}, []int{1, 1}, true},
		{1, 8, 12, 4, []int{5, 5}, []int{3, 3}, []int{3, 3}, []int{2, 2}, []int{1, 1}, []int{1, 1}, false},
		{2, 4, 6, 2, []int{9}, []int{3}, []int{7}, []int{1}, []int{1}, []int{2}, true},
		{1, 4, 2, 2, []int{4, 5, 6}, []int{2, 3, 3}, []int{3, 5, 3}, []int{1, 1, 2}, []int{0, 1, 1}, []int{1, 1, 1}, false},
	} {
		t.Run(fmt.Sprint(c), func(t *testing.T) {
			rank := len(c.in)
			var s convSettings
			copy(s.stride[:], c.stride)
			copy(s.pad[:], c.pad)
			copy(s.dil[:], c.dil)
			g := s.geom(rank, c.n, c.c, c.k, c.in, c.out, c.ker)
			x, w := fill(c.n*c.c*g.inSize()), fill(c.k*c.c/c.groups*prod3(g.ker))
			dy := fill(c.n * c.k * g.outSize())
			var b []float64
			if c.bias {
				b = fill(c.k)
			}
			run := func(kind groupKind, direct bool, a, w2 []float64, size int) []float64 {
				out := make([]float64, size)
				op := newGroupRun(kind, rank, g, c.groups, c.bias && kind == groupForward)
				if !direct {
					groupConvEngine(op, a, w2, b, out)
					return out
				}
				switch kind {
				case groupForward:
					groupConvForward(&g, c.groups, a, w2, b, out)
				case groupData:
					groupConvData(&g, c.groups, a, w2, out)
				default:
					groupConvFilter(&g, c.groups, a, w2, out)
				}
				return out
			}
			for _, d := range []struct {
				kind groupKind
				a, w []float64
				size int
				what string
			}{
				{groupForward, x, w, len(dy), "forward"},
				{groupData, dy, w, len(x), "data"},
				{groupFilter, dy, x, len(w), "filter"},
			} {
				want, got := run(d.kind, false, d.a, d.w, d.size), run(d.kind, true, d.a, d.w, d.size)
				for i := range want {
					if math.Abs(got[i]-want[i]) > 1e-10*math.Max(1, math.Abs(want[i])) {
						t.Fatalf("%s: value %d: direct %v, engine %v", d.what, i, got[i], want[i])
					}
				}
			}
		})
	}
}
