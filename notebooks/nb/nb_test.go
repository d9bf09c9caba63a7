package nb_test

import (
	"errors"
	"math"
	"testing"

	"github.com/convnet-go/convnet/notebooks/nb"
	"gorgonia.org/tensor"
)

func panics(f func()) (did bool) {
	defer func() { did = recover() != nil }()
	f()
	return false
}

func TestHelpers(t *testing.T) {
	if panics(func() { nb.Check(nil) }) || !panics(func() { nb.Check(errors.New("x")) }) {
		t.Error("Check must panic exactly on a non-nil error")
	}
	if panics(func() { nb.Expect(true, "no") }) || !panics(func() { nb.Expect(false, "claim %d", 1) }) {
		t.Error("Expect must panic exactly on false")
	}
	x := tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]float32{1, 4, 3, 2}))
	v := nb.Float64s(x)
	if len(v) != 4 || v[1] != 4 {
		t.Errorf("Float64s = %v", v)
	}
	if !panics(func() { nb.Float64s(tensor.New(tensor.WithBacking([]int{1}))) }) {
		t.Error("Float64s of an int tensor must stop the notebook")
	}
	for _, c := range []struct {
		v    []float64
		want int
	}{{[]float64{1, 4, 3, 2}, 1}, {[]float64{5, 5}, 0}, {nil, 0}, {[]float64{-3, -1}, 1}} {
		if got := nb.Argmax(c.v); got != c.want {
			t.Errorf("Argmax(%v) = %d, want %d", c.v, got, c.want)
		}
	}
	if !nb.Close(1, 1.05, 0.1) || nb.Close(1, 1.2, 0.1) {
		t.Error("Close")
	}
	if d := nb.MaxDiff([]float64{1, 2}, []float64{1.5, 1}); d != 1 {
		t.Errorf("MaxDiff = %v", d)
	}
	if !panics(func() { nb.MaxDiff([]float64{1}, nil) }) {
		t.Error("MaxDiff of different lengths must stop the notebook")
	}
	if !nb.Same([]float64{1, 2}, []float64{1, 2 + 1e-9}, 1e-6) || nb.Same([]float64{1}, []float64{1, 2}, 1) || nb.Same([]float64{math.NaN()}, []float64{math.NaN()}, 1) {
		t.Error("Same")
	}
}
