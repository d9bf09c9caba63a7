package ops_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// benchOpsFile holds the cases of BenchmarkOps; bench/torch_ops.py reads the
// same file, so both sides time the same shapes.
const benchOpsFile = "testdata/bench_ops.json"

// opsBenchInput is one input of a benchmark case: its shape and how it is
// filled ("normal" by default, "onehot", "mask" or "prob").
type opsBenchInput struct {
	Shape []int  `json:"shape"`
	Fill  string `json:"fill"`
}

// opsBenchCase is one row of testdata/bench_ops.json: an op, its inputs, the
// inputs differentiated in the fwd+bwd pass and the op's arguments.
type opsBenchCase struct {
	Name     string          `json:"name"`
	Op       string          `json:"op"`
	Inputs   []opsBenchInput `json:"inputs"`
	Grad     []int           `json:"grad"`
	Stride   []int           `json:"stride"`
	Pad      []int           `json:"pad"`
	Dilation []int           `json:"dilation"`
	OutPad   []int           `json:"out_pad"`
	Kernel   []int           `json:"kernel"`
	Factor   []int           `json:"factor"`
	Size     []int           `json:"size"`
	Axes     []int           `json:"axes"`
	Axis     int             `json:"axis"`
	Alpha    float64         `json:"alpha"`
	P        float64         `json:"p"`
	Smooth   float64         `json:"smooth"`
}

func loadOpsBenchCases(tb testing.TB) []opsBenchCase {
	tb.Helper()
	raw, err := os.ReadFile(benchOpsFile)
	if err != nil {
		tb.Fatal(err)
	}
	var f struct {
		Cases []opsBenchCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		tb.Fatalf("%s: %v", benchOpsFile, err)
	}
	return f.Cases
}

// opsBenchDtypeEnv names the environment variable that sets the element
// type of BenchmarkOps: "float32" (the default) or "float64".
// bench/ops_compare.sh sets it from its DTYPE.
const opsBenchDtypeEnv = "CONVNET_OPS_DTYPE"

// opsBenchDtype is the element type BenchmarkOps runs in, from
// CONVNET_OPS_DTYPE.
func opsBenchDtype() (tensor.Dtype, error) {
	switch v := os.Getenv(opsBenchDtypeEnv); v {
	case "", "float32":
		return tensor.Float32, nil
	case "float64":
		return tensor.Float64, nil
	default:
		return tensor.Dtype{}, fmt.Errorf("%s=%q: want float32 or float64", opsBenchDtypeEnv, v)
	}
}

// fillBenchInput makes a tensor of dt for in, drawn from rng: the same
// values in either type (float64 ones are the float32 values widened).
func fillBenchInput(rng *rand.Rand, in opsBenchInput, dt tensor.Dtype) (*tensor.Dense, error) {
	n := tensor.Shape(in.Shape).TotalSize()
	data := make([]float32, n)
	switch in.Fill {
	case "", "normal":
		for i := range data {
			data[i] = float32(rng.NormFloat64())
		}
	case "prob":
		for i := range data {
			data[i] = float32(0.01 + 0.98*rng.Float64())
		}
	case "mask":
		for i := range data {
			if rng.IntN(2) == 1 {
				data[i] = 1
			}
		}
	case "onehot": // one 1 along axis 1 at every other position
		if len(in.Shape) < 2 {
			return nil, fmt.Errorf("onehot needs rank >= 2, got shape %v", in.Shape)
		}
		k := in.Shape[1]
		inner := n / (in.Shape[0] * k)
		for b := 0; b < in.Shape[0]; b++ {
			for p := 0; p < inner; p++ {
				data[(b*k+rng.IntN(k))*inner+p] = 1
			}
		}
	default:
		return nil, fmt.Errorf("unknown fill %q", in.Fill)
	}
	if dt == tensor.Float64 {
		wide := make([]float64, n)
		for i, v := range data {
			wide[i] = float64(v)
		}
		return tensor.New(tensor.WithShape(in.Shape...), tensor.WithBacking(wide)), nil
	}
	return tensor.New(tensor.WithShape(in.Shape...), tensor.WithBacking(data)), nil
}

func two(s []int) [2]int   { return [2]int{s[0], s[1]} }
func three(s []int) [3]int { return [3]int{s[0], s[1], s[2]} }

