package nn_test

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	convops "github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// foldModels are small networks with convolutions followed by BatchNorms
// in every arrangement CallChain folds (and one it must not), in dtype dt,
// with the number of BatchNorms that should fold.
var foldModels = []struct {
	name  string
	in    []int
	folds int
	build func(dt tensor.Dtype) nn.Layer
}{
	{"resnet-block", []int{3, 4, 8, 8}, 3, func(dt tensor.Dtype) nn.Layer {
		d := nn.WithDtype(dt)
		body := must(nn.NewSequential(
			must(nn.NewConv2D(4, 6, 3, nn.WithStride(2), nn.WithPad(1), nn.WithBias(false), d)),
			must(nn.NewBatchNorm2D(6, nn.WithActivation(nn.NewReLU()), d)),
			must(nn.NewConv2D(6, 6, 3, nn.WithPad(1), nn.WithBias(false), d)),
			must(nn.NewBatchNorm2D(6, d)),
		))
		short := must(nn.NewSequential(
			must(nn.NewConv2D(4, 6, 1, nn.WithStride(2), nn.WithBias(false), d)),
			must(nn.NewBatchNorm2D(6, d)),
		))
		return must(nn.NewSequential(must(nn.NewResidual(body, short)), nn.NewReLU()))
	}},
	{"conv-bias-bn-relu-layer", []int{2, 3, 7, 6}, 1, func(dt tensor.Dtype) nn.Layer {
		d := nn.WithDtype(dt)
		return must(nn.NewSequential(must(nn.NewConv2D(3, 5, 3, d)), must(nn.NewBatchNorm2D(5, nn.WithEps(1e-3), d)), nn.NewReLU(),
			must(nn.NewConv2D(5, 2, 1, d))))
	}},
	{"noscale-leaky", []int{2, 3, 6, 6}, 1, func(dt tensor.Dtype) nn.Layer {
		d := nn.WithDtype(dt)
		return must(nn.NewSequential(must(nn.NewConv2D(3, 4, 3, nn.WithPadding(nn.Same), d)),
			must(nn.NewBatchNorm2D(4, nn.WithScale(false), nn.WithActivation(nn.NewLeakyReLU(0.1)), d))))
	}},
	{"conv1d-noaffine", []int{2, 3, 9}, 1, func(dt tensor.Dtype) nn.Layer {
		d := nn.WithDtype(dt)
		return must(nn.NewSequential(must(nn.NewConv1D(3, 4, 3, nn.WithBias(false), d)), must(nn.NewBatchNorm1D(4, nn.WithAffine(false), d))))
	}},
	{"depthwise-relu6", []int{2, 4, 6, 6}, 1, func(dt tensor.Dtype) nn.Layer {
		d := nn.WithDtype(dt)
		return must(nn.NewSequential(must(nn.NewDepthwiseConv2D(4, 2, 3, nn.WithPad(1), nn.WithBias(false), d)),
			must(nn.NewBatchNorm2D(8, d)), nn.NewReLU6()))
	}},
	{"conv3d", []int{1, 2, 4, 4, 4}, 1, func(dt tensor.Dtype) nn.Layer {
		d := nn.WithDtype(dt)
		return must(nn.NewSequential(must(nn.NewConv3D(2, 3, 3, nn.WithPad(1), d)), must(nn.NewBatchNorm3D(3, nn.WithActivation(nn.NewReLU()), d))))
	}},
	{"conv-with-activation-does-not-fold", []int{2, 3, 5, 5}, 0, func(dt tensor.Dtype) nn.Layer {
		d := nn.WithDtype(dt)
		return must(nn.NewSequential(must(nn.NewConv2D(3, 4, 3, nn.WithActivation(nn.NewReLU()), d)), must(nn.NewBatchNorm2D(4, d))))
	}},
}

