package zoo_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/zoo"
	"gorgonia.org/tensor"
)

type flatTensor struct {
	Shape []int     `json:"shape"`
	Data  []float64 `json:"data"`
}

// TestSmallModelsMatchPyTorch loads PyTorch weights (by state_dict name)
// into small zoo models and compares the evaluation-mode outputs with
// PyTorch's, in float64 and float32 (testdata/small_models.json).
func TestSmallModelsMatchPyTorch(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "small_models.json"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Models map[string]struct {
			StateDict     map[string]flatTensor `json:"state_dict"`
			Input, Output flatTensor
		} `json:"models"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	builds := map[string]func(dt tensor.Dtype) (nn.Layer, error){
		"conv_autoencoder": func(dt tensor.Dtype) (nn.Layer, error) { return zoo.ConvAutoencoder(zoo.WithDtype(dt)) },
		"unet_d2_w4": func(dt tensor.Dtype) (nn.Layer, error) {
			return zoo.NewUNet(3, zoo.WithInputChannels(2), zoo.WithBaseWidth(4), zoo.WithDepth(2), zoo.WithDtype(dt))
		},
		"segnet_tiny": func(dt tensor.Dtype) (nn.Layer, error) {
			return zoo.NewSegNetStages([]int{4, 6}, []int{1, 2}, 3, zoo.WithInputChannels(2), zoo.WithDtype(dt))
		},
	}
	if len(builds) != len(file.Models) {
		t.Fatalf("%d models in the file, %d tested", len(file.Models), len(builds))
	}
	for name, ref := range file.Models {
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			t.Run(fmt.Sprintf("%s-%v", name, dt), func(t *testing.T) {
				m, err := builds[name](dt)
				if err != nil {
					t.Fatalf("%+v", err)
				}
				params := nn.NamedParams(m)
				if len(params) != len(ref.StateDict) {
					t.Errorf("%d Params, PyTorch's state_dict has %d tensors", len(params), len(ref.StateDict))
				}
				for _, np := range params {
					w, ok := ref.StateDict[np.Name]
					if !ok {
						t.Fatalf("Param %q is not in PyTorch's state_dict", np.Name)
					}
					v := tensor.New(tensor.WithShape(w.Shape...), tensor.WithBacking(w.Data))
					if err := np.Param.SetValue(v); err != nil {
						t.Fatalf("%s: %v", np.Name, err)
					}
				}
				x, err := graph.FromFloat64s(dt, ref.Input.Shape, ref.Input.Data)
				if err != nil {
					t.Fatal(err)
				}
				y, err := nn.Predict(m, x)
				if err != nil {
					t.Fatalf("%+v", err)
				}
				if fmt.Sprint([]int(y.Shape())) != fmt.Sprint(ref.Output.Shape) {
					t.Fatalf("output shape %v, PyTorch %v", y.Shape(), ref.Output.Shape)
				}
				got, _ := graph.Float64s(y)
				scale := 0.0
				for _, v := range ref.Output.Data {
					scale = math.Max(scale, math.Abs(v))
				}
				tol := 1e-10
				if dt == tensor.Float32 {
					tol = 1e-5
				}
				for i, want := range ref.Output.Data {
					if d := math.Abs(got[i]-want) / scale; d > tol {
						t.Fatalf("output %d: %v, PyTorch %v (difference %.2g of the largest output)", i, got[i], want, d)
					}
				}
			})
		}
	}
}
