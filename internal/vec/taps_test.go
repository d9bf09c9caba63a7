package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestTaps compares Taps (the AVX2 kernels where the CPU has them, the
// portable code for the tail) and TapsPortable with a float64 sum of the
// same terms, for 0 to 67 positions (every tail of the 16- and 8-wide
// blocks), 1 to 9 rows (the 4-row kernel and the 1-row remainder),
// padded row strides and a 3x3 kernel's offsets as well as scattered ones.
func TestTaps(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cases := []struct {
		name string
		off  []int
	}{
		{"3x3 on width 28", []int{0, 1, 2, 28, 29, 30, 56, 57, 58}},
		{"one tap", []int{3}},
		{"scattered", []int{7, 0, 31, 2, 2, 19, 64, 5, 11, 40, 1}},
	}
	for _, c := range cases {
		for _, k := range []int{1, 2, 3, 4, 5, 8, 9} {
			for n := 0; n <= 67; n++ {
				t.Run(fmt.Sprintf("%s/k=%d/n=%d", c.name, k, n), func(t *testing.T) {
					maxOff := 0
					for _, o := range c.off {
						maxOff = max(maxOff, o)
					}
					src := make([]float32, n+maxOff)
					for i := range src {
						src[i] = float32(rng.NormFloat64())
					}
					ldw, ldd := len(c.off)+2, n+3
					w := make([]float32, (k-1)*ldw+len(c.off))
					for i := range w {
						w[i] = float32(rng.NormFloat64())
					}
					got := make([]float32, (k-1)*ldd+n+1)
					port := make([]float32, len(got))
					for i := range got {
						got[i], port[i] = 42, 42 // values between rows stay
					}
					Taps(got, src, w, c.off, k, n, ldw, ldd)
					TapsPortable(port, src, w, c.off, k, n, ldw, ldd)
					for r := range k {
						for p := range n {
							var want float64
							var mag float64
							for i, o := range c.off {
								v := float64(w[r*ldw+i]) * float64(src[p+o])
								want += v
								mag += math.Abs(v)
							}
							tol := 1e-6 * (mag + 1)
							for name, v := range map[string]float32{"Taps": got[r*ldd+p], "TapsPortable": port[r*ldd+p]} {
								if math.Abs(float64(v)-want) > tol {
									t.Fatalf("%s: row %d position %d = %g, want %g (tolerance %g)", name, r, p, v, want, tol)
								}
							}
						}
						for p := n; p < ldd && r*ldd+p < len(got); p++ {
							if got[r*ldd+p] != 42 || port[r*ldd+p] != 42 {
								t.Fatalf("row %d position %d past n=%d was written", r, p, n)
							}
						}
					}
				})
			}
		}
	}
}

// TestTapsNaNInf checks that a NaN or an infinity in the source reaches
// exactly the outputs whose windows read it, on both paths, at positions
// in the vector blocks and in the tail.
func TestTapsNaNInf(t *testing.T) {
	off := []int{0, 1, 5}
	const n, k = 37, 5
	for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))} {
		for _, at := range []int{0, 9, 20, 36, 41} {
			src := make([]float32, n+5)
			for i := range src {
				src[i] = 1
			}
			src[at] = bad
			w := []float32{1, 2, 3}
			w = append(append(append(append(w, w...), w...), w...), w...)
			for name, f := range map[string]func(d []float32){
				"Taps":         func(d []float32) { Taps(d, src, w, off, k, n, 3, n) },
				"TapsPortable": func(d []float32) { TapsPortable(d, src, w, off, k, n, 3, n) },
			} {
				d := make([]float32, k*n)
				f(d)
				for r := range k {
					for p := range n {
						hit := p == at || p+1 == at || p+5 == at
						v := d[r*n+p]
						switch {
						case hit && math.IsNaN(float64(bad)) && !math.IsNaN(float64(v)):
							t.Fatalf("%s: %v at %d: row %d position %d = %g, want NaN", name, bad, at, r, p, v)
						case hit && !math.IsNaN(float64(bad)) && v != bad:
							t.Fatalf("%s: %v at %d: row %d position %d = %g, want %g", name, bad, at, r, p, v, bad)
						case !hit && v != 6:
							t.Fatalf("%s: %v at %d: row %d position %d = %g, want 6", name, bad, at, r, p, v)
						}
					}
				}
			}
		}
	}
}

