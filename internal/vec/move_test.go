package vec

import (
	"math"
	"testing"
)

// moveSets are the data-movement kernel sets under test: this machine's
// and the portable code.
func moveSets() []struct {
	name string
	mk   *moveKernels
} {
	return []struct {
		name string
		mk   *moveKernels
	}{{"asm", &moveAsm}, {"portable", &moveKernels{}}}
}

// moveInput is n values with a NaN, an infinity and a negative zero among
// ordinary ones.
func moveInput[T Float](n int) []T {
	x := make([]T, n)
	for i := range x {
		x[i] = T(float64(i%13)*0.37 - 2)
	}
	special := []float64{math.NaN(), math.Inf(1), math.Copysign(0, -1), math.Inf(-1)}
	for j, v := range special {
		if k := 5 + 11*j; k < n {
			x[k] = T(v)
		}
	}
	return x
}

// sameBits reports whether a and b are equal or both NaN.
func sameBits[T Float](a, b T) bool {
	return a == b && math.Signbit(float64(a)) == math.Signbit(float64(b)) || a != a && b != b
}

func TestFill64Move(t *testing.T) {
	for _, s := range moveSets() {
		for n := 0; n <= 67; n++ {
			for _, c := range []float64{1.5, math.NaN(), math.Inf(-1)} {
				buf := moveInput[float64](n + 2)
				dst := buf[1 : n+1]
				fill64(s.mk, dst, c)
				for i, v := range dst {
					if !sameBits(v, c) {
						t.Fatalf("%s n=%d c=%v: dst[%d] = %v", s.name, n, c, i, v)
					}
				}
				if ref := moveInput[float64](n + 2); !sameBits(buf[0], ref[0]) || !sameBits(buf[n+1], ref[n+1]) {
					t.Fatalf("%s n=%d: wrote outside dst", s.name, n)
				}
			}
		}
	}
	// Fill (the kernelSet entry point) routes float64 here
	d := make([]float64, 37)
	Fill(d, 2.5)
	for i, v := range d {
		if v != 2.5 {
			t.Fatalf("Fill float64: d[%d] = %v", i, v)
		}
	}
}

func TestRepeat2(t *testing.T) {
	testRepeat2[float32](t)
	testRepeat2[float64](t)
}

func testRepeat2[T Float](t *testing.T) {
	for _, s := range moveSets() {
		for n := 0; n <= 67; n++ {
			x := moveInput[T](n)
			buf := make([]T, 2*n+1)
			buf[2*n] = 7
			repeat2(s.mk, buf[:2*n], x)
			for i, v := range x {
				if !sameBits(buf[2*i], v) || !sameBits(buf[2*i+1], v) {
					t.Fatalf("%T %s n=%d: dst[%d:%d] = %v, %v, want %v twice", v, s.name, n, 2*i, 2*i+2, buf[2*i], buf[2*i+1], v)
				}
			}
			if buf[2*n] != 7 {
				t.Fatalf("%s n=%d: wrote past 2n", s.name, n)
			}
		}
	}
}

func TestPairSum(t *testing.T) {
	testPairSum[float32](t)
	testPairSum[float64](t)
}

func testPairSum[T Float](t *testing.T) {
	for _, s := range moveSets() {
		for _, acc := range []bool{false, true} {
			for n := 0; n <= 67; n++ {
				x := moveInput[T](2 * n)
				for i := range x { // distinct pairs: shift the second of each
					x[i] += T(i % 2)
				}
				dst := make([]T, n+1)
				for i := range dst {
					dst[i] = T(i) * 0.25
				}
				want := append([]T(nil), dst...)
				for i := 0; i < n; i++ {
					p := x[2*i] + x[2*i+1]
					if acc {
						want[i] += p
					} else {
						want[i] = p
					}
				}
				pairSum(s.mk, dst[:n], x, acc)
				for i := range dst {
					if !sameBits(dst[i], want[i]) {
						t.Fatalf("%T %s acc=%v n=%d: dst[%d] = %v, want %v", dst[i], s.name, acc, n, i, dst[i], want[i])
					}
				}
			}
		}
	}
}

func TestPadRows(t *testing.T) {
	testPadRows[float32](t)
	testPadRows[float64](t)
}

