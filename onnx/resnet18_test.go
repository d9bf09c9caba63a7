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

	"github.com/convnet-go/convnet/onnx"
)

// TestTorchvisionResNet18 imports torchvision's ResNet-18 exported by
// torch.onnx.export (opset 13, dynamic batch; 45 MB) and compares its
// output with PyTorch's. The file is too large to commit: set
// CONVNET_ONNX_RESNET18 to a folder holding resnet18.onnx, x.pb and y.pb,
// made by onnx/testdata/export_resnet18.py. It logs the import time and the
// heap held after import.
func TestTorchvisionResNet18(t *testing.T) {
	dir := os.Getenv("CONVNET_ONNX_RESNET18")
	if dir == "" {
		t.Skip("set CONVNET_ONNX_RESNET18 to the output folder of onnx/testdata/export_resnet18.py")
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start, cpu0 := time.Now(), cpuTime()
	m, err := onnx.ReadFile(filepath.Join(dir, "resnet18.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	took, cpu := time.Since(start), cpuTime()-cpu0
	runtime.GC()
	runtime.ReadMemStats(&after)
	held := float64(after.HeapAlloc-before.HeapAlloc) / (1 << 20)
	weights := 0
	for _, np := range m.Params() {
		weights += np.Param.Size() * 4
	}
	t.Logf("ReadFile: %v wall, %v CPU (user + system, whole process); heap held after import %.1f MiB for %.1f MiB of weights; peak heap %.1f MiB (TotalAlloc during import %.1f MiB)",
		took.Round(time.Millisecond), cpu.Round(time.Millisecond), held, float64(weights)/(1<<20), float64(after.HeapSys)/(1<<20), float64(after.TotalAlloc-before.TotalAlloc)/(1<<20))
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
