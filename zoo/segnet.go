package zoo

import (
	"fmt"
	"strconv"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// SegNet is Badrinarayanan et al.'s encoder-decoder segmentation network
// (2017, https://arxiv.org/abs/1511.00561). The encoder is VGG-like:
// stages of [Conv(3x3, pad 1), BatchNorm2D, ReLU] blocks, each stage ending
// in a 2x2 max pooling that remembers where every maximum came from. The
// decoder mirrors it: each stage starts with a max unpooling that puts
// every value back at the position of its encoder maximum (zeros
// elsewhere; nn.MaxUnpool2D with the indices of
// nn.MaxPool2D.ForwardWithIndices), so boundaries stay sharp without learned upsampling or skip tensors, then
// convolution blocks; a last 3x3 convolution "classifier" gives per-pixel
// class scores.
//
//	encK:  stage K of convs[K] blocks to widths[K], then MaxPool(2) with indices
//	decK:  MaxUnpool(2) with encK's indices, convs[K] blocks, the last one to
//	       widths[K-1] (widths[0] for the first stage)
//	classifier: Conv(widths[0], classes, 3, pad 1, bias), then Sigmoid with WithSigmoid
//
// Input (N, C, H, W) with H and W divisible by 2^stages (an error names the
// size and the divisor otherwise); output (N, classes, H, W): logits by
// default (softmax cross-entropy over axis 1, or BCEWithLogits for one
// class), probabilities with WithSigmoid (the train losses and metrics
// work on the logits under it; see WithSigmoid). Params: enc1.0.weight,
// enc1.1.bias, enc1.1.running_mean, enc1.3.weight, ..., dec1.0.weight, ...,
// classifier.weight, classifier.bias (PyTorch default initialisation).
type SegNet struct {
	nn.EvalCache
	name          string
	in, classes   int
	widths, convs []int
	sigmoid       bool
	enc, dec      []nn.Layer
	pool          *nn.MaxPool2D
	unpool        *nn.MaxUnpool2D
	classifier    nn.Layer
}

// NewSegNet returns the full SegNet: a VGG16 encoder of 13 convolutions
// with BatchNorm (widths 64, 128, 256, 512, 512; 2, 2, 3, 3, 3
// convolutions per stage) and its mirror decoder, for (N, 3, H, W) images
// with H and W divisible by 32. Options: WithInputChannels (default 3),
// WithSigmoid, WithSeed, WithDtype.
func NewSegNet(classes int, opts ...SegNetOption) (*SegNet, error) {
	return newSegNet("SegNet", []int{64, 128, 256, 512, 512}, []int{2, 2, 3, 3, 3}, classes, 3, opts)
}

// NewSegNetSmall returns a small SegNet for 64x64 images (such as digits
// placed on a canvas): widths 16, 32, 64 with 2 convolutions per stage,
// input (N, 1, H, W) with H and W divisible by 8. Options:
// WithInputChannels (default 1), WithSigmoid, WithSeed, WithDtype.
func NewSegNetSmall(classes int, opts ...SegNetOption) (*SegNet, error) {
	return newSegNet("SegNetSmall", []int{16, 32, 64}, []int{2, 2, 2}, classes, 1, opts)
}

// NewSegNetStages returns a SegNet with the given widths and number of
// convolution blocks per stage (both one entry per stage, all positive).
// Options: WithInputChannels (default 1), WithSigmoid, WithSeed, WithDtype.
func NewSegNetStages(widths, convs []int, classes int, opts ...SegNetOption) (*SegNet, error) {
	return newSegNet("SegNet", widths, convs, classes, 1, opts)
}

func newSegNet(name string, widths, convs []int, classes, inDefault int, opts []SegNetOption) (*SegNet, error) {
	c, err := newModelConfig(name, classes, config{inChannels: inDefault}, opts)
	if err != nil {
		return nil, err
	}
	if len(widths) == 0 || len(widths) != len(convs) || len(widths) > 16 {
		return nil, argError(name, "need 1 to 16 stages with one width and one convolution count each, got widths %v and counts %v", widths, convs)
	}
	for i := range widths {
		if widths[i] <= 0 || convs[i] <= 0 {
			return nil, argError(name, "widths and convolution counts must be positive, got widths %v and counts %v", widths, convs)
		}
	}
	mk := &maker{kind: name, c: c}
	s := &SegNet{name: name, in: c.inChannels, classes: classes, widths: append([]int(nil), widths...), convs: append([]int(nil), convs...), sigmoid: c.sigmoid}
	in := c.inChannels
	for i, w := range widths {
		var layers []nn.Layer
		for range convs[i] {
			layers = append(layers, mk.conv(in, w, 3, padOpt(1)), mk.bn(w), relu())
			in = w
		}
		s.enc = append(s.enc, indexed(layers...))
	}
	for i, w := range widths {
		out := widths[max(i-1, 0)]
		var layers []nn.Layer
		for j := range convs[i] {
			o := w
			if j == convs[i]-1 {
				o = out
			}
			layers = append(layers, mk.conv(w, o, 3, padOpt(1)), mk.bn(o), relu())
		}
		s.dec = append(s.dec, indexed(layers...))
	}
	s.classifier = mk.conv(widths[0], classes, 3, padOpt(1))
	if mk.err != nil {
		return nil, mk.err
	}
	if s.pool, err = nn.NewMaxPool2D(2); err != nil {
		return nil, errors.WithMessage(err, "zoo: "+name)
	}
	if s.unpool, err = nn.NewMaxUnpool2D(2); err != nil {
		return nil, errors.WithMessage(err, "zoo: "+name)
	}
	return s, errors.Wrap(nn.Initialize(s, c.seed), "zoo: "+name)
}

// Forward runs the encoder, keeping the pooling indices and the sizes
// before each pooling, then the decoder.
func (s *SegNet) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	stages := len(s.widths)
	if _, err := (divisibleBy{kind: s.name, div: 1 << stages, why: fmt.Sprintf("2^stages, %d stages", stages)}).Forward(b, x); err != nil {
		return nil, err
	}
	indices := make([]*G.Node, stages)
	sizes := make([][2]int, stages)
	var err error
	for i, e := range s.enc {
		if x, err = nn.Call(b, "enc"+strconv.Itoa(i+1), e, x); err != nil {
			return nil, s.wrap(err)
		}
		sizes[i] = [2]int{x.Shape()[2], x.Shape()[3]}
		b.Enter("pool" + strconv.Itoa(i+1))
		in := x
		x, indices[i], err = s.pool.ForwardWithIndices(b, x)
		if err == nil {
			b.Record(graph.LayerCall{Path: b.Path(), Layer: s.pool, In: in, Out: x, Depth: b.Depth()})
		}
		b.Leave()
		if err != nil {
			return nil, s.wrap(err)
		}
	}
	for i := stages - 1; i >= 0; i-- {
		b.Enter("unpool" + strconv.Itoa(i+1))
		in := x
		x, err = s.unpool.ForwardWithIndices(b, x, indices[i], sizes[i])
		if err == nil {
			b.Record(graph.LayerCall{Path: b.Path(), Layer: s.unpool, In: in, Out: x, Depth: b.Depth()})
		}
		b.Leave()
		if err != nil {
			return nil, s.wrap(err)
		}
		if x, err = nn.Call(b, "dec"+strconv.Itoa(i+1), s.dec[i], x); err != nil {
			return nil, s.wrap(err)
		}
	}
	if x, err = nn.Call(b, "classifier", s.classifier, x); err != nil {
		return nil, s.wrap(err)
	}
	if s.sigmoid {
		return nn.Call(b, "sigmoid", sigmoid(), x)
	}
	return x, nil
}

func (s *SegNet) wrap(err error) error { return errors.WithMessage(err, "zoo: "+s.name) }

// Params lists the encoder's, the decoder's and the classifier's Params.
func (s *SegNet) Params() []graph.NamedParam { return nn.ChildParams(s.Children()...) }

// Children returns enc1..encK, decK..dec1 and classifier.
func (s *SegNet) Children() []nn.Child {
	var cs []nn.Child
	for i, e := range s.enc {
		cs = append(cs, child("enc"+strconv.Itoa(i+1), e))
	}
	for i := len(s.dec) - 1; i >= 0; i-- {
		cs = append(cs, child("dec"+strconv.Itoa(i+1), s.dec[i]))
	}
	return append(cs, child("classifier", s.classifier))
}

// Stages is the number of pooling stages.
func (s *SegNet) Stages() int { return len(s.widths) }

// String prints "SegNet(in=3, classes=12, widths=[64 128 256 512 512], convs=[2 2 3 3 3])".
func (s *SegNet) String() string {
	str := fmt.Sprintf("%s(in=%d, classes=%d, widths=%v, convs=%v", s.name, s.in, s.classes, s.widths, s.convs)
	if s.sigmoid {
		str += ", sigmoid"
	}
	return str + ")"
}
