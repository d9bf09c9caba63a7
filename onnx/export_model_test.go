package onnx_test

import (
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/internal/mnist8"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/onnx"
	"gorgonia.org/tensor"
)

// An imported model exports again: mnist-8 (opset 7, from CNTK) on its own
// and inside a Sequential, with changed weights (as after fine-tuning), in
// ONNX Runtime and through onnx.ReadFile; the Params keep their ONNX names.
func TestExportImportedModel(t *testing.T) {
	sets, err := mnist8.TestDataSets()
	if err != nil {
		t.Fatal(err)
	}
	x, err := onnx.ReadTensorFile(filepath.Join(sets[0], "input_0.pb"))
	if err != nil {
		t.Fatal(err)
	}
	ck := newExportChecker(t)
	for i, c := range []struct {
		name string
		wrap func(m *onnx.Model) (nn.Layer, error)
	}{
		{"mnist8", func(m *onnx.Model) (nn.Layer, error) { return m, nil }},
		{"mnist8-in-sequential", func(m *onnx.Model) (nn.Layer, error) {
			return nn.NewSequentialNamed(nn.Child{Name: "digits", Layer: m}, nn.Child{Name: "logprobs", Layer: must(nn.NewLogSoftmax())})
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := importMNIST8(t)
			l, err := c.wrap(m)
			if err != nil {
				t.Fatal(err)
			}
			if i == 1 {
				// Containers re-initialise their children when built, and
				// an imported Param's initialiser gives zeros: put the
				// imported values back, changed (as after training: the
				// new values must be what is written).
				fresh := map[string][]float32{}
				for _, np := range importMNIST8(t).Params() {
					fresh[np.Name] = np.Param.Value().Data().([]float32)
				}
				for _, np := range m.Params() {
					v := np.Param.Value().Data().([]float32)
					for j := range v {
						v[j] = 0.9 * fresh[np.Name][j]
					}
				}
			}
			want, err := nn.Predict(l, x)
			if err != nil {
				t.Fatal(err)
			}
			ck.check(t, c.name, l, []*tensor.Dense{x}, []tensor.Tensor{want})
			back, err := onnx.ReadFile(filepath.Join(ck.dir, c.name+".onnx"))
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, np := range back.Params() {
				names = append(names, np.Name)
			}
			sort.Strings(names)
			wantNames := "Parameter193 Parameter194 Parameter5 Parameter6 Parameter87 Parameter88"
			if i == 1 {
				wantNames = "digits.Parameter193 digits.Parameter194 digits.Parameter5 digits.Parameter6 digits.Parameter87 digits.Parameter88"
			}
			if got := strings.Join(names, " "); got != wantNames {
				t.Errorf("Params %q, want %q", got, wantNames)
			}
		})
	}
	ck.finish(t)
}
