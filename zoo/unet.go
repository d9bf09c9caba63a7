package zoo

import (
	"fmt"
	"strconv"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// UNet is Ronneberger et al.'s U-Net (2015, https://arxiv.org/abs/1505.04597)
// with "same" convolutions and BatchNorm, the segmentation network of the
// W3 benchmark (shared/bench/torch_bench.py):
//
//	enc.i:  DoubleConv(in, w·2^i) at full/2^i resolution, then MaxPool(2)   i = 0 .. depth-1
//	bott:   DoubleConv(w·2^(depth-1), w·2^depth)
//	ups.i:  ConvTranspose(2w', w', 2, stride 2, bias) doubling the resolution,
//	dec.i:  concatenation with enc.i's output (skip connection), DoubleConv(2w', w')
//	head:   Conv(w, classes, 1, bias), then Sigmoid with WithSigmoid
//
// where DoubleConv(a, b) = [Conv(3x3, pad 1, no bias), BatchNorm2D, ReLU] x 2
// (a Sequential: 0 conv, 1 bn, 2 relu, 3 conv, 4 bn, 5 relu) and ups.i,
// dec.i are listed from the bottom up (ups.0 follows the bottleneck), as
// the benchmark's ModuleLists. Params: enc.i.0.weight, enc.i.1.running_mean,
// bott.3.weight, ups.i.weight/bias, dec.i.4.bias, head.weight/bias, ...,
// so the benchmark's state_dict loads.
//
// Input (N, C, H, W) with H and W divisible by 2^depth (an error names the
// size and the divisor otherwise); output (N, classes, H, W): logits by
// default, probabilities with WithSigmoid (as W3). Either model trains
// with train.DiceLoss, BCEDiceLoss or BCEWithLogits, which work on the
// logits under the sigmoid (see WithSigmoid).
type UNet struct {
	nn.EvalCache
	in, classes, depth, width int
	sigmoid                   bool
	enc, ups, dec             []nn.Layer
	pool                      nn.Layer
	bott, head                nn.Layer
}

// NewUNet returns a UNet with classes output channels (1 for a binary
// mask). Options: WithDepth (default 4), WithBaseWidth (default 64),
// WithInputChannels (default 1), WithSigmoid (default logits), WithSeed,
// WithDtype. The W3 benchmark's network is
// NewUNet(1, WithBaseWidth(16), WithDepth(4), WithSigmoid()).
// Initialisation: PyTorch's defaults.
func NewUNet(classes int, opts ...UNetOption) (*UNet, error) {
	const kind = "NewUNet"
	c, err := newModelConfig(kind, classes, config{inChannels: 1, depth: 4, width: 64}, opts)
	if err != nil {
		return nil, err
	}
	if c.depth > 16 {
		return nil, argError(kind, "depth must be at most 16, got %d", c.depth)
	}
	mk := &maker{kind: kind, c: c}
	u := &UNet{in: c.inChannels, classes: classes, depth: c.depth, width: c.width, sigmoid: c.sigmoid}
	in := c.inChannels
	for i := range c.depth {
		w := c.width << i
		u.enc = append(u.enc, mk.doubleConv(in, w))
		in = w
	}
	u.pool = mk.maxPool(2, 2, 0, false)
	u.bott = mk.doubleConv(in, c.width<<c.depth)
	in = c.width << c.depth
	for i := c.depth - 1; i >= 0; i-- {
		w := c.width << i
		u.ups = append(u.ups, mk.convT(in, w, 2, strideOpt(2)))
		u.dec = append(u.dec, mk.doubleConv(2*w, w))
		in = w
	}
	u.head = mk.conv(c.width, classes, 1)
	if mk.err != nil {
		return nil, mk.err
	}
	return u, errors.Wrap(nn.Initialize(u, c.seed), "zoo: UNet")
}

// doubleConv is [Conv(3x3, pad 1, no bias), BatchNorm2D, ReLU] x 2.
func (mk *maker) doubleConv(in, out int) nn.Layer {
	return indexed(
		mk.conv(in, out, 3, padOpt(1), noBias()), mk.bn(out), relu(),
		mk.conv(out, out, 3, padOpt(1), noBias()), mk.bn(out), relu(),
	)
}

// Forward runs the encoder, keeping each level's output for the skip
// connections, the bottleneck and the decoder.
func (u *UNet) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	if _, err := (divisibleBy{kind: "UNet", div: 1 << u.depth, why: fmt.Sprintf("2^depth, depth %d", u.depth)}).Forward(b, x); err != nil {
		return nil, err
	}
	var err error
	skips := make([]*G.Node, u.depth)
	for i, e := range u.enc {
		if x, err = nn.Call(b, "enc."+strconv.Itoa(i), e, x); err != nil {
			return nil, u.wrap(err)
		}
		skips[i] = x
		if x, err = nn.Call(b, "pool"+strconv.Itoa(i), u.pool, x); err != nil {
			return nil, u.wrap(err)
		}
	}
	if x, err = nn.Call(b, "bott", u.bott, x); err != nil {
		return nil, u.wrap(err)
	}
	for i := range u.ups {
		if x, err = nn.Call(b, "ups."+strconv.Itoa(i), u.ups[i], x); err != nil {
			return nil, u.wrap(err)
		}
		if x, err = nn.Concat(b, x, skips[u.depth-1-i]); err != nil {
			return nil, u.wrap(err)
		}
		if x, err = nn.Call(b, "dec."+strconv.Itoa(i), u.dec[i], x); err != nil {
			return nil, u.wrap(err)
		}
	}
	if x, err = nn.Call(b, "head", u.head, x); err != nil {
		return nil, u.wrap(err)
	}
	if u.sigmoid {
		return nn.Call(b, "sigmoid", sigmoid(), x)
	}
	return x, nil
}

func (u *UNet) wrap(err error) error { return errors.WithMessage(err, "zoo: UNet") }

// Params lists the weights and buffers under the benchmark's names.
func (u *UNet) Params() []graph.NamedParam { return nn.ChildParams(u.Children()...) }

// Children returns enc.i, bott, ups.i, dec.i and head.
func (u *UNet) Children() []nn.Child {
	var cs []nn.Child
	for i, e := range u.enc {
		cs = append(cs, child("enc."+strconv.Itoa(i), e))
	}
	cs = append(cs, child("bott", u.bott))
	for i, l := range u.ups {
		cs = append(cs, child("ups."+strconv.Itoa(i), l))
	}
	for i, l := range u.dec {
		cs = append(cs, child("dec."+strconv.Itoa(i), l))
	}
	return append(cs, child("head", u.head))
}

// Depth is the number of down-sampling levels.
func (u *UNet) Depth() int { return u.depth }

// String prints "UNet(in=1, classes=1, depth=4, width=16, sigmoid)".
func (u *UNet) String() string {
	s := fmt.Sprintf("UNet(in=%d, classes=%d, depth=%d, width=%d", u.in, u.classes, u.depth, u.width)
	if u.sigmoid {
		s += ", sigmoid"
	}
	return s + ")"
}
