package zoo_test

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/zoo"
	"gorgonia.org/tensor"
)

// hashed is the formula of testdata/gen_formula_logits.py: n values in
// [-1, 1) from an integer hash of the index and the name's length.
func hashed(name string, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		h := (uint64(i)*2654435761 + 12345*uint64(len(name))) % (1 << 32)
		h ^= h >> 13
		h = (h * 1274126177) % (1 << 32)
		out[i] = 2*float64(h)/float64(1<<32) - 1
	}
	return out
}

// formulaValues fills a state_dict tensor as the generator does.
func formulaValues(name string, shape []int) []float64 {
	n := 1
	for _, d := range shape {
		n *= d
	}
	s := hashed(name, n)
	for i, v := range s {
		switch {
		case strings.HasSuffix(name, "running_var"):
			s[i] = 1 + 0.5*v*v
		case strings.HasSuffix(name, "running_mean"), strings.HasSuffix(name, "bias"):
			s[i] = 0.1 * v
		case len(shape) >= 2:
			s[i] = v * math.Sqrt(3/float64(n/shape[0]))
		default:
			s[i] = 1 + 0.2*v
		}
	}
	return s
}

// TestTorchvisionFormulaWeights fills torchvision models and the zoo's
// twins with the same formula weights and compares the eval-mode logits
// (float32): GoogLeNet (ceil-mode pooling, 3x3 branch3), ResNet50
// (Bottleneck, stride on the 3x3), AlexNet and VGG11BN.
func TestTorchvisionFormulaWeights(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "formula_logits.json"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Models map[string]struct {
			InputShape []int      `json:"input_shape"`
			Logits     flatTensor `json:"logits"`
		} `json:"models"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	builds := map[string]func() (nn.Layer, error){
		"googlenet": func() (nn.Layer, error) { return zoo.GoogLeNet(10) },
		"resnet50":  func() (nn.Layer, error) { return zoo.ResNet50(10) },
		"alexnet":   func() (nn.Layer, error) { return zoo.AlexNet(10) },
		"vgg11_bn":  func() (nn.Layer, error) { return zoo.VGG11BN(10) },
	}
	if len(builds) != len(file.Models) {
		t.Fatalf("%d models in the file, %d tested", len(file.Models), len(builds))
	}
	for name, ref := range file.Models {
		t.Run(name, func(t *testing.T) {
			if testing.Short() && (name == "vgg11_bn" || name == "alexnet") {
				t.Skip("over 50M parameters; skipped with -short")
			}
			m, err := builds[name]()
			if err != nil {
				t.Fatal(err)
			}
			for _, np := range nn.NamedParams(m) {
				shape := []int(np.Param.Shape())
				v, err := graph.FromFloat64s(tensor.Float32, shape, formulaValues(np.Name, shape))
				if err != nil {
					t.Fatal(err)
				}
				if err := np.Param.SetValue(v); err != nil {
					t.Fatal(err)
				}
			}
			n := 1
			for _, d := range ref.InputShape {
				n *= d
			}
			x, err := graph.FromFloat64s(tensor.Float32, ref.InputShape, hashed("input", n))
			if err != nil {
				t.Fatal(err)
			}
			y, err := nn.Predict(m, x)
			if err != nil {
				t.Fatalf("%+v", err)
			}
			got, _ := graph.Float64s(y)
			want := ref.Logits.Data
			if len(got) != len(want) {
				t.Fatalf("%d logits, torchvision %d", len(got), len(want))
			}
			scale, diff := 0.0, 0.0
			for i := range want {
				scale = math.Max(scale, math.Abs(want[i]))
				diff = math.Max(diff, math.Abs(want[i]-want[i%10]))
			}
			if diff < 1e-3*scale {
				t.Fatalf("the reference logits do not depend on the input: %v", want)
			}
			worst := 0.0
			for i := range want {
				worst = math.Max(worst, math.Abs(got[i]-want[i])/scale)
			}
			t.Logf("largest difference relative to the largest logit (%.3g): %.2g", scale, worst)
			if worst > 1e-4 {
				t.Fatalf("logits %v\ntorchvision %v", got, want)
			}
		})
	}
}
