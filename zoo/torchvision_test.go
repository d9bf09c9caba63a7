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

// torchvisionShapes reads both shape files into one map.
func torchvisionShapes(t *testing.T) map[string]torchvisionModel {
	t.Helper()
	all := map[string]torchvisionModel{}
	for _, f := range []string{"torchvision_shapes.json", "torchvision_extra_shapes.json"} {
		for k, v := range loadTorchvision(t, f) {
			all[k] = v
		}
	}
	return all
}

// checkStateDict compares the Params of model with torchvision's
// state_dict key (names, order, shapes; num_batches_tracked left out) and
// NumParams with torchvision's parameter count.
func checkStateDict(t *testing.T, model nn.Layer, tv map[string]torchvisionModel, key string) {
	t.Helper()
	want, ok := tv[key]
	if !ok {
		t.Fatalf("%s is not in the torchvision shape files", key)
	}
	if got := nn.NumParams(model); got != want.NumParams {
		t.Errorf("%s: NumParams = %d, torchvision %d", key, got, want.NumParams)
	}
	var wantKeys []string
	for _, k := range want.StateDict.keys {
		if !strings.HasSuffix(k, ".num_batches_tracked") {
			wantKeys = append(wantKeys, k)
		}
	}
	params := nn.NamedParams(model)
	if len(params) != len(wantKeys) {
		t.Errorf("%s: %d params, torchvision has %d state_dict entries (without num_batches_tracked)", key, len(params), len(wantKeys))
	}
	for i, np := range params {
		shape, ok := want.StateDict.shapes[np.Name]
		if !ok {
			t.Errorf("%s: param %q is not in torchvision's state_dict", key, np.Name)
			continue
		}
		if got := []int(np.Param.Shape()); fmt.Sprint(got) != fmt.Sprint(shape) {
			t.Errorf("%s: %s: shape %v, torchvision %v", key, np.Name, got, shape)
		}
		if i < len(wantKeys) && wantKeys[i] != np.Name {
			t.Errorf("%s: param %d is %q, torchvision's state_dict has %q there", key, i, np.Name, wantKeys[i])
			return
		}
	}
}

// TestTorchvisionStateDict1000 checks the torchvision models at 1000
// classes (TestModels checks them at 10): state_dict names, order and
// shapes, and the parameter count.
func TestTorchvisionStateDict1000(t *testing.T) {
	tv := torchvisionShapes(t)
	covered := map[string]bool{}
	for _, c := range zooCases {
		covered[c.tv+"_c10"], covered[c.tv+"_c1000"] = true, true
	}
	for k := range tv {
		if !covered[k] {
			t.Errorf("%s of the torchvision shape files is not tested", k)
		}
	}
	for _, c := range zooCases {
		if c.tv == "" {
			continue
		}
		t.Run(c.tv, func(t *testing.T) {
			if testing.Short() && (c.heavy || strings.HasPrefix(c.tv, "vgg") || c.tv == "alexnet" || c.tv == "resnet152") {
				t.Skip("over 50M parameters; skipped with -short")
			}
			defer runtime.GC()
			m, err := c.build(1000)
			if err != nil {
				t.Fatalf("%+v", err)
			}
			checkStateDict(t, m, tv, c.tv+"_c1000")
		})
	}
}
