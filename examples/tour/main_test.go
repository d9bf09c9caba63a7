package main

import (
	"bytes"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/examples/internal/extest"
	"github.com/convnet-go/convnet/examples/internal/recipe"
	"github.com/convnet-go/convnet/nn"
)

// The whole tour runs with a CNN trained on 300 digits: every section
// prints its result, the numbers agree with the hand formulas, and every
// PNG is written.
func TestTourSmoke(t *testing.T) {
	extest.NeedMNIST(t)
	out := t.TempDir()
	var buf bytes.Buffer
	res, err := run(config{
		TrainFlags: recipe.TrainFlags{Epochs: 1, Batch: 32, LR: 2e-3, Seed: 1, Out: out, Quiet: true},
		DataFlags:  recipe.DataFlags{Limit: 300, TestLimit: 200},
	}, &buf)
	if err != nil {
		t.Fatal(err)
	}
	text := buf.String()
	for _, want := range []string{
		"Conv2D(1, 2, kernel=3, pad=1, bias=false)",
		"Conv 11x11, stride 4 (AlexNet)          227  11   0   4  55x55 ok",
		"  1  1  1  2  2  2\n",
		"  4  4 10  6  6\n",
		"Sigmoid            0.0474  0.0452    0.2689  0.1966    0.5000  0.2500",
		"ops.SoftmaxCrossEntropy",
		"test accuracy",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if res.PoolChecks != len(sizeCases) || res.TransposedSum != 9*(1+2+3+4) {
		t.Errorf("size checks %d of %d, transposed sum %v", res.PoolChecks, len(sizeCases), res.TransposedSum)
	}
	// CE of logits (2, 1, 0.1) with class 0: log(e^2 + e^1 + e^0.1) - 2.
	want := math.Log(math.Exp(2)+math.Exp(1)+math.Exp(0.1)) - 2
	if math.Abs(res.CrossEntropy-want) > 1e-12 || math.Abs(res.CrossEntropyHand-want) > 1e-12 {
		t.Errorf("cross-entropy %v (hand %v), want %v", res.CrossEntropy, res.CrossEntropyHand, want)
	}
	if math.Abs(res.SigmoidMaxDeriv-0.25) > 1e-12 {
		t.Errorf("sigmoid's largest derivative %v, want 0.25", res.SigmoidMaxDeriv)
	}
	if res.CNNTrainExamples != 300 || res.CNNTestExamples != 200 || res.CNNTestAccuracy < 0.3 {
		t.Errorf("CNN: %+v", res)
	}
	extest.Files(t, out, "sobel.png", "activations.png", "filters.png", "featuremaps.png", "featuremaps2.png")
}

// With -weights the CNN is loaded (here an untrained examples/mnist model
// saved to a file) instead of trained.
func TestTourWeights(t *testing.T) {
	extest.NeedMNIST(t)
	out := t.TempDir()
	m, err := mnistNet(7)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(out, "model.safetensors")
	if err := nn.SaveSafetensors(m, path); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	res, err := run(config{
		TrainFlags: recipe.TrainFlags{Epochs: 1, Batch: 32, LR: 2e-3, Seed: 1, Out: out, Quiet: true},
		DataFlags:  recipe.DataFlags{Limit: 300, TestLimit: 100},
		Weights:    path,
	}, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if res.CNNWeights != path || res.CNNTrainExamples != 0 || res.CNNTestExamples != 100 {
		t.Errorf("result %+v", res)
	}
	if !strings.Contains(buf.String(), "loaded the examples/mnist model from "+path) {
		t.Errorf("output:\n%s", buf.String())
	}
}