// perturb gives every BatchNorm non-trivial statistics and affine
// parameters, and changes every other weight a little, drawing from seed.
func perturb(l nn.Layer, seed int64) {
	rng := graph.NewRand(seed)
	for _, np := range l.Params() {
		t := np.Param.Value()
		vals, _ := graph.Float64s(t)
		for i := range vals {
			switch {
			case strings.HasSuffix(np.Name, "running_var"):
				vals[i] = 0.3 + 2*rng.Float64()
			case strings.HasSuffix(np.Name, "running_mean"):
				vals[i] = rng.NormFloat64()
			case t.Shape().Dims() == 1: // BatchNorm gamma and beta, biases
				vals[i] = rng.NormFloat64()
			default:
				vals[i] += 0.1 * rng.NormFloat64()
			}
		}
		switch d := t.Data().(type) { // in place, as an optimizer writes
		case []float32:
			for i, v := range vals {
				d[i] = float32(v)
			}
		case []float64:
			copy(d, vals)
		}
	}
}

// evalRun builds l's evaluation graph on x, folded (inference) or not, runs
// it and returns the output and the op names of the graph.
func evalRun(t *testing.T, l nn.Layer, x *tensor.Dense, inference bool) ([]float64, string) {
	t.Helper()
	opts := []graph.BuilderOption{}
	if inference {
		opts = append(opts, graph.WithInference())
	}
	b := graph.NewBuilder(graph.Eval, opts...)
	xn := b.InputValue("x", x)
	y, err := nn.Apply(b, l, xn)
	if err != nil {
		t.Fatalf("%+v", err)
	}
	var v G.Value
	G.Read(y, &v)
	m, err := graph.NewMachine(b.Graph())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := graph.Run(m); err != nil {
		t.Fatalf("%+v", err)
	}
	var ops strings.Builder // one line per op: its ops.Describe name
	for _, n := range b.Graph().AllNodes() {
		if n.Op() == nil {
			continue
		}
		if name, _, ok := convops.Describe(n.Op()); ok {
			fmt.Fprintln(&ops, name)
		} else {
			fmt.Fprintln(&ops, n.Op())
		}
	}
	out, _ := graph.Float64s(v.(*tensor.Dense))
	return out, ops.String()
}

// closeTo reports the first element where got and want differ by more than
// tol times the largest |want|.
func closeTo(got, want []float64, tol float64) error {
	scale := 1e-30
	for _, v := range want {
		scale = max(scale, math.Abs(v))
	}
	if len(got) != len(want) {
		return fmt.Errorf("%d values, want %d", len(got), len(want))
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > tol*scale {
			return fmt.Errorf("element %d: %v, want %v (tolerance %.2g of %.3g)", i, got[i], want[i], tol, scale)
		}
	}
	return nil
}

// foldTol is the tolerance of folded against unfolded outputs, relative
// to the largest output: rounding only.
func foldTol(dt tensor.Dtype) float64 {
	if dt == tensor.Float32 {
		return 2e-5
	}
	return 1e-12
}

// TestPredictFoldsBatchNorm checks that in inference graphs (Predict)
// every convolution followed by a BatchNorm runs as one folded convolution,
// with the outputs of the unfolded evaluation graph, in float32 and
// float64, with non-trivial running statistics; and that Predict gives
// those outputs.
func TestPredictFoldsBatchNorm(t *testing.T) {
	for _, c := range foldModels {
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			name := fmt.Sprintf("%s %v", c.name, dt)
			l := c.build(dt)
			if err := nn.Initialize(l, 3); err != nil {
				t.Fatal(err)
			}
			perturb(l, 5)
			x := randInput(dt, c.in, 9)
			want, plain := evalRun(t, l, x, false)
			got, folded := evalRun(t, l, x, true)
			if n := countFolds(folded); n != c.folds {
				t.Errorf("%s: %d folded BatchNorms, want %d; ops:\n%s", name, n, c.folds, folded)
			}
			if n, all := countBatchNorms(folded), countBatchNorms(plain); all < max(1, c.folds) || n != all-c.folds {
				t.Errorf("%s: %d BatchNorm ops left of %d, want %d folded", name, n, all, c.folds)
			}
			if err := closeTo(got, want, foldTol(dt)); err != nil {
				t.Errorf("%s: folded: %v", name, err)
			}
			p, err := nn.Predict(l, x)
			if err != nil {
				t.Fatalf("%s: %+v", name, err)
			}
			if err := closeTo(must(graph.Float64s(p)), want, foldTol(dt)); err != nil {
				t.Errorf("%s: Predict: %v", name, err)
			}
		}
	}
}

