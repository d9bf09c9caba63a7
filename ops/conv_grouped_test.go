package ops_test

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// groupCase is one grouped convolution: input (n, c, in...), k output
// channels, kernel ker, groups, and the ConvParams of ConvND.
type groupCase struct {
	n, c, k, groups int
	in, ker         []int
	p               ops.ConvParams
	bias            bool
}

func (c groupCase) String() string {
	s := fmt.Sprintf("n%d-c%d-k%d-g%d-in%v-ker%v-s%v-p%v", c.n, c.c, c.k, c.groups, c.in, c.ker, c.p.Stride, c.p.Pad)
	if c.p.PadAfter != nil {
		s += fmt.Sprintf("-pa%v", c.p.PadAfter)
	}
	if c.p.Dilation != nil {
		s += fmt.Sprintf("-d%v", c.p.Dilation)
	}
	if c.bias {
		s += "-bias"
	}
	if c.p.ReLU {
		s += "-relu"
	}
	return s
}

func (c groupCase) weightShape() []int { return append([]int{c.k, c.c / c.groups}, c.ker...) }

// blockDiagonal expands a grouped weight (K, C/groups, k...) into the
// ungrouped weight (K, C, k...) that is zero outside each output channel's
// group: the ungrouped convolution with it is the grouped convolution.
func blockDiagonal(w []float64, k, c, groups, taps int) []float64 {
	cg, kg := c/groups, k/groups
	full := make([]float64, k*c*taps)
	for o := range k {
		for j := range cg {
			ci := (o/kg)*cg + j
			copy(full[(o*c+ci)*taps:(o*c+ci+1)*taps], w[(o*cg+j)*taps:(o*cg+j+1)*taps])
		}
	}
	return full
}

// groupCases covers depthwise convolutions (with and without a depth
// multiplier), general groups, 1x1 groups, every rank, strides,
// dilations, asymmetric padding, bias and the fused ReLU, and planes large
// enough to be split over workers.
var groupCases = []groupCase{
	{n: 2, c: 4, k: 4, groups: 4, in: []int{7, 7}, ker: []int{3, 3}, p: ops.ConvParams{Pad: []int{1, 1}}},
	{n: 1, c: 3, k: 6, groups: 3, in: []int{9, 8}, ker: []int{3, 3}, p: ops.ConvParams{Stride: []int{2, 1}, Pad: []int{0, 1}}, bias: true},
	{n: 2, c: 6, k: 4, groups: 2, in: []int{6, 7}, ker: []int{3, 2}, p: ops.ConvParams{Stride: []int{1, 2}, Pad: []int{1, 0}}, bias: true},
	{n: 1, c: 8, k: 12, groups: 4, in: []int{5, 5}, ker: []int{1, 1}},
	{n: 1, c: 2, k: 2, groups: 2, in: []int{10, 10}, ker: []int{3, 3}, p: ops.ConvParams{Pad: []int{2, 2}, Dilation: []int{2, 2}}},
	{n: 2, c: 3, k: 3, groups: 3, in: []int{8, 9}, ker: []int{3, 3}, p: ops.ConvParams{Stride: []int{2, 2}, Pad: []int{0, 0}, PadAfter: []int{1, 1}}},
	{n: 1, c: 4, k: 8, groups: 4, in: []int{6, 6}, ker: []int{3, 3}, p: ops.ConvParams{Stride: []int{3, 3}, Pad: []int{2, 2}}},
	{n: 2, c: 4, k: 4, groups: 4, in: []int{5, 6}, ker: []int{3, 3}, p: ops.ConvParams{Pad: []int{1, 1}, ReLU: true}, bias: true},
	{n: 2, c: 16, k: 16, groups: 16, in: []int{40, 37}, ker: []int{3, 3}, p: ops.ConvParams{Stride: []int{2, 2}, Pad: []int{1, 1}}},
	{n: 3, c: 6, k: 6, groups: 6, in: []int{30, 30}, ker: []int{3, 3}, p: ops.ConvParams{Pad: []int{1, 1}}, bias: true},
	{n: 2, c: 4, k: 6, groups: 2, in: []int{11}, ker: []int{3}, p: ops.ConvParams{Stride: []int{2}, Pad: []int{1}}},
	{n: 1, c: 3, k: 3, groups: 3, in: []int{9}, ker: []int{5}, p: ops.ConvParams{Pad: []int{0}, PadAfter: []int{3}, Dilation: []int{2}}, bias: true},
	{n: 2, c: 4, k: 4, groups: 4, in: []int{4, 5, 6}, ker: []int{3, 3, 3}, p: ops.ConvParams{Pad: []int{1, 1, 1}}},
	{n: 1, c: 4, k: 2, groups: 2, in: []int{5, 4, 6}, ker: []int{2, 3, 3}, p: ops.ConvParams{Stride: []int{2, 1, 2}, Pad: []int{0, 1, 1}}, bias: true},
}

