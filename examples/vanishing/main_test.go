package main

import (
	"math"
	"testing"

	"github.com/convnet-go/convnet/examples/internal/extest"
	"github.com/convnet-go/convnet/examples/internal/recipe"
	"github.com/convnet-go/convnet/train"
	"gorgonia.org/tensor"
)

// On a few hundred digits the three networks train, the probe sees every
// layer's gradient, and the sigmoid network's first layer gets a gradient
// orders of magnitude smaller than its last layer's, unlike the ReLU and
// residual networks.
func TestVanishingSmoke(t *testing.T) {
	extest.NeedMNIST(t)
	out := t.TempDir()
	res, err := run(config{
		TrainFlags: recipe.TrainFlags{Epochs: 1, Batch: 32, LR: 0.05, Seed: 1, Out: out, Quiet: true},
		DataFlags:  recipe.DataFlags{Limit: 640, TestLimit: 200},
		Depth:      14, Width: 32, ProbeSteps: 10,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Layers != 16 || res.Epochs != 1 || res.TrainExamples != 640 || res.TestExamples != 200 {
		t.Fatalf("result %+v", res)
	}
	if r := res.GradRatio["sigmoid"]; !(r > 0 && r < 1e-4) {
		t.Errorf("sigmoid: first/last gradient ratio %g, want < 1e-4", r)
	}
	for _, k := range []string{"relu", "residual"} {
		if r := res.GradRatio[k]; !(r > 0.05 && r < 20) {
			t.Errorf("%s: first/last gradient ratio %g, want near 1", k, r)
		}
	}
	extest.Files(t, out, "gradients.png", "training.png")
}

// A network whose loss becomes NaN (here the ReLU one, with a far too
// large learning rate) is reported in the result; the others still run.
func TestVanishingDiverges(t *testing.T) {
	extest.NeedMNIST(t)
	res, err := run(config{
		TrainFlags: recipe.TrainFlags{Epochs: 1, Batch: 64, LR: 5, Seed: 1, Out: t.TempDir(), Quiet: true},
		DataFlags:  recipe.DataFlags{Limit: 256, TestLimit: 100},
		Depth:      14, Width: 64, ProbeSteps: 10,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := res.Diverged["relu"]; !ok {
		t.Fatalf("relu did not diverge: %+v", res)
	}
	if _, ok := res.TestAccuracy["residual"]; !ok {
		t.Errorf("residual has no accuracy: %+v", res)
	}
}

// The probe records one norm per Dense layer for the first steps only and
// passes every gradient on to the wrapped optimizer.
func TestProbe(t *testing.T) {
	n, err := build("residual", 3, 8, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(n.layers) != 5 {
		t.Fatalf("%d dense layers, want 5", len(n.layers))
	}
	sgd, err := train.NewSGD(1)
	if err != nil {
		t.Fatal(err)
	}
	p := newProbe(sgd, n, 2)
	var ps []train.ParamGrad
	for i, d := range n.layers {
		shape := d.Weight().Shape()
		g := make([]float32, shape.TotalSize())
		g[0], g[1] = float32(3*(i+1)), float32(4*(i+1)) // norm 5(i+1)
		ps = append(ps, train.ParamGrad{Param: d.Weight(), Grad: tensor.New(tensor.WithShape(shape...), tensor.WithBacking(g))})
	}
	w0 := d0(n)
	for range 3 {
		if err := p.Step(ps); err != nil {
			t.Fatal(err)
		}
	}
	if len(p.norms) != 2 {
		t.Fatalf("%d steps recorded, want 2", len(p.norms))
	}
	for i, v := range p.meanNorms() {
		if math.Abs(v-float64(5*(i+1))) > 1e-5 {
			t.Errorf("layer %d: mean norm %v, want %v", i, v, 5*(i+1))
		}
	}
	// Three SGD steps of lr 1 moved the first weight by -3·3.
	if got := d0(n); math.Abs(got-(w0-9)) > 1e-5 {
		t.Errorf("first weight %v after 3 steps, want %v", got, w0-9)
	}
}

// d0 is the first element of the first layer's weight.
func d0(n *network) float64 {
	return float64(n.layers[0].Weight().Value().Data().([]float32)[0])
}
