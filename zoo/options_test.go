package zoo_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/convnet-go/convnet/internal/compilecheck"
)

// TestOptionFamiliesCompile proves that the compiler checks which options
// a model or block constructor takes: every option passed to every
// constructor, one call per line of a generated file, type-checked
// against the compiled zoo package. The calls the table allows must
// compile; every other one must be a type error naming the constructor's
// option family.
func TestOptionFamiliesCompile(t *testing.T) {
	ctors := []struct{ family, call string }{
		{"LeNetOption", "zoo.LeNet5(10, %s)"},
		{"VGGOption", "zoo.AlexNet(10, %s)"},
		{"VGGOption", "zoo.VGG11BN(10, %s)"},
		{"ResNetOption", "zoo.ResNet18(10, %s)"},
		{"GoogLeNetOption", "zoo.GoogLeNetSmall(10, %s)"},
		{"InceptionResNetV2Option", "zoo.InceptionResNetV2(10, %s)"},
		{"InceptionResNetSmallOption", "zoo.InceptionResNetSmall(10, %s)"},
		{"UNetOption", "zoo.NewUNet(1, %s)"},
		{"SegNetOption", "zoo.NewSegNetSmall(1, %s)"},
		{"DenseAutoencoderOption", "zoo.DenseAutoencoder(2, %s)"},
		{"ConvAutoencoderOption", "zoo.ConvAutoencoder(%s)"},
		{"MobileNetOption", "zoo.MobileNetV2(10, %s)"},
		{"BlockOption", "zoo.NewInvertedResidual(8, 8, 1, 6, %s)"},
		{"BlockOption", "zoo.NewResidualBlock(zoo.Basic, 8, 8, 1, %s)"},
		{"BlockOption", "zoo.NewInceptionResNetA(32, 0.1, %s)"},
	}
	models := []string{"LeNetOption", "VGGOption", "ResNetOption", "GoogLeNetOption", "InceptionResNetV2Option",
		"InceptionResNetSmallOption", "UNetOption", "SegNetOption", "DenseAutoencoderOption", "ConvAutoencoderOption", "MobileNetOption"}
	all := append(slices.Clone(models), "BlockOption")
	opts := []struct {
		expr     string
		families []string
	}{
		{"zoo.WithSeed(1)", all},
		{"zoo.WithDtype(tensor.Float64)", all},
		{"zoo.WithInputChannels(3)", models},
		{"zoo.WithDropout(0.1)", []string{"MobileNetOption", "VGGOption", "GoogLeNetOption", "InceptionResNetSmallOption", "DenseAutoencoderOption", "ConvAutoencoderOption"}},
		{"zoo.WithSigmoid()", []string{"UNetOption", "SegNetOption"}},
		{"zoo.WithReLU()", []string{"LeNetOption"}},
		{"zoo.WithSmallInput()", []string{"ResNetOption"}},
		{"zoo.WithDepth(3)", []string{"UNetOption"}},
		{"zoo.WithBaseWidth(8)", []string{"UNetOption"}},
		{"zoo.WithHidden(32)", []string{"DenseAutoencoderOption"}},
		{"zoo.WithWidthMultiplier(0.5)", []string{"MobileNetOption"}},
	}
	var calls []compilecheck.Call
	for _, o := range opts {
		for _, c := range ctors {
			calls = append(calls, compilecheck.Call{Text: fmt.Sprintf(c.call, o.expr), Family: c.family, OK: slices.Contains(o.families, c.family)})
		}
	}
	checker, err := compilecheck.New("github.com/convnet-go/convnet/zoo", "gorgonia.org/tensor")
	if err != nil {
		t.Fatal(err)
	}
	problems, err := checker.CheckCalls([]string{"github.com/convnet-go/convnet/zoo", "gorgonia.org/tensor"}, "zoo", calls)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}
