package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/examples/internal/extest"
	"github.com/convnet-go/convnet/internal/ort"
)

// The program runs end to end on small subsets: mnist-8 imports and
// classifies MNIST, fine-tunes on Fashion-MNIST, and its export runs in
// ONNX Runtime with the same scores.
func TestONNXSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("loads MNIST and Fashion-MNIST and trains; skipped with -short")
	}
	extest.NeedMNIST(t)
	extest.NeedFashionMNIST(t)
	if err := ort.Available(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("ONNX Runtime is required under CI: %v", err)
		}
		t.Skip(err)
	}
	c := config{LR: 1e-4, Seed: 1, Limit: 500, TestLimit: 200, ORTImages: 5, Out: t.TempDir(), Quiet: true}
	var table bytes.Buffer
	res, err := run(c, &table)
	if err != nil {
		t.Fatalf("%+v", err)
	}
	if res.MNIST8Accuracy < 0.95 {
		t.Errorf("mnist-8 accuracy %.3f on 200 MNIST test images, want >= 0.95", res.MNIST8Accuracy)
	}
	// 500 Fashion images fine-tune well above chance (0.1).
	if res.FashionAccuracy < 0.3 || res.FashionAccuracy > 1 {
		t.Errorf("Fashion-MNIST accuracy %.3f", res.FashionAccuracy)
	}
	if !(res.ORTMaxRelDiff >= 0 && res.ORTMaxRelDiff < 1e-4) {
		t.Errorf("ONNX Runtime differs from convnet: max rel diff %v", res.ORTMaxRelDiff)
	}
	if res.Params != 5994 || res.TrainExamples != 500 || res.TestExamples != 200 {
		t.Errorf("result %+v", res)
	}
	if !strings.Contains(table.String(), "ONNX Runtime vs convnet") {
		t.Errorf("table:\n%s", table.String())
	}
	extest.Files(t, c.Out, "mnist8_fashion.onnx")
	extest.JSONLine(t, res, "mnist8_test_accuracy", "onnxruntime_max_rel_diff", "fashion_test_accuracy", "seconds")
}

// Bad flags are errors, not panics.
func TestONNXBadFlags(t *testing.T) {
	good := config{LR: 1e-4, ORTImages: 1}
	for name, mod := range map[string]func(*config){
		"lr":    func(c *config) { c.LR = 0 },
		"limit": func(c *config) { c.Limit = -1 },
		"ort":   func(c *config) { c.ORTImages = 0 },
	} {
		c := good
		mod(&c)
		if _, err := run(c, &bytes.Buffer{}); err == nil {
			t.Errorf("%s: run(%+v) succeeded", name, c)
		}
	}
}
