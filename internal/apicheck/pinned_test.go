package apicheck

import (
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/ops"
	"github.com/convnet-go/convnet/zoo"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The pinned signatures, as typed variables: a change of any of them stops
// this package from compiling.
var (
	_ func(x, w *gorgonia.Node, stride, pad, dilation [3]int) (*gorgonia.Node, error)             = ops.Conv3D
	_ func(x, w *gorgonia.Node, stride, pad, outPad, dilation int) (*gorgonia.Node, error)        = ops.ConvTranspose1D
	_ func(x, w *gorgonia.Node, stride, pad, outPad, dilation [2]int) (*gorgonia.Node, error)     = ops.ConvTranspose2D
	_ func(x, w *gorgonia.Node, stride, pad, outPad, dilation [3]int) (*gorgonia.Node, error)     = ops.ConvTranspose3D
	_ func(x *gorgonia.Node, kernel, stride, pad [3]int) (*gorgonia.Node, error)                  = ops.MaxPool3D
	_ func(x *gorgonia.Node, kernel, stride, pad int) (*gorgonia.Node, error)                     = ops.AvgPool1D
	_ func(x *gorgonia.Node, kernel, stride, pad [2]int) (*gorgonia.Node, error)                  = ops.AvgPool2D
	_ func(x *gorgonia.Node, kernel, stride, pad [3]int) (*gorgonia.Node, error)                  = ops.AvgPool3D
	_ func(x *gorgonia.Node) (*gorgonia.Node, error)                                              = ops.GlobalAvgPool
	_ func(x *gorgonia.Node, kernel, stride, pad [2]int) (out, indices *gorgonia.Node, err error) = ops.MaxPool2DIndices
	_ func(x, indices *gorgonia.Node, outH, outW int) (*gorgonia.Node, error)                     = ops.MaxUnpool2D
	_ func(x *gorgonia.Node, alpha float64) (*gorgonia.Node, error)                               = ops.ELU
	_ func(x *gorgonia.Node) (*gorgonia.Node, error)                                              = ops.Softsign
	_ func(logits, labels *gorgonia.Node) (*gorgonia.Node, error)                                 = ops.SoftmaxCrossEntropy
	_ func(probs, target *gorgonia.Node, smooth float64) (*gorgonia.Node, error)                  = ops.DiceLoss

	_ func(l nn.Layer) int                                     = nn.NumParams
	_ func(l nn.Layer, x tensor.Tensor) (tensor.Tensor, error) = nn.Predict
	_ func(l nn.Layer, path string) error                      = nn.SaveSafetensors
	_ func(l nn.Layer, path string) error                      = nn.LoadSafetensors
)

// The pinned zoo constructors take the number of classes (options may
// follow) and return a model that is an nn.Layer.
var _ = []func(int) (nn.Layer, error){
	func(n int) (nn.Layer, error) { return zoo.LeNet5(n) },
	func(n int) (nn.Layer, error) { return zoo.AlexNet(n) },
	func(n int) (nn.Layer, error) { return zoo.VGG11(n) },
	func(n int) (nn.Layer, error) { return zoo.VGG13(n) },
	func(n int) (nn.Layer, error) { return zoo.VGG16(n) },
	func(n int) (nn.Layer, error) { return zoo.VGG19(n) },
	func(n int) (nn.Layer, error) { return zoo.ResNet18(n) },
	func(n int) (nn.Layer, error) { return zoo.ResNet34(n) },
	func(n int) (nn.Layer, error) { return zoo.ResNet50(n) },
	func(n int) (nn.Layer, error) { return zoo.ResNet101(n) },
	func(n int) (nn.Layer, error) { return zoo.ResNet152(n) },
	func(n int) (nn.Layer, error) { return zoo.InceptionResNetV2(n) },
}
