package onnx_test

import (
	"os"
	"testing"

	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/zoo"
	"gorgonia.org/tensor"
)

// exportCase is one model with a small input it accepts.
type exportCase struct {
	name  string
	build func() (nn.Layer, error)
	in    []int
}

// zooExportCases are every zoo model family, at input sizes that keep the
// test cheap; heavy marks the big ones (over ~50M parameters: a few
// hundred MB of ONNX each), run only with CONVNET_ONNX_HEAVY=1.
var zooExportCases = []struct {
	exportCase
	heavy bool
}{
	{exportCase{"LeNet5", func() (nn.Layer, error) { return zoo.LeNet5(10) }, []int{2, 1, 28, 28}}, false},
	{exportCase{"LeNet5-relu", func() (nn.Layer, error) { return zoo.LeNet5(10, zoo.WithReLU()) }, []int{3, 1, 28, 28}}, false},
	{exportCase{"AlexNet", func() (nn.Layer, error) { return zoo.AlexNet(10) }, []int{1, 3, 63, 63}}, true},
	{exportCase{"VGG11", func() (nn.Layer, error) { return zoo.VGG11(10) }, []int{1, 3, 32, 32}}, true},
	{exportCase{"VGG11BN", func() (nn.Layer, error) { return zoo.VGG11BN(10) }, []int{2, 3, 32, 32}}, true},
	{exportCase{"ResNet18", func() (nn.Layer, error) { return zoo.ResNet18(10) }, []int{1, 3, 32, 32}}, false},
	{exportCase{"ResNet18-small-1ch", func() (nn.Layer, error) {
		return zoo.ResNet18(10, zoo.WithSmallInput(), zoo.WithInputChannels(1))
	}, []int{2, 1, 28, 28}}, false},
	{exportCase{"ResNet50", func() (nn.Layer, error) { return zoo.ResNet50(10) }, []int{2, 3, 32, 32}}, false},
	{exportCase{"MobileNetV2-w035", func() (nn.Layer, error) { return zoo.MobileNetV2(10, zoo.WithWidthMultiplier(0.35)) }, []int{2, 3, 32, 32}}, false},
	{exportCase{"GoogLeNet", func() (nn.Layer, error) { return zoo.GoogLeNet(10) }, []int{2, 3, 32, 32}}, false},
	{exportCase{"GoogLeNetSmall", func() (nn.Layer, error) { return zoo.GoogLeNetSmall(10) }, []int{2, 1, 28, 28}}, false},
	{exportCase{"InceptionResNetV2", func() (nn.Layer, error) { return zoo.InceptionResNetV2(10) }, []int{1, 3, 75, 75}}, true},
	{exportCase{"InceptionResNetSmall", func() (nn.Layer, error) { return zoo.InceptionResNetSmall(10) }, []int{2, 1, 28, 28}}, false},
	{exportCase{"DenseAutoencoder", func() (nn.Layer, error) { return zoo.DenseAutoencoder(2) }, []int{2, 1, 28, 28}}, false},
	{exportCase{"ConvAutoencoder-noise", func() (nn.Layer, error) { return zoo.ConvAutoencoder(zoo.WithDropout(0.3)) }, []int{2, 1, 28, 28}}, false},
	{exportCase{"UNet-W3", func() (nn.Layer, error) { return zoo.NewUNet(1, zoo.WithBaseWidth(16), zoo.WithSigmoid()) }, []int{2, 1, 32, 32}}, false},
	{exportCase{"SegNetSmall", func() (nn.Layer, error) { return zoo.NewSegNetSmall(11, zoo.WithSigmoid()) }, []int{2, 1, 32, 32}}, false},
}

// TestExportZoo exports every zoo model family, runs the file in ONNX
// Runtime and through onnx.ReadFile on a random input with another batch
// size than the export used (axis 0 is dynamic), and compares both with
// nn.Predict.
func TestExportZoo(t *testing.T) {
	heavy := os.Getenv("CONVNET_ONNX_HEAVY") == "1"
	ck := newExportChecker(t)
	for i, c := range zooExportCases {
		t.Run(c.name, func(t *testing.T) {
			if c.heavy && !heavy {
				t.Skip("over 50M parameters; run with CONVNET_ONNX_HEAVY=1")
			}
			m, err := c.build()
			if err != nil {
				t.Fatal(err)
			}
			randomizeParams(t, m, int64(i))
			x := randInput(int64(i), c.in...)
			want, err := nn.Predict(m, x)
			if err != nil {
				t.Fatal(err)
			}
			ck.check(t, c.name, m, []*tensor.Dense{x}, []tensor.Tensor{want})
		})
	}
	ck.finish(t)
}
