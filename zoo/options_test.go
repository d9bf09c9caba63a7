package zoo_test

import (
	"fmt"
	"go/types"
	"slices"
	"strings"
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
	var src strings.Builder
	src.WriteString("package snippet\n\nimport (\n\t\"github.com/convnet-go/convnet/zoo\"\n\t\"gorgonia.org/tensor\"\n)\n\nfunc f() {\n")
	const firstLine = 9 // the line of the first call
	type call struct {
		text, family string
		ok           bool
	}
	var calls []call
	for _, o := range opts {
		for _, c := range ctors {
			text := fmt.Sprintf(c.call, o.expr)
			calls = append(calls, call{text, c.family, slices.Contains(o.families, c.family)})
			fmt.Fprintf(&src, "\t_, _ = %s\n", text)
		}
	}
	src.WriteString("\t_ = tensor.Float32\n}\n")

	checker, err := compilecheck.New("github.com/convnet-go/convnet/zoo", "gorgonia.org/tensor")
	if err != nil {
		t.Fatal(err)
	}
	errsByLine := map[int][]string{}
	for _, err := range checker.Check(src.String()) {
		te, ok := err.(types.Error)
		if !ok {
			t.Fatalf("not a type error: %v", err)
		}
		line := te.Fset.Position(te.Pos).Line
		if line < firstLine || line >= firstLine+len(calls) {
			t.Fatalf("error outside the calls (line %d): %v", line, te.Msg)
		}
		errsByLine[line] = append(errsByLine[line], te.Msg)
	}
	for i, c := range calls {
		msgs := errsByLine[firstLine+i]
		switch {
		case c.ok && len(msgs) > 0:
			t.Errorf("%s does not compile: %s", c.text, strings.Join(msgs, "; "))
		case !c.ok && len(msgs) == 0:
			t.Errorf("%s compiles; want a type error", c.text)
		case !c.ok && !strings.Contains(msgs[0], "does not implement zoo."+c.family):
			t.Errorf("%s: error %q does not name zoo.%s", c.text, msgs[0], c.family)
		}
	}
}