// testPadRows checks every row length 0..67 with borders 0..3 on both
// sides, a few rows each, against the definition; dst starts as NaN, so
// an element left unwritten shows, and a sentinel after the rows catches
// a write past them.
func testPadRows[T Float](t *testing.T) {
	for _, s := range moveSets() {
		for iw := 0; iw <= 67; iw++ {
			for _, bd := range [][2]int{{0, 0}, {1, 1}, {2, 0}, {0, 3}, {3, 2}} {
				bw, aw := bd[0], bd[1]
				rows := 1 + iw%3
				ow := bw + iw + aw
				src := moveInput[T](rows * iw)
				dst := make([]T, rows*ow+1)
				for i := range dst {
					dst[i] = T(math.NaN())
				}
				dst[rows*ow] = 9
				padRows(s.mk, dst, src, rows, iw, bw, aw)
				for r := 0; r < rows; r++ {
					for j := 0; j < ow; j++ {
						var want T
						if j >= bw && j < bw+iw {
							want = src[r*iw+j-bw]
						}
						if got := dst[r*ow+j]; !sameBits(got, want) {
							t.Fatalf("%T %s iw=%d bw=%d aw=%d: row %d [%d] = %v, want %v", got, s.name, iw, bw, aw, r, j, got, want)
						}
					}
				}
				if dst[rows*ow] != 9 {
					t.Fatalf("%s iw=%d bw=%d aw=%d: wrote past the rows", s.name, iw, bw, aw)
				}
			}
		}
	}
}

func TestRowMeans(t *testing.T) {
	testRowMeans[float32](t)
	testRowMeans[float64](t)
}

// testRowMeans checks row lengths 1..67 (blocks of 8, a block of 4, single
// elements) against the float64 mean of each row: within a few float64
// roundings (the order of the additions is the kernel's), and equal as
// float32 after rounding for float32 rows except at a rounding boundary.
// Rows holding NaN or ±Inf give NaN or the infinity.
func testRowMeans[T Float](t *testing.T) {
	for _, s := range moveSets() {
		for n := 1; n <= 67; n++ {
			rows := 1 + n%3
			x := make([]T, rows*n)
			for i := range x {
				x[i] = T(float64((i*7)%19)*0.31 - 2.5)
			}
			if n > 6 && rows > 1 {
				x[n+5] = T(math.Inf(1)) // row 1 (when there is one): +Inf
			}
			if n > 10 && rows > 2 {
				x[2*n+3], x[2*n+9] = T(math.Inf(1)), T(math.NaN()) // row 2: NaN
			}
			dst := make([]T, rows+1)
			dst[rows] = 5
			rowMeans(s.mk, dst[:rows], x, n)
			for r := 0; r < rows; r++ {
				sum := 0.0
				for _, v := range x[r*n : (r+1)*n] {
					sum += float64(v)
				}
				want := sum / float64(n)
				got := float64(dst[r])
				switch {
				case math.IsNaN(want) || math.IsInf(want, 0):
					if !sameBits(got, want) {
						t.Fatalf("%T %s n=%d row %d: got %v, want %v", dst[r], s.name, n, r, got, want)
					}
				case math.Abs(got-float64(T(want))) > 1e-6*math.Max(1, math.Abs(want)):
					t.Fatalf("%T %s n=%d row %d: got %v, want %v", dst[r], s.name, n, r, got, want)
				}
			}
			if dst[rows] != 5 {
				t.Fatalf("%s n=%d: wrote past the rows", s.name, n)
			}
		}
	}
}

func TestCropRows(t *testing.T) {
	testCropRows[float32](t)
	testCropRows[float64](t)
}

// testCropRows checks every row length 0..67 with borders 0..3 against the
// definition, with a sentinel after dst.
func testCropRows[T Float](t *testing.T) {
	for _, s := range moveSets() {
		for iw := 0; iw <= 67; iw++ {
			for _, bd := range [][2]int{{0, 0}, {1, 1}, {2, 0}, {0, 3}, {3, 2}} {
				bw, aw := bd[0], bd[1]
				rows := 1 + iw%3
				ow := bw + iw + aw
				src := moveInput[T](rows * ow)
				dst := make([]T, rows*iw+1)
				dst[rows*iw] = 9
				cropRows(s.mk, dst, src, rows, iw, bw, aw)
				for r := 0; r < rows; r++ {
					for j := 0; j < iw; j++ {
						if got, want := dst[r*iw+j], src[r*ow+bw+j]; !sameBits(got, want) {
							t.Fatalf("%T %s iw=%d bw=%d aw=%d: row %d [%d] = %v, want %v", got, s.name, iw, bw, aw, r, j, got, want)
						}
					}
				}
				if dst[rows*iw] != 9 {
					t.Fatalf("%s iw=%d bw=%d aw=%d: wrote past the rows", s.name, iw, bw, aw)
				}
			}
		}
	}
}
