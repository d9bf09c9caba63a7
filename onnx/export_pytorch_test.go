package onnx_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/onnx"
)

// pytorchTolerance bounds max |convnet - PyTorch| / max |PyTorch| for
// models exported by torch.onnx.export.
const pytorchTolerance = 1e-4

// TestImportPyTorchExports imports models that PyTorch's exporter wrote
// (testdata/pytorch: two of the benchmark's anchor workloads, W1 and W4,
// with PyTorch's outputs; see its README) and checks that onnx.ReadFile +
// Run reproduce PyTorch's outputs. CONVNET_PYTORCH_ONNX names more folders
// of the same layout (gen.py's output for W2, W3 and torchvision's
// ResNet-18, too large to commit), separated by the path list separator.
func TestImportPyTorchExports(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "pytorch", "*", "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range dirs {
		dirs[i] = filepath.Dir(dirs[i])
	}
	if len(dirs) < 2 {
		t.Fatalf("found %d PyTorch models in testdata/pytorch, want W1 and W4", len(dirs))
	}
	if extra := os.Getenv("CONVNET_PYTORCH_ONNX"); extra != "" {
		dirs = append(dirs, filepath.SplitList(extra)...)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			m, err := onnx.ReadFile(filepath.Join(dir, "model.onnx"))
			if err != nil {
				t.Fatalf("%+v", err)
			}
			x, err := onnx.ReadTensorFile(filepath.Join(dir, "test_data_set_0", "input_0.pb"))
			if err != nil {
				t.Fatal(err)
			}
			want, err := onnx.ReadTensorFile(filepath.Join(dir, "test_data_set_0", "output_0.pb"))
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.Run(x)
			if err != nil {
				t.Fatalf("%+v", err)
			}
			d := maxRelDiff(t, got[0], want)
			t.Logf("max rel diff to PyTorch %.3g (output %v, max |output| %.3g; ops %s)", d, want.Shape(), maxAbs(t, want), strings.Join(m.Ops(), " "))
			if d > pytorchTolerance {
				t.Errorf("convnet and PyTorch differ: max rel diff %.3g > %g", d, pytorchTolerance)
			}
		})
	}
}
