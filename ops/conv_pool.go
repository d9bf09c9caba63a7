package ops

import (
	"fmt"
	"runtime"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/internal/vec"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ConvMaxPool2D is MaxPool2D(2) of Conv2D: the convolution of x (N, C, H,
// W) with w (K, C, kh, kw) and p's settings, plus the bias b (K) or nil,
// with p's ReLU, then the maximum of each 2x2 window at stride 2 without
// padding (floor mode: an odd last row or column is dropped). The output
// is (N, K, OH/2, OW/2) for the convolution's output OH x OW.
//
// It is one op for inference graphs: each group of images is convolved
// into a scratch tile that stays in cache and is pooled from there, so the
// convolution's full-size output never goes through memory, and the bias
// and ReLU run on the pooled values only (a quarter of them; a maximum
// commutes with adding a per-channel constant and with max(0, ·), so the
// result equals ReLU, then pooling, of the convolution). It has no
// gradient: training graphs apply the convolution and the pooling apart.
// Layers with at most 32 taps (C·kh·kw) at stride 1, such as a first
// layer on a one-channel image, are convolved directly and
// pooled in registers in float32 (conv_direct.go), their sums in another
// order than the matrix product's.
func ConvMaxPool2D(x, w, b *G.Node, p ConvParams) (*G.Node, error) {
	r, name, attrs, nodes, err := convSetup("ConvMaxPool2D", 2, x, w, b, p)
	if err != nil {
		return nil, err
	}
	g := &r.geom
	if g.out[1] < 2 || g.out[2] < 2 {
		return nil, graph.ShapeErrorf("ops: %s: the convolution's output %dx%d is smaller than the 2x2 pooling window", name, g.out[1], g.out[2])
	}
	cp := &convPoolRun{conv: r}
	d := &opDef{
		name: name, attrs: attrs + ", pool=(2, 2)",
		shape: func(in []tensor.Shape) (tensor.Shape, error) {
			if _, err := r.checkShapes(name, in); err != nil {
				return nil, err
			}
			return tensor.Shape{g.n, g.k, g.out[1] / 2, g.out[2] / 2}, nil
		},
		f32: convPoolKernels[float32](cp),
		f64: convPoolKernels[float64](cp),
		symDiff: func(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
			return nil, fmt.Errorf("ops: %s: inference only, it has no gradient (apply the convolution and MaxPool2D apart)", name)
		},
	}
	if r.relu {
		d.name += "+ReLU"
	}
	if r.bias {
		d.attrs += ", bias"
	}
	return applyDef(d, nodes...)
}

// convPoolRun is a ConvMaxPool2D op's geometry and per-worker state: each
// worker convolves its groups of images with its own engine into its own
// tile (tiles[worker], a []T).
type convPoolRun struct {
	conv  *convRun
	engs  []convEngine
	subs  []convGeom // the geometry of a worker's current chunk of images
	tiles []any
	gen   uint64 // the running call's weight generation (ConvParams.CacheWeights)
	loop  any    // *convPoolLoop[T] of the last call, reused
}

// convPoolTile is the number of values a worker's tile should hold (256
// KB of float32): chunks of several groups of images per convolution call
// where they fit, fewer calls for small maps, and a tile that stays in a
// core's cache.
const convPoolTile = 1 << 16

func convPoolKernels[T float](cp *convPoolRun) kernels[T] {
	return kernels[T]{forward: func(a fwdArgs[T]) error {
		var b []T
		if cp.conv.bias {
			b = a.in[2].data
		}
		if c := cp.conv.cache; c != nil {
			c.mu.Lock()
			defer c.mu.Unlock()
			cp.gen, _ = c.check(bytesOf(a.in[1].data), bytesOf(b))
		}
		convPoolForward(cp, a.in[0].data, a.in[1].data, b, a.out.data)
		return nil
	}}
}

// convPoolForward computes y = pool(conv(x, w) + b), with the ReLU when
// the run has one: the batch is cut into chunks of the engine's groups of
// images (enough output positions for one wide product; as many groups as
// fit convPoolTile), the chunks are spread over the workers, and each is
// convolved without bias into the worker's tile, then pooled from it, the
// bias and ReLU applied to the pooled rows.
func convPoolForward[T float](cp *convPoolRun, x, w, b, y []T) {
	g := &cp.conv.geom
	if useDirectTaps[T](g) {
		convPoolDirect(cp, x, w, b, y, directKernelsFor[T]()) // few taps: conv_direct.go
		return
	}
	oh, ow := g.out[1]/2, g.out[2]/2
	// the pooling reads the first 2·oh rows and 2·ow columns only (floor
	// mode): an odd last row or column is not convolved (LeNet's 11x11 is
	// 10x10, 17% fewer positions)
	cg := *g
	cg.out[1], cg.out[2] = 2*oh, 2*ow
	g = &cg
	p := g.outSize()
	xs, ys := g.c*g.inSize(), g.k*oh*ow
	gs := g.groupSize(1)
	gs = min(g.n, gs*max(1, convPoolTile/max(1, gs*g.k*p)))
	groups := (g.n + gs - 1) / gs
	nw := max(1, min(runtime.GOMAXPROCS(0), groups))
	for len(cp.engs) < nw {
		cp.engs = append(cp.engs, convEngine{})
		cp.subs = append(cp.subs, convGeom{})
		cp.tiles = append(cp.tiles, nil)
	}
	if cp.conv.cache != nil {
		for i := range cp.engs {
			cp.engs[i].arm(cp.gen)
		}
	}
	l, ok := cp.loop.(*convPoolLoop[T])
	if !ok {
		l = new(convPoolLoop[T])
		cp.loop = l
	}
	*l = convPoolLoop[T]{cp: cp, g: cg, x: x, w: w, b: b, y: y, gs: gs, groups: groups, nw: nw, xs: xs, ys: ys, p: p}
	// The workers' engines take their scratch in worker order and give it
	// back in reverse, whichever finishes first: worker 0's scratch ends on
	// top of the free list, so the convolutions that run one after the
	// other always get the same one (grown once to their largest), not
	// whichever worker finished last.
	for wk := range nw {
		cp.engs[wk].begin()
	}
	parallelRange(nw, 1, l)
	for wk := nw - 1; wk >= 0; wk-- {
		cp.engs[wk].end()
	}
	*l = convPoolLoop[T]{}
}

// convPoolLoop is convPoolForward's loop over its workers.
type convPoolLoop[T float] struct {
	cp                        *convPoolRun
	g                         convGeom // the convolution, cropped to the rows and columns the pooling reads
	x, w, b, y                []T
	gs, groups, nw, xs, ys, p int
}

// Range runs workers [lo, hi): each convolves its chunks of images into
// its tile and pools them into y.
func (l *convPoolLoop[T]) Range(lo, hi int) {
	cp, x, w, b, y := l.cp, l.x, l.w, l.b, l.y
	gs, groups, nw, xs, ys, p := l.gs, l.groups, l.nw, l.xs, l.ys, l.p
	g := &l.g
	for wk := lo; wk < hi; wk++ {
		tile, ok := cp.tiles[wk].([]T)
		if !ok || len(tile) < gs*g.k*p {
			tile = make([]T, gs*g.k*p)
			cp.tiles[wk] = tile
		}
		for gi := wk * groups / nw; gi < (wk+1)*groups/nw; gi++ {
			n0, n1 := gi*gs, min((gi+1)*gs, g.n)
			sub := &cp.subs[wk]
			*sub = *g
			sub.n = n1 - n0
			t := tile[:sub.n*g.k*p]
			convForward(&cp.engs[wk], sub, x[n0*xs:n1*xs], w, nil, false, t)
			poolPlanes(t, sub.n*g.k, g.out[1], g.out[2], b, cp.conv.relu, y[n0*ys:n1*ys])
		}
	}
}

// poolPlanes pools each of the planes (H, W) of t with 2x2 windows at
// stride 2 into y (planes, H/2, W/2), then adds b[plane mod len(b)] (when
// b is not nil) and applies max(0, ·) when relu is set.
func poolPlanes[T float](t []T, planes, h, w int, b []T, relu bool, y []T) {
	oh, ow := h/2, w/2
	rowPair := maxPoolRowPairFor[T]()
	for pl := range planes {
		tp, yp := t[pl*h*w:(pl+1)*h*w], y[pl*oh*ow:(pl+1)*oh*ow]
		if y32, ok := any(y).([]float32); ok {
			// whole plane in one call; its vector blocks may write into
			// the next plane (pooled after it) but not past y
			vec.MaxPool2Rows(y32[pl*oh*ow:], any(t).([]float32)[pl*h*w:], oh, ow, w, ow)
		} else {
			for r := range oh {
				rowPair(yp[r*ow:(r+1)*ow], tp[2*r*w:(2*r+1)*w], tp[(2*r+1)*w:(2*r+2)*w])
			}
		}
		var bv T
		if b != nil {
			bv = b[pl%len(b)]
		}
		if b != nil || relu {
			epilogue(yp, bv, relu, yp)
		}
	}
}
