package nn

import (
	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// CallChain applies children to x one after the other, each through Call,
// as Sequential does; containers that run a list of children (Sequential,
// the zoo's blocks) go through it.
//
// In an inference graph (graph.Builder.Inference: nn.Predict) it folds
// each convolution that is immediately followed by a BatchNorm of its
// output into one convolution (ops.ConvBatchNorm; ops.FoldBatchNorm for a
// grouped one): the weight and bias are rescaled per output channel from
// the BatchNorm's scale, shift and running statistics. ConvBatchNorm keeps
// the folded and packed weight between runs and every run compares its
// inputs with the copy it was made from, so changes to any of them between
// runs (an optimizer step, a load, a direct write) are seen. A ReLU after the BatchNorm (its fused activation, or a ReLU
// layer as the next child) becomes the folded convolution's fused ReLU,
// so Conv → BatchNorm → ReLU is a single op with a single pass over its
// output. Other activations of the BatchNorm are applied after it. The
// outputs equal the unfolded ones up to rounding. Likewise a Conv2D (with
// a ReLU activation or a ReLU layer next, or neither) followed by a
// MaxPool2D with 2x2 windows at stride 2 and no padding becomes one
// ops.ConvMaxPool2D, which pools the convolution's output while it is in
// cache (exactly equal to the unfused chain; see poolFusable for the
// conditions). Every other graph
// (training, Summary, ONNX export) applies the children one by one.
//
// The convolution folds when it has no activation of its own and the
// BatchNorm accepts its output (the channels, rank and dtype agree);
// otherwise the children run one by one and report any error themselves.
func CallChain(b *graph.Builder, children []Child, x *G.Node) (*G.Node, error) {
	var err error
	for i := 0; i < len(children); {
		if b.Inference() {
			if n := foldable(children[i:], x); n > 0 {
				if x, err = callFolded(b, children[i:i+n], x); err != nil {
					return nil, err
				}
				i += n
				continue
			}
			if n := poolFusable(children[i:], x); n > 0 {
				if x, err = callConvPool(b, children[i:i+n], x); err != nil {
					return nil, err
				}
				i += n
				continue
			}
		}
		if x, err = Call(b, children[i].Name, children[i].Layer, x); err != nil {
			return nil, err
		}
		i++
	}
	return x, nil
}

// convOf returns the convolution behind a Conv1D/2D/3D layer (grouped and
// depthwise ones included), or nil for other layers.
func convOf(l Layer) *convBase {
	switch c := l.(type) {
	case *Conv1D:
		return &c.convBase
	case *Conv2D:
		return &c.convBase
	case *Conv3D:
		return &c.convBase
	}
	return nil
}

// batchNormOf returns the BatchNorm behind a BatchNorm1D/2D/3D layer, or
// nil for other layers.
func batchNormOf(l Layer) *batchNorm {
	switch bn := l.(type) {
	case *BatchNorm1D:
		return &bn.batchNorm
	case *BatchNorm2D:
		return &bn.batchNorm
	case *BatchNorm3D:
		return &bn.batchNorm
	}
	return nil
}

// foldable returns how many of the leading children fold into one
// convolution on input x: 2 (Conv, BatchNorm), 3 (Conv, BatchNorm without
// an activation, ReLU layer), or 0 when they do not fold.
func foldable(cs []Child, x *G.Node) int {
	if len(cs) < 2 || x == nil {
		return 0
	}
	conv, bn := convOf(cs[0].Layer), batchNormOf(cs[1].Layer)
	if conv == nil || bn == nil || conv.transposed || conv.act != nil || bn.channels != conv.out {
		return 0
	}
	if conv.weight.Dtype() != bn.runMean.Dtype() {
		return 0
	}
	rankOK := false
	for _, r := range bn.ranks {
		rankOK = rankOK || r == conv.rank+2
	}
	if !rankOK {
		return 0
	}
	if len(cs) > 2 && bn.act == nil {
		if _, ok := cs[2].Layer.(*ReLU); ok {
			return 3
		}
	}
	return 2
}

// callFolded applies cs (a convolution, a BatchNorm and maybe a ReLU, as
// foldable found them) to x as one folded convolution. Each child's
// Params are bound in its own scope, errors name the child that caused
// them, and each child's call is recorded as Call records it.
func callFolded(b *graph.Builder, cs []Child, x *G.Node) (*G.Node, error) {
	conv, bn := convOf(cs[0].Layer), batchNormOf(cs[1].Layer)
	var w, bias, wf, bf *G.Node
	var convPath string
	err := inScope(b, cs[0].Name, cs[0].Layer, func() (err error) {
		if err = checkNotEmpty(b, kindOf(cs[0].Layer), x); err != nil {
			return err
		}
		if bias, err = conv.checkAndBindBias(b, x); err != nil {
			return err
		}
		w, convPath = b.Bind(conv.weight, "weight"), b.Path()
		return nil
	})
	if err != nil {
		return nil, err
	}
	relu := len(cs) == 3 || fusionOf(bn.act) == fuseReLU
	var gamma, beta *G.Node
	var bnp ops.BatchNormParams
	err = inScope(b, cs[1].Name, cs[1].Layer, func() (err error) {
		gamma, beta, bnp = bn.bind(b)
		if conv.groups != 1 {
			wf, bf, err = ops.FoldBatchNorm(w, bias, gamma, beta, bnp)
		}
		return errors.Wrapf(err, "nn: %s %q: folding into the convolution %q", bn.kind, b.Path(), convPath)
	})
	if err != nil {
		return nil, err
	}

	y, err := within(b, cs[0].Name, cs[0].Layer, x, func() (*G.Node, error) {
		if conv.groups != 1 {
			return conv.forwardConv(b, x, wf, bf, relu, false)
		}
		// one op that keeps the folded, packed weight between runs
		p, err := conv.opParams(b, x, relu)
		if err != nil {
			return nil, err
		}
		y, err := ops.ConvBatchNorm(x, w, bias, gamma, beta, bnp, p)
		if err != nil {
			return nil, errors.Wrapf(conv.wrap(b, err), "nn: folding %s %q", bn.kind, cs[1].Name)
		}
		return y, nil
	})
	if err != nil {
		return nil, err
	}
	out, err := within(b, cs[1].Name, cs[1].Layer, y, func() (*G.Node, error) {
		if relu {
			return y, nil // the convolution applied it
		}
		return applyActivation(b, bn.act, y)
	})
	if err != nil {
		return nil, err
	}
	if len(cs) == 3 {
		// the ReLU layer, applied by the convolution
		if _, err := within(b, cs[2].Name, cs[2].Layer, out, func() (*G.Node, error) { return out, nil }); err != nil {
			return nil, err
		}
	}
	return out, nil
}