// TestGroupConvMatchesBlockDiagonal compares GroupConvND's output and
// gradients with ConvND's on the block-diagonal weight, in float64 and
// float32: the weight gradient must be the blocks of the full one.
func TestGroupConvMatchesBlockDiagonal(t *testing.T) {
	rng := graph.NewRand(14)
	for _, c := range groupCases {
		t.Run(c.String(), func(t *testing.T) {
			x := randTensor(rng, append([]int{c.n, c.c}, c.in...)...)
			w := randTensor(rng, c.weightShape()...)
			taps := 1
			for _, k := range c.ker {
				taps *= k
			}
			wv, _ := graph.Float64s(w)
			full := tensor.New(tensor.WithShape(append([]int{c.k, c.c}, c.ker...)...),
				tensor.WithBacking(blockDiagonal(wv, c.k, c.c, c.groups, taps)))
			inputs := map[string]*tensor.Dense{"x": x, "w": w, "full": full, "b": randTensor(rng, c.k)}
			wrt := []string{"x", "w"}
			if c.bias {
				wrt = append(wrt, "b")
			}
			bias := func(xs map[string]*G.Node) *G.Node {
				if c.bias {
					return xs["b"]
				}
				return nil
			}
			for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
				tol := 1e-10
				if dt == tensor.Float32 {
					tol = 1e-4
				}
				// the output shape is ConvND's; find it with a forward run
				_, shape, _, err := forwardBackward(dt, inputs, nil, nil, func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
					return ops.ConvND(xs["x"], xs["full"], bias(xs), c.p)
				})
				if err != nil {
					t.Fatal(err)
				}
				up := randTensor(rng, shape...)
				wantWrt := []string{"x", "full"}
				if c.bias {
					wantWrt = append(wantWrt, "b")
				}
				want, _, wantG, err := forwardBackward(dt, inputs, wantWrt, up, func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
					return ops.ConvND(xs["x"], xs["full"], bias(xs), c.p)
				})
				if err != nil {
					t.Fatal(err)
				}
				got, gotShape, gotG, err := forwardBackward(dt, inputs, wrt, up, func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
					return ops.GroupConvND(xs["x"], xs["w"], bias(xs), c.p, c.groups)
				})
				if err != nil {
					t.Fatalf("%+v", err)
				}
				if !graph.SameShape(gotShape, shape) {
					t.Fatalf("%v: shape %v, want %v", dt, gotShape, shape)
				}
				expectClose(t, fmt.Sprint(dt, " output"), got, want, tol)
				expectClose(t, fmt.Sprint(dt, " dx"), gotG["x"], wantG["x"], tol)
				// the block of each weight row, and zeros outside it in full
				wantW := make([]float64, len(wv))
				cg, kg := c.c/c.groups, c.k/c.groups
				for o := range c.k {
					for j := range cg {
						ci := (o/kg)*cg + j
						copy(wantW[(o*cg+j)*taps:(o*cg+j+1)*taps], wantG["full"][(o*c.c+ci)*taps:(o*c.c+ci+1)*taps])
					}
				}
				expectClose(t, fmt.Sprint(dt, " dw"), gotG["w"], wantW, tol)
				if c.bias {
					expectClose(t, fmt.Sprint(dt, " db"), gotG["b"], wantG["b"], tol)
				}
			}
		})
	}
}

// expectClose fails unless got and want have the same length and differ
// by at most tol·max(1, |want|) everywhere.
func expectClose(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range want {
		if d := math.Abs(got[i] - want[i]); !(d <= tol*math.Max(1, math.Abs(want[i]))) {
			t.Fatalf("%s: value %d is %v, want %v", what, i, got[i], want[i])
		}
	}
}

// TestGroupConvGradCheck checks the gradients of x, w and b by finite
// differences in float64.
func TestGroupConvGradCheck(t *testing.T) {
	rng := graph.NewRand(141)
	for _, c := range groupCases {
		if c.n*c.c*prodInts(c.in) > 400 || c.p.ReLU {
			continue // keep the finite-difference runs small; ReLU has kinks
		}
		t.Run(c.String(), func(t *testing.T) {
			inputs := []*tensor.Dense{randTensor(rng, append([]int{c.n, c.c}, c.in...)...), randTensor(rng, c.weightShape()...)}
			if c.bias {
				inputs = append(inputs, randTensor(rng, c.k))
			}
			gradCheck(t, c.String(), inputs, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
				var bn *G.Node
				if c.bias {
					bn = xs[2]
				}
				return ops.GroupConvND(xs[0], xs[1], bn, c.p, c.groups)
			})
		})
	}
}

func prodInts(v []int) int {
	p := 1
	for _, x := range v {
		p *= x
	}
	return p
}

// TestGroupConv2DGolden compares output and gradients with PyTorch's
// conv2d(groups=...) (testdata/group_conv2d.json).
func TestGroupConv2DGolden(t *testing.T) {
	f := loadGolden(t, "group_conv2d.json")
	for _, c := range f.Cases {
		t.Run(c.Name, func(t *testing.T) {
			var stride, pad, dil [2]int
			var groups int
			for name, dst := range map[string]any{"stride": &stride, "pad": &pad, "dilation": &dil, "groups": &groups} {
				if err := json.Unmarshal(c.Attrs[name], dst); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
			}
			wrt := []string{"x", "w"}
			if _, ok := c.Inputs["b"]; ok {
				wrt = append(wrt, "b")
			}
			goldenCase(t, c, c.Inputs, wrt, func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
				if xs["b"] != nil {
					return ops.GroupConvND(xs["x"], xs["w"], xs["b"], ops.ConvParams{Stride: stride[:], Pad: pad[:], Dilation: dil[:]}, groups)
				}
				return ops.GroupConv2D(xs["x"], xs["w"], stride, pad, dil, groups)
			})
		})
	}
}

