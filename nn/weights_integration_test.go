package nn_test

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/graph/safetensors"
	"github.com/convnet-go/convnet/nn"
	"gorgonia.org/tensor"
)

// resnetStem is torchvision's ResNet stem and first block, under
// torchvision's names: conv1, bn1, layer1.0.{conv1,bn1,conv2,bn2}.
func resnetStem(t *testing.T) *nn.Sequential {
	t.Helper()
	conv := func(in, out, k int, opts ...nn.ConvOption) *nn.Conv2D {
		c, err := nn.NewConv2D(in, out, k, append(opts, nn.WithBias(false))...)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	bn := func(c int) *nn.BatchNorm2D {
		b, err := nn.NewBatchNorm2D(c)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	body, err := nn.NewSequentialNamed(
		nn.Child{Name: "conv1", Layer: conv(64, 64, 3, nn.WithPad(1))}, nn.Child{Name: "bn1", Layer: bn(64)},
		nn.Child{Name: "relu", Layer: nn.NewReLU()},
		nn.Child{Name: "conv2", Layer: conv(64, 64, 3, nn.WithPad(1))}, nn.Child{Name: "bn2", Layer: bn(64)})
	if err != nil {
		t.Fatal(err)
	}
	block, err := nn.NewResidual(body, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := nn.NewSequentialNamed(
		nn.Child{Name: "conv1", Layer: conv(3, 64, 7, nn.WithStride(2), nn.WithPad(3))},
		nn.Child{Name: "bn1", Layer: bn(64)},
		nn.Child{Name: "relu", Layer: nn.NewReLU()},
		nn.Child{Name: "layer1", Layer: block})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// stemName maps the model's names to torchvision's: the Residual puts its
// body under "body", torchvision's BasicBlock has none.
func stemName(name string) string {
	return strings.Replace(name, "layer1.body.", "layer1.0.", 1)
}

// Weights and BatchNorm statistics of the torchvision file load bit for bit
// into Conv2D and BatchNorm2D layers; the int64 num_batches_tracked
// counters are skipped; Save writes them back identically.
func TestLoadTorchvisionStem(t *testing.T) {
	const golden = "../zoo/testdata/resnet18_c10.safetensors"
	if _, err := os.Stat(golden); err != nil {
		t.Fatalf("%s is part of the repository: %v", golden, err)
	}
	full, err := safetensors.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	model := resnetStem(t)
	// a file with the model's names: the torchvision tensors it needs plus
	// their num_batches_tracked counters
	want := map[string]*tensor.Dense{}
	var sub []safetensors.NamedTensor
	counters := 0
	for _, np := range nn.NamedParams(model) {
		nt, ok := full.Lookup(stemName(np.Name))
		if !ok {
			t.Fatalf("%s (%s) not in the torchvision file", np.Name, stemName(np.Name))
		}
		sub = append(sub, safetensors.NamedTensor{Name: np.Name, Tensor: nt.Tensor})
		want[np.Name] = nt.Tensor
		if strings.HasSuffix(np.Name, "running_var") {
			c, ok := full.Lookup(strings.TrimSuffix(stemName(np.Name), "running_var") + "num_batches_tracked")
			if !ok {
				t.Fatalf("no counter for %s", np.Name)
			}
			sub = append(sub, safetensors.NamedTensor{Name: strings.TrimSuffix(np.Name, "running_var") + "num_batches_tracked", Tensor: c.Tensor})
			counters++
		}
	}
	if len(want) != 15 || counters != 3 {
		t.Fatalf("%d tensors, %d counters", len(want), counters)
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "stem.safetensors")
	if err := safetensors.WriteFile(p, sub, nil); err != nil {
		t.Fatal(err)
	}
	if err := nn.LoadSafetensors(model, p); err != nil {
		t.Fatal(err)
	}
	buffers := 0
	for _, np := range nn.NamedParams(model) {
		got, w := np.Param.Value().Float32s(), want[np.Name].Float32s()
		for i := range w {
			if math.Float32bits(got[i]) != math.Float32bits(w[i]) {
				t.Fatalf("%s[%d] = %v, want %v", np.Name, i, got[i], w[i])
			}
		}
		if np.Param.Kind() == graph.Buffer {
			buffers++
		}
	}
	if buffers != 6 {
		t.Errorf("%d buffers loaded, want 6 running statistics", buffers)
	}
	// and saved back unchanged (without the counters)
	p2 := filepath.Join(dir, "again.safetensors")
	if err := nn.SaveSafetensors(model, p2); err != nil {
		t.Fatal(err)
	}
	again, err := safetensors.ReadFile(p2)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Tensors) != 15 {
		t.Fatalf("saved %d tensors: %v", len(again.Tensors), again.Names())
	}
	for _, nt := range again.Tensors {
		if sameTensorBits(nt.Tensor.Float32s(), want[nt.Name].Float32s()) != -1 {
			t.Fatalf("%s changed on saving", nt.Name)
		}
	}
}

func sameTensorBits(a, b []float32) int {
	if len(a) != len(b) {
		return 0
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return i
		}
	}
	return -1
}

// Summary of conv, BatchNorm and a Residual: the block's children are
// listed under it, BatchNorm statistics count as buffers, and the totals
// match torchvision's counts for these layers.
func TestSummaryResNetStem(t *testing.T) {
	model := resnetStem(t)
	s, err := nn.Summary(model, []int{1, 3, 64, 64})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(s, "\n")
	rows := map[string]string{
		"conv1":             "(1, 64, 32, 32) 9,408",
		"bn1":               "(1, 64, 32, 32) 128",
		"layer1":            "(1, 64, 32, 32) --",
		"layer1.body":       "(1, 64, 32, 32) --",
		"layer1.body.conv1": "(1, 64, 32, 32) 36,864",
		"layer1.body.bn2":   "(1, 64, 32, 32) 128",
		"layer1.body.relu":  "(1, 64, 32, 32) 0",
	}
	for path, want := range rows {
		f := rowFields(lines, path)
		i := len(f) - 1
		for i > 0 && !strings.HasPrefix(f[i], "(") {
			i--
		}
		if got := strings.Join(f[i:], " "); got != want {
			t.Errorf("row %s: %q, want %q\n%s", path, got, want, s)
		}
	}
	// 9408 + 128 + 2·(36864 + 128)
	for _, want := range []string{
		"H2 = floor((H1 - k + 2P)/S) + 1 = floor((64 - 7 + 6)/2) + 1 = 32",
		"params = (k*k*C1)*n = (7*7*3)*64 = 9408",
		"Total params: 83,520\n",
		"Buffers (not parameters): 384 values in 6 tensors\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q\n%s", want, s)
		}
	}
	if n := nn.NumParams(model); n != 83520 {
		t.Errorf("NumParams %d", n)
	}
}

