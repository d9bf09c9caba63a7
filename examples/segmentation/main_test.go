package main

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/examples/internal/extest"
	"github.com/convnet-go/convnet/examples/internal/recipe"
	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/train/data"
	"gorgonia.org/tensor"
)

// The program's logic runs end to end on a few canvases: both models train,
// the reported Dice is the foreground Dice of the saved model's hard
// predictions over the test canvases, every file is written and the JSON
// summary is one line with the headline keys first.
func TestSegmentationSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("loads MNIST and trains; skipped with -short")
	}
	extest.NeedMNIST(t)
	c := config{
		TrainFlags: recipe.TrainFlags{Epochs: 1, Batch: 8, LR: 3e-3, Seed: 1, Out: t.TempDir(), Quiet: true},
		DataFlags:  recipe.DataFlags{Limit: 24, TestLimit: 12},
		Loss:       "dice", Models: "unet,segnet", UNetWidth: 4, UNetDepth: 3, SegNet: "tiny", Cosine: true, Examples: 3,
	}
	res, err := run(c)
	if err != nil {
		t.Fatal(err)
	}
	_, testSet, err := data.MNISTSegmentation("", c.Limit, c.TestLimit, c.Seed, data.ForegroundMask)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"unet", "segnet"} {
		s := res.scores[name]
		if s == nil || s.Params <= 0 || s.Dice < 0 || s.Dice > 1 || s.IoU < 0 || s.IoU > 1 || math.IsNaN(s.Loss) {
			t.Fatalf("%s: scores %+v", name, s)
		}
		extest.Files(t, c.Out, name+"_overlay.png", name+"_history.png")
		m, err := build(config{TrainFlags: recipe.TrainFlags{Seed: 9}, UNetWidth: c.UNetWidth, UNetDepth: c.UNetDepth, SegNet: c.SegNet}, name)
		if err != nil {
			t.Fatal(err)
		}
		if err := nn.LoadSafetensors(m, filepath.Join(c.Out, name+".safetensors")); err != nil {
			t.Fatal(err)
		}
		// The reported Dice: 2|P∩T|/(|P|+|T|) over every test pixel, P the
		// pixels with a positive logit, T the mask.
		if got := foregroundDice(t, m, testSet); math.Abs(got-s.Dice) > 2e-3 {
			t.Errorf("%s: reported Dice %.5f, recomputed from the saved weights %.5f", name, s.Dice, got)
		}
	}
	line := extest.JSONLine(t, res, "unet_test_dice", "segnet_test_dice", "unet_test_iou", "segnet_params", "seconds", "epochs", "train_canvases", "test_canvases")
	if !strings.HasPrefix(line, `{"unet_test_dice":`) {
		t.Errorf("the headline does not come first: %s", line)
	}
}

// foregroundDice recomputes the test Dice of m by hand.
func foregroundDice(t *testing.T, m nn.Layer, ds *data.Segmentation) float64 {
	t.Helper()
	const hw = data.SegCanvas * data.SegCanvas
	x := make([]float64, 0, ds.Len()*hw)
	var target []float32
	xb, yb := make([]float32, hw), make([]float32, hw)
	for i := range ds.Len() {
		if err := ds.Get(i, xb, yb); err != nil {
			t.Fatal(err)
		}
		for _, v := range xb {
			x = append(x, float64(v))
		}
		target = append(target, yb...)
	}
	xt, err := graph.FromFloat64s(tensor.Float32, []int{ds.Len(), 1, data.SegCanvas, data.SegCanvas}, x)
	if err != nil {
		t.Fatal(err)
	}
	out, err := nn.Predict(m, xt)
	if err != nil {
		t.Fatal(err)
	}
	logits, err := graph.Float64s(out)
	if err != nil {
		t.Fatal(err)
	}
	inter, np, nt := 0, 0, 0
	for j, z := range logits {
		p, tr := z > 0, target[j] > 0.5
		if p {
			np++
		}
		if tr {
			nt++
		}
		if p && tr {
			inter++
		}
	}
	if np+nt == 0 {
		return 1
	}
	return 2 * float64(inter) / float64(np+nt)
}

// Bad flags are errors, not panics.
func TestSegmentationBadFlags(t *testing.T) {
	good := config{
		TrainFlags: recipe.TrainFlags{Epochs: 1, Batch: 8, LR: 1e-3},
		DataFlags:  recipe.DataFlags{Limit: 8, TestLimit: 8},
		Loss:       "dice", Models: "unet", UNetWidth: 8, UNetDepth: 3, SegNet: "tiny",
	}
	for name, mod := range map[string]func(*config){
		"model":  func(c *config) { c.Models = "unet,fcn" },
		"loss":   func(c *config) { c.Loss = "focal" },
		"segnet": func(c *config) { c.SegNet = "huge" },
		"epochs": func(c *config) { c.Epochs = 0 },
		"limit":  func(c *config) { c.Limit = -1 },
	} {
		c := good
		mod(&c)
		if _, err := run(c); err == nil {
			t.Errorf("%s: run(%+v) succeeded", name, c)
		}
	}
}

// Every model choice builds and maps a canvas to one logit per pixel.
func TestSegmentationModels(t *testing.T) {
	x, err := graph.FromFloat64s(tensor.Float32, []int{1, 1, data.SegCanvas, data.SegCanvas}, make([]float64, data.SegCanvas*data.SegCanvas))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []config{
		{SegNet: "small"}, {SegNet: "tiny"}, {UNetWidth: 8, UNetDepth: 3}, {UNetWidth: 16, UNetDepth: 4},
	} {
		name := "segnet"
		if c.UNetWidth > 0 {
			name = "unet"
		}
		m, err := build(c, name)
		if err != nil {
			t.Fatal(err)
		}
		y, err := nn.Predict(m, x)
		if err != nil {
			t.Fatalf("%s %+v: %v", name, c, err)
		}
		if got := y.Shape(); len(got) != 4 || got[0] != 1 || got[1] != 1 || got[2] != data.SegCanvas || got[3] != data.SegCanvas {
			t.Errorf("%s %+v: output shape %v, want (1, 1, 64, 64)", name, c, got)
		}
	}
}
