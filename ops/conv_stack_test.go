package ops

import (
	"fmt"
	"testing"
)

// TestPadImageShifted checks padImageShifted against its definition on 1-D,
// 2-D and 3-D grids with and without padding, inputs cropped by the extent,
// every shift of the innermost axis, and columns outside the image's plane
// left untouched.
func TestPadImageShifted(t *testing.T) {
	cases := []convGeom{
		{c: 2, in: [3]int{1, 1, 7}, out: [3]int{1, 1, 7}, ker: [3]int{1, 1, 3}, pad: [3]int{0, 0, 1}, dil: [3]int{1, 1, 1}},
		{c: 3, in: [3]int{1, 5, 6}, out: [3]int{1, 5, 6}, ker: [3]int{1, 3, 3}, pad: [3]int{0, 1, 1}, dil: [3]int{1, 1, 1}},
		{c: 1, in: [3]int{1, 5, 6}, out: [3]int{1, 3, 2}, ker: [3]int{1, 3, 3}, pad: [3]int{0, 0, 0}, dil: [3]int{1, 1, 2}},
		{c: 2, in: [3]int{1, 6, 9}, out: [3]int{1, 3, 4}, ker: [3]int{1, 2, 3}, pad: [3]int{0, 2, 2}, dil: [3]int{1, 1, 2}},
		{c: 2, in: [3]int{3, 4, 3}, out: [3]int{3, 4, 3}, ker: [3]int{3, 3, 3}, pad: [3]int{1, 1, 1}, dil: [3]int{1, 1, 1}},
		{c: 1, in: [3]int{1, 2, 2}, out: [3]int{1, 4, 4}, ker: [3]int{1, 3, 3}, pad: [3]int{0, 2, 2}, dil: [3]int{1, 1, 1}},
	}
	for ci, g := range cases {
		g.stride = [3]int{1, 1, 1}
		s := newShiftGeom(&g)
		x := make([]float64, g.c*g.inSize())
		for i := range x {
			x[i] = float64(i + 1)
		}
		padded := func(c, i int) float64 {
			d, h, w := i/(s.ext[1]*s.ext[2]), i/s.ext[2]%s.ext[1], i%s.ext[2]
			zd, zh, zw := d-g.pad[0], h-g.pad[1], w-g.pad[2]
			if zd < 0 || zd >= g.in[0] || zh < 0 || zh >= g.in[1] || zw < 0 || zw >= g.in[2] {
				return 0
			}
			return x[c*g.inSize()+(zd*g.in[1]+zh)*g.in[2]+zw]
		}
		const off, sentinel = 3, -7
		ld := off + s.plane + 2
		for sh := 0; sh < s.ext[2]; sh++ {
			t.Run(fmt.Sprintf("case%d/shift%d", ci, sh), func(t *testing.T) {
				xp := make([]float64, g.c*ld)
				for i := range xp {
					xp[i] = sentinel
				}
				padImageShifted(&g, &s, x, xp, ld, off, sh)
				for c := 0; c < g.c; c++ {
					for j := 0; j < ld; j++ {
						want := float64(sentinel)
						if i := j - off; i >= 0 && i < s.plane {
							want = 0
							if i+sh < s.plane {
								want = padded(c, i+sh)
							}
						}
						if got := xp[c*ld+j]; got != want {
							t.Fatalf("channel %d column %d = %v, want %v", c, j, got, want)
						}
					}
				}
			})
		}
	}
}
