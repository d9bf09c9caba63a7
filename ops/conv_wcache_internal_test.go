package ops

import (
	"bytes"
	"fmt"
	"math"
	"testing"
)

// TestSameBytes checks the parallel comparison against bytes.Equal for
// lengths 0 to 67 and around the chunk size, equal and with one byte
// changed at the start, the end, a chunk boundary or in the middle, and
// for slices of different lengths.
func TestSameBytes(t *testing.T) {
	var lens []int
	for n := range 68 {
		lens = append(lens, n)
	}
	lens = append(lens, 4*snapChunk, 4*snapChunk+1, 5*snapChunk-1, 9*snapChunk+13)
	for _, n := range lens {
		a := make([]byte, n)
		for i := range a {
			a[i] = byte(i*7 + 3)
		}
		b := bytes.Clone(a)
		if !sameBytes(a, b) {
			t.Fatalf("length %d: equal slices reported different", n)
		}
		for _, at := range []int{0, n - 1, n / 2, snapChunk, 3*snapChunk - 1} {
			if at < 0 || at >= n {
				continue
			}
			b[at]++
			if sameBytes(a, b) != bytes.Equal(a, b) || sameBytes(a, b) {
				t.Fatalf("length %d: a change at %d not found", n, at)
			}
			b[at]--
		}
		if n > 0 && sameBytes(a, b[:n-1]) {
			t.Fatalf("length %d: a shorter slice reported equal", n)
		}
	}
}

// TestSnapshotCheck checks the snapshot's generations: the first check
// and every change advance it, an unchanged check does not; NaN inputs
// with the same bits are unchanged, and -0 against +0 or a NaN with
// another payload is a change (the comparison is by bits).
func TestSnapshotCheck(t *testing.T) {
	w := []float32{1, 2, float32(math.NaN()), 4}
	b := []float32{0.5}
	var s weightSnapshot
	steps := []struct {
		name    string
		edit    func()
		changed bool
		gen     uint64
	}{
		{"first", func() {}, true, 1},
		{"same", func() {}, false, 1},
		{"weight", func() { w[1] = 3 }, true, 2},
		{"same NaN bits", func() {}, false, 2},
		{"bias", func() { b[0] = -0.5 }, true, 3},
		{"negative zero", func() { w[0] = 0 }, true, 4},
		{"zero sign", func() { w[0] = float32(math.Copysign(0, -1)) }, true, 5},
		{"NaN payload", func() { w[2] = math.Float32frombits(math.Float32bits(w[2]) ^ 1) }, true, 6},
		{"Inf", func() { w[3] = float32(math.Inf(1)) }, true, 7},
		{"same Inf", func() {}, false, 7},
	}
	for _, st := range steps {
		st.edit()
		gen, changed := s.check(bytesOf(w), bytesOf(b))
		if gen != st.gen || changed != st.changed {
			t.Errorf("%s: generation %d changed %v, want %d %v", st.name, gen, changed, st.gen, st.changed)
		}
	}
	if got := fmt.Sprint(len(bytesOf([]float64(nil))), len(bytesOf(make([]float64, 3)))); got != "0 24" {
		t.Errorf("bytesOf lengths %s, want 0 24", got)
	}
}
