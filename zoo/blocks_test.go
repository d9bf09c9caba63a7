package zoo_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/zoo"
	"gorgonia.org/tensor"
)

// gradCheck runs nn.GradCheck (float64 finite differences over the input
// and every trainable Param) in the given mode.
func gradCheck(t *testing.T, l nn.Layer, in []int, mode graph.Mode, skipParams bool) {
	t.Helper()
	randomizeShifts(t, l)
	rep, err := nn.GradCheck(l, in, graph.GradCheckOptions{Mode: mode, Tol: 1e-5, SkipParams: skipParams})
	if err != nil {
		t.Fatalf("%+v", err)
	}
	if !rep.OK() {
		t.Fatalf("gradient check:\n%s", rep)
	}
	if !skipParams && len(rep.Results) < 2 {
		t.Fatalf("only %d tensors checked", len(rep.Results))
	}
}

// randomizeShifts gives every bias and running mean random values and
// every running variance one in [0.5, 2): with the initial zero shifts, a
// ReLU after an all-zero window sits exactly on its kink, where finite
// differences disagree with any one-sided derivative.
func randomizeShifts(t *testing.T, l nn.Layer) {
	t.Helper()
	rng := graph.NewRand(17)
	for _, np := range nn.NamedParams(l) {
		n := np.Param.Size()
		vals := make([]float64, n)
		switch {
		case strings.HasSuffix(np.Name, "bias"), strings.HasSuffix(np.Name, "running_mean"):
			for i := range vals {
				vals[i] = 0.3 * rng.NormFloat64()
			}
		case strings.HasSuffix(np.Name, "running_var"):
			for i := range vals {
				vals[i] = 0.5 + 1.5*rng.Float64()
			}
		default:
			continue
		}
		if err := np.Param.SetValue(tensor.New(tensor.WithShape(np.Param.Shape()...), tensor.WithBacking(vals))); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBlocksGradCheck checks the gradients of the zoo's generic blocks and
// of small complete models against finite differences, in training mode
// (BatchNorm with batch statistics) and evaluation mode. Finite differences
// rebuild the graph twice per checked value, so the larger blocks check
// only the input's gradient (which flows back through every branch).
func TestBlocksGradCheck(t *testing.T) {
	both := []graph.Mode{graph.Train, graph.Eval}
	cases := []struct {
		name       string
		build      func() (nn.Layer, error)
		in         []int
		modes      []graph.Mode
		skipParams bool
	}{
		{"basic-block-downsample", func() (nn.Layer, error) { return zoo.NewResidualBlock(zoo.Basic, 2, 3, 2) }, []int{2, 2, 5, 4}, both, false},
		{"basic-block-identity", func() (nn.Layer, error) { return zoo.NewResidualBlock(zoo.Basic, 3, 3, 1) }, []int{2, 3, 3, 3}, both, false},
		{"bottleneck-downsample", func() (nn.Layer, error) { return zoo.NewResidualBlock(zoo.Bottleneck, 4, 2, 2) }, []int{2, 4, 4, 3}, both, false},
		{"inception-module", func() (nn.Layer, error) { return zoo.NewInceptionModule(3, 2, 2, 3, 1, 2, 2) }, []int{2, 3, 5, 4}, both, false},
		{"inception-resnet-a", func() (nn.Layer, error) { return zoo.NewInceptionResNetA(4, 0.17) }, []int{2, 4, 3, 3}, both, true},
		{"inception-resnet-v1-a", func() (nn.Layer, error) { return zoo.NewInceptionResNetV1A(3, 0.17) }, []int{2, 3, 3, 4}, both, true},
		{"inverted-residual-t2-residual", func() (nn.Layer, error) { return zoo.NewInvertedResidual(2, 2, 1, 2) }, []int{2, 2, 4, 4}, []graph.Mode{graph.Eval}, false},
		{"inverted-residual-t1-s2", func() (nn.Layer, error) { return zoo.NewInvertedResidual(2, 3, 2, 1) }, []int{2, 2, 5, 4}, both, true},
		{"inception-resnet-b", func() (nn.Layer, error) { return zoo.NewInceptionResNetB(3, 0.1) }, []int{2, 3, 3, 4}, []graph.Mode{graph.Train}, true},
		{"inception-resnet-c", func() (nn.Layer, error) { return zoo.NewInceptionResNetC(3, 0.2) }, []int{2, 3, 2, 3}, []graph.Mode{graph.Eval}, true},
		{"conv-autoencoder", func() (nn.Layer, error) { return zoo.ConvAutoencoder() }, []int{1, 1, 4, 4}, both, true},
		{"unet-d1-w2", func() (nn.Layer, error) {
			return zoo.NewUNet(2, zoo.WithDepth(1), zoo.WithBaseWidth(2), zoo.WithSigmoid())
		}, []int{2, 1, 4, 4}, both, false},
		// a convolution bias followed by a training-mode BatchNorm has a zero
		// gradient, which finite differences only approximate: check the
		// Params in evaluation mode
		{"segnet-2-stages", func() (nn.Layer, error) { return zoo.NewSegNetStages([]int{2, 3}, []int{1, 2}, 2) }, []int{2, 1, 4, 4}, []graph.Mode{graph.Train}, true},
		{"segnet-2-stages", func() (nn.Layer, error) { return zoo.NewSegNetStages([]int{2, 3}, []int{1, 2}, 2) }, []int{2, 1, 4, 4}, []graph.Mode{graph.Eval}, false},
	}
	for _, c := range cases {
		for _, mode := range c.modes {
			t.Run(fmt.Sprintf("%s-%v", c.name, mode), func(t *testing.T) {
				l, err := c.build()
				if err != nil {
					t.Fatalf("%+v", err)
				}
				gradCheck(t, l, c.in, mode, c.skipParams)
			})
		}
	}
}

// TestResNetBlockStructure checks the projection-shortcut rule on every
// torchvision ResNet: a block has a downsample exactly when its stride is
// not 1 or its channels change, and only first blocks of a stage can.
func TestResNetBlockStructure(t *testing.T) {
	for _, c := range []struct {
		name  string
		build func(int, ...zoo.ResNetOption) (*zoo.ResNet, error)
		kind  zoo.BlockKind
		depth [4]int
	}{
		{"ResNet18", zoo.ResNet18, zoo.Basic, [4]int{2, 2, 2, 2}},
		{"ResNet50", zoo.ResNet50, zoo.Bottleneck, [4]int{3, 4, 6, 3}},
	} {
		m, err := c.build(10)
		if err != nil {
			t.Fatal(err)
		}
		if m.Block() != c.kind || m.Depths() != c.depth {
			t.Fatalf("%s: %v %v", c.name, m.Block(), m.Depths())
		}
		var downs []string
		for _, np := range nn.NamedParams(m) {
			if strings.HasSuffix(np.Name, "downsample.0.weight") {
				downs = append(downs, fmt.Sprintf("%s%v", strings.TrimSuffix(np.Name, ".downsample.0.weight"), []int(np.Param.Shape())))
			}
		}
		want := "[layer2.0[128 64 1 1] layer3.0[256 128 1 1] layer4.0[512 256 1 1]]"
		if c.kind == zoo.Bottleneck {
			// layer1.0 changes 64 -> 256 channels at stride 1
			want = "[layer1.0[256 64 1 1] layer2.0[512 256 1 1] layer3.0[1024 512 1 1] layer4.0[2048 1024 1 1]]"
		}
		if got := fmt.Sprint(downs); got != want {
			t.Errorf("%s: downsamples %s, want %s", c.name, got, want)
		}
	}
	if zoo.Basic.Expansion() != 1 || zoo.Bottleneck.Expansion() != 4 {
		t.Fatal("expansions")
	}
}

// TestSegmentationSizes runs UNet and SegNet on sizes divisible by
// 2^depth (the output keeps the input's spatial size) and on sizes that
// are not (an error naming the model, the size and the divisor).
func TestSegmentationSizes(t *testing.T) {
	unet, err := zoo.NewUNet(2, zoo.WithDepth(3), zoo.WithBaseWidth(2))
	if err != nil {
		t.Fatal(err)
	}
	segnet, err := zoo.NewSegNetStages([]int{2, 3}, []int{1, 1}, 4, zoo.WithInputChannels(3))
	if err != nil {
		t.Fatal(err)
	}
	small, err := zoo.NewSegNetSmall(2)
	if err != nil {
		t.Fatal(err)
	}
	conv, err := zoo.ConvAutoencoder()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		l    nn.Layer
		in   []int
		want []int  // output shape, or nil for an error
		err  string // substring of the error
	}{
		{"unet-8x8", unet, []int{1, 1, 8, 8}, []int{1, 2, 8, 8}, ""},
		{"unet-16x24", unet, []int{2, 1, 16, 24}, []int{2, 2, 16, 24}, ""},
		{"unet-64x8", unet, []int{1, 1, 64, 8}, []int{1, 2, 64, 8}, ""},
		{"unet-12x8", unet, []int{1, 1, 12, 8}, nil, "zoo: UNet: input size (12, 8) must be divisible by 8 (2^depth, depth 3), got input shape (1, 1, 12, 8)"},
		{"unet-8x30", unet, []int{1, 1, 8, 30}, nil, "input size (8, 30) must be divisible by 8"},
		{"unet-channels", unet, []int{1, 3, 8, 8}, nil, `zoo: UNet: nn: Conv2D "enc.0.0": input must have 1 channels (axis 1), got 3`},
		{"unet-rank", unet, []int{1, 8, 8}, nil, "zoo: UNet: input must be rank 4 (N, C, H, W), got shape (1, 8, 8)"},
		{"segnet-4x4", segnet, []int{1, 3, 4, 4}, []int{1, 4, 4, 4}, ""},
		{"segnet-12x20", segnet, []int{2, 3, 12, 20}, []int{2, 4, 12, 20}, ""},
		{"segnet-6x4", segnet, []int{1, 3, 6, 4}, nil, "zoo: SegNet: input size (6, 4) must be divisible by 4 (2^stages, 2 stages)"},
		{"segnet-small-64", small, []int{1, 1, 64, 64}, []int{1, 2, 64, 64}, ""},
		{"segnet-small-24x40", small, []int{1, 1, 24, 40}, []int{1, 2, 24, 40}, ""},
		{"segnet-small-60", small, []int{1, 1, 60, 60}, nil, "zoo: SegNetSmall: input size (60, 60) must be divisible by 8 (2^stages, 3 stages)"},
		{"conv-ae-28", conv, []int{1, 1, 28, 28}, []int{1, 1, 28, 28}, ""},
		{"conv-ae-30", conv, []int{1, 1, 30, 28}, nil, "zoo: ConvAutoencoder: input size (30, 28) must be divisible by 4"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dt, _ := nn.Dtype(c.l)
			b := graph.NewBuilder(graph.Eval)
			y, err := c.l.Forward(b, b.Input("x", dt, c.in...))
			if c.want == nil {
				if err == nil {
					t.Fatalf("want an error, got shape %v", y.Shape())
				}
				if !strings.Contains(err.Error(), c.err) {
					t.Errorf("error %q lacks %q", err, c.err)
				}
				if !errors.Is(err, graph.ErrShape) {
					t.Errorf("error %q is not a shape error", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%+v", err)
			}
			if fmt.Sprint([]int(y.Shape())) != fmt.Sprint(c.want) {
				t.Fatalf("output %v, want %v", y.Shape(), c.want)
			}
		})
	}
}

// TestBadConstruction is the table of invalid constructor arguments: each
// is an error naming the constructor and the value, never a panic.
func TestBadConstruction(t *testing.T) {
	cases := []struct {
		name string
		run  func() error
		want string
	}{
		{"resnet-classes", func() error { _, err := zoo.ResNet18(0); return err }, "zoo: ResNet18: number of classes must be positive, got 0"},
		{"resnet-depths", func() error { _, err := zoo.NewResNet(zoo.Basic, [4]int{2, 0, 2, 2}, 10); return err }, "zoo: ResNet: every stage needs at least one block, got depths [2 0 2 2] (stage 2)"},
		{"resnet-kind", func() error { _, err := zoo.NewResNet(zoo.BlockKind(7), [4]int{1, 1, 1, 1}, 10); return err }, "zoo: ResNet: block kind must be Basic or Bottleneck, got BlockKind(7)"},
		{"resnet-channels", func() error { _, err := zoo.ResNet18(10, zoo.WithInputChannels(0)); return err }, "zoo: ResNet18: input channels must be positive, got 0"},
		{"vgg-dtype", func() error { _, err := zoo.VGG11(10, zoo.WithDtype(tensor.Int)); return err }, "zoo: VGG11: dtype must be float32 or float64, got int"},
		{"vgg-config", func() error { _, err := zoo.NewVGG([]int{64, -1}, false, 10); return err }, "zoo: VGG: configuration entry 1 must be a positive width or VGGPool, got -1"},
		{"vgg-empty", func() error { _, err := zoo.NewVGG([]int{zoo.VGGPool}, false, 10); return err }, "zoo: VGG: configuration [0] has no convolution"},
		{"alexnet-dropout", func() error { _, err := zoo.AlexNet(10, zoo.WithDropout(1)); return err }, "zoo: AlexNet: dropout probability must be in [0, 1), got 1"},
		{"lenet-nil-option", func() error { _, err := zoo.LeNet5(10, nil); return err }, "zoo: LeNet5: option 0 is nil"},
		{"irv2-classes", func() error { _, err := zoo.InceptionResNetV2(-1); return err }, "zoo: InceptionResNetV2: number of classes must be positive, got -1"},
		{"ir-block", func() error { _, err := zoo.NewInceptionResNetB(0, 0.1); return err }, "zoo: NewInceptionResNetB: input channels must be positive, got 0"},
		{"inception-module", func() error { _, err := zoo.NewInceptionModule(3, 2, 0, 3, 1, 2, 2); return err }, "zoo: NewInceptionModule: channel counts must be positive"},
		{"dense-ae-code", func() error { _, err := zoo.DenseAutoencoder(0); return err }, "zoo: DenseAutoencoder: code size must be positive, got 0"},
		{"dense-ae-hidden", func() error { _, err := zoo.DenseAutoencoder(2, zoo.WithHidden(64, 0)); return err }, "zoo: DenseAutoencoder: hidden widths must be positive, got [64 0]"},
		{"unet-depth", func() error { _, err := zoo.NewUNet(1, zoo.WithDepth(0)); return err }, "zoo: NewUNet: depth must be positive, got 0"},
		{"unet-width", func() error { _, err := zoo.NewUNet(1, zoo.WithBaseWidth(-4)); return err }, "zoo: NewUNet: base width must be positive, got -4"},
		{"unet-classes", func() error { _, err := zoo.NewUNet(0); return err }, "zoo: NewUNet: number of classes must be positive, got 0"},
		{"segnet-stages", func() error { _, err := zoo.NewSegNetStages([]int{4, 8}, []int{1}, 2); return err }, "zoo: SegNet: need 1 to 16 stages with one width and one convolution count each, got widths [4 8] and counts [1]"},
		{"segnet-width", func() error { _, err := zoo.NewSegNetStages([]int{4, 0}, []int{1, 1}, 2); return err }, "zoo: SegNet: widths and convolution counts must be positive"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.run()
			if err == nil {
				t.Fatal("want an error")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q lacks %q", err, c.want)
			}
			if !errors.Is(err, graph.ErrArg) {
				t.Errorf("error %q is not an argument error", err)
			}
		})
	}
}

// TestBadInputNamesModelAndLayer checks that a wrong input reports the
// model, the layer path and the expected and received values.
func TestBadInputNamesModelAndLayer(t *testing.T) {
	m, err := zoo.ResNet18(10)
	if err != nil {
		t.Fatal(err)
	}
	_, err = nn.Predict(m, randInput(1, 1, 1, 32, 32))
	want := `zoo: ResNet18: nn: Conv2D "conv1": input must have 3 channels (axis 1), got 1 in shape (1, 1, 32, 32)`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want %q", err, want)
	}
	l, err := zoo.LeNet5(10)
	if err != nil {
		t.Fatal(err)
	}
	_, err = nn.Predict(l, randInput(1, 1, 1, 8, 8))
	if err == nil || !strings.Contains(err.Error(), `zoo: LeNet5: nn: Conv2D "conv2": kernel (5, 5) is larger than the padded input (4, 4)`) {
		t.Fatalf("LeNet5 on 8x8: %v", err)
	}
}

