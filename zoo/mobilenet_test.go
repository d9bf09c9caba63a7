package zoo_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/zoo"
	"gorgonia.org/tensor"
)

// TestMobileNetV2StateDict compares MobileNetV2's Params (names, order,
// shapes) and NumParams with torchvision's mobilenet_v2 at several widths
// (testdata/mobilenet_v2_shapes.json); 3,504,872 parameters at width 1
// and 1000 classes.
func TestMobileNetV2StateDict(t *testing.T) {
	tv := loadTorchvision(t, "mobilenet_v2_shapes.json")
	cases := []struct {
		width   float64
		classes int
	}{{1, 1000}, {1, 10}, {0.35, 10}, {0.5, 10}, {0.75, 10}, {1.4, 10}}
	if len(tv) != len(cases) {
		t.Fatalf("the shape file has %d models, the test %d", len(tv), len(cases))
	}
	for _, c := range cases {
		key := fmt.Sprintf("mobilenet_v2_w%g_c%d", c.width, c.classes)
		t.Run(key, func(t *testing.T) {
			var opts []zoo.MobileNetOption
			if c.width != 1 {
				opts = append(opts, zoo.WithWidthMultiplier(c.width))
			}
			m, err := zoo.MobileNetV2(c.classes, opts...)
			if err != nil {
				t.Fatalf("%+v", err)
			}
			checkStateDict(t, m, tv, key)
		})
	}
	m, err := zoo.MobileNetV2(1000)
	if err != nil {
		t.Fatal(err)
	}
	if got := nn.NumParams(m); got != 3504872 {
		t.Errorf("NumParams(MobileNetV2(1000)) = %d, want 3504872", got)
	}
}

// TestMobileNetV2MatchesTorchvision loads the state_dict of torchvision's
// mobilenet_v2(num_classes=10, width_mult=0.35) (random weights and
// BatchNorm statistics) and checks Predict against torchvision's eval-mode
// logits for a (2, 3, 64, 64) batch, in float32.
func TestMobileNetV2MatchesTorchvision(t *testing.T) {
	weights := filepath.Join("testdata", "mobilenet_v2_w035_c10.safetensors")
	raw, err := os.ReadFile(filepath.Join("testdata", "mobilenet_v2_w035_c10_io.json"))
	if err != nil {
		t.Fatal(err)
	}
	var io struct {
		Input, Logits struct {
			Shape []int     `json:"shape"`
			Data  []float64 `json:"data"`
		}
	}
	if err := json.Unmarshal(raw, &io); err != nil {
		t.Fatal(err)
	}
	m, err := zoo.MobileNetV2(10, zoo.WithWidthMultiplier(0.35))
	if err != nil {
		t.Fatal(err)
	}
	if err := nn.LoadSafetensors(m, weights); err != nil {
		t.Fatalf("%+v", err)
	}
	x, err := graph.FromFloat64s(tensor.Float32, io.Input.Shape, io.Input.Data)
	if err != nil {
		t.Fatal(err)
	}
	y, err := nn.Predict(m, x)
	if err != nil {
		t.Fatalf("%+v", err)
	}
	if !graph.SameShape(y.Shape(), io.Logits.Shape) {
		t.Fatalf("logits shape %v, torchvision %v", y.Shape(), io.Logits.Shape)
	}
	got, _ := graph.Float64s(y)
	worst := 0.0
	for i, want := range io.Logits.Data {
		d := math.Abs(got[i] - want)
		worst = math.Max(worst, d)
		if d > 1e-4*math.Max(1, math.Abs(want)) {
			t.Errorf("logit %d: %v, torchvision %v", i, got[i], want)
		}
	}
	// the two examples' logits differ: the check sees the input
	if half := len(got) / 2; math.Abs(got[0]-got[half]) < 1e-3 {
		t.Errorf("the logits do not depend on the input: %v", got)
	}
	t.Logf("largest difference from torchvision's logits: %.2g", worst)
}

