package onnx_test

import (
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// concatBranches is a custom container: two branches joined by nn.Concat.
type concatBranches struct{ a, b nn.Layer }

func (c *concatBranches) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	ya, err := nn.Call(b, "a", c.a, x)
	if err != nil {
		return nil, err
	}
	yb, err := nn.Call(b, "b", c.b, x)
	if err != nil {
		return nil, err
	}
	return nn.Concat(b, ya, yb)
}

func (c *concatBranches) Params() []graph.NamedParam {
	return nn.ChildParams(nn.Child{Name: "a", Layer: c.a}, nn.Child{Name: "b", Layer: c.b})
}

// must unwraps a layer constructor's result in the tables below.
func must[L nn.Layer](l L, err error) nn.Layer {
	if err != nil {
		panic(err)
	}
	return l
}

// seq is nn.NewSequential for the tables below.
func seq(layers ...nn.Layer) func() (nn.Layer, error) {
	return func() (nn.Layer, error) { return nn.NewSequential(layers...) }
}

// layerExportCases cover every layer and option the exporter translates,
// a few layers per model to keep the number of ONNX Runtime runs low.
func layerExportCases() []exportCase {
	return []exportCase{
		{"conv2d-options", seq(
			must(nn.NewConv2D(3, 4, 3, nn.WithStride(2), nn.WithPadding(nn.Same), nn.WithActivation(nn.NewLeakyReLU(0.2)))),
			must(nn.NewConv2D(4, 5, 3, nn.WithPad(2), nn.WithDilation(2), nn.WithBias(false))),
			must(nn.NewConv2D(5, 3, 1, nn.WithKernel(1, 3), nn.WithPad(0, 1), nn.WithActivation(nn.NewELU(0.7)))),
			nn.NewSoftplus(),
		), []int{2, 3, 11, 9}},
		{"conv1d-conv3d-bn", seq(
			must(nn.NewConv1D(2, 4, 3, nn.WithPadding(nn.Same), nn.WithStride(2))),
			must(nn.NewBatchNorm1D(4, nn.WithActivation(nn.NewReLU()))),
			must(nn.NewMaxPool1D(2, nn.WithCeilMode(true))),
			must(nn.NewAvgPool1D(3, nn.WithStride(1), nn.WithPad(1))),
			must(nn.NewUpsample1D(2)),
			must(nn.NewReshape(4, 2, 2, -1)),
			must(nn.NewConv3D(4, 2, 2, nn.WithPadding(nn.Same))),
			must(nn.NewBatchNorm3D(2, nn.WithAffine(false))),
			must(nn.NewMaxPool3D(2, nn.WithStride(1))),
			must(nn.NewUpsample3D(2)),
			must(nn.NewAvgPool3D(2)),
			nn.NewTanh(),
		), []int{2, 2, 15}},
		{"grouped-relu6-zeropad", seq(
			must(nn.NewZeroPadding2D(1, 2, 0, 1)),
			must(nn.NewConv2D(4, 6, 3, nn.WithGroups(2), nn.WithActivation(nn.NewReLU6()))),
			must(nn.NewDepthwiseConv2D(6, 2, 3, nn.WithPad(1))),
			nn.NewReLU6(),
		), []int{2, 4, 6, 7}},
		{"transposed", seq(
			must(nn.NewConvTranspose2D(3, 4, 3, nn.WithStride(2), nn.WithPadding(nn.Same), nn.WithActivation(nn.NewReLU()))),
			must(nn.NewConvTranspose2D(4, 3, 3, nn.WithStride(2), nn.WithPad(1), nn.WithOutputPadding(1), nn.WithDilation(1), nn.WithBias(false))),
			must(nn.NewConvTranspose2D(3, 2, 4, nn.WithStride(3), nn.WithPadding(nn.Same))),
		), []int{2, 3, 5, 4}},
		{"transposed-1d-3d", func() (nn.Layer, error) {
			return nn.NewSequential(
				must(nn.NewConvTranspose1D(2, 3, 3, nn.WithStride(2), nn.WithPad(1), nn.WithOutputPadding(1))),
				nn.NewSoftsign(),
				must(nn.NewReshape(3, 2, 2, -1)),
				must(nn.NewConvTranspose3D(3, 2, 2, nn.WithStride(2), nn.WithDilation(1))),
			)
		}, []int{2, 2, 6}},
		{"pooling", seq(
			must(nn.NewMaxPool2D(3, nn.WithStride(2), nn.WithPadding(nn.Same))),
			must(nn.NewAvgPool2D(3, nn.WithStride(2), nn.WithPadding(nn.Same))),
			must(nn.NewBatchNorm2D(3, nn.WithScale(false), nn.WithEps(1e-3))),
			must(nn.NewAvgPool2D(2, nn.WithPad(1), nn.WithStride(1))),
			must(nn.NewMaxPool2D(2, nn.WithPad(1), nn.WithStride(2), nn.WithCeilMode(true))),
			must(nn.NewUpsampleBilinear2D(3)),
			must(nn.NewUpsample2D(2)),
			must(nn.NewAdaptiveAvgPool2D(2, 3)),
			nn.NewSigmoid(),
		), []int{2, 3, 17, 23}},
		{"adaptive-general", seq(
			must(nn.NewAdaptiveAvgPool2D(3, 4)), // bins of 2 and 3 rows, 2 columns each
			must(nn.NewAdaptiveAvgPool2D(6, 2)), // rows repeated, columns averaged
			must(nn.NewAdaptiveAvgPool2D(4, 5)), // rows of 1 or 2 inputs, columns repeated
		), []int{2, 2, 7, 8}},
		{"classifier-heads", seq(
			must(nn.NewConv2D(2, 6, 3)),
			must(nn.NewAdaptiveAvgPool2D(1, 1)),
			nn.NewFlatten(),
			must(nn.NewDense(6, 8, nn.WithActivation(nn.NewTanh()))),
			must(nn.NewDropout(0.5)),
			must(nn.NewBatchNorm1D(8)),
			must(nn.NewDense(8, 5, nn.WithBias(false))),
			must(nn.NewLogSoftmax()),
		), []int{3, 2, 7, 7}},
		{"softmax-global", seq(
			must(nn.NewConv2D(2, 4, 1)),
			must(nn.NewSoftmax(nn.WithAxis(-1))),
			must(nn.NewSoftmax()),
			nn.NewGlobalAvgPool(),
			must(nn.NewSoftmax()),
		), []int{2, 2, 3, 5}},
		{"residual-concat", func() (nn.Layer, error) {
			body := seq(must(nn.NewConv2D(3, 4, 3, nn.WithPad(1))), must(nn.NewBatchNorm2D(4)), nn.NewReLU(), must(nn.NewConv2D(4, 4, 3, nn.WithPad(1))))
			b, err := body()
			if err != nil {
				return nil, err
			}
			proj := must(nn.NewConv2D(3, 4, 1))
			r1, err := nn.NewResidual(b, proj)
			if err != nil {
				return nil, err
			}
			r2, err := nn.NewResidual(must(nn.NewConv2D(4, 4, 3, nn.WithPadding(nn.Same))), nil)
			if err != nil {
				return nil, err
			}
			return nn.NewSequential(r1, nn.NewReLU(), r2, &concatBranches{a: must(nn.NewConv2D(4, 2, 1)), b: must(nn.NewMaxPool2D(3, nn.WithStride(1), nn.WithPad(1)))})
		}, []int{2, 3, 6, 6}},
	}
}

// TestExportLayers exports small models covering every layer and option
// the exporter knows and compares ONNX Runtime and the re-imported model
// with nn.Predict.
func TestExportLayers(t *testing.T) {
	ck := newExportChecker(t)
	for i, c := range layerExportCases() {
		t.Run(c.name, func(t *testing.T) {
			m, err := c.build()
			if err != nil {
				t.Fatal(err)
			}
			randomizeParams(t, m, int64(100+i))
			x := randInput(int64(200+i), c.in...)
			want, err := nn.Predict(m, x)
			if err != nil {
				t.Fatal(err)
			}
			ck.check(t, c.name, m, []*tensor.Dense{x}, []tensor.Tensor{want})
		})
	}
	ck.finish(t)
}
