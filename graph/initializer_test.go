package graph_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"gorgonia.org/tensor"
)

// The test weight shape is a convolution (out 64, in 32, 3x3): fanIn =
// 32·9 = 288, fanOut = 64·9 = 576, 18432 values.
var initShape = tensor.Shape{64, 32, 3, 3}

const fanIn, fanOut = 288.0, 576.0

func TestFans(t *testing.T) {
	cases := []struct {
		shape   tensor.Shape
		in, out int
	}{
		{tensor.Shape{}, 1, 1},
		{tensor.Shape{10}, 10, 10},
		{tensor.Shape{3, 5}, 5, 3},                 // Linear(5, 3) weight (out, in)
		{tensor.Shape{16, 8, 3}, 24, 48},           // Conv1d(8, 16, 3)
		{tensor.Shape{64, 32, 3, 3}, 288, 576},     // Conv2d(32, 64, 3)
		{tensor.Shape{4, 2, 3, 3, 3}, 54, 108},     // Conv3d(2, 4, 3)
		{tensor.Shape{32, 16, 2, 2}, 64, 128},      // ConvTranspose2d(32, 16, 2): (in, out, k, k) read as PyTorch does
		{tensor.Shape{1000, 512, 1, 1}, 512, 1000}, // 1x1 conv
	}
	for _, c := range cases {
		t.Run(graph.FormatShape(c.shape), func(t *testing.T) {
			in, out := graph.Fans(c.shape)
			if in != c.in || out != c.out {
				t.Fatalf("got (%d, %d), want (%d, %d) as torch.nn.init._calculate_fan_in_and_fan_out", in, out, c.in, c.out)
			}
		})
	}
}

type stats struct{ mean, std, min, max float64 }

func statsOf(v []float64) stats {
	s := stats{min: math.Inf(1), max: math.Inf(-1)}
	for _, x := range v {
		s.mean += x
		s.min = math.Min(s.min, x)
		s.max = math.Max(s.max, x)
	}
	s.mean /= float64(len(v))
	for _, x := range v {
		s.std += (x - s.mean) * (x - s.mean)
	}
	s.std = math.Sqrt(s.std / float64(len(v)))
	return s
}

func TestInitializers(t *testing.T) {
	uniform := func(b float64) (float64, float64, float64) { return 0, b / math.Sqrt(3), b }
	cases := []struct {
		name  string
		init  graph.Initializer
		mean  float64
		std   float64
		bound float64 // > 0: a uniform distribution on [-bound, bound)
	}{
		{"HeNormal", graph.HeNormal(), 0, math.Sqrt(2 / fanIn), 0},
		{"HeNormalFanOut", graph.HeNormalFanOut(), 0, math.Sqrt(2 / fanOut), 0},
		{"GlorotNormal", graph.GlorotNormal(), 0, math.Sqrt(2 / (fanIn + fanOut)), 0},
		{"LeCunNormal", graph.LeCunNormal(), 0, math.Sqrt(1 / fanIn), 0},
		{"Normal(2,0.5)", graph.Normal(2, 0.5), 2, 0.5, 0},
	}
	for _, u := range []struct {
		name  string
		init  graph.Initializer
		bound float64
	}{
		{"HeUniform", graph.HeUniform(), math.Sqrt(6 / fanIn)},
		{"GlorotUniform", graph.GlorotUniform(), math.Sqrt(6 / (fanIn + fanOut))},
		{"LeCunUniform", graph.LeCunUniform(), math.Sqrt(3 / fanIn)},
		{"TorchDefault", graph.TorchDefault(), 1 / math.Sqrt(fanIn)},
		{"TorchBias(288)", graph.TorchBias(288), 1 / math.Sqrt(fanIn)},
		{"TorchBias(0)", graph.TorchBias(0), 1},
	} {
		m, s, b := uniform(u.bound)
		cases = append(cases, struct {
			name  string
			init  graph.Initializer
			mean  float64
			std   float64
			bound float64
		}{u.name, u.init, m, s, b})
	}
	n := float64(initShape.TotalSize())
	for _, c := range cases {
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			t.Run(c.name+"-"+dt.String(), func(t *testing.T) {
				p, err := graph.NewParam(graph.Weight, dt, initShape, c.init, 42)
				if err != nil {
					t.Fatal(err)
				}
				if p.Dtype() != dt {
					t.Fatalf("dtype %v", p.Dtype())
				}
				v, _ := graph.Float64s(p.Value())
				s := statsOf(v)
				// the sample mean is within 5 standard errors, the sample
				// std within 3 % (its standard error is about 0.5 %)
				if math.Abs(s.mean-c.mean) > 5*c.std/math.Sqrt(n) {
					t.Errorf("mean %.5f, want %.5f ± %.5f", s.mean, c.mean, 5*c.std/math.Sqrt(n))
				}
				if math.Abs(s.std/c.std-1) > 0.03 {
					t.Errorf("std %.5f, want %.5f", s.std, c.std)
				}
				if c.bound > 0 {
					if s.min < -c.bound || s.max > c.bound {
						t.Errorf("values in [%.5f, %.5f], outside ±%.5f", s.min, s.max, c.bound)
					}
					if s.min > -0.99*c.bound || s.max < 0.99*c.bound {
						t.Errorf("values in [%.5f, %.5f] do not reach ±%.5f", s.min, s.max, c.bound)
					}
				} else if s.max-s.min < 6*c.std {
					// a normal sample of this size spans well over ±3 std
					t.Errorf("range [%.5f, %.5f] too narrow for a normal with std %.5f", s.min, s.max, c.std)
				}
			})
		}
	}
}