// TestGroupConvOneGroupIsConv checks that groups = 1 is the ordinary
// convolution.
func TestGroupConvOneGroupIsConv(t *testing.T) {
	rng := graph.NewRand(3)
	inputs := map[string]*tensor.Dense{"x": randTensor(rng, 2, 3, 6, 5), "w": randTensor(rng, 4, 3, 3, 3)}
	up := randTensor(rng, 2, 4, 3, 3)
	s, p, d := [2]int{2, 2}, [2]int{1, 1}, [2]int{1, 1}
	want, _, wantG, err := forwardBackward(tensor.Float64, inputs, []string{"x", "w"}, up, func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
		return ops.Conv2D(xs["x"], xs["w"], s, p, d)
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _, gotG, err := forwardBackward(tensor.Float64, inputs, []string{"x", "w"}, up, func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
		return ops.GroupConv2D(xs["x"], xs["w"], s, p, d, 1)
	})
	if err != nil {
		t.Fatal(err)
	}
	expectClose(t, "output", got, want, 0)
	expectClose(t, "dx", gotG["x"], wantG["x"], 0)
	expectClose(t, "dw", gotG["w"], wantG["w"], 0)
}

func TestGroupConvBadArgs(t *testing.T) {
	b := graph.NewBuilder(graph.Eval)
	x := b.Input("x", tensor.Float64, 1, 6, 5, 5)
	w := func(shape ...int) *G.Node { return b.Input(fmt.Sprint("w", shape), tensor.Float64, shape...) }
	one, zero := [2]int{1, 1}, [2]int{0, 0}
	runBadCases(t, []badCase{
		{"groups 0", func() (*G.Node, error) { return ops.GroupConv2D(x, w(6, 1, 3, 3), one, zero, one, 0) }, "groups must be >= 1, got 0", graph.ErrArg},
		{"groups do not divide C", func() (*G.Node, error) { return ops.GroupConv2D(x, w(4, 1, 3, 3), one, zero, one, 4) }, "groups (4) must divide the input channels (6", graph.ErrShape},
		{"groups do not divide K", func() (*G.Node, error) { return ops.GroupConv2D(x, w(5, 2, 3, 3), one, zero, one, 3) }, "the output channels (5", graph.ErrShape},
		{"wrong weight channels", func() (*G.Node, error) { return ops.GroupConv2D(x, w(6, 2, 3, 3), one, zero, one, 6) }, "C/groups = 6/6 = 1 input channels per group (its axis 1), got 2", graph.ErrShape},
		{"kernel too large", func() (*G.Node, error) { return ops.GroupConv2D(x, w(6, 1, 7, 7), one, zero, one, 6) }, "axis H", graph.ErrShape},
		{"stride 0", func() (*G.Node, error) { return ops.GroupConv2D(x, w(6, 1, 3, 3), zero, zero, one, 6) }, "stride must be >= 1", graph.ErrArg},
		{"rank 3 input", func() (*G.Node, error) {
			return ops.GroupConv2D(b.Input("x3", tensor.Float64, 6, 5, 5), w(6, 1, 3, 3), one, zero, one, 6)
		}, "input must have rank 4", graph.ErrShape},
		{"bias size", func() (*G.Node, error) {
			return ops.GroupConvND(x, w(6, 1, 3, 3), b.Input("b", tensor.Float64, 5), ops.ConvParams{}, 6)
		}, "bias must have shape (6)", graph.ErrShape},
	})
}

// A depthwise convolution (groups = channels) filters every channel with
// its own kernel: here channel 0 is summed over 2x2 windows and channel 1
// is negated at the window's top-left corner.
func ExampleGroupConv2D() {
	b := graph.NewBuilder(graph.Eval)
	x := tensor.New(tensor.WithShape(1, 2, 3, 3), tensor.WithBacking([]float64{
		1, 2, 3, 4, 5, 6, 7, 8, 9,
		1, 2, 3, 4, 5, 6, 7, 8, 9,
	}))
	w := tensor.New(tensor.WithShape(2, 1, 2, 2), tensor.WithBacking([]float64{
		1, 1, 1, 1,
		-1, 0, 0, 0,
	}))
	y, err := ops.GroupConv2D(b.InputValue("x", x), b.InputValue("w", w), [2]int{1, 1}, [2]int{0, 0}, [2]int{1, 1}, 2)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("shape", y.Shape())
	fmt.Println(runExample(b, y)[0].Data())
	// Output:
	// shape (1, 2, 2, 2)
	// [12 16 24 28 -1 -2 -4 -5]
}
