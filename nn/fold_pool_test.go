package nn_test

import (
	"math"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"gorgonia.org/tensor"
)

// TestPredictFusesConvPool checks that inference graphs run a Conv2D
// followed by MaxPool2D(2) (with the ReLU as the convolution's activation,
// as a ReLU layer between them, or none) as one ops.ConvMaxPool2D, with
// exactly the outputs of the unfused evaluation graph in float64 and
// within 1e-5·(1+|y|) in float32 (see below); and that the chains it must not fuse (other pool windows, ceil
// mode, padding, other activations, groups, a BatchNorm between) run apart.
func TestPredictFusesConvPool(t *testing.T) {
	pool2 := func() nn.Layer { return must(nn.NewMaxPool2D(2)) }
	relu := nn.WithActivation(nn.NewReLU())
	cases := []struct {
		name  string
		in    []int
		fused int
		build func(d nn.Option) []nn.Layer
	}{
		{"lenet", []int{3, 1, 28, 28}, 2, func(d nn.Option) []nn.Layer {
			return []nn.Layer{must(nn.NewConv2D(1, 8, 3, relu, d)), pool2(), must(nn.NewConv2D(8, 6, 3, relu, d)), pool2(),
				nn.NewFlatten(), must(nn.NewDense(150, 4, d))}
		}},
		{"relu-layer-batch1-odd", []int{1, 3, 10, 9}, 1, func(d nn.Option) []nn.Layer {
			return []nn.Layer{must(nn.NewConv2D(3, 4, 3, d)), nn.NewReLU(), pool2()}
		}},
		{"no-activation-same-stride-dilation", []int{2, 2, 12, 11}, 2, func(d nn.Option) []nn.Layer {
			return []nn.Layer{must(nn.NewConv2D(2, 3, 3, nn.WithPadding(nn.Same), d)), pool2(),
				must(nn.NewConv2D(3, 3, 2, nn.WithStride(1), nn.WithDilation(2), nn.WithBias(false), d)), pool2()}
		}},
		{"pool-stride1", []int{2, 2, 8, 8}, 0, func(d nn.Option) []nn.Layer {
			return []nn.Layer{must(nn.NewConv2D(2, 3, 3, relu, d)), must(nn.NewMaxPool2D(2, nn.WithStride(1)))}
		}},
		{"pool-ceil-pad-k3", []int{2, 2, 9, 9}, 0, func(d nn.Option) []nn.Layer {
			return []nn.Layer{must(nn.NewConv2D(2, 3, 3, relu, d)), must(nn.NewMaxPool2D(2, nn.WithCeilMode(true))),
				must(nn.NewConv2D(3, 3, 1, d)), must(nn.NewMaxPool2D(2, nn.WithPad(1))),
				must(nn.NewConv2D(3, 3, 1, d)), must(nn.NewMaxPool2D(3))}
		}},
		{"same-pool-odd", []int{2, 2, 9, 9}, 0, func(d nn.Option) []nn.Layer {
			return []nn.Layer{must(nn.NewConv2D(2, 3, 3, d)), must(nn.NewMaxPool2D(2, nn.WithPadding(nn.Same)))}
		}},
		{"leaky-groups-bn", []int{2, 4, 8, 8}, 0, func(d nn.Option) []nn.Layer {
			return []nn.Layer{must(nn.NewConv2D(4, 4, 3, nn.WithPad(1), nn.WithActivation(nn.NewLeakyReLU(0.1)), d)), pool2(),
				must(nn.NewConv2D(4, 4, 1, nn.WithGroups(2), d)), pool2()}
		}},
	}
	for _, c := range cases {
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			m := must(nn.NewSequential(c.build(nn.WithDtype(dt))...))
			perturb(m, 5)
			x := randDense(graph.NewRand(6), dt, c.in...)
			want, _ := evalRun(t, m, x, false)
			got, ops := evalRun(t, m, x, true)
			if n := strings.Count(ops, "ConvMaxPool2D"); n != c.fused {
				t.Errorf("%s %v: %d ConvMaxPool2D ops, want %d; ops:\n%s", c.name, dt, n, c.fused, ops)
			}
			if len(got) != len(want) {
				t.Fatalf("%s %v: %d outputs, unfused %d", c.name, dt, len(got), len(want))
			}
			for i := range want {
				// float32 layers of at most 32 taps at stride 1 are
				// convolved directly by the fused op (ops' conv_direct.go),
				// summing in another order: within 1e-5·(1+|y|) there
				if dt == tensor.Float32 && math.Abs(got[i]-want[i]) <= 1e-5*(1+math.Abs(want[i])) {
					continue
				}
				if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
					t.Fatalf("%s %v: y[%d] = %v, unfused %v", c.name, dt, i, got[i], want[i])
				}
			}
		}
	}
}
