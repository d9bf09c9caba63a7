package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/examples/internal/extest"
	"github.com/convnet-go/convnet/examples/internal/recipe"
)

// needFile skips (or, under CI, fails) when a file prepared by test.sh is
// missing.
func needFile(t *testing.T, path, script string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		msg := path + " is missing; run " + script + " (./test.sh does)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
}

// The program runs end to end on tiny subsets of the three datasets: the
// table has a row per dataset, accuracies are in [0, 1], the chart is
// written and the JSON line has the lecture's keys.
func TestTransferSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("trains MobileNetV2; skipped with -short")
	}
	extest.NeedMNIST(t)
	extest.NeedFashionMNIST(t)
	c := config{
		TrainFlags: recipe.TrainFlags{Epochs: 1, Batch: 8, LR: 1e-3, Seed: 1, Out: t.TempDir(), Quiet: true},
		Size:       32, HeadEpochs: 2, PerClass: 1, LFWPerClass: 3, Test: 10,
		HeadLR: 1e-3, FineLR: 1e-4, Datasets: "mnist,fashion,lfw",
	}
	c.defaults()
	needFile(t, filepath.Join(c.Model, "model.json"), "keras/scripts/fetch_nsfwjs.sh")
	needFile(t, c.LFW, "keras/scripts/fetch_skimage.sh")
	var table bytes.Buffer
	res, err := run(c, &table)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name        string
		train, test int
	}{{"MNIST", 10, 10}, {"Fashion-MNIST", 10, 10}, {"LFW faces vs non-faces", 6, 194}}
	if res.Pretrained != "mobilenet_v2" || len(res.Rows) != len(want) {
		t.Fatalf("result %+v", res)
	}
	for i, r := range res.Rows {
		if r.Dataset != want[i].name || r.TrainImages != want[i].train || r.TestImages != want[i].test {
			t.Errorf("row %d: %+v, want %+v", i, r, want[i])
		}
		for _, a := range []float64{r.Scratch, r.Frozen, r.FineTuned} {
			if a < 0 || a > 1 {
				t.Errorf("row %+v: accuracy outside [0, 1]", r)
			}
		}
	}
	if !strings.Contains(table.String(), "scratch") || !strings.Contains(table.String(), "fine-tuned") || strings.Count(table.String(), "\n") != 7 {
		t.Errorf("table:\n%s", table.String())
	}
	extest.Files(t, c.Out, "accuracy.png")
	line := extest.JSONLine(t, res, "pretrained", "rows")
	for _, k := range []string{`"dataset":`, `"train_images":`, `"test_images":`, `"scratch":`, `"frozen":`, `"fine_tuned":`} {
		if !strings.Contains(line, k) {
			t.Errorf("JSON line lacks %s: %s", k, line)
		}
	}
}

// The LFW split is stratified, disjoint and seeded; bad flags are errors.
func TestLFWSplitAndFlags(t *testing.T) {
	c := config{TrainFlags: recipe.TrainFlags{Seed: 3}, Size: 32, LFWPerClass: 10}
	c.defaults()
	needFile(t, c.LFW, "keras/scripts/fetch_skimage.sh")
	ds, err := loadLFW(c)
	if err != nil {
		t.Fatal(err)
	}
	count := func(ys []int) (n0, n1 int) {
		for _, y := range ys {
			if y == 1 {
				n1++
			} else {
				n0++
			}
		}
		return
	}
	if a, b := count(ds.trainY); a != 10 || b != 10 {
		t.Errorf("train classes %d/%d, want 10/10", a, b)
	}
	if a, b := count(ds.testY); a != 90 || b != 90 {
		t.Errorf("test classes %d/%d, want 90/90", a, b)
	}
	if len(ds.trainX) != 20*3*32*32 || len(ds.testX) != 180*3*32*32 {
		t.Errorf("sizes %d, %d", len(ds.trainX), len(ds.testX))
	}
	again, _ := loadLFW(c)
	if !equalFloats(again.trainX, ds.trainX) {
		t.Error("the split is not reproducible with the same seed")
	}
	c.Seed = 4
	other, _ := loadLFW(c)
	if equalFloats(other.trainX, ds.trainX) {
		t.Error("another seed gives the same split")
	}
	for _, bad := range []config{{Size: 16, LFWPerClass: 50}, {Size: 32, LFWPerClass: 100}, {Size: 32, LFWPerClass: 50, Datasets: "cifar"}} {
		b := bad
		b.Epochs, b.HeadEpochs, b.PerClass, b.Test, b.Batch, b.LR, b.HeadLR, b.FineLR = 1, 1, 1, 1, 1, 1, 1, 1
		if b.Datasets == "" {
			b.Datasets = "mnist"
		}
		if err := b.check(); err == nil {
			t.Errorf("config %+v: no error", bad)
		}
	}
}

// resize keeps a constant image constant and maps the corners of a ramp
// into its range; a 25x25 image scales to the requested size.
func TestResize(t *testing.T) {
	flat := make([]float32, 25*25)
	for i := range flat {
		flat[i] = 0.25
	}
	for _, v := range resize(flat, 25, 25, 32) {
		if v != 0.25 {
			t.Fatalf("constant image changed: %v", v)
		}
	}
	ramp := []float32{0, 1, 0, 1} // 2x2
	out := resize(ramp, 2, 2, 4)
	want := []float32{0, 0.25, 0.75, 1}
	for i := range want {
		if out[i] != want[i] {
			t.Fatalf("row 0 of the upscaled ramp: %v, want %v", out[:4], want)
		}
	}
}

func equalFloats(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
