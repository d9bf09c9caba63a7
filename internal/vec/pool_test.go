package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// pairInput returns 2n+extra values from rng with NaN, ±Inf and zeros of
// both signs sprinkled in when special.
func pairInput(rng *rand.Rand, n int, special bool) []float64 {
	x := make([]float64, 2*n+3)
	for i := range x {
		x[i] = rng.NormFloat64()
		if special {
			switch rng.IntN(8) {
			case 0:
				x[i] = math.NaN()
			case 1:
				x[i] = math.Inf(1 - 2*rng.IntN(2))
			case 2:
				x[i] = math.Copysign(0, float64(1-2*rng.IntN(2)))
			}
		}
	}
	return x
}

func pairNarrow(x []float64) []float32 {
	y := make([]float32, len(x))
	for i, v := range x {
		y[i] = float32(v)
	}
	return y
}

// pairMaxWant is the maximum of a pair by definition: NaN if either is,
// +0 for zeros of both signs, else the larger.
func pairMaxWant(a, b float64) float64 {
	switch {
	case math.IsNaN(a) || math.IsNaN(b):
		return math.NaN()
	case a == 0 && b == 0:
		return math.Copysign(0, float64(1-2*b2i(math.Signbit(a) && math.Signbit(b))))
	case a > b:
		return a
	}
	return b
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// pairSameBits reports whether got is want, NaN matching any NaN and zeros
// matching by sign.
func pairSameBits(got, want float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(got)
	}
	return got == want && math.Signbit(got) == math.Signbit(want)
}

// pairCase is one block of TestPairMax and TestPairSumRows: nr rows of m
// rows each, n outputs a row, strides with slack, in float64 and the same
// values narrowed to float32.
type pairCase struct {
	nr, n, m, ds, xs int
	rows             [][]float64
	rows32           [][]float32
}

func newPairCase(rng *rand.Rand, nr, n int, special bool) pairCase {
	c := pairCase{nr: nr, n: n, m: 1 + rng.IntN(3)}
	c.ds, c.xs = n+rng.IntN(3), 2*n+rng.IntN(3)
	for range nr {
		r := pairInput(rng, (c.m*c.xs+1)/2, special)
		c.rows = append(c.rows, r)
		c.rows32 = append(c.rows32, pairNarrow(r))
	}
	return c
}

// check runs the kernel in both types on dst blocks with sentinels in the
// gaps and after the end, and compares each output with want (float64
// inputs, float32 inputs).
func (c pairCase) check(t *testing.T, what string, run64 func([]float64), run32 func([]float32),
	want64 func(j, i int) float64, want32 func(j, i int) float32) {
	t.Helper()
	size := c.m*c.ds + 1
	d64, d32 := make([]float64, size), make([]float32, size)
	for i := range d64 {
		d64[i], d32[i] = 7, 7
	}
	run64(d64[:size-1])
	run32(d32[:size-1])
	for j := 0; j < c.m; j++ {
		for i := 0; i < c.ds; i++ {
			o := j*c.ds + i
			if i >= c.n {
				if d64[o] != 7 || d32[o] != 7 {
					t.Fatalf("%s: wrote dst[%d], outside the block", what, o)
				}
				continue
			}
			if w := want64(j, i); !pairSameBits(d64[o], w) {
				t.Fatalf("%s: float64 row %d dst[%d] = %v, want %v", what, j, i, d64[o], w)
			}
			if w := want32(j, i); !pairSameBits(float64(d32[o]), float64(w)) {
				t.Fatalf("%s: float32 row %d dst[%d] = %v, want %v", what, j, i, d32[o], w)
			}
		}
	}
	if d64[size-1] != 7 || d32[size-1] != 7 {
		t.Fatalf("%s: wrote past dst", what)
	}
}

