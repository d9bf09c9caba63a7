package onnx

import (
	"fmt"
	"os"
	"path/filepath"

	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/train"
	"github.com/convnet-go/convnet/train/data"
	"google.golang.org/protobuf/proto"
	"gorgonia.org/tensor"
)

// An imported model is fine-tuned like any layer: with conv1 frozen, a
// Trainer changes only the head, and the loss goes down.
func TestImportedModelFineTunes(t *testing.T) {
	m, err := Read(marshal(t, smallModel()))
	if err != nil {
		t.Fatal(err)
	}
	if n := nn.Freeze(m, "conv1"); n != 2 {
		t.Fatalf("Freeze froze %d params", n)
	}
	before := map[string][]float64{}
	for _, np := range m.Params() {
		before[np.Name], _ = graph.Float64s(np.Param.Value())
	}
	rng := graph.NewRand(1)
	const n = 24
	xs := make([]float32, n*16)
	for i := range xs {
		xs[i] = float32(rng.Float64())
	}
	labels := make([]int, n)
	for i := range labels {
		labels[i] = i % 3
		xs[i*16+labels[i]] += 2 // learnable: the class brightens one pixel
	}
	ds, err := data.NewLabeled(xs, []int{1, 4, 4}, labels, 3)
	if err != nil {
		t.Fatal(err)
	}
	opt, err := train.NewSGD(0.5)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := train.New(m, train.Config{Epochs: 30, BatchSize: n, Optimizer: opt, Verbosity: train.Silent, NoShuffle: true})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	h, err := tr.Fit(ds, nil)
	if err != nil {
		t.Fatal(err)
	}
	loss := h.Series("loss")
	if !(loss[len(loss)-1] < 0.7*loss[0]) {
		t.Errorf("loss %v -> %v: not trained", loss[0], loss[len(loss)-1])
	}
	for _, np := range m.Params() {
		after, _ := graph.Float64s(np.Param.Value())
		changed := false
		for i := range after {
			changed = changed || after[i] != before[np.Name][i]
		}
		if frozen := np.Name == "conv1.weight" || np.Name == "conv1.bias"; changed == frozen {
			t.Errorf("%s: changed = %v, frozen = %v", np.Name, changed, frozen)
		}
	}
}

func ExampleReadFile() {
	// a small model written with the generated protobuf types (Conv 3x3 ->
	// Relu -> Flatten -> Gemm), saved to a file and imported
	b, err := proto.Marshal(smallModel())
	if err != nil {
		panic(err)
	}
	dir, err := os.MkdirTemp("", "onnx-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "small.onnx")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		panic(err)
	}
	m, err := ReadFile(path)
	if err != nil {
		panic(err)
	}
	fmt.Println(m)
	for _, np := range m.Params() {
		fmt.Println(np.Name, np.Param.Shape())
	}
	x := tensor.New(tensor.WithShape(1, 1, 4, 4), tensor.WithBacking(make([]float32, 16)))
	outs, err := m.Run(x)
	if err != nil {
		panic(err)
	}
	fmt.Println(outs[0].Shape())
	// Output:
	// onnx.Model(opset 13, 4 nodes, 1 inputs, 1 outputs)
	// conv1.weight (2, 1, 3, 3)
	// conv1.bias (2)
	// fc.weight (3, 32)
	// fc.bias (3)
	// (1, 3)
}

// In a training graph an imported BatchNormalization normalises with the
// batch's statistics and updates its running statistics in place (PyTorch's
// convention, momentum 1 - ONNX's); frozen, it keeps them.
func TestImportedBatchNormTrains(t *testing.T) {
	for _, frozen := range []bool{false, true} {
		m, err := Read(marshal(t, bnModel()))
		if err != nil {
			t.Fatal(err)
		}
		if frozen {
			nn.Freeze(m, "bn")
		}
		var mean *graph.Param
		for _, np := range m.Params() {
			if np.Name == "bn.running_mean" {
				mean = np.Param
			}
		}
		before, _ := graph.Float64s(mean.Value())
		x := make([]float32, 4*16)
		for i := range x {
			x[i] = float32(i%7) + 1
		}
		ds, err := data.NewLabeled(x, []int{1, 4, 4}, []int{0, 1, 2, 0}, 3)
		if err != nil {
			t.Fatal(err)
		}
		opt, _ := train.NewSGD(0.01)
		tr, err := train.New(m, train.Config{BatchSize: 4, Optimizer: opt, Verbosity: train.Silent})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tr.Fit(ds, nil); err != nil {
			t.Fatal(err)
		}
		tr.Close()
		after, _ := graph.Float64s(mean.Value())
		changed := after[0] != before[0] || after[1] != before[1]
		if changed == frozen {
			t.Errorf("frozen %v: running mean %v -> %v", frozen, before, after)
		}
	}
}
