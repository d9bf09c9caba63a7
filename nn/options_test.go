package nn_test

import (
	"fmt"
	"go/types"
	"slices"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/internal/compilecheck"
)

// TestOptionFamiliesCompile proves that the option families are checked by
// the compiler: every option passed to every constructor, one call per line
// of a generated file, type-checked against the compiled nn package. The
// calls the table allows must compile; every other one must be a type
// error on its own line that names the constructor's option family.
func TestOptionFamiliesCompile(t *testing.T) {
	// family -> a call with %s where the option goes.
	ctors := []struct{ family, call string }{
		{"ConvOption", "nn.NewConv1D(1, 8, 3, %s)"},
		{"ConvOption", "nn.NewConv2D(1, 8, 3, %s)"},
		{"ConvOption", "nn.NewConv3D(1, 8, 3, %s)"},
		{"DepthwiseConvOption", "nn.NewDepthwiseConv2D(4, 1, 3, %s)"},
		{"ConvTransposeOption", "nn.NewConvTranspose2D(8, 1, 3, %s)"},
		{"PoolOption", "nn.NewMaxPool2D(2, %s)"},
		{"PoolOption", "nn.NewAvgPool1D(2, %s)"},
		{"DenseOption", "nn.NewDense(4, 3, %s)"},
		{"BatchNormOption", "nn.NewBatchNorm2D(3, %s)"},
		{"SoftmaxOption", "nn.NewSoftmax(%s)"},
		{"SoftmaxOption", "nn.NewLogSoftmax(%s)"},
		{"Option", "nn.NewUpsample2D(2, %s)"},
		{"Option", "nn.NewAdaptiveAvgPool2D(1, 1, %s)"},
	}
	all := []string{"ConvOption", "DepthwiseConvOption", "ConvTransposeOption", "PoolOption", "DenseOption", "BatchNormOption", "SoftmaxOption", "Option"}
	window := []string{"ConvOption", "DepthwiseConvOption", "ConvTransposeOption", "PoolOption"}
	weight := []string{"ConvOption", "DepthwiseConvOption", "ConvTransposeOption", "DenseOption"}
	// option -> the families that take it.
	opts := []struct {
		expr     string
		families []string
	}{
		{"nn.WithSeed(1)", all},
		{"nn.WithDtype(tensor.Float64)", all},
		{"nn.WithKernel(1, 7)", window},
		{"nn.WithStride(2)", window},
		{"nn.WithPadding(nn.Same)", window},
		{"nn.WithPad(1)", window},
		{"nn.WithDilation(2)", []string{"ConvOption", "DepthwiseConvOption", "ConvTransposeOption"}},
		{"nn.WithGroups(2)", []string{"ConvOption"}},
		{"nn.WithOutputPadding(1)", []string{"ConvTransposeOption"}},
		{"nn.WithBias(false)", weight},
		{"nn.WithWeightInit(graph.Zeros())", weight},
		{"nn.WithBiasInit(graph.Zeros())", weight},
		{"nn.WithActivation(nn.NewReLU())", []string{"ConvOption", "DepthwiseConvOption", "ConvTransposeOption", "DenseOption", "BatchNormOption"}},
		{"nn.WithMomentum(0.5)", []string{"BatchNormOption"}},
		{"nn.WithEps(1e-3)", []string{"BatchNormOption"}},
		{"nn.WithAffine(false)", []string{"BatchNormOption"}},
		{"nn.WithScale(false)", []string{"BatchNormOption"}},
		{"nn.WithCeilMode(true)", []string{"PoolOption"}},
		{"nn.WithAxis(-1)", []string{"SoftmaxOption"}},
	}
	var src strings.Builder
	src.WriteString("package snippet\n\nimport (\n\t\"github.com/convnet-go/convnet/graph\"\n\t\"github.com/convnet-go/convnet/nn\"\n\t\"gorgonia.org/tensor\"\n)\n\nfunc f() {\n")
	const firstLine = 10 // the line of the first call
	type call struct {
		text string
		ok   bool
		fam  string
	}
	var calls []call
	for _, o := range opts {
		for _, c := range ctors {
			text := fmt.Sprintf(c.call, o.expr)
			calls = append(calls, call{text, slices.Contains(o.families, c.family), c.family})
			fmt.Fprintf(&src, "\t_, _ = %s\n", text)
		}
	}
	src.WriteString("\t_ = graph.Zeros\n\t_ = tensor.Float32\n}\n")

	checker, err := compilecheck.New("github.com/convnet-go/convnet/nn", "github.com/convnet-go/convnet/graph", "gorgonia.org/tensor")
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
		case !c.ok && !strings.Contains(msgs[0], "does not implement nn."+c.fam):
			t.Errorf("%s: error %q does not name nn.%s", c.text, msgs[0], c.fam)
		}
	}
}
