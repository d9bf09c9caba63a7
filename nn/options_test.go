package nn_test

import (
	"fmt"
	"slices"
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
	var calls []compilecheck.Call
	for _, o := range opts {
		for _, c := range ctors {
			calls = append(calls, compilecheck.Call{Text: fmt.Sprintf(c.call, o.expr), Family: c.family, OK: slices.Contains(o.families, c.family)})
		}
	}
	checker, err := compilecheck.New("github.com/convnet-go/convnet/graph", "github.com/convnet-go/convnet/nn", "gorgonia.org/tensor")
	if err != nil {
		t.Fatal(err)
	}
	problems, err := checker.CheckCalls([]string{"github.com/convnet-go/convnet/graph", "github.com/convnet-go/convnet/nn", "gorgonia.org/tensor"}, "nn", calls)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}