// TestTapsFloat64 checks the portable float64 instance against the same
// float64 sum (bit-exact: same order, no fused multiply-add).
func TestTapsFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	off := []int{0, 2, 13, 14}
	for n := 0; n <= 20; n++ {
		src := make([]float64, n+14)
		for i := range src {
			src[i] = rng.NormFloat64()
		}
		w := make([]float64, 3*4)
		for i := range w {
			w[i] = rng.NormFloat64()
		}
		d := make([]float64, 3*n)
		TapsPortable(d, src, w, off, 3, n, 4, n)
		for r := range 3 {
			for p := range n {
				var want float64
				for i, o := range off {
					want += w[r*4+i] * src[p+o]
				}
				if d[r*n+p] != want {
					t.Fatalf("n=%d row %d position %d = %g, want %g", n, r, p, d[r*n+p], want)
				}
			}
		}
	}
}

// TestTapsShort checks that short slices panic with a message rather than
// reading out of bounds in the assembly.
func TestTapsShort(t *testing.T) {
	for name, f := range map[string]func(){
		"source": func() { Taps(make([]float32, 16), make([]float32, 16), []float32{1, 1}, []int{0, 1}, 1, 16, 2, 16) },
		"dst":    func() { Taps(make([]float32, 20), make([]float32, 40), []float32{1, 1}, []int{0, 1}, 2, 16, 1, 16) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s too short: no panic", name)
				}
			}()
			f()
		}()
	}
}

// TestTapsPool2 compares TapsPool2 (the AVX2 kernels where the CPU has
// them) and TapsPool2Portable with the 2x2 maxima of float64 sums, for 1
// to 5 rows (the 2-row kernel and the 1-row remainder), 1 to 4 blocks,
// several input row strides and tap sets, and a NaN, +Inf or -Inf in the
// source (outputs must be NaN exactly where the reference is).
func TestTapsPool2(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	offs := [][]int{{0, 1, 2, 28, 29, 30, 56, 57, 58}, {5}, {3, 0, 40, 17, 2}}
	bads := []float32{0, float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}
	for oi, off := range offs {
		for _, ld := range []int{16, 28, 33} {
			for k := 1; k <= 5; k++ {
				for blocks := 1; blocks <= 4; blocks++ {
					for _, bad := range bads {
						name := fmt.Sprintf("off%d/ld=%d/k=%d/blocks=%d/bad=%v", oi, ld, k, blocks, bad)
						maxOff := 0
						for _, o := range off {
							maxOff = max(maxOff, o)
						}
						src := make([]float32, 16*blocks+ld+maxOff+3)
						for i := range src {
							src[i] = float32(rng.NormFloat64())
						}
						if bad != 0 {
							src[rng.IntN(len(src))] = bad
						}
						ldw, ldd := len(off)+1, 8*blocks+2
						w := make([]float32, (k-1)*ldw+len(off))
						for i := range w {
							w[i] = float32(rng.NormFloat64())
						}
						got := make([]float32, (k-1)*ldd+8*blocks)
						port := make([]float32, len(got))
						TapsPool2(got, src, w, off, k, blocks, ldw, ldd, ld)
						TapsPool2Portable(port, src, w, off, k, blocks, ldw, ldd, ld)
						for c := range k {
							for i := range 8 * blocks {
								want, mag := math.Inf(-1), 0.0
								for _, q := range []int{2 * i, 2*i + 1, ld + 2*i, ld + 2*i + 1} {
									var s float64
									for j, o := range off {
										v := float64(w[c*ldw+j]) * float64(src[q+o])
										s += v
										mag += math.Abs(v)
									}
									if math.IsNaN(s) || math.IsNaN(want) {
										want = math.NaN()
									} else {
										want = max(want, s)
									}
								}
								for which, v := range map[string]float32{"TapsPool2": got[c*ldd+i], "TapsPool2Portable": port[c*ldd+i]} {
									f := float64(v)
									if math.IsNaN(f) != math.IsNaN(want) || (!math.IsNaN(want) && f != want && math.Abs(f-want) > 1e-6*(mag+1)) {
										t.Fatalf("%s: %s: row %d output %d = %v, want %v", name, which, c, i, v, want)
									}
								}
							}
						}
					}
				}
			}
		}
	}
}

