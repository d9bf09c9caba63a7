package ops_test

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestConvReLUMatchesUnfused checks that the fused activation
// (ConvParams.ReLU, ConvTransposeParams.ReLU) gives exactly the output and
// the gradients (input, weight, bias) of ops.ReLU applied to the unfused
// convolution, for convolutions and transposed convolutions of rank 1-3,
// with and without bias, on feature maps small and large enough to take
// every path of the engine (im2col, grouped images, shifted GEMMs, 1x1).
func TestConvReLUMatchesUnfused(t *testing.T) {
	type cfg struct {
		transposed          bool
		n, c, k             int
		in, ker             []int
		stride, pad, outPad int
		bias                bool
	}
	cases := []cfg{
		{false, 2, 3, 4, []int{9}, []int{3}, 1, 1, 0, true},
		{false, 3, 2, 5, []int{6, 7}, []int{3, 3}, 2, 1, 0, true},
		{false, 2, 9, 6, []int{16, 18}, []int{3, 3}, 1, 1, 0, true}, // shifted GEMMs
		{false, 5, 8, 3, []int{5, 5}, []int{3, 3}, 1, 1, 0, false},  // im2col, grouped
		{false, 3, 4, 4, []int{6, 5}, []int{1, 1}, 1, 0, 0, true},   // 1x1 direct
		{false, 2, 2, 3, []int{4, 5, 4}, []int{2, 3, 2}, 1, 0, 0, true},
		{true, 2, 4, 3, []int{5, 6}, []int{2, 2}, 2, 0, 0, true}, // k2 s2 upsampling
		{true, 3, 3, 2, []int{4, 4}, []int{3, 3}, 2, 1, 1, false},
		{true, 2, 10, 9, []int{12, 11}, []int{3, 3}, 1, 1, 0, true}, // shifted data pass
		{true, 2, 3, 2, []int{7}, []int{4}, 3, 1, 2, true},
	}
	rng := graph.NewRand(11)
	for _, c := range cases {
		xShape := append([]int{c.n, c.c}, c.in...)
		wShape := append([]int{c.k, c.c}, c.ker...)
		if c.transposed {
			wShape = append([]int{c.c, c.k}, c.ker...)
		}
		name := fmt.Sprintf("transposed=%v-x%v-w%v-s%d-p%d-op%d-bias=%v", c.transposed, xShape, wShape, c.stride, c.pad, c.outPad, c.bias)
		rank := len(c.in)
		rep := func(v int) []int {
			out := make([]int, rank)
			for i := range out {
				out[i] = v
			}
			return out
		}
		inputs := map[string]*tensor.Dense{"x": randTensor(rng, xShape...), "w": randTensor(rng, wShape...)}
		wrt := []string{"x", "w"}
		if c.bias {
			inputs["b"] = randTensor(rng, c.k)
			wrt = append(wrt, "b")
		}
		build := func(fused bool) func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
			return func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
				var y *G.Node
				var err error
				if c.transposed {
					y, err = ops.ConvTransposeND(xs["x"], xs["w"], xs["b"], ops.ConvTransposeParams{
						Stride: rep(c.stride), Pad: rep(c.pad), OutPad: rep(c.outPad), ReLU: fused})
				} else {
					y, err = ops.ConvND(xs["x"], xs["w"], xs["b"], ops.ConvParams{Stride: rep(c.stride), Pad: rep(c.pad), ReLU: fused})
				}
				if err != nil || fused {
					return y, err
				}
				return ops.ReLU(y)
			}
		}
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			// the upstream gradient needs the output shape: run once without it
			out, outShape, _, err := forwardBackward(dt, inputs, nil, nil, build(false))
			if err != nil {
				t.Fatalf("%s: %+v", name, err)
			}
			up := randTensor(rng, outShape...)
			want, _, wantG, err := forwardBackward(dt, inputs, wrt, up, build(false))
			if err != nil {
				t.Fatalf("%s: %+v", name, err)
			}
			got, gotShape, gotG, err := forwardBackward(dt, inputs, wrt, up, build(true))
			if err != nil {
				t.Fatalf("%s: %+v", name, err)
			}
			if fmt.Sprint(gotShape) != fmt.Sprint(outShape) || len(out) != len(got) {
				t.Fatalf("%s: fused shape %v, unfused %v", name, gotShape, outShape)
			}
			checkFusedReLU(t, fmt.Sprintf("%s %v", name, dt), got, want)
			for _, v := range wrt {
				tol := 1e-12
				if dt == tensor.Float32 {
					tol = 1e-5
				}
				for i := range wantG[v] {
					if d := math.Abs(gotG[v][i] - wantG[v][i]); d > tol*(1+math.Abs(wantG[v][i])) {
						t.Fatalf("%s %v: grad %s[%d]: fused %v, unfused %v", name, dt, v, i, gotG[v][i], wantG[v][i])
					}
				}
			}
		}
	}
}

// TestConvReLUGradCheck checks the fused op's gradients by finite
// differences (inputs away from the kink at zero are the rule for random
// data).
func TestConvReLUGradCheck(t *testing.T) {
	rng := graph.NewRand(12)
	gradCheck(t, "conv-relu", []*tensor.Dense{randTensor(rng, 2, 3, 5, 6), randTensor(rng, 4, 3, 3, 3), randTensor(rng, 4)},
		func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
			return ops.ConvND(xs[0], xs[1], xs[2], ops.ConvParams{Pad: []int{1, 1}, ReLU: true})
		})
	gradCheck(t, "convtranspose-relu", []*tensor.Dense{randTensor(rng, 2, 3, 4, 3), randTensor(rng, 3, 2, 2, 2), randTensor(rng, 2)},
		func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
			return ops.ConvTransposeND(xs[0], xs[1], xs[2], ops.ConvTransposeParams{Stride: []int{2, 2}, ReLU: true})
		})
}