// buildBenchOp applies c's op to the input nodes xs.
func buildBenchOp(c opsBenchCase, xs []*G.Node) (*G.Node, error) {
	x := xs[0]
	switch c.Op {
	case "conv1d":
		return ops.Conv1D(x, xs[1], c.Stride[0], c.Pad[0], c.Dilation[0])
	case "conv2d":
		return ops.Conv2D(x, xs[1], two(c.Stride), two(c.Pad), two(c.Dilation))
	case "conv3d":
		return ops.Conv3D(x, xs[1], three(c.Stride), three(c.Pad), three(c.Dilation))
	case "conv_transpose1d":
		return ops.ConvTranspose1D(x, xs[1], c.Stride[0], c.Pad[0], c.OutPad[0], c.Dilation[0])
	case "conv_transpose2d":
		return ops.ConvTranspose2D(x, xs[1], two(c.Stride), two(c.Pad), two(c.OutPad), two(c.Dilation))
	case "conv_transpose3d":
		return ops.ConvTranspose3D(x, xs[1], three(c.Stride), three(c.Pad), three(c.OutPad), three(c.Dilation))
	case "max_pool1d":
		return ops.MaxPool1D(x, c.Kernel[0], c.Stride[0], c.Pad[0])
	case "max_pool2d":
		return ops.MaxPool2D(x, two(c.Kernel), two(c.Stride), two(c.Pad))
	case "max_pool3d":
		return ops.MaxPool3D(x, three(c.Kernel), three(c.Stride), three(c.Pad))
	case "avg_pool1d":
		return ops.AvgPool1D(x, c.Kernel[0], c.Stride[0], c.Pad[0])
	case "avg_pool2d":
		return ops.AvgPool2D(x, two(c.Kernel), two(c.Stride), two(c.Pad))
	case "avg_pool3d":
		return ops.AvgPool3D(x, three(c.Kernel), three(c.Stride), three(c.Pad))
	case "max_pool_unpool2d":
		y, idx, err := ops.MaxPool2DIndices(x, two(c.Kernel), two(c.Stride), two(c.Pad))
		if err != nil {
			return nil, err
		}
		s := x.Shape()
		return ops.MaxUnpool2D(y, idx, s[2], s[3])
	case "global_avg_pool":
		return ops.GlobalAvgPool(x)
	case "adaptive_avg_pool2d":
		return ops.AdaptiveAvgPool2D(x, c.Size[0], c.Size[1])
	case "upsample_nearest":
		return ops.UpsampleNearest(x, c.Factor)
	case "upsample_bilinear2d":
		return ops.UpsampleBilinear2D(x, two(c.Factor))
	case "pad":
		return ops.Pad(x, c.Pad, c.Pad)
	case "batch_norm_train":
		ch := x.Shape()[1]
		dt := x.Dtype()
		mean := tensor.New(tensor.WithShape(ch), tensor.Of(dt))
		vr := tensor.New(tensor.WithShape(ch), tensor.Of(dt))
		for i := range ch {
			vr.Set(i, oneOf(dt))
		}
		return ops.BatchNormTrain(x, xs[1], xs[2], mean, vr, 0.1, 1e-5)
	case "relu":
		return ops.ReLU(x)
	case "leaky_relu":
		return ops.LeakyReLU(x, c.Alpha)
	case "elu":
		return ops.ELU(x, c.Alpha)
	case "sigmoid":
		return ops.Sigmoid(x)
	case "tanh":
		return ops.Tanh(x)
	case "softplus":
		return ops.Softplus(x)
	case "softsign":
		return ops.Softsign(x)
	case "dropout":
		return ops.Dropout(x, c.P, 1)
	case "softmax":
		return ops.Softmax(x, c.Axis)
	case "log_softmax":
		return ops.LogSoftmax(x, c.Axis)
	case "linear":
		return ops.Dense(x, xs[1], xs[2])
	case "add":
		return ops.Add(xs...)
	case "concat":
		return ops.Concat(c.Axis, xs...)
	case "sum":
		return ops.Sum(x, c.Axes...)
	case "mean":
		return ops.Mean(x, c.Axes...)
	case "softmax_cross_entropy":
		return ops.SoftmaxCrossEntropy(x, xs[1])
	case "bce_with_logits":
		return ops.BCEWithLogits(x, xs[1])
	case "mse":
		return ops.MSE(x, xs[1])
	case "dice":
		return ops.DiceLoss(x, xs[1], c.Smooth)
	}
	return nil, fmt.Errorf("unknown op %q", c.Op)
}