// TestTapsPool2Float64 checks the portable float64 instance against
// Taps's portable float64 sums pooled by Go's max (bit-exact).
func TestTapsPool2Float64(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	off, ld, blocks := []int{0, 1, 9, 10}, 9, 2
	src := make([]float64, 16*blocks+ld+10)
	for i := range src {
		src[i] = rng.NormFloat64()
	}
	w := []float64{0.5, -1, 2, 0.25, 1, 1, -3, 0.125}
	sums := make([]float64, 2*(16*blocks+ld))
	TapsPortable(sums, src, w, off, 2, 16*blocks+ld, 4, 16*blocks+ld)
	got := make([]float64, 2*8*blocks)
	TapsPool2Portable(got, src, w, off, 2, blocks, 4, 8*blocks, ld)
	for c := range 2 {
		row := sums[c*(16*blocks+ld):]
		for i := range 8 * blocks {
			want := max(max(row[2*i], row[2*i+1]), max(row[ld+2*i], row[ld+2*i+1]))
			if got[c*8*blocks+i] != want {
				t.Fatalf("row %d output %d = %v, want %v", c, i, got[c*8*blocks+i], want)
			}
		}
	}
}

// TestMaxPool2Rows compares MaxPool2Rows (the AVX2 kernel where the CPU
// has it) with Go's max, for 1 to 5 rows of 1 to 19 pooled values, padded
// row strides, buffers that end with the last row or go on (the last row
// vectorised too), and a NaN, +Inf or -Inf in the input; nothing past
// len(dst) may be written.
func TestMaxPool2Rows(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	bads := []float32{0, float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}
	for rows := 1; rows <= 5; rows++ {
		for cols := 1; cols <= 19; cols++ {
			for _, pad := range []int{0, 3} {
				for _, extra := range []int{0, 9, 40} {
					for _, bad := range bads {
						ld, ldo := 2*cols+pad, cols+pad%2
						src := make([]float32, (2*rows-1)*ld+2*cols+extra)
						for i := range src {
							src[i] = float32(rng.NormFloat64())
						}
						if bad != 0 {
							src[rng.IntN(len(src))] = bad
						}
						buf := make([]float32, (rows-1)*ldo+cols+extra+8)
						for i := range buf {
							buf[i] = 42
						}
						dst := buf[:(rows-1)*ldo+cols+extra]
						MaxPool2Rows(dst, src, rows, cols, ld, ldo)
						for i := len(dst); i < len(buf); i++ {
							if buf[i] != 42 {
								t.Fatalf("rows %d cols %d: wrote past len(dst) at %d", rows, cols, i)
							}
						}
						for r := range rows {
							for i := range cols {
								a, b := src[2*r*ld+2*i:], src[(2*r+1)*ld+2*i:]
								want := max(max(a[0], a[1]), max(b[0], b[1]))
								got := dst[r*ldo+i]
								if math.IsNaN(float64(want)) != math.IsNaN(float64(got)) || (!math.IsNaN(float64(want)) && got != want) {
									t.Fatalf("rows %d cols %d pad %d extra %d bad %v: dst[%d][%d] = %v, want %v", rows, cols, pad, extra, bad, r, i, got, want)
								}
							}
						}
					}
				}
			}
		}
	}
}
