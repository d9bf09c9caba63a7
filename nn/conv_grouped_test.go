package nn_test

import (
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/internal/golden"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// A grouped Conv2D has PyTorch's weight shape and parameter count, prints
// its groups, and computes ops.GroupConvND with its weight and bias.
func TestGroupedConvLayer(t *testing.T) {
	cases := []struct {
		name              string
		in, out, k, g     int
		opts              []nn.ConvOption
		x, wantW, wantOut []int
		params            int
		str               string
		p                 ops.ConvParams // the op's settings that the layer should use
	}{
		{"groups2", 4, 6, 3, 2, []nn.ConvOption{nn.WithPad(1)}, []int{2, 4, 5, 5}, []int{6, 2, 3, 3}, []int{2, 6, 5, 5}, 6*2*9 + 6,
			"Conv2D(4, 6, kernel=3, pad=1, groups=2)", ops.ConvParams{Pad: []int{1, 1}}},
		{"depthwise-s2-same", 3, 3, 3, 3, []nn.ConvOption{nn.WithStride(2), nn.WithPadding(nn.Same), nn.WithBias(false)}, []int{1, 3, 7, 8}, []int{3, 1, 3, 3}, []int{1, 3, 4, 4}, 27,
			"Conv2D(3, 3, kernel=3, stride=2, padding=same, groups=3, bias=false)",
			// Same with stride 2: H 7 -> 4 pads 1 and 1, W 8 -> 4 pads 0 and 1
			ops.ConvParams{Stride: []int{2, 2}, Pad: []int{1, 0}, PadAfter: []int{1, 1}}},
		{"multiplier2-relu", 2, 4, 3, 2, []nn.ConvOption{nn.WithActivation(nn.NewReLU())}, []int{2, 2, 6, 6}, []int{4, 1, 3, 3}, []int{2, 4, 4, 4}, 40,
			"Conv2D(2, 4, kernel=3, groups=2, activation=ReLU())", ops.ConvParams{ReLU: true}},
	}
	rng := graph.NewRand(5)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, err := nn.NewConv2D(c.in, c.out, c.k, append(c.opts, nn.WithGroups(c.g), nn.WithDtype(tensor.Float64), nn.WithSeed(3))...)
			if err != nil {
				t.Fatal(err)
			}
			if got := []int(l.Weight().Value().Shape()); !graph.SameShape(got, c.wantW) {
				t.Errorf("weight shape %v, want %v", got, c.wantW)
			}
			if l.Groups() != c.g {
				t.Errorf("Groups %d, want %d", l.Groups(), c.g)
			}
			if got := nn.NumParams(l); got != c.params {
				t.Errorf("NumParams %d, want %d", got, c.params)
			}
			if got := l.String(); got != c.str {
				t.Errorf("String %q, want %q", got, c.str)
			}
			// PyTorch's default init bound 1/sqrt(fan_in), fan_in = in/groups·k·k
			bound := 1 / math.Sqrt(float64(c.in/c.g*c.k*c.k))
			for _, v := range floats(t, l.Weight().Value()) {
				if math.Abs(v) > bound {
					t.Fatalf("weight %v outside ±%v", v, bound)
				}
			}
			x := randDense(rng, tensor.Float64, c.x...)
			got, err := nn.Predict(l, x)
			if err != nil {
				t.Fatal(err)
			}
			if !graph.SameShape(got.Shape(), c.wantOut) {
				t.Fatalf("output shape %v, want %v", got.Shape(), c.wantOut)
			}
			b := graph.NewBuilder(graph.Eval)
			var bias *G.Node
			if l.Bias() != nil {
				bias = b.InputValue("b", l.Bias().Value())
			}
			y, err := ops.GroupConvND(b.InputValue("x", x), b.InputValue("w", l.Weight().Value()), bias, c.p, c.g)
			if err != nil {
				t.Fatal(err)
			}
			m, err := graph.NewMachine(b.Graph())
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			if err := graph.Run(m); err != nil {
				t.Fatal(err)
			}
			if d := maxDiff(got.Data().([]float64), y.Value().Data().([]float64)); d > 1e-12 {
				t.Fatalf("layer and op differ by %v", d)
			}
		})
	}
}

