package nn_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestDropoutIsIdentityInEval(t *testing.T) {
	d, err := nn.NewDropout(0.5)
	if err != nil {
		t.Fatal(err)
	}
	x := randDense(graph.NewRand(81), tensor.Float32, 7, 3, 5)
	y, err := nn.Predict(d, x)
	if err != nil {
		t.Fatal(err)
	}
	if maxDiff(y.Data().([]float32), x.Float32s()) != 0 {
		t.Fatal("Dropout changed its input in eval mode")
	}
	b := graph.NewBuilder(graph.Eval)
	xn := b.Input("x", tensor.Float32, 2, 3)
	if out, _ := d.Forward(b, xn); out != xn {
		t.Fatal("an eval graph got a Dropout node")
	}
}

// In training graphs the kept fraction is 1-p, kept values are scaled by
// 1/(1-p), the output is unbiased, and the masks follow the builder seed.
func TestDropoutTraining(t *testing.T) {
	for _, p := range []float64{0.1, 0.3, 0.5, 0.75} {
		d, err := nn.NewDropout(p)
		if err != nil {
			t.Fatal(err)
		}
		shape := []int{16, 8, 10, 10}
		x := randDense(graph.NewRand(82), tensor.Float64, shape...)
		for i, v := range x.Float64s() {
			x.Float64s()[i] = math.Abs(v) + 0.5
		}
		b := graph.NewBuilder(graph.Train, graph.WithSeed(3))
		out, err := d.Forward(b, b.InputValue("x", x))
		if err != nil {
			t.Fatal(err)
		}
		var yv G.Value
		G.Read(out, &yv)
		m, err := graph.NewMachine(b.Graph())
		if err != nil {
			t.Fatal(err)
		}
		const runs = 20
		n := x.Shape().TotalSize()
		kept := 0
		sum := 0.0
		for r := 0; r < runs; r++ {
			if err := graph.Run(m); err != nil {
				t.Fatal(err)
			}
			y := floats(t, yv)
			for i, v := range y {
				if v != 0 {
					kept++
					if math.Abs(v-x.Float64s()[i]/(1-p)) > 1e-12 {
						t.Fatalf("p=%v: kept value %v, want %v", p, v, x.Float64s()[i]/(1-p))
					}
				}
				sum += v / x.Float64s()[i]
			}
		}
		m.Close()
		total := float64(runs * n)
		if frac, sd := float64(kept)/total, math.Sqrt(p*(1-p)/total); math.Abs(frac-(1-p)) > 5*sd {
			t.Errorf("p=%v: kept fraction %.4f, want %.4f", p, frac, 1-p)
		}
		if mean, sd := sum/total, math.Sqrt(p/(1-p)/total); math.Abs(mean-1) > 5*sd {
			t.Errorf("p=%v: mean of y/x %.4f, want 1", p, mean)
		}
	}
}

func dropoutOnce(t *testing.T, seed int64) []float64 {
	d, _ := nn.NewDropout(0.5)
	x := randDense(graph.NewRand(83), tensor.Float32, 4, 100)
	y, _, _, _ := layerRun(t, d, graph.Train, x, nil, graph.WithSeed(seed))
	return y
}

func TestDropoutReproducibleFromBuilderSeed(t *testing.T) {
	a, b, c := dropoutOnce(t, 11), dropoutOnce(t, 11), dropoutOnce(t, 12)
	if maxDiff(a, b) != 0 {
		t.Fatal("the same builder seed gave different masks")
	}
	if maxDiff(a, c) == 0 {
		t.Fatal("different builder seeds gave the same mask")
	}
	// two Dropout layers on one input are two nodes
	d1, _ := nn.NewDropout(0.5)
	d2, _ := nn.NewDropout(0.5)
	bld := graph.NewBuilder(graph.Train)
	x := bld.InputValue("x", randDense(graph.NewRand(84), tensor.Float32, 4, 100))
	h, _ := d1.Forward(bld, x)
	o, _ := d2.Forward(bld, x)
	if h == o {
		t.Fatal("two Dropout layers on one input share a node")
	}
}

func TestDropoutLayerGradCheck(t *testing.T) {
	d, _ := nn.NewDropout(0.4)
	x := randDense(graph.NewRand(85), tensor.Float64, 3, 4, 2)
	for _, mode := range []graph.Mode{graph.Train, graph.Eval} {
		rep, err := graph.CheckGradients([]*tensor.Dense{x}, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
			y, err := d.Forward(b, xs[0])
			if err != nil {
				return nil, err
			}
			return G.Tanh(y) // Dropout in eval returns its input node; give the check an op
		}, graph.GradCheckOptions{Mode: mode})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK() {
			t.Errorf("%v:\n%s", mode, rep)
		}
	}
}

func TestDropoutBadInputs(t *testing.T) {
	for _, p := range []float64{-0.1, 1, 1.5, math.NaN()} {
		_, err := nn.NewDropout(p)
		if err == nil || !errors.Is(err, graph.ErrArg) || !strings.Contains(err.Error(), "nn: NewDropout: p must be in [0, 1), got") {
			t.Errorf("p=%v: error %v", p, err)
		}
	}
	d, _ := nn.NewDropout(0.5)
	if _, err := d.Forward(graph.NewBuilder(graph.Train), nil); err == nil || !strings.Contains(err.Error(), "nn: Dropout: input is nil") {
		t.Errorf("nil input: %v", err)
	}
	if got := d.String(); got != "Dropout(p=0.5)" {
		t.Errorf("String() = %q", got)
	}
}
