package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/examples/internal/extest"
	"github.com/convnet-go/convnet/examples/internal/recipe"
	"github.com/convnet-go/convnet/nn"
)

// The program's logic runs end to end on a few hundred digits: it trains,
// evaluates, and writes the weights (which load back into a fresh model),
// the history and its plot.
func TestResNetSmoke(t *testing.T) {
	extest.NeedMNIST(t)
	out := t.TempDir()
	res, err := run(config{
		TrainFlags: recipe.TrainFlags{Epochs: 1, Batch: 32, LR: 2e-3, Seed: 1, Out: out, Quiet: true},
		DataFlags:  recipe.DataFlags{Limit: 512, TestLimit: 200},
		Arch:       "small",
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Epochs != 1 || res.TrainExamples != 512 || res.TestExamples != 200 || res.TestAccuracy < 0.2 || res.Params != 77754 {
		t.Fatalf("result %+v", res)
	}
	extest.Files(t, out, "model.safetensors", "history.csv", "history.png")
	m, err := model("small", 99)
	if err != nil {
		t.Fatal(err)
	}
	if err := nn.LoadSafetensors(m, filepath.Join(out, "model.safetensors")); err != nil {
		t.Fatal(err)
	}
}

// The small model has torchvision's parameter names; -arch resnet18 is the
// zoo's ResNet18 with the small-input stem and one input channel; other
// names are errors.
func TestModels(t *testing.T) {
	m, err := model("small", 1)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range nn.NamedParams(m) {
		names = append(names, p.Name)
	}
	all := strings.Join(names, " ")
	for _, want := range []string{"conv1.weight", "bn1.running_mean", "layer1.0.conv1.weight", "layer2.0.downsample.0.weight", "layer3.0.bn2.bias", "fc.weight"} {
		if !strings.Contains(" "+all+" ", " "+want+" ") {
			t.Errorf("no Param %q in %s", want, all)
		}
	}
	if testing.Short() {
		return
	}
	r18, err := model("resnet18", 1)
	if err != nil {
		t.Fatal(err)
	}
	// torchvision's resnet18 with 10 classes has 11,181,642 parameters; the
	// 3x3 one-channel stem has 576 weights instead of 9,408.
	if got, want := nn.NumParams(r18), 11181642-9408+576; got != want {
		t.Errorf("resnet18: %d parameters, want %d", got, want)
	}
	if _, err := model("resnet1", 1); err == nil || !strings.Contains(err.Error(), "resnet1") {
		t.Errorf("bad -arch: %v", err)
	}
}
