package zoo_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/zoo"
)

// torchvisionModel is one entry of the torchvision shape files.
type torchvisionModel struct {
	NumParams int `json:"num_params"`
	// StateDict keeps torchvision's key order.
	StateDict orderedShapes `json:"state_dict"`
}

type orderedShapes struct {
	keys   []string
	shapes map[string][]int
}

func (o *orderedShapes) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &o.shapes); err != nil {
		return err
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	if _, err := dec.Token(); err != nil { // {
		return err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		o.keys = append(o.keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return err
		}
	}
	return nil
}

func loadTorchvision(t *testing.T, file string) map[string]torchvisionModel {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Models map[string]torchvisionModel `json:"models"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f.Models
}

// torchvisionZoo lists the zoo constructors that must match torchvision,
// by torchvision's name.
var torchvisionZoo = []struct {
	name  string
	file  string
	build func(classes int) (nn.Layer, error)
	heavy bool // more than 100M parameters: skipped with -short
}{
	{"alexnet", "torchvision_shapes.json", func(n int) (nn.Layer, error) { return zoo.AlexNet(n) }, false},
	{"vgg11", "torchvision_shapes.json", func(n int) (nn.Layer, error) { return zoo.VGG11(n) }, true},
	{"vgg13", "torchvision_shapes.json", func(n int) (nn.Layer, error) { return zoo.VGG13(n) }, true},
	{"vgg16", "torchvision_shapes.json", func(n int) (nn.Layer, error) { return zoo.VGG16(n) }, true},
	{"vgg19", "torchvision_shapes.json", func(n int) (nn.Layer, error) { return zoo.VGG19(n) }, true},
	{"vgg11_bn", "torchvision_extra_shapes.json", func(n int) (nn.Layer, error) { return zoo.VGG11BN(n) }, true},
	{"vgg13_bn", "torchvision_extra_shapes.json", func(n int) (nn.Layer, error) { return zoo.VGG13BN(n) }, true},
	{"vgg16_bn", "torchvision_extra_shapes.json", func(n int) (nn.Layer, error) { return zoo.VGG16BN(n) }, true},
	{"vgg19_bn", "torchvision_extra_shapes.json", func(n int) (nn.Layer, error) { return zoo.VGG19BN(n) }, true},
	{"resnet18", "torchvision_shapes.json", func(n int) (nn.Layer, error) { return zoo.ResNet18(n) }, false},
	{"resnet34", "torchvision_shapes.json", func(n int) (nn.Layer, error) { return zoo.ResNet34(n) }, false},
	{"resnet50", "torchvision_shapes.json", func(n int) (nn.Layer, error) { return zoo.ResNet50(n) }, false},
	{"resnet101", "torchvision_shapes.json", func(n int) (nn.Layer, error) { return zoo.ResNet101(n) }, false},
	{"resnet152", "torchvision_shapes.json", func(n int) (nn.Layer, error) { return zoo.ResNet152(n) }, false},
	{"googlenet", "torchvision_extra_shapes.json", func(n int) (nn.Layer, error) { return zoo.GoogLeNet(n) }, false},
}

// TestTorchvisionStateDict checks, for every torchvision model of the zoo at
// 1000 and 10 classes, that the Params have exactly torchvision's state_dict
// names, order and shapes (without num_batches_tracked) and that NumParams
// is torchvision's parameter count.
func TestTorchvisionStateDict(t *testing.T) {
	files := map[string]map[string]torchvisionModel{}
	for _, m := range torchvisionZoo {
		for _, classes := range []int{1000, 10} {
			key := fmt.Sprintf("%s_c%d", m.name, classes)
			t.Run(key, func(t *testing.T) {
				if m.heavy && testing.Short() {
					t.Skip("more than 100M parameters; skipped with -short")
				}
				if files[m.file] == nil {
					files[m.file] = loadTorchvision(t, m.file)
				}
				want, ok := files[m.file][key]
				if !ok {
					t.Fatalf("%s not in %s", key, m.file)
				}
				model, err := m.build(classes)
				if err != nil {
					t.Fatalf("%+v", err)
				}
				if got := nn.NumParams(model); got != want.NumParams {
					t.Errorf("NumParams = %d, torchvision %d", got, want.NumParams)
				}
				var wantKeys []string
				for _, k := range want.StateDict.keys {
					if !strings.HasSuffix(k, ".num_batches_tracked") {
						wantKeys = append(wantKeys, k)
					}
				}
				params := nn.NamedParams(model)
				if len(params) != len(wantKeys) {
					t.Errorf("%d params, torchvision has %d state_dict entries (without num_batches_tracked)", len(params), len(wantKeys))
				}
				for i, np := range params {
					shape, ok := want.StateDict.shapes[np.Name]
					if !ok {
						t.Errorf("param %q is not in torchvision's state_dict", np.Name)
						continue
					}
					if got := []int(np.Param.Shape()); fmt.Sprint(got) != fmt.Sprint(shape) {
						t.Errorf("%s: shape %v, torchvision %v", np.Name, got, shape)
					}
					if i < len(wantKeys) && wantKeys[i] != np.Name {
						t.Errorf("param %d is %q, torchvision's state_dict has %q there", i, np.Name, wantKeys[i])
					}
				}
				runtime.GC()
			})
		}
	}
}
