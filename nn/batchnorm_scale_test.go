package nn_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestBatchNormWithoutScale checks WithScale(false): only β is learnable
// (Keras's BatchNormalization(scale=False)), named "bias" like PyTorch.
func TestBatchNormWithoutScale(t *testing.T) {
	l, err := nn.NewBatchNorm2D(5, nn.WithScale(false), nn.WithEps(1e-3))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, np := range l.Params() {
		names = append(names, fmt.Sprintf("%s:%v", np.Name, np.Param.Kind()))
	}
	if got := strings.Join(names, " "); got != "bias:weight running_mean:buffer running_var:buffer" {
		t.Fatalf("params %s", got)
	}
	if l.Weight() != nil || l.Bias() == nil {
		t.Fatal("Weight must be nil and Bias set")
	}
	if n := nn.NumParams(l); n != 5 {
		t.Fatalf("NumParams %d, want 5", n)
	}
	if s := l.String(); s != "BatchNorm2D(5, eps=0.001, scale=false)" {
		t.Fatalf("String() = %q", s)
	}
	if d := l.Describe(nil, nil); len(d) != 1 || d[0] != "params = C = 5 (beta only, no scale; running statistics 2*C = 10 are buffers)" {
		t.Fatalf("Describe = %q", d)
	}

	// Evaluation: y = (x - mean)/sqrt(var + eps) + beta.
	setParam(t, l.Bias(), []float64{0.5, -1, 0, 2, 3})
	setParam(t, l.RunningMean(), []float64{1, 2, 3, 4, 5})
	setParam(t, l.RunningVar(), []float64{1, 4, 0.25, 2, 9})
	rng := graph.NewRand(4)
	x := randDense(rng, tensor.Float32, 2, 5, 3, 3)
	y, err := nn.Predict(l, x)
	if err != nil {
		t.Fatal(err)
	}
	xv, yv := x.Data().([]float32), y.Data().([]float32)
	beta, mean, vr := []float64{0.5, -1, 0, 2, 3}, []float64{1, 2, 3, 4, 5}, []float64{1, 4, 0.25, 2, 9}
	for i := range xv {
		c := (i / 9) % 5
		want := (float64(xv[i])-mean[c])/math.Sqrt(vr[c]+1e-3) + beta[c]
		if math.Abs(float64(yv[i])-want) > 1e-5 {
			t.Fatalf("y[%d] = %v, want %v", i, yv[i], want)
		}
	}

	// Freezing the bias freezes the layer (it has no weight to ask).
	nn.Freeze(l, "bias")
	if !l.Frozen() {
		t.Fatal("frozen bias must freeze the layer")
	}
}

func TestBatchNormWithoutScaleGradCheck(t *testing.T) {
	rng := graph.NewRand(5)
	for _, mode := range []graph.Mode{graph.Train, graph.Eval} {
		l, err := nn.NewBatchNorm2D(3, nn.WithScale(false), nn.WithDtype(tensor.Float64))
		if err != nil {
			t.Fatal(err)
		}
		setParam(t, l.Bias(), []float64{0.1, -0.2, 0.3})
		x := randDense(rng, tensor.Float64, 2, 3, 2, 3)
		rep, err := graph.CheckGradients([]*tensor.Dense{x}, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
			return l.Forward(b, xs[0])
		}, graph.GradCheckOptions{Mode: mode})
		if err != nil {
			t.Fatalf("%+v", err)
		}
		if !rep.OK() || len(rep.Results) != 2 {
			t.Fatalf("%v: gradient check (%d results, want 2: x and bias):\n%s", mode, len(rep.Results), rep)
		}
	}
}

func TestBatchNormScaleContradiction(t *testing.T) {
	_, err := nn.NewBatchNorm2D(3, nn.WithAffine(false), nn.WithScale(true))
	if err == nil {
		t.Fatal("want an error")
	}
	checkErr(t, err, graph.ErrArg, []string{"nn: NewBatchNorm2D: WithScale(true) and WithAffine(false) contradict each other"})
	// WithScale(false) with WithAffine(false) is simply no affine parameters
	l, err := nn.NewBatchNorm1D(3, nn.WithAffine(false), nn.WithScale(false))
	if err != nil || nn.NumParams(l) != 0 || l.String() != "BatchNorm1D(3, affine=false)" {
		t.Fatalf("%v %v", l, err)
	}
}