// GradCheck through Conv2D, BatchNorm2D (training mode, batch statistics)
// and a Residual.
func TestGradCheckConvBatchNormResidual(t *testing.T) {
	conv, err := nn.NewConv2D(2, 2, 3, nn.WithPad(1), nn.WithSeed(1))
	if err != nil {
		t.Fatal(err)
	}
	bn, err := nn.NewBatchNorm2D(2)
	if err != nil {
		t.Fatal(err)
	}
	body, err := nn.NewSequential(conv, bn, nn.NewTanh())
	if err != nil {
		t.Fatal(err)
	}
	block, err := nn.NewResidual(body, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The weights the check was tuned with (containers no longer
	// initialise their children; the conv bias before the BatchNorm has a
	// zero gradient, so its relative error depends on the draw).
	if err := nn.Initialize(block, 0); err != nil {
		t.Fatal(err)
	}
	before := paramBits(t, block)
	rep, err := nn.GradCheck(block, []int{2, 2, 4, 4}, graph.GradCheckOptions{Tol: 1e-5})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || len(rep.Results) != 5 {
		t.Fatalf("report\n%s", rep)
	}
	if after := paramBits(t, block); len(after) != len(before) {
		t.Fatal("params changed")
	} else {
		for name, v := range before {
			if len(after[name]) != len(v) {
				t.Fatalf("%s changed", name)
			}
			for i := range v {
				if after[name][i] != v[i] {
					t.Fatalf("%s[%d] changed (running statistics must be restored)", name, i)
				}
			}
		}
	}
}
