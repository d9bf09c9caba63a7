package main

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/convnet-go/convnet/examples/internal/extest"
	"github.com/convnet-go/convnet/examples/internal/recipe"
	"github.com/convnet-go/convnet/nn"
)

// The program's logic runs end to end on a hundred digits (a few seconds:
// the model is about eight times the compute of examples/mnist's): it
// trains, evaluates, and writes the weights (which load back into a fresh
// model), the history and its plot. The accuracy is not checked: BatchNorm's
// running statistics (Keras's momentum, 0.01 in PyTorch's convention) need
// hundreds of steps to settle.
func TestInceptionSmoke(t *testing.T) {
	extest.NeedMNIST(t)
	out := t.TempDir()
	res, err := run(config{
		TrainFlags: recipe.TrainFlags{Epochs: 1, Batch: 32, LR: 2e-3, Seed: 1, Out: out, Quiet: true},
		DataFlags:  recipe.DataFlags{Limit: 96, TestLimit: 64},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Epochs != 1 || res.TrainExamples != 96 || res.TestExamples != 64 || res.Params != 304538 || math.IsNaN(res.TestLoss) {
		t.Fatalf("result %+v", res)
	}
	extest.Files(t, out, "model.safetensors", "history.csv", "history.png")
	m, err := model(99)
	if err != nil {
		t.Fatal(err)
	}
	if err := nn.LoadSafetensors(m, filepath.Join(out, "model.safetensors")); err != nil {
		t.Fatal(err)
	}
}