// oneOf is 1 in dt (float32 or float64).
func oneOf(dt tensor.Dtype) any {
	if dt == tensor.Float64 {
		return 1.0
	}
	return float32(1)
}

// buildBenchGraph builds c's graph: the forward pass, and with backward the
// gradients of Σy (y itself for a scalar loss) with respect to c.Grad.
func buildBenchGraph(c opsBenchCase, backward bool, dt tensor.Dtype) (*graph.Builder, error) {
	rng := graph.NewRand(1)
	bd := graph.NewBuilder(graph.Train)
	xs := make([]*G.Node, len(c.Inputs))
	for i, in := range c.Inputs {
		t, err := fillBenchInput(rng, in, dt)
		if err != nil {
			return nil, fmt.Errorf("%s input %d: %w", c.Name, i, err)
		}
		xs[i] = bd.InputValue(fmt.Sprintf("x%d", i), t)
	}
	y, err := buildBenchOp(c, xs)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.Name, err)
	}
	if !backward {
		return bd, nil
	}
	cost := y
	if !y.IsScalar() {
		if cost, err = ops.Sum(y); err != nil { // ops.Sum: Gorgonia's Sum would dominate the cheap ops
			return nil, err
		}
	}
	wrt := make([]*G.Node, len(c.Grad))
	for i, k := range c.Grad {
		wrt[i] = xs[k]
	}
	if _, err := graph.Grad(cost, wrt...); err != nil {
		return nil, fmt.Errorf("%s: grad: %w", c.Name, err)
	}
	return bd, nil
}

// TestBenchOpsCases builds every case of BenchmarkOps, forward and backward,
// in float32 and float64, and runs it once, so a broken row fails the test
// run rather than the benchmark. Names are unique and start with the op
// family.
func TestBenchOpsCases(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		t.Run(dt.String(), func(t *testing.T) { testBenchOpsCases(t, dt) })
	}
}

func testBenchOpsCases(t *testing.T, dt tensor.Dtype) {
	cases := loadOpsBenchCases(t)
	if len(cases) < 40 {
		t.Fatalf("%s has %d cases, want the whole op set", benchOpsFile, len(cases))
	}
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.Name] {
			t.Errorf("duplicate case %q", c.Name)
		}
		seen[c.Name] = true
		if testing.Short() && !strings.HasPrefix(c.Name, "conv2d/x64x1x28x28") {
			continue
		}
		bd, err := buildBenchGraph(c, true, dt)
		if err != nil {
			t.Error(err)
			continue
		}
		m, err := graph.NewMachine(bd.Graph())
		if err != nil {
			t.Fatal(err)
		}
		if err := graph.Run(m); err != nil {
			t.Errorf("%s: %v", c.Name, err)
		}
		m.Close()
	}
}

// BenchmarkOps times every op family on the shapes of
// testdata/bench_ops.json, the forward pass alone ("fwd") and forward plus
// backward ("fwd+bwd"), one compiled graph run per iteration, in float32 or,
// with CONVNET_OPS_DTYPE=float64, in float64. bench/ops_compare.sh runs it
// next to bench/torch_ops.py, which times torch.nn.functional on the same
// cases.
func BenchmarkOps(b *testing.B) {
	dt, err := opsBenchDtype()
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range loadOpsBenchCases(b) {
		for _, backward := range []bool{false, true} {
			pass := "fwd"
			if backward {
				pass = "fwd+bwd"
			}
			b.Run(c.Name+"/"+pass, func(b *testing.B) {
				bd, err := buildBenchGraph(c, backward, dt)
				if err != nil {
					b.Fatal(err)
				}
				m, err := graph.NewMachine(bd.Graph())
				if err != nil {
					b.Fatal(err)
				}
				defer m.Close()
				if err := graph.Run(m); err != nil { // warm-up: buffers allocated
					b.Fatal(err)
				}
				b.ResetTimer()
				for range b.N {
					if err := graph.Run(m); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
