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
	"gorgonia.org/tensor"
)

// The export checks: a model is exported, the file is run in ONNX Runtime
// and imported back with onnx.ReadFile and run, and both results are
// compared with convnet's own (nn.Predict, Functional.Run); at the end
// python3-onnx's checker reads every file.

// ortTolerance bounds maxRelDiff between convnet's nn.Predict and ONNX
// Runtime on the exported file: max |ort - convnet| over all outputs,
// divided by max |convnet| (at least 1e-3).
const ortTolerance = 1e-4

// exportChecker runs the checks of one test and collects its files.
type exportChecker struct {
	dir   string
	ort   bool
	files []string
}

func newExportChecker(t *testing.T) *exportChecker {
	return &exportChecker{dir: t.TempDir(), ort: ortAvailable(t)}
}

// check exports m for the shapes of xs with batch size 1, runs the file on
// xs in ONNX Runtime and through onnx.ReadFile, and compares each output
// with want.
func (ck *exportChecker) check(t *testing.T, name string, m nn.Layer, xs []*tensor.Dense, want []tensor.Tensor) {
	t.Helper()
	file := filepath.Join(ck.dir, name+".onnx")
	shapes := make([][]int, len(xs))
	for i, x := range xs {
		shapes[i] = append([]int{1}, []int(x.Shape())[1:]...)
	}
	if err := onnx.WriteFileMulti(file, m, shapes...); err != nil {
		t.Fatalf("%+v", err)
	}
	ck.files = append(ck.files, file)
	compare := func(engine string, got []*tensor.Dense) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s gave %d outputs, want %d", engine, len(got), len(want))
		}
		for k := range want {
			d := maxRelDiff(t, got[k], want[k])
			t.Logf("%s: output %d: max rel diff %.3g (shape %v, max |output| %.3g)", engine, k, d, want[k].Shape(), maxAbs(t, want[k]))
			if d > ortTolerance {
				t.Errorf("%s: output %d differs from convnet's: max rel diff %.3g > %g", engine, k, d, ortTolerance)
			}
		}
	}
	if ck.ort {
		got, err := ort.Run(file, xs...)
		if err != nil {
			t.Fatal(err)
		}
		compare("ONNX Runtime", got)
	}
	got, err := importRun(file, xs...)
	if err != nil {
		t.Fatalf("export -> import -> Run: %+v", err)
	}
	if got != nil {
		compare("onnx.ReadFile + Run", got)
	}
}

// finish runs the ONNX checker on every file written.
func (ck *exportChecker) finish(t *testing.T) { checkONNX(t, ck.files) }

// ortAvailable reports whether ONNX Runtime is installed (see
// onnx.ORTReady: under CI=true a missing runtime fails the test).
func ortAvailable(t *testing.T) bool {
	t.Helper()
	return onnx.ORTReady(t)
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