// TestConvUnusedInputGradientSkipped checks that a machine from
// graph.NewMachine leaves out the input gradient of a convolution whose
// input needs none (the network's input image), while it computes the
// weight gradient, and keeps the input gradient when it is asked for.
func TestConvUnusedInputGradientSkipped(t *testing.T) {
	rng := graph.NewRand(13)
	for _, wantX := range []bool{false, true} {
		b := graph.NewBuilder(graph.Train)
		x := b.InputValue("x", randTensor(rng, 2, 3, 6, 6))
		w := b.InputValue("w", randTensor(rng, 4, 3, 3, 3))
		y, err := ops.ConvND(x, w, nil, ops.ConvParams{Pad: []int{1, 1}})
		if err != nil {
			t.Fatal(err)
		}
		cost, err := ops.Sum(y)
		if err != nil {
			t.Fatal(err)
		}
		wrt := G.Nodes{w}
		if wantX {
			wrt = append(wrt, x)
		}
		grads, err := graph.Grad(cost, wrt...)
		if err != nil {
			t.Fatal(err)
		}
		vals := make([]G.Value, len(grads))
		for i, gn := range grads {
			G.Read(gn, &vals[i])
		}
		m, err := graph.NewMachine(b.Graph())
		if err != nil {
			t.Fatal(err)
		}
		if err := graph.Run(m); err != nil {
			t.Fatal(err)
		}
		prog := fmt.Sprint(reflect.ValueOf(m).MethodByName("Prog").Call(nil)[0].Interface())
		if got := strings.Contains(prog, "∂x"); got != wantX {
			t.Errorf("input gradient wanted %v, program computes it: %v\n%s", wantX, got, prog)
		}
		for i, v := range vals {
			if v == nil || !graph.SameShape(v.Shape(), wrt[i].Shape()) {
				t.Errorf("gradient %d: %v", i, v)
			}
		}
		m.Close()
	}
}

// TestFusedReLUBeforeMaxPool checks that a ReLU fused into a convolution or
// a BatchNorm and followed by a max pool gives exactly the output and
// gradients of the unfused ops, for non-overlapping and overlapping pools,
// and when the activation has a second consumer.
func TestFusedReLUBeforeMaxPool(t *testing.T) {
	rng := graph.NewRand(41)
	inputs := map[string]*tensor.Dense{"x": randTensor(rng, 2, 3, 8, 9), "w": randTensor(rng, 4, 3, 3, 3),
		"b": randTensor(rng, 4), "g": randTensor(rng, 3), "beta": randTensor(rng, 3)}
	rm, rv := tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(3)), tensor.New(tensor.WithShape(3), tensor.WithBacking([]float64{1, 1, 1}))
	pools := []ops.PoolSpec{{Kernel: []int{2, 2}}, {Kernel: []int{3, 3}, Stride: []int{2, 2}, Pad: []int{1, 1}}}
	for _, layer := range []string{"conv", "batchnorm"} {
		for pi, spec := range pools {
			for _, twice := range []bool{false, true} {
				name := fmt.Sprintf("%s-pool%d-twice=%v", layer, pi, twice)
				build := func(fused bool) func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
					return func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
						var a *G.Node
						var err error
						if layer == "conv" {
							a, err = ops.ConvND(xs["x"], xs["w"], xs["b"], ops.ConvParams{Pad: []int{1, 1}, ReLU: fused})
						} else {
							dt := xs["x"].Dtype()
							a, err = ops.BatchNorm(xs["x"], xs["g"], xs["beta"], ops.BatchNormParams{Training: true, RunningMean: castTo(rm, dt),
								RunningVar: castTo(rv, dt), Momentum: 0.1, Eps: 1e-5, ReLU: fused})
						}
						if err != nil {
							return nil, err
						}
						if !fused {
							if a, err = ops.ReLU(a); err != nil {
								return nil, err
							}
						}
						y, err := ops.MaxPool(a, spec)
						if err != nil || !twice {
							return y, err
						}
						// a second consumer of the activation
						s, err := ops.MaxPool(a, ops.PoolSpec{Kernel: []int{1, 1}})
						if err != nil {
							return nil, err
						}
						p, err := ops.MaxPool(s, spec)
						if err != nil {
							return nil, err
						}
						return ops.Add(y, p)
					}
				}
				wrt := []string{"x", "w", "b"}
				if layer == "batchnorm" {
					wrt = []string{"x", "g", "beta"}
				}
				for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
					_, shape, _, err := forwardBackward(dt, inputs, nil, nil, build(false))
					if err != nil {
						t.Fatalf("%s: %+v", name, err)
					}
					up := randTensor(rng, shape...)
					want, _, wantG, err := forwardBackward(dt, inputs, wrt, up, build(false))
					if err != nil {
						t.Fatalf("%s: %+v", name, err)
					}
					got, _, gotG, err := forwardBackward(dt, inputs, wrt, up, build(true))
					if err != nil {
						t.Fatalf("%s: %+v", name, err)
					}
					for i := range want {
						if got[i] != want[i] {
							t.Fatalf("%s %v: y[%d] fused %v, unfused %v", name, dt, i, got[i], want[i])
						}
					}
					for _, v := range wrt {
						for i := range wantG[v] {
							if gotG[v][i] != wantG[v][i] {
								t.Fatalf("%s %v: grad %s[%d] fused %v, unfused %v", name, dt, v, i, gotG[v][i], wantG[v][i])
							}
						}
					}
				}
			}
		}
	}
}
