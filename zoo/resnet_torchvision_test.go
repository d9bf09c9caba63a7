package zoo_test

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/zoo"
	"gorgonia.org/tensor"
)

// TestResNet18MatchesTorchvision loads torchvision's resnet18(num_classes=10)
// weights (random, with randomised BatchNorm statistics) and checks that
// Predict gives torchvision's eval-mode logits.
func TestResNet18MatchesTorchvision(t *testing.T) {
	weights := filepath.Join("testdata", "resnet18_c10.safetensors")
	if _, err := os.Stat(weights); err != nil {
		t.Fatalf("%s is part of the repository: %v", weights, err)
	}
	raw, err := os.ReadFile(filepath.Join("testdata", "resnet18_c10_io.json"))
	if err != nil {
		t.Fatal(err)
	}
	var io struct {
		Input, Logits struct {
			Shape []int     `json:"shape"`
			Data  []float64 `json:"data"`
		}
	}
	if err := json.Unmarshal(raw, &io); err != nil {
		t.Fatal(err)
	}
	m, err := zoo.ResNet18(10)
	if err != nil {
		t.Fatal(err)
	}
	if err := nn.LoadSafetensors(m, weights); err != nil {
		t.Fatalf("%+v", err)
	}
	x, err := graph.FromFloat64s(tensor.Float32, io.Input.Shape, io.Input.Data)
	if err != nil {
		t.Fatal(err)
	}
	y, err := nn.Predict(m, x)
	if err != nil {
		t.Fatalf("%+v", err)
	}
	if got := []int(y.Shape()); len(got) != 2 || got[0] != io.Logits.Shape[0] || got[1] != io.Logits.Shape[1] {
		t.Fatalf("logits shape %v, torchvision %v", y.Shape(), io.Logits.Shape)
	}
	got, _ := graph.Float64s(y)
	scale := 0.0
	for _, v := range io.Logits.Data {
		scale = math.Max(scale, math.Abs(v))
	}
	worst := 0.0
	for i, want := range io.Logits.Data {
		d := math.Abs(got[i]-want) / scale
		worst = math.Max(worst, d)
		if d > 1e-3 {
			t.Errorf("logit %d: %v, torchvision %v (relative to the largest logit %.3g: %.2g)", i, got[i], want, scale, d)
		}
	}
	t.Logf("largest difference relative to the largest logit: %.2g", worst)
}