// Same seed, same values; float32 holds the float64 values rounded;
// another seed gives other values.
func TestInitializersSeeded(t *testing.T) {
	inits := map[string]graph.Initializer{
		"HeNormal": graph.HeNormal(), "HeUniform": graph.HeUniform(), "GlorotNormal": graph.GlorotNormal(),
		"GlorotUniform": graph.GlorotUniform(), "LeCunNormal": graph.LeCunNormal(), "LeCunUniform": graph.LeCunUniform(),
		"TorchDefault": graph.TorchDefault(), "Normal": graph.Normal(0, 1), "Uniform": graph.Uniform(-1, 1),
	}
	shape := tensor.Shape{16, 8, 3}
	for name, init := range inits {
		t.Run(name, func(t *testing.T) {
			a, _ := graph.NewParam(graph.Weight, tensor.Float64, shape, init, 7)
			b, _ := graph.NewParam(graph.Weight, tensor.Float64, shape, init, 7)
			c, _ := graph.NewParam(graph.Weight, tensor.Float64, shape, init, 8)
			f, _ := graph.NewParam(graph.Weight, tensor.Float32, shape, init, 7)
			av, bv, cv := a.Value().Float64s(), b.Value().Float64s(), c.Value().Float64s()
			same := 0
			for i := range av {
				if math.Float64bits(av[i]) != math.Float64bits(bv[i]) {
					t.Fatalf("seed 7 twice differs at %d: %v vs %v", i, av[i], bv[i])
				}
				if av[i] == cv[i] {
					same++
				}
				if f.Value().Float32s()[i] != float32(av[i]) {
					t.Fatalf("float32 value %d is %v, want float32(%v)", i, f.Value().Float32s()[i], av[i])
				}
			}
			if same > 0 {
				t.Fatalf("seeds 7 and 8 share %d of %d values", same, len(av))
			}
		})
	}
}

func TestConstantInitializers(t *testing.T) {
	for _, c := range []struct {
		init graph.Initializer
		want float64
	}{{graph.Zeros(), 0}, {graph.Ones(), 1}, {graph.Constant(-2.5), -2.5}} {
		for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
			p, err := graph.NewParam(graph.Buffer, dt, tensor.Shape{3, 2}, c.init, 1)
			if err != nil {
				t.Fatal(err)
			}
			v, _ := graph.Float64s(p.Value())
			if fmt.Sprint(v) != fmt.Sprint([]float64{c.want, c.want, c.want, c.want, c.want, c.want}) {
				t.Errorf("%v: %v, want all %v", dt, v, c.want)
			}
		}
	}
	// nil init fills zeros
	p, err := graph.NewParam(graph.Weight, tensor.Float32, tensor.Shape{4}, nil, 1)
	if err != nil || fmt.Sprint(p.Value().Data()) != "[0 0 0 0]" {
		t.Errorf("nil init: %v %v", p.Value().Data(), err)
	}
}
