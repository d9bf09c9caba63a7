//go:build unix

package onnx_test

import (
	"math"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"
	"weak"

	"github.com/convnet-go/convnet/onnx"
)

// TestTorchExports imports models exported by torch.onnx.export (opset
// 13, dynamic batch): torchvision's ResNet-18 (45 MB) and the four anchor
// workloads, and compares their outputs with PyTorch's (max relative
// difference 1e-4). The files are too large to commit: set
// CONVNET_ONNX_TORCH to the folder written by onnx/testdata/export_torch.py.
// It logs the import time (wall and CPU) and the heap the model holds.
func TestTorchExports(t *testing.T) {
	root := os.Getenv("CONVNET_ONNX_TORCH")
	if root == "" {
		t.Skip("set CONVNET_ONNX_TORCH to the output folder of onnx/testdata/export_torch.py")
	}
	dirs, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		t.Run(d.Name(), func(t *testing.T) { torchExport(t, filepath.Join(root, d.Name())) })
	}
}

func torchExport(t *testing.T, dir string) {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start, cpu0 := time.Now(), cpuTime()
	m, err := onnx.ReadFile(filepath.Join(dir, "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	took, cpu := time.Since(start), cpuTime()-cpu0
	runtime.GC()
	runtime.ReadMemStats(&after)
	// the heap the model holds: live heap with it minus live heap without it
	weak := weak.Make(m)
	m = nil
	runtime.GC()
	var without runtime.MemStats
	runtime.ReadMemStats(&without)
	held := (float64(after.HeapAlloc) - float64(without.HeapAlloc)) / (1 << 20)
	if weak.Value() != nil {
		t.Log("the model was not collected; the heap figure is not meaningful")
	}
	if m, err = onnx.ReadFile(filepath.Join(dir, "model.onnx")); err != nil {
		t.Fatal(err)
	}
	weights := 0
	for _, np := range m.Params() {
		weights += np.Param.Size() * 4
	}
	t.Logf("ReadFile: %v wall, %v CPU (user + system, whole process); heap held by the model %.1f MiB for %.1f MiB of weights; allocated during import %.1f MiB",
		took.Round(time.Millisecond), cpu.Round(time.Millisecond), held, float64(weights)/(1<<20), float64(after.TotalAlloc-before.TotalAlloc)/(1<<20))
	x, err := onnx.ReadTensorFile(filepath.Join(dir, "x.pb"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := onnx.ReadTensorFile(filepath.Join(dir, "y.pb"))
	if err != nil {
		t.Fatal(err)
	}
	outs, err := m.Run(x)
	if err != nil {
		t.Fatal(err)
	}
	g, w := outs[0].Data().([]float32), want.Data().([]float32)
	if len(g) != len(w) {
		t.Fatalf("output %v, want %v", outs[0].Shape(), want.Shape())
	}
	worst := 0.0
	for i := range w {
		d := math.Abs(float64(g[i]-w[i])) / math.Max(1, math.Abs(float64(w[i])))
		worst = math.Max(worst, d)
	}
	t.Logf("max relative difference to PyTorch: %.3g", worst)
	if worst > 1e-4 {
		t.Errorf("max relative difference %.3g > 1e-4", worst)
	}
}

// cpuTime is the process's user + system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
