// Package nb holds the few helpers every convnet notebook uses, so that a
// lesson cell shows the lesson. A notebook imports it by path, like the
// project's other packages:
//
//	import (
//		"../graph"
//		"../nn"
//		"./nb"
//	)
//
// Check and Expect panic on purpose: in a notebook a panic stops the run
// with the cell's error, which is how a notebook claim that no longer holds
// fails CI. Do not use them outside notebooks.
package nb

import (
	"fmt"
	"math"

	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Check stops the notebook on an unexpected error.
func Check(err error) {
	if err != nil {
		panic(err)
	}
}

// Expect stops the notebook when a condition that the text claims is
// false, with the message format and args.
func Expect(ok bool, format string, args ...any) {
	if !ok {
		panic(fmt.Sprintf(format, args...))
	}
}

// Float64s reads any float tensor as []float64 (stopping the notebook when
// it is not a float tensor).
func Float64s(t tensor.Tensor) []float64 {
	v, err := graph.Float64s(t)
	Check(err)
	return v
}

// Values reads a graph node's value (a tensor or a scalar) as []float64.
func Values(v G.Value) []float64 {
	f, err := graph.ValueFloat64s(v)
	Check(err)
	return f
}

// Argmax returns the index of the largest value (the first one on ties;
// 0 for an empty slice).
func Argmax(v []float64) int {
	best := 0
	for i := range v {
		if v[i] > v[best] {
			best = i
		}
	}
	return best
}

// Close reports whether a and b agree to within tol.
func Close(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// MaxDiff is the largest |a[i] - b[i]| (stopping the notebook when the
// lengths differ).
func MaxDiff(a, b []float64) float64 {
	Expect(len(a) == len(b), "lengths %d and %d", len(a), len(b))
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(a[i]-b[i]))
	}
	return d
}

// Same reports whether a and b have the same length and agree elementwise
// to within tol.
func Same(a, b []float64, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !(math.Abs(a[i]-b[i]) <= tol) {
			return false
		}
	}
	return true
}