func TestPairMax(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, fast := range []bool{true, false} {
		for _, nr := range []int{1, 2, 3, 4} {
			for _, special := range []bool{false, true} {
				for n := 0; n <= 67; n++ {
					c := newPairCase(rng, nr, n, special)
					what := fmt.Sprintf("fast=%v rows=%d n=%d m=%d ds=%d xs=%d special=%v", fast, nr, n, c.m, c.ds, c.xs, special)
					c.check(t, what,
						func(d []float64) { pairMaxWith(d, c.rows, c.n, c.m, c.ds, c.xs, fast) },
						func(d []float32) { pairMaxWith(d, c.rows32, c.n, c.m, c.ds, c.xs, fast) },
						func(j, i int) float64 {
							w := math.Inf(-1)
							for _, r := range c.rows {
								o := j*c.xs + 2*i
								w = pairMaxWant(w, pairMaxWant(r[o], r[o+1]))
							}
							return w
						},
						func(j, i int) float32 {
							w := math.Inf(-1)
							for _, r := range c.rows32 {
								o := j*c.xs + 2*i
								w = pairMaxWant(w, pairMaxWant(float64(r[o]), float64(r[o+1])))
							}
							return float32(w)
						})
				}
			}
		}
	}
}

func TestPairSumRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, fast := range []bool{true, false} {
		for _, nr := range []int{1, 2, 3, 4} {
			for _, special := range []bool{false, true} {
				for n := 0; n <= 67; n++ {
					c := newPairCase(rng, nr, n, special)
					s := 0.25 + rng.Float64()
					what := fmt.Sprintf("fast=%v rows=%d n=%d m=%d ds=%d xs=%d special=%v", fast, nr, n, c.m, c.ds, c.xs, special)
					c.check(t, what,
						func(d []float64) { pairSumRowsWith(d, c.rows, c.n, c.m, c.ds, c.xs, s, fast) },
						func(d []float32) { pairSumRowsWith(d, c.rows32, c.n, c.m, c.ds, c.xs, float32(s), fast) },
						func(j, i int) float64 { return pairSumWant(c.rows, j*c.xs+2*i) * s },
						func(j, i int) float32 { return pairSumWant(c.rows32, j*c.xs+2*i) * float32(s) })
				}
			}
		}
	}
}

// pairSumWant is the sum of the pairs at o of rows in the documented
// order: balanced for 2 and 4 rows, row order otherwise.
func pairSumWant[T float32 | float64](rows [][]T, o int) T {
	p := make([]T, len(rows))
	for k, r := range rows {
		p[k] = r[o] + r[o+1]
	}
	switch len(p) {
	case 2:
		return p[0] + p[1]
	case 4:
		return (p[0] + p[1]) + (p[2] + p[3])
	}
	t := p[0]
	for _, v := range p[1:] {
		t += v
	}
	return t
}

func TestPairSpread(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, fast := range []bool{true, false} {
		for n := 0; n <= 67; n++ {
			m := 1 + rng.IntN(3)
			ds, xs := 2*n+1+rng.IntN(2), n+rng.IntN(3)
			x := pairInput(rng, (m*xs+1)/2, true)
			x32 := pairNarrow(x)
			s := 0.125 + rng.Float64()
			size := m*ds + 1
			d64, d32 := make([]float64, size), make([]float32, size)
			for i := range d64 {
				d64[i], d32[i] = 7, 7
			}
			pairSpreadWith(d64[:size-1], x, n, m, ds, xs, s, fast)
			pairSpreadWith(d32[:size-1], x32, n, m, ds, xs, float32(s), fast)
			for o := range d64 {
				j, i := o/ds, o%ds
				w64, w32 := 7.0, float32(7)
				if j < m && i < 2*n {
					w64, w32 = x[j*xs+i/2]*s, x32[j*xs+i/2]*float32(s)
				}
				if !pairSameBits(d64[o], w64) || !pairSameBits(float64(d32[o]), float64(w32)) {
					t.Fatalf("fast=%v n=%d m=%d ds=%d xs=%d: dst[%d] = %v / %v, want %v / %v", fast, n, m, ds, xs, o, d64[o], d32[o], w64, w32)
				}
			}
		}
	}
}

func TestPairBoundsPanic(t *testing.T) {
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"short dst", func() { PairMax(make([]float32, 7), [][]float32{make([]float32, 16)}, 8, 1, 8, 16) }},
		{"short row", func() { PairSumRows(make([]float32, 16), [][]float32{make([]float32, 31)}, 8, 2, 8, 16, 1) }},
		{"short spread dst", func() { PairSpread(make([]float64, 15), make([]float64, 8), 8, 1, 16, 8, 1) }},
		{"no rows", func() { PairSumRows(make([]float32, 8), nil, 8, 1, 8, 16, 1) }},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", c.name)
				}
			}()
			c.f()
		}()
	}
}