func TestGroupedConvLayerGradCheck(t *testing.T) {
	rng := graph.NewRand(9)
	for _, c := range []struct {
		name string
		l    func() (nn.Layer, error)
		x    []int
	}{
		{"groups2-s2", func() (nn.Layer, error) {
			return nn.NewConv2D(4, 2, 3, nn.WithGroups(2), nn.WithStride(2), nn.WithPad(1), nn.WithDtype(tensor.Float64))
		}, []int{2, 4, 5, 5}},
		{"depthwise-m2", func() (nn.Layer, error) {
			return nn.NewDepthwiseConv2D(2, 2, 3, nn.WithPadding(nn.Same), nn.WithDtype(tensor.Float64))
		}, []int{2, 2, 4, 5}},
		{"conv1d-groups3", func() (nn.Layer, error) {
			return nn.NewConv1D(3, 6, 2, nn.WithGroups(3), nn.WithDtype(tensor.Float64))
		}, []int{2, 3, 6}},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, err := c.l()
			if err != nil {
				t.Fatal(err)
			}
			x := randDense(rng, tensor.Float64, c.x...)
			rep, err := graph.CheckGradients([]*tensor.Dense{x}, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
				return l.Forward(b, xs[0])
			}, graph.GradCheckOptions{})
			if err != nil {
				t.Fatalf("%+v", err)
			}
			if !rep.OK() || len(rep.Results) != 3 {
				t.Fatalf("gradient check (%d results, want 3):\n%s", len(rep.Results), rep)
			}
		})
	}
}