// TestPredictFoldNeverStale checks that a folded graph cached by Predict
// sees every later write: weights and running statistics changed in place
// (as an optimizer and a training graph's BatchNorm write them), and
// LoadSafetensors.
func TestPredictFoldNeverStale(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		build := foldModels[0].build
		l := build(dt)
		if err := nn.Initialize(l, 1); err != nil {
			t.Fatal(err)
		}
		x := randInput(dt, foldModels[0].in, 2)
		first := must(graph.Float64s(must(nn.Predict(l, x))))

		perturb(l, 8) // in place: the cached graph is reused
		want, _ := evalRun(t, l, x, false)
		got := must(graph.Float64s(must(nn.Predict(l, x))))
		if err := closeTo(got, want, foldTol(dt)); err != nil {
			t.Errorf("%v: after in-place writes: %v", dt, err)
		}
		if closeTo(got, first, 1e-3) == nil {
			t.Errorf("%v: the writes did not change the output; the test proves nothing", dt)
		}

		other := build(dt)
		if err := nn.Initialize(other, 4); err != nil {
			t.Fatal(err)
		}
		perturb(other, 6)
		path := filepath.Join(t.TempDir(), "w.safetensors")
		if err := nn.SaveSafetensors(other, path); err != nil {
			t.Fatal(err)
		}
		if err := nn.LoadSafetensors(l, path); err != nil {
			t.Fatal(err)
		}
		want, _ = evalRun(t, other, x, false)
		got = must(graph.Float64s(must(nn.Predict(l, x))))
		if err := closeTo(got, want, foldTol(dt)); err != nil {
			t.Errorf("%v: after LoadSafetensors: %v", dt, err)
		}
	}
}

// TestTrainingGraphsDoNotFold checks that training graphs, and evaluation
// graphs built without graph.WithInference (Summary, export), keep the
// BatchNorm ops.
func TestTrainingGraphsDoNotFold(t *testing.T) {
	l := foldModels[0].build(tensor.Float64)
	for _, b := range []*graph.Builder{graph.NewBuilder(graph.Train, graph.WithInference()), graph.NewBuilder(graph.Eval)} {
		if _, err := nn.Apply(b, l, b.Input("x", tensor.Float64, foldModels[0].in...)); err != nil {
			t.Fatal(err)
		}
		for _, n := range b.Graph().AllNodes() {
			if n.Op() != nil && (strings.Contains(fmt.Sprint(n.Op()), "Fold") || strings.Contains(fmt.Sprint(n.Op()), "ConvBatchNorm")) {
				t.Errorf("%v graph: folded op %v", b.Mode(), n.Op())
			}
		}
	}
}

// countFolds counts the folded BatchNorms in a list of op names: the
// ConvBatchNorm ops and the FoldBatchNorm weights (grouped convolutions).
func countFolds(ops string) int {
	n := 0
	for _, line := range strings.Split(ops, "\n") {
		if line == "FoldBatchNormWeight" || line == "ConvBatchNorm" || strings.HasPrefix(line, "ConvBatchNorm+") {
			n++
		}
	}
	return n
}

// countBatchNorms counts the BatchNorm ops ("BatchNorm", "BatchNorm+ReLU")
// in a list of op names.
func countBatchNorms(ops string) int {
	n := 0
	for _, line := range strings.Split(ops, "\n") {
		if line == "BatchNorm" || strings.HasPrefix(line, "BatchNorm+") {
			n++
		}
	}
	return n
}

// randInput returns a tensor of shape with N(0, 1) values.
func randInput(dt tensor.Dtype, shape []int, seed int64) *tensor.Dense {
	rng := graph.NewRand(seed)
	n := 1
	for _, d := range shape {
		n *= d
	}
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return must(graph.FromFloat64s(dt, shape, v))
}
