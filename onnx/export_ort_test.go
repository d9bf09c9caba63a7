package onnx_test

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/internal/ort"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/onnx"
	"github.com/convnet-go/convnet/zoo"
	"gorgonia.org/tensor"
)

// ortTolerance bounds maxRelDiff between convnet's nn.Predict and ONNX
// Runtime on the exported file: max |ort - convnet| over all outputs,
// divided by max |convnet| (at least 1e-3).
const ortTolerance = 1e-4

// exportCase is one model with a small input it accepts.
type exportCase struct {
	name  string
	build func() (nn.Layer, error)
	in    []int
}

// zooExportCases are every zoo model family, at input sizes that keep the
// test cheap; heavy marks the big ones (over ~50M parameters: a few
// hundred MB of ONNX each), run only with CONVNET_ONNX_HEAVY=1.
var zooExportCases = []struct {
	exportCase
	heavy bool
}{
	{exportCase{"LeNet5", func() (nn.Layer, error) { return zoo.LeNet5(10) }, []int{2, 1, 28, 28}}, false},
	{exportCase{"LeNet5-relu", func() (nn.Layer, error) { return zoo.LeNet5(10, zoo.WithReLU()) }, []int{3, 1, 28, 28}}, false},
	{exportCase{"AlexNet", func() (nn.Layer, error) { return zoo.AlexNet(10) }, []int{1, 3, 63, 63}}, true},
	{exportCase{"VGG11", func() (nn.Layer, error) { return zoo.VGG11(10) }, []int{1, 3, 32, 32}}, true},
	{exportCase{"VGG11BN", func() (nn.Layer, error) { return zoo.VGG11BN(10) }, []int{2, 3, 32, 32}}, true},
	{exportCase{"ResNet18", func() (nn.Layer, error) { return zoo.ResNet18(10) }, []int{1, 3, 32, 32}}, false},
	{exportCase{"ResNet18-small-1ch", func() (nn.Layer, error) {
		return zoo.ResNet18(10, zoo.WithSmallInput(), zoo.WithInputChannels(1))
	}, []int{2, 1, 28, 28}}, false},
	{exportCase{"ResNet50", func() (nn.Layer, error) { return zoo.ResNet50(10) }, []int{2, 3, 32, 32}}, false},
	{exportCase{"GoogLeNet", func() (nn.Layer, error) { return zoo.GoogLeNet(10) }, []int{2, 3, 32, 32}}, false},
	{exportCase{"GoogLeNetSmall", func() (nn.Layer, error) { return zoo.GoogLeNetSmall(10) }, []int{2, 1, 28, 28}}, false},
	{exportCase{"InceptionResNetV2", func() (nn.Layer, error) { return zoo.InceptionResNetV2(10) }, []int{1, 3, 75, 75}}, true},
	{exportCase{"InceptionResNetSmall", func() (nn.Layer, error) { return zoo.InceptionResNetSmall(10) }, []int{2, 1, 28, 28}}, false},
	{exportCase{"DenseAutoencoder", func() (nn.Layer, error) { return zoo.DenseAutoencoder(2) }, []int{2, 1, 28, 28}}, false},
	{exportCase{"ConvAutoencoder-noise", func() (nn.Layer, error) { return zoo.ConvAutoencoder(zoo.WithDropout(0.3)) }, []int{2, 1, 28, 28}}, false},
	{exportCase{"UNet-W3", func() (nn.Layer, error) { return zoo.NewUNet(1, zoo.WithBaseWidth(16), zoo.WithSigmoid()) }, []int{2, 1, 32, 32}}, false},
	{exportCase{"SegNetSmall", func() (nn.Layer, error) { return zoo.NewSegNetSmall(11, zoo.WithSigmoid()) }, []int{2, 1, 32, 32}}, false},
}

// requireORT skips the test when ONNX Runtime is not installed, and fails
// it under CI=true (./test.sh installs it).
func requireORT(t *testing.T) {
	t.Helper()
	if err := ort.Available(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("ONNX Runtime is required under CI: %v", err)
		}
		t.Skipf("ONNX Runtime not installed (./test.sh installs it): %v", err)
	}
}

// randInput is an N(0, 1) float32 tensor of the given shape.
func randInput(seed int64, shape ...int) *tensor.Dense {
	rng := graph.NewRand(seed)
	n := 1
	for _, d := range shape {
		n *= d
	}
	data := make([]float32, n)
	for i := range data {
		data[i] = float32(rng.NormFloat64())
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data))
}

