package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/examples/internal/extest"
	"github.com/convnet-go/convnet/examples/internal/recipe"
	"github.com/convnet-go/convnet/nn"
)

// The program's logic runs end to end on a few hundred images: it trains,
// evaluates, and writes the weights (which load back into the model), the
// history and the two figures.
func TestFashionSmoke(t *testing.T) {
	extest.NeedFashionMNIST(t)
	out := t.TempDir()
	res, err := run(config{
		TrainFlags: recipe.TrainFlags{Epochs: 2, Batch: 32, LR: 2e-3, Seed: 1, Out: out, Quiet: true},
		DataFlags:  recipe.DataFlags{Limit: 512, TestLimit: 200},
		Blocks:     3, Flip: 0.5, Shift: 2, MisclassifiedGrid: 40,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Epochs != 2 || res.TrainExamples != 512 || res.TestExamples != 200 || res.TestAccuracy < 0.4 {
		t.Fatalf("result %+v", res)
	}
	if got := int((1-res.TestAccuracy)*200 + 0.5); got != res.Misclassified {
		t.Fatalf("%d misclassified, but accuracy %v of 200", res.Misclassified, res.TestAccuracy)
	}
	extest.Files(t, out, "model.safetensors", "history.csv", "history.png", "misclassified.png")
	m, err := model(3, 99)
	if err != nil {
		t.Fatal(err)
	}
	if err := nn.LoadSafetensors(m, filepath.Join(out, "model.safetensors")); err != nil {
		t.Fatal(err)
	}
	csv, _ := os.ReadFile(filepath.Join(out, "history.csv"))
	if !strings.HasPrefix(string(csv), "epoch,loss,accuracy,lr\n") || strings.Count(string(csv), "\n") != 3 {
		t.Fatalf("history.csv:\n%s", csv)
	}
}

// -blocks selects 1 to 4 convolution blocks; the dense layer follows the
// resolution (28 halved per block, rounded down). For 3 blocks: convolutions
// 9·32 + 9·32·64 + 9·64·128 = 92,448, BatchNorm 2·(32+64+128) = 448, dense
// 1152·128+128 = 147,584 and 128·10+10 = 1,290: 241,770.
func TestModelBlocks(t *testing.T) {
	for blocks, want := range map[int]int{1: 804586, 2: 421738, 3: 241770, 4: 422506} {
		m, err := model(blocks, 1)
		if err != nil {
			t.Fatal(err)
		}
		if got := nn.NumParams(m); got != want {
			t.Errorf("%d blocks: %d parameters, want %d", blocks, got, want)
		}
	}
	for _, blocks := range []int{0, 5} {
		if _, err := model(blocks, 1); err == nil {
			t.Errorf("%d blocks: no error", blocks)
		}
	}
}