// TestMobileNetV2Structure checks the blocks' residual rule, the rounding
// of the widths, the output shape and training on a 32x32 input, and the
// errors.
func TestMobileNetV2Structure(t *testing.T) {
	m, err := zoo.MobileNetV2(5, zoo.WithWidthMultiplier(0.35), zoo.WithInputChannels(1), zoo.WithDropout(0), zoo.WithSeed(2))
	if err != nil {
		t.Fatal(err)
	}
	if m.String() != "MobileNetV2(classes=5, width=0.35)" || m.Width() != 0.35 {
		t.Errorf("String %q, Width %v", m, m.Width())
	}
	features := m.Child("features").(nn.Container).Children()
	if len(features) != 19 {
		t.Fatalf("%d features, want 19", len(features))
	}
	var blocks []string
	for _, c := range features[1:18] {
		blocks = append(blocks, fmt.Sprint(c.Layer))
	}
	// width 0.35: 32·0.35 = 11.2 -> 16, 16 -> 8, 24 -> 8, 32 -> 16, 64 -> 24, 96 -> 32, 160 -> 56, 320 -> 112
	want := []string{
		"InvertedResidual(16 -> 8, t=1)",
		"InvertedResidual(8 -> 8, t=6, stride 2)",
		"InvertedResidual(8 -> 8, t=6, residual)",
		"InvertedResidual(8 -> 16, t=6, stride 2)",
		"InvertedResidual(16 -> 16, t=6, residual)",
		"InvertedResidual(16 -> 16, t=6, residual)",
		"InvertedResidual(16 -> 24, t=6, stride 2)",
		"InvertedResidual(24 -> 24, t=6, residual)",
		"InvertedResidual(24 -> 24, t=6, residual)",
		"InvertedResidual(24 -> 24, t=6, residual)",
		"InvertedResidual(24 -> 32, t=6)",
		"InvertedResidual(32 -> 32, t=6, residual)",
		"InvertedResidual(32 -> 32, t=6, residual)",
		"InvertedResidual(32 -> 56, t=6, stride 2)",
		"InvertedResidual(56 -> 56, t=6, residual)",
		"InvertedResidual(56 -> 56, t=6, residual)",
		"InvertedResidual(56 -> 112, t=6)",
	}
	if strings.Join(blocks, "\n") != strings.Join(want, "\n") {
		t.Errorf("blocks:\n%s\nwant:\n%s", strings.Join(blocks, "\n"), strings.Join(want, "\n"))
	}
	x := tensor.New(tensor.WithShape(2, 1, 33, 40), tensor.Of(tensor.Float32))
	y, err := nn.Predict(m, x)
	if err != nil {
		t.Fatalf("%+v", err)
	}
	if !graph.SameShape(y.Shape(), tensor.Shape{2, 5}) {
		t.Errorf("output shape %v, want (2, 5)", y.Shape())
	}

	for _, c := range []struct {
		name string
		opts []zoo.MobileNetOption
		n    int
		want string
	}{
		{"width0", []zoo.MobileNetOption{zoo.WithWidthMultiplier(0)}, 10, "zoo: MobileNetV2: width multiplier must be in (0, 16], got 0"},
		{"classes", nil, 0, "zoo: MobileNetV2: number of classes must be positive, got 0"},
		{"dropout", []zoo.MobileNetOption{zoo.WithDropout(1)}, 10, "dropout probability must be in [0, 1), got 1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := zoo.MobileNetV2(c.n, c.opts...)
			if err == nil || !strings.Contains(err.Error(), c.want) || !errors.Is(err, graph.ErrArg) {
				t.Errorf("error %v, want %q (ErrArg)", err, c.want)
			}
		})
	}
	_, err = nn.Predict(m, tensor.New(tensor.WithShape(1, 3, 32, 32), tensor.Of(tensor.Float32)))
	if err == nil || !strings.Contains(err.Error(), `zoo: MobileNetV2: nn: Conv2D "features.0.0": input must have 1 channels`) {
		t.Errorf("wrong channels: %v", err)
	}
}

// MobileNetV2 at width 1 and 1000 classes has torchvision's 3,504,872
// parameters; its depthwise-separable blocks make it about 7 times smaller
// than ResNet-50.
func ExampleMobileNetV2() {
	m, err := zoo.MobileNetV2(1000)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m, nn.NumParams(m))
	small, _ := zoo.MobileNetV2(10, zoo.WithWidthMultiplier(0.35))
	fmt.Println(small, nn.NumParams(small))
	y, _ := nn.Predict(small, tensor.New(tensor.WithShape(1, 3, 64, 64), tensor.Of(tensor.Float32)))
	fmt.Println("logits", y.Shape())
	// Output:
	// MobileNetV2(classes=1000) 3504872
	// MobileNetV2(classes=10, width=0.35) 408938
	// logits (1, 10)
}

// An inverted residual block expands 24 channels six times for its
// depthwise 3x3 convolution and projects back to 24; with stride 1 and
// equal widths it adds its input. Parameters (see InvertedResidual):
// 24·144 + 2·144 + 9·144 + 2·144 + 144·24 + 2·24 = 8832.
func ExampleNewInvertedResidual() {
	blk, err := zoo.NewInvertedResidual(24, 24, 1, 6)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(blk, nn.NumParams(blk))
	for _, np := range nn.NamedParams(blk) {
		if strings.HasSuffix(np.Name, "weight") {
			fmt.Println(np.Name, np.Param.Shape())
		}
	}
	// Output:
	// InvertedResidual(24 -> 24, t=6, residual) 8832
	// conv.0.0.weight (144, 24, 1, 1)
	// conv.0.1.weight (144)
	// conv.1.0.weight (144, 1, 3, 3)
	// conv.1.1.weight (144)
	// conv.2.weight (24, 144, 1, 1)
	// conv.3.weight (24)
}
