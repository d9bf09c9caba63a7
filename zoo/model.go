package zoo

import (
	"fmt"
	"strconv"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// sequence applies named children one after the other, like nn.Sequential,
// but does not initialise them when it is built: a zoo model initialises
// all its weights once, at the end of its constructor (drawing the weights
// of a large model takes seconds, so every pass counts).
type sequence struct {
	children []nn.Child
}

// seq returns a sequence of named children.
func seq(children ...nn.Child) *sequence { return &sequence{children: children} }

// indexed returns a sequence whose children are named "0", "1", ..., as
// torch.nn.Sequential names them.
func indexed(layers ...nn.Layer) *sequence {
	s := &sequence{}
	for i, l := range layers {
		s.children = append(s.children, nn.Child{Name: strconv.Itoa(i), Layer: l})
	}
	return s
}

// Forward applies the children in order, through nn.CallChain (which
// folds a convolution and its BatchNorm into one in inference graphs).
func (s *sequence) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	return nn.CallChain(b, s.children, x)
}

// Params lists the children's Params under their names.
func (s *sequence) Params() []graph.NamedParam { return nn.ChildParams(s.children...) }

// Children returns the named children.
func (s *sequence) Children() []nn.Child { return append([]nn.Child(nil), s.children...) }

// Len is the number of children.
func (s *sequence) Len() int { return len(s.children) }

// String prints "Sequential(n layers)" like nn.Sequential.
func (s *sequence) String() string { return fmt.Sprintf("Sequential(%d layers)", len(s.children)) }

// model is what every zoo model shares: a name for messages and String, an
// evaluation-graph cache for nn.Predict, and the network as a sequence of
// named children whose names are the state_dict prefixes.
type model struct {
	nn.EvalCache
	name string
	desc string
	net  *sequence
}

// Forward applies the network to x. Errors name the model and the layer
// path: `zoo: ResNet18: nn: Conv2D "conv1": input must have 3 channels ...`.
func (m *model) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	y, err := m.net.Forward(b, x)
	if err != nil {
		return nil, errors.WithMessage(err, "zoo: "+m.name)
	}
	return y, nil
}

// Params lists every weight and buffer with its state_dict name.
func (m *model) Params() []graph.NamedParam { return m.net.Params() }

// Children returns the top-level parts of the network with their names.
func (m *model) Children() []nn.Child { return m.net.Children() }

// Child returns the top-level part called name, or nil.
func (m *model) Child(name string) nn.Layer {
	for _, c := range m.net.children {
		if c.Name == name {
			return c.Layer
		}
	}
	return nil
}

// Name returns the model's name, such as "ResNet18".
func (m *model) Name() string { return m.name }

// String prints the model's name and settings, such as
// "ResNet18(classes=10)".
func (m *model) String() string { return m.name + "(" + m.desc + ")" }

// finish initialises every Param of m from seed, once.
func (m *model) finish(l nn.Layer, seed int64) error {
	return errors.Wrap(nn.Initialize(l, seed), "zoo: "+m.name)
}

// maker builds layers for one model and keeps the first error, so that a
// model constructor reads as a list of layers; the caller checks err once.
type maker struct {
	kind string
	c    *config
	err  error
}

func (mk *maker) fail(err error) nn.Layer {
	if mk.err == nil {
		mk.err = errors.WithMessage(err, "zoo: "+mk.kind)
	}
	return nil
}

// conv is a Conv2D from in to out channels with a k x k kernel.
func (mk *maker) conv(in, out, k int, opts ...nn.ConvOption) nn.Layer {
	if mk.err != nil {
		return nil
	}
	l, err := nn.NewConv2D(in, out, k, append([]nn.ConvOption{nn.WithDtype(mk.c.dtype)}, opts...)...)
	if err != nil {
		return mk.fail(err)
	}
	return l
}

// convT is a ConvTranspose2D from in to out channels with a k x k kernel.
func (mk *maker) convT(in, out, k int, opts ...nn.ConvTransposeOption) nn.Layer {
	if mk.err != nil {
		return nil
	}
	l, err := nn.NewConvTranspose2D(in, out, k, append([]nn.ConvTransposeOption{nn.WithDtype(mk.c.dtype)}, opts...)...)
	if err != nil {
		return mk.fail(err)
	}
	return l
}

// bn is a BatchNorm2D over c channels.
func (mk *maker) bn(c int, opts ...nn.BatchNormOption) nn.Layer {
	if mk.err != nil {
		return nil
	}
	l, err := nn.NewBatchNorm2D(c, append([]nn.BatchNormOption{nn.WithDtype(mk.c.dtype)}, opts...)...)
	if err != nil {
		return mk.fail(err)
	}
	return l
}

// dense is a Dense layer from in to out features.
func (mk *maker) dense(in, out int, opts ...nn.DenseOption) nn.Layer {
	if mk.err != nil {
		return nil
	}
	l, err := nn.NewDense(in, out, append([]nn.DenseOption{nn.WithDtype(mk.c.dtype)}, opts...)...)
	if err != nil {
		return mk.fail(err)
	}
	return l
}

// maxPool is a MaxPool2D with a k x k window, stride s, padding p and
// PyTorch's ceil_mode.
func (mk *maker) maxPool(k, s, p int, ceil bool) nn.Layer {
	if mk.err != nil {
		return nil
	}
	opts := []nn.PoolOption{strideOpt(s)}
	if p > 0 {
		opts = append(opts, padOpt(p))
	}
	if ceil {
		opts = append(opts, nn.WithCeilMode(true))
	}
	l, err := nn.NewMaxPool2D(k, opts...)
	if err != nil {
		return mk.fail(err)
	}
	return l
}

// avgPool is an AvgPool2D with a k x k window and stride s: with keras,
// Keras's "same" padding whose zeros are left out of the mean (p is then
// ignored); otherwise PyTorch's explicit padding p counted in the mean.
func (mk *maker) avgPool(k, s, p int, keras bool) nn.Layer {
	if mk.err != nil {
		return nil
	}
	opts := []nn.PoolOption{strideOpt(s)}
	switch {
	case keras:
		opts = append(opts, nn.WithPadding(nn.Same))
	case p > 0:
		opts = append(opts, padOpt(p))
	}
	l, err := nn.NewAvgPool2D(k, opts...)
	if err != nil {
		return mk.fail(err)
	}
	return l
}

// dropout is a Dropout layer with probability p.
func (mk *maker) dropout(p float64) nn.Layer {
	if mk.err != nil {
		return nil
	}
	l, err := nn.NewDropout(p)
	if err != nil {
		return mk.fail(err)
	}
	return l
}

// adaptiveAvg is an AdaptiveAvgPool2D to h x w.
func (mk *maker) adaptiveAvg(h, w int) nn.Layer {
	if mk.err != nil {
		return nil
	}
	l, err := nn.NewAdaptiveAvgPool2D(h, w)
	if err != nil {
		return mk.fail(err)
	}
	return l
}

// The parameterless layers.
func relu() nn.Layer    { return nn.NewReLU() }
func tanh() nn.Layer    { return nn.NewTanh() }
func sigmoid() nn.Layer { return nn.NewSigmoid() }
func flatten() nn.Layer { return nn.NewFlatten() }

// child names a layer.
func child(name string, l nn.Layer) nn.Child { return nn.Child{Name: name, Layer: l} }

// Shorthands for the layer options the zoo uses most.
func padOpt(p ...int) nn.WindowOption    { return nn.WithPad(p...) }
func strideOpt(s ...int) nn.WindowOption { return nn.WithStride(s...) }
func noBias() nn.WeightOption            { return nn.WithBias(false) }
