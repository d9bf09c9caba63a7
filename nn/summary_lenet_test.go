package nn_test

import (
	"strings"
	"testing"

	"github.com/convnet-go/convnet/nn"
)

// The W1 LeNet of shared/bench/torch_bench.py:
// Conv2d(1,32,3)-ReLU-MaxPool2-Conv2d(32,64,3)-ReLU-MaxPool2-Flatten-
// Linear(1600,128)-ReLU-Linear(128,10). PyTorch counts 225,034 parameters.
func TestSummaryLeNet(t *testing.T) {
	c1, err := nn.NewConv2D(1, 32, 3)
	if err != nil {
		t.Fatal(err)
	}
	p1, err := nn.NewMaxPool2D(2)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := nn.NewConv2D(32, 64, 3)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := nn.NewMaxPool2D(2)
	if err != nil {
		t.Fatal(err)
	}
	fc1, err := nn.NewDense(1600, 128)
	if err != nil {
		t.Fatal(err)
	}
	fc2, err := nn.NewDense(128, 10)
	if err != nil {
		t.Fatal(err)
	}
	model, err := nn.NewSequential(c1, nn.NewReLU(), p1, c2, nn.NewReLU(), p2, nn.NewFlatten(), fc1, nn.NewReLU(), fc2)
	if err != nil {
		t.Fatal(err)
	}
	if n := nn.NumParams(model); n != 225034 {
		t.Errorf("NumParams = %d, want 225034", n)
	}
	s, err := nn.Summary(model, []int{1, 1, 28, 28})
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + s)
	rows := map[string]string{ // path -> output shape and own parameters
		"0": "(1, 32, 26, 26) 320", "1": "(1, 32, 26, 26) 0", "2": "(1, 32, 13, 13) 0",
		"3": "(1, 64, 11, 11) 18,496", "4": "(1, 64, 11, 11) 0", "5": "(1, 64, 5, 5) 0",
		"6": "(1, 1600) 0", "7": "(1, 128) 204,928", "8": "(1, 128) 0", "9": "(1, 10) 1,290",
	}
	lines := strings.Split(s, "\n")
	for path, want := range rows {
		f := rowFields(lines, path)
		if len(f) < 5 {
			t.Errorf("row %s missing", path)
			continue
		}
		// the shape spans several fields: "(1," "32," ... ; take everything after the type
		i := len(f) - 1
		for i > 0 && !strings.HasPrefix(f[i], "(") {
			i--
		}
		if got := strings.Join(f[i:], " "); got != want {
			t.Errorf("row %s: %q, want %q", path, got, want)
		}
	}
	for _, want := range []string{
		"H2 = floor((H1 - k + 2P)/S) + 1 = floor((28 - 3 + 0)/1) + 1 = 26",
		"W2 = floor((W1 - k + 2P)/S) + 1 = floor((28 - 3 + 0)/1) + 1 = 26",
		"params = (k*k*C1)*n + n = (3*3*1)*32 + 32 = 320",
		"floor((26 - 2 + 0)/2) + 1 = 13", // first pool
		"H2 = floor((H1 - k + 2P)/S) + 1 = floor((13 - 3 + 0)/1) + 1 = 11",
		"params = (k*k*C1)*n + n = (3*3*32)*64 + 64 = 18496",
		"floor((11 - 2 + 0)/2) + 1 = 5", // second pool (floor)
		"params = in*out + out = 1600*128 + 128 = 204928",
		"Total params: 225,034\n",
		"Trainable params: 225,034\n",
		"Non-trainable params: 0\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
}