func TestGroupedConvLayerBadArgs(t *testing.T) {
	for _, c := range []struct {
		name string
		err  func() error
		want string
	}{
		{"groups0", func() error { _, err := nn.NewConv2D(4, 4, 3, nn.WithGroups(0)); return err }, "nn: NewConv2D: groups must be >= 1, got 0"},
		{"not-dividing-in", func() error { _, err := nn.NewConv2D(6, 8, 3, nn.WithGroups(4)); return err },
			"nn: NewConv2D: groups (4) must divide the input channels (6) and the output channels (8)"},
		{"depthwise-zero", func() error { _, err := nn.NewDepthwiseConv2D(4, 0, 3); return err }, "channels and multiplier must be positive, got channels=4, multiplier=0"},
	} {
		t.Run(c.name, func(t *testing.T) {
			checkErr(t, c.err(), graph.ErrArg, []string{c.want})
		})
	}
	// an input with the wrong channel count names the layer
	l, err := nn.NewDepthwiseConv2D(4, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	_, err = nn.Predict(l, tensor.New(tensor.WithShape(1, 3, 5, 5), tensor.Of(tensor.Float32)))
	checkErr(t, err, graph.ErrShape, []string{"Conv2D", "input must have 4 channels (axis 1), got 3"})
}

// MobileNet's depthwise-separable block: a depthwise 3x3 (one kernel per
// channel) followed by a pointwise 1x1 that mixes the channels, with far
// fewer weights than one 3x3 convolution from 32 to 64 channels.
func ExampleNewDepthwiseConv2D() {
	dw, _ := nn.NewDepthwiseConv2D(32, 1, 3, nn.WithPad(1), nn.WithBias(false))
	pw, _ := nn.NewConv2D(32, 64, 1, nn.WithBias(false))
	full, _ := nn.NewConv2D(32, 64, 3, nn.WithPad(1), nn.WithBias(false))
	fmt.Println(dw)
	fmt.Println("weight", dw.Weight().Value().Shape())
	fmt.Println("separable params", nn.NumParams(dw)+nn.NumParams(pw), "full params", nn.NumParams(full))
	y, _ := nn.Predict(dw, tensor.New(tensor.WithShape(1, 32, 8, 8), tensor.Of(tensor.Float32)))
	fmt.Println("output", y.Shape())
	// Output:
	// Conv2D(32, 32, kernel=3, pad=1, groups=32, bias=false)
	// weight (32, 1, 3, 3)
	// separable params 2336 full params 18432
	// output (1, 32, 8, 8)
}

// ZeroPadding2D with Keras's asymmetric padding, as MobileNetV2 uses
// before a stride-2 depthwise convolution on an even input.
func ExampleZeroPadding2D() {
	pad, _ := nn.NewZeroPadding2D(0, 1, 0, 1)
	x := tensor.New(tensor.WithShape(1, 1, 2, 2), tensor.WithBacking([]float32{1, 2, 3, 4}))
	y, _ := nn.Predict(pad, x)
	fmt.Println(pad)
	fmt.Println(y.Shape(), y.Data())
	// Output:
	// ZeroPadding2D(((0, 1), (0, 1)))
	// (1, 1, 3, 3) [1 2 0 3 4 0 0 0 0]
}

// TestZeroPadding2DMatchesPyTorch compares output and gradient with
// PyTorch's F.pad (testdata/zero_pad2d.json), in float64 and float32.
func TestZeroPadding2DMatchesPyTorch(t *testing.T) {
	f, err := golden.Load(filepath.Join("testdata", "zero_pad2d.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) != 4 {
		t.Fatalf("want 4 cases, got %d", len(f.Cases))
	}
	for _, c := range f.Cases {
		p, err := c.Ints("padding", 4)
		if err != nil {
			t.Fatal(err)
		}
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			t.Run(fmt.Sprintf("%s-%v", c.Name, dt), func(t *testing.T) {
				l, err := nn.NewZeroPadding2D(p[0], p[1], p[2], p[3])
				if err != nil {
					t.Fatal(err)
				}
				y, dx, _, shapes := layerRun(t, l, graph.Train, c.Inputs["x"].Dense(dt), c.Upstream.Dense(dt))
				compare(t, "output", y, shapes["y"], c.Output, 1e-7)
				compare(t, "dx", dx, shapes["x"], c.Grads["x"], 1e-7)
			})
		}
	}
}

func TestZeroPadding2DGradCheckAndDescribe(t *testing.T) {
	l, err := nn.NewZeroPadding2D(1, 0, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	x := randDense(graph.NewRand(4), tensor.Float64, 2, 2, 3, 3)
	rep, err := graph.CheckGradients([]*tensor.Dense{x}, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
		return l.Forward(b, xs[0])
	}, graph.GradCheckOptions{})
	if err != nil || !rep.OK() {
		t.Fatalf("%v\n%v", err, rep)
	}
	got := l.Describe(tensor.Shape{2, 2, 3, 3}, tensor.Shape{2, 2, 4, 6})
	want := []string{"H2 = top + H1 + bottom = 1 + 3 + 0 = 4", "W2 = left + W1 + right = 2 + 3 + 1 = 6"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Describe %q, want %q", got, want)
	}
	if _, err := nn.NewZeroPadding2D(0, -1, 0, 0); err == nil {
		t.Error("negative padding: want an error")
	} else {
		checkErr(t, err, graph.ErrArg, []string{"nn: NewZeroPadding2D: padding must be >= 0, got top=0, bottom=-1, left=0, right=0"})
	}
	_, err = nn.Predict(l, tensor.New(tensor.WithShape(2, 3, 3), tensor.Of(tensor.Float32)))
	checkErr(t, err, graph.ErrShape, []string{"ZeroPadding2D", "input must be rank 4 (N, C, H, W), got shape (2, 3, 3)"})
}

func TestReLU6Layer(t *testing.T) {
	l := nn.NewReLU6()
	if l.String() != "ReLU6()" || len(l.Params()) != 0 {
		t.Fatalf("String %q, %d params", l, len(l.Params()))
	}
	x := tensor.New(tensor.WithShape(1, 5), tensor.WithBacking([]float64{-1, 0.5, 5.5, 6, 8}))
	y, _, _, _ := layerRun(t, l, graph.Train, x, nil)
	if fmt.Sprint(y) != "[0 0.5 5.5 6 6]" {
		t.Errorf("ReLU6 %v", y)
	}
	// as a convolution's activation (not fused like ReLU)
	c, err := nn.NewConv2D(1, 1, 1, nn.WithActivation(nn.NewReLU6()), nn.WithWeightInit(graph.Constant(10)), nn.WithBias(false), nn.WithDtype(tensor.Float64))
	if err != nil {
		t.Fatal(err)
	}
	out, err := nn.Predict(c, tensor.New(tensor.WithShape(1, 1, 1, 3), tensor.WithBacking([]float64{-1, 0.2, 1})))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(out.Data()) != "[0 2 6]" {
		t.Errorf("Conv2D+ReLU6 %v", out.Data())
	}
}

// TestGroupedConvLayerDescribe checks the course's parameter formula with
// the groups.
func TestGroupedConvLayerDescribe(t *testing.T) {
	l, err := nn.NewConv2D(4, 6, 3, nn.WithGroups(2), nn.WithPad(1))
	if err != nil {
		t.Fatal(err)
	}
	lines := l.Describe(tensor.Shape{1, 4, 5, 5}, tensor.Shape{1, 6, 5, 5})
	want := "params = (k*k*C1/g)*n + n = (3*3*4/2)*6 + 6 = 114"
	if len(lines) == 0 || lines[len(lines)-1] != want || nn.NumParams(l) != 114 {
		t.Errorf("Describe %q, NumParams %d; want last line %q and 114", lines, nn.NumParams(l), want)
	}
}

// WithGroups splits a convolution's channels into groups: here 4 input
// and 6 output channels in 2 groups, so each output channel sees 2 input
// channels and the weight is (6, 2, 3, 3), half of the ungrouped one.
func ExampleWithGroups() {
	l, err := nn.NewConv2D(4, 6, 3, nn.WithGroups(2), nn.WithPad(1))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(l)
	fmt.Println("weight", l.Weight().Value().Shape(), "params", nn.NumParams(l))
	// Output:
	// Conv2D(4, 6, kernel=3, pad=1, groups=2)
	// weight (6, 2, 3, 3) params 114
}

// ReLU6 clips at 0 and 6.
func ExampleNewReLU6() {
	y, _ := nn.Predict(nn.NewReLU6(), tensor.New(tensor.WithShape(1, 4), tensor.WithBacking([]float32{-1, 2, 6, 7.5})))
	fmt.Println(y.Data())
	// Output:
	// [0 2 6 6]
}