// randomizeParams redraws every Param of m so that a mistake in any of
// them shows in the output: weights N(0, 1/fan_in) (activations keep their
// scale through deep stacks, where the zoo's initialisations shrink them
// towards a constant), BatchNorm scales U(0.5, 1.5), biases and running
// means N(0, 0.2), running variances U(0.5, 1.5).
func randomizeParams(t *testing.T, m nn.Layer, seed int64) {
	t.Helper()
	rng := graph.NewRand(seed)
	for _, np := range nn.NamedParams(m) {
		shape := np.Param.Shape()
		vals := make([]float64, np.Param.Size())
		for i := range vals {
			switch {
			case len(shape) >= 2:
				vals[i] = rng.NormFloat64() / math.Sqrt(float64(np.Param.Size()/shape[0]))
			case strings.HasSuffix(np.Name, "running_var"), strings.HasSuffix(np.Name, "weight"):
				vals[i] = 0.5 + rng.Float64()
			default:
				vals[i] = 0.2 * rng.NormFloat64()
			}
		}
		v, err := graph.FromFloat64s(np.Param.Dtype(), []int(shape), vals)
		if err != nil {
			t.Fatal(err)
		}
		if err := np.Param.SetValue(v); err != nil {
			t.Fatal(err)
		}
	}
}

// maxRelDiff is max |got - want| / max(max |want|, 1e-3), and an error
// when the shapes differ.
func maxRelDiff(t *testing.T, got, want tensor.Tensor) float64 {
	t.Helper()
	if !graph.SameShape(got.Shape(), want.Shape()) {
		t.Fatalf("shape %v, want %v", got.Shape(), want.Shape())
	}
	g, err := graph.Float64s(got)
	if err != nil {
		t.Fatal(err)
	}
	w, err := graph.Float64s(want)
	if err != nil {
		t.Fatal(err)
	}
	var diff, scale float64
	for i := range w {
		diff = math.Max(diff, math.Abs(g[i]-w[i]))
		scale = math.Max(scale, math.Abs(w[i]))
		if math.IsNaN(g[i]) != math.IsNaN(w[i]) {
			return math.Inf(1)
		}
	}
	return diff / math.Max(scale, 1e-3)
}

// python is Debian's Python, which has python3-onnx (and python3-torch)
// from apt.
const python = "/usr/bin/python3"

// maxAbs is max |x|.
func maxAbs(t *testing.T, x tensor.Tensor) float64 {
	t.Helper()
	v, err := graph.Float64s(x)
	if err != nil {
		t.Fatal(err)
	}
	m := 0.0
	for _, f := range v {
		m = math.Max(m, math.Abs(f))
	}
	return m
}

// checkONNX runs python3-onnx's checker (with shape inference) on files,
// when python3 and onnx are installed.
func checkONNX(t *testing.T, files []string) {
	t.Helper()
	if len(files) == 0 {
		return
	}
	if err := exec.Command(python, "-I", "-c", "import onnx").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("python3-onnx is required under CI: %v", err)
		}
		t.Logf("python3-onnx not installed; the ONNX checker did not run")
		return
	}
	script := `
import sys, onnx
for f in sys.argv[1:]:
    m = onnx.load(f)
    onnx.checker.check_model(m, full_check=True)
print("ok", len(sys.argv) - 1)
`
	out, err := exec.Command(python, append([]string{"-I", "-c", script}, files...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("onnx.checker: %v\n%s", err, out)
	}
	t.Logf("onnx.checker: %s", strings.TrimSpace(string(out)))
}

// TestExportMatchesONNXRuntime exports every zoo model, runs the file in
// ONNX Runtime on a random input with another batch size than the export
// used (axis 0 is dynamic) and compares with nn.Predict.
func TestExportMatchesONNXRuntime(t *testing.T) {
	requireORT(t)
	heavy := os.Getenv("CONVNET_ONNX_HEAVY") == "1"
	dir := t.TempDir()
	var files []string
	for i, c := range zooExportCases {
		t.Run(c.name, func(t *testing.T) {
			if c.heavy && !heavy {
				t.Skip("over 50M parameters; run with CONVNET_ONNX_HEAVY=1")
			}
			m, err := c.build()
			if err != nil {
				t.Fatal(err)
			}
			randomizeParams(t, m, int64(i))
			file := filepath.Join(dir, c.name+".onnx")
			exportShape := append([]int{1}, c.in[1:]...)
			if err := onnx.WriteFile(file, m, exportShape); err != nil {
				t.Fatalf("%+v", err)
			}
			x := randInput(int64(i), c.in...)
			want, err := nn.Predict(m, x)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ort.Run(file, x)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 {
				t.Fatalf("ONNX Runtime gave %d outputs, want 1", len(got))
			}
			d := maxRelDiff(t, got[0], want)
			t.Logf("max rel diff %.3g (output %v, max |output| %.3g)", d, want.Shape(), maxAbs(t, want))
			if d > ortTolerance {
				t.Errorf("ONNX Runtime and nn.Predict differ: max rel diff %.3g > %g", d, ortTolerance)
			}
			files = append(files, file)
		})
	}
	checkONNX(t, files)
}
