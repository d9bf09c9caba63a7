package main

import (
	"bytes"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/examples/internal/extest"
	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/train/data"
)

// The program's logic runs end to end on small subsets, both directions:
// the table has the pretraining, scratch, frozen and fine-tuned rows of
// each, the JSON summary is one line with the headline keys, and the plots
// and bases are written.
func TestTransferSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("loads MNIST and Fashion-MNIST and trains; skipped with -short")
	}
	extest.NeedMNIST(t)
	extest.NeedFashionMNIST(t)
	c := config{Epochs: 1, PretrainEpochs: 1, PerClass: 5, Batch: 16, LR: 2e-3, Seed: 1, Reverse: true,
		Out: t.TempDir(), Limit: 640, TestLimit: 200, ValSize: 50, Quiet: true}
	var table bytes.Buffer
	res, err := run(c, &table)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 8 || res.TargetExamples != 50 || res.TestExamples != 200 || res.FineLR != c.LR/10 {
		t.Fatalf("result %+v", res)
	}
	for _, r := range res.Rows {
		if r.Accuracy < 0 || r.Accuracy > 1 || r.Seconds <= 0 || r.Epochs <= 0 {
			t.Errorf("row %+v", r)
		}
	}
	// With 640 source images the pretrained models are far better than chance.
	if res.MNISTSource < 0.5 || res.FashionSource < 0.4 {
		t.Errorf("source accuracies %.3f (MNIST), %.3f (Fashion)", res.MNISTSource, res.FashionSource)
	}
	if got := strings.Count(table.String(), "\n"); got != 9 || !strings.Contains(table.String(), "transfer, fine-tuned") {
		t.Errorf("table (%d lines):\n%s", got, table.String())
	}
	extest.Files(t, c.Out, "curves.png", "filters_mnist.png", "filters_fashion.png", "mnist_base.safetensors", "fashion_base.safetensors")
	extest.JSONLine(t, res, "scratch_accuracy", "transfer_accuracy", "frozen_accuracy", "reverse_scratch_accuracy",
		"reverse_transfer_accuracy", "mnist_pretrain_accuracy", "rows", "seconds")
}

// values returns copies of the values of l's Params whose names start with
// prefix.
func values(t *testing.T, l nn.Layer, prefix string) [][]float64 {
	t.Helper()
	var out [][]float64
	for _, p := range nn.NamedParams(l) {
		if strings.HasPrefix(p.Name, prefix) {
			v, err := graph.Float64s(p.Param.Value())
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, slices.Clone(v))
		}
	}
	if len(out) == 0 {
		t.Fatalf("no Params under %q", prefix)
	}
	return out
}

// The mechanics the program relies on: a base saved from one model loads
// into another model's base; with the base frozen only the head changes;
// unfrozen, the base trains too.
func TestBaseTransferAndFreeze(t *testing.T) {
	src, srcBase, err := model(1)
	if err != nil {
		t.Fatal(err)
	}
	dst, dstBase, err := model(2)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "base.safetensors")
	if err := nn.SaveSafetensors(srcBase, path); err != nil {
		t.Fatal(err)
	}
	if err := nn.LoadSafetensors(dstBase, path); err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(values(t, src, "features."), values(t, dst, "features."), slices.Equal) {
		t.Fatal("the loaded base differs from the saved one")
	}
	if slices.EqualFunc(values(t, src, "classifier."), values(t, dst, "classifier."), slices.Equal) {
		t.Fatal("the heads should differ (different seeds)")
	}

	x := make([]float32, 32*28*28)
	labels := make([]int, 32)
	for i := range x {
		x[i] = float32(i%97) / 97
	}
	for i := range labels {
		labels[i] = i % 10
	}
	ds, err := data.NewLabeled(x, []int{1, 28, 28}, labels, 10)
	if err != nil {
		t.Fatal(err)
	}
	fit := func() {
		tr, err := trainer(config{Quiet: true, Seed: 1}, dst, 1, 8, 1e-2)
		if err != nil {
			t.Fatal(err)
		}
		defer tr.Close()
		if _, err := tr.Fit(ds, nil); err != nil {
			t.Fatal(err)
		}
	}
	if n := nn.Freeze(dst, "features"); n != 4 {
		t.Fatalf("froze %d Params, want 4 (two convolutions' weight and bias)", n)
	}
	baseBefore, headBefore := values(t, dst, "features."), values(t, dst, "classifier.")
	fit()
	if !slices.EqualFunc(baseBefore, values(t, dst, "features."), slices.Equal) {
		t.Error("the frozen base changed in training")
	}
	if slices.EqualFunc(headBefore, values(t, dst, "classifier."), slices.Equal) {
		t.Error("the head did not train")
	}
	nn.Unfreeze(dst)
	fit()
	if slices.EqualFunc(baseBefore, values(t, dst, "features."), slices.Equal) {
		t.Error("the unfrozen base did not train")
	}
}

// Bad flags are errors, not panics.
func TestTransferBadFlags(t *testing.T) {
	good := config{Epochs: 1, PretrainEpochs: 1, PerClass: 5, Batch: 8, LR: 1e-3}
	for name, mod := range map[string]func(*config){
		"epochs":   func(c *config) { c.Epochs = 0 },
		"perclass": func(c *config) { c.PerClass = 0 },
		"lr":       func(c *config) { c.LR = -1 },
		"finelr":   func(c *config) { c.FineLR = -1 },
		"val":      func(c *config) { c.ValSize = -1 },
	} {
		c := good
		mod(&c)
		if _, err := run(c, &bytes.Buffer{}); err == nil {
			t.Errorf("%s: run(%+v) succeeded", name, c)
		}
	}
}
