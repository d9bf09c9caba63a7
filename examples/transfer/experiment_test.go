package main

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"gorgonia.org/tensor"
)

// A head trained on standardised features, folded, gives the same outputs
// on the raw features; standardize centres and scales the training set.
func TestFoldStandardization(t *testing.T) {
	const n, dim, classes = 6, 5, 3
	r := rand.New(rand.NewPCG(1, 2))
	train := make([]float32, n*dim)
	test := make([]float32, 2*dim)
	for i := range train {
		train[i] = float32(r.NormFloat64()*3 + 2)
	}
	for i := 0; i < n; i++ { // feature 4 is constant
		train[i*dim+4] = 7
	}
	for i := range test {
		test[i] = float32(r.NormFloat64())
	}
	rawTest := append([]float32(nil), test...)
	rawTrain := append([]float32(nil), train...)
	mean, scale := standardize(train, test, dim)
	for j := 0; j < dim; j++ {
		var s, ss float64
		for i := 0; i < n; i++ {
			s += float64(train[i*dim+j])
			ss += float64(train[i*dim+j]) * float64(train[i*dim+j])
		}
		// unit variance up to the floor 0.01·mean variance; 0 for the constant
		if math.Abs(s) > 1e-4 || (j < 4 && (ss < 0.9*n || ss > float64(n))) || (j == 4 && ss != 0) {
			t.Errorf("feature %d: sum %g, sum of squares %g", j, s, ss)
		}
	}
	head, err := nn.NewDense(dim, classes, nn.WithSeed(3))
	if err != nil {
		t.Fatal(err)
	}
	folded, err := foldStandardization(head, mean, scale)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ std, raw []float32 }{{train, rawTrain}, {test, rawTest}} {
		k := len(c.std) / dim
		a, err := nn.Predict(head, tensor.New(tensor.WithShape(k, dim), tensor.WithBacking(c.std)))
		if err != nil {
			t.Fatal(err)
		}
		b, err := nn.Predict(folded, tensor.New(tensor.WithShape(k, dim), tensor.WithBacking(c.raw)))
		if err != nil {
			t.Fatal(err)
		}
		av, _ := graph.Float64s(a)
		bv, _ := graph.Float64s(b)
		for i := range av {
			if math.Abs(av[i]-bv[i]) > 1e-4 {
				t.Fatalf("output %d: head on standardised %g, folded on raw %g", i, av[i], bv[i])
			}
		}
	}
}

// recalibrateBN moves a BatchNorm's running mean to the data's channel
// means (within the 0.9^40 left of the old value) and changes no weight.
func TestRecalibrateBN(t *testing.T) {
	bn, err := nn.NewBatchNorm2D(3, nn.WithMomentum(0.1))
	if err != nil {
		t.Fatal(err)
	}
	const n, s = 20, 4
	x := make([]float32, n*3*s*s)
	for i := 0; i < n; i++ {
		for c := 0; c < 3; c++ {
			for k := 0; k < s*s; k++ {
				x[(i*3+c)*s*s+k] = float32(c+1) + float32((i+k)%3-1)*0.1 // channel mean c+1
			}
		}
	}
	if err := recalibrateBN(bn, x, []int{3, s, s}, 8); err != nil {
		t.Fatal(err)
	}
	mean, _ := graph.Float64s(bn.RunningMean().Value())
	w, _ := graph.Float64s(bn.Weight().Value())
	for c := 0; c < 3; c++ {
		if want := float64(c + 1); math.Abs(mean[c]-want) > 0.02*want {
			t.Errorf("running mean of channel %d: %g, want about %g", c, mean[c], want)
		}
		if w[c] != 1 {
			t.Errorf("weight %d changed to %g", c, w[c])
		}
	}
}