// TestInceptionResNetV2Shapes checks InceptionResNetV2's learnable
// parameter count at 1000 classes and builds (without running) its graph
// at Keras's 299x299 to check the feature-map sizes of the paper's figure
// 15 after the stem and each reduction.
func TestInceptionResNetV2Shapes(t *testing.T) {
	m, err := zoo.InceptionResNetV2(1000)
	if err != nil {
		t.Fatal(err)
	}
	// Keras: "Trainable params: 55,813,192"
	if n := nn.NumParams(m); n != 55813192 {
		t.Errorf("NumParams = %d, Keras has 55,813,192 trainable parameters", n)
	}
	b := graph.NewBuilder(graph.Eval)
	y, err := m.Forward(b, b.Input("x", tensor.Float32, 1, 3, 299, 299))
	if err != nil {
		t.Fatalf("%+v", err)
	}
	want := map[string]string{
		"maxpool_5a": "(1, 192, 35, 35)",
		"mixed_5b":   "(1, 320, 35, 35)",
		"block35_10": "(1, 320, 35, 35)",
		"mixed_6a":   "(1, 1088, 17, 17)",
		"block17_20": "(1, 1088, 17, 17)",
		"mixed_7a":   "(1, 2080, 8, 8)",
		"block8_10":  "(1, 2080, 8, 8)",
		"conv_7b":    "(1, 1536, 8, 8)",
	}
	seen := 0
	for _, c := range b.Calls() {
		if w, ok := want[c.Path]; ok {
			seen++
			if got := graph.FormatShape(c.Out.Shape()); got != w {
				t.Errorf("%s: %s, want %s", c.Path, got, w)
			}
		}
	}
	if seen != len(want) || graph.FormatShape(y.Shape()) != "(1, 1000)" {
		t.Fatalf("saw %d of %d layers; output %v", seen, len(want), y.Shape())
	}
}
