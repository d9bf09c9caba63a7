package nn

import (
	"slices"

	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
)

// poolFusable returns how many of the leading children CallChain runs as
// one ops.ConvMaxPool2D in an inference graph: 2 (Conv2D, MaxPool2D) or 3
// (Conv2D without an activation, ReLU layer, MaxPool2D), or 0. The
// convolution is 2-D, not transposed and not grouped, with no activation
// or a ReLU; the pooling has 2x2 windows at stride 2 and no padding (none
// from Same either), not in ceil mode; and x is a valid input whose
// convolution output is at least 2x2. Anything else runs child by child,
// and the children report their own errors.
func poolFusable(cs []Child, x *G.Node) int {
	if len(cs) < 2 || x == nil {
		return 0
	}
	conv, ok := cs[0].Layer.(*Conv2D)
	if !ok || conv.transposed || conv.groups != 1 {
		return 0
	}
	relu := fusionOf(conv.act) == fuseReLU
	if conv.act != nil && !relu {
		return 0
	}
	n := 1
	if _, ok := cs[1].Layer.(*ReLU); ok && conv.act == nil {
		n = 2
	}
	if len(cs) <= n {
		return 0
	}
	pool, ok := cs[n].Layer.(*MaxPool2D)
	if !ok || pool.ceil || !slices.Equal(pool.kernel, []int{2, 2}) || !slices.Equal(pool.stride, []int{2, 2}) {
		return 0
	}
	xs := x.Shape()
	if xs.Dims() != 4 || x.Dtype() != conv.weight.Dtype() || xs[1] != conv.in {
		return 0
	}
	in := []int(xs[2:])
	before, after := conv.padsFor(in)
	out := make([]int, 2)
	for i := range out {
		span := conv.dilation[i]*(conv.kernel[i]-1) + 1
		ext := in[i] + before[i] + after[i]
		if in[i] <= 0 || ext < span {
			return 0
		}
		out[i] = (ext-span)/conv.stride[i] + 1
		if out[i] < 2 {
			return 0
		}
	}
	pb, pa := pool.padsFor(out)
	if slices.ContainsFunc(pb, nonZero) || slices.ContainsFunc(pa, nonZero) {
		return 0
	}
	return n + 1
}

func nonZero(v int) bool { return v != 0 }

// callConvPool applies cs (a Conv2D, maybe a ReLU, and a MaxPool2D, as
// poolFusable found them) to x as one ops.ConvMaxPool2D. The convolution's
// Params are bound in its own scope, errors name it, and each child's call
// is recorded as Call records it; the convolution's recorded output is the
// pooled one, as no node holds the full-size output.
func callConvPool(b *graph.Builder, cs []Child, x *G.Node) (*G.Node, error) {
	conv := cs[0].Layer.(*Conv2D)
	relu := len(cs) == 3 || fusionOf(conv.act) == fuseReLU
	y, err := within(b, cs[0].Name, cs[0].Layer, x, func() (*G.Node, error) {
		if err := checkNotEmpty(b, conv.kind, x); err != nil {
			return nil, err
		}
		bias, err := conv.checkAndBindBias(b, x)
		if err != nil {
			return nil, err
		}
		return conv.forwardConv(b, x, b.Bind(conv.weight, "weight"), bias, relu, true)
	})
	if err != nil {
		return nil, err
	}
	for _, c := range cs[1:] {
		// the ReLU and the pooling, applied by the fused op
		if _, err := within(b, c.Name, c.Layer, y, func() (*G.Node, error) { return y, nil }); err != nil {
			return nil, err
		}
	}
	return y, nil
}
