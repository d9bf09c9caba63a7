package ops

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/chewxy/hm"
	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Dropout is inverted dropout: every run of the graph draws a new mask that
// zeroes each element of x with probability p and scales the kept ones by
// 1/(1-p), so E[y] = x. The gradient uses the same mask: dx = dy·mask/(1-p).
// p is in [0, 1); p = 0 is the identity.
//
// Masks come from the op's own generator, seeded by seed when the graph is
// built (a layer passes graph.Builder.Seed()): the same seed gives the same
// sequence of masks, run after run, whatever GOMAXPROCS is. Every call makes
// a new node, even with the same input, p and seed.
//
// Use Dropout only in training graphs; an evaluation graph leaves it out.
func Dropout(x *G.Node, p float64, seed int64) (*G.Node, error) {
	if err := checkNode("Dropout", "input", x); err != nil {
		return nil, err
	}
	if x.Shape().Dims() == 0 {
		return nil, graph.ShapeErrorf("ops: Dropout: input must be a tensor, got a scalar")
	}
	if !(p >= 0 && p < 1) {
		return nil, graph.ArgErrorf("ops: Dropout: p must be in [0, 1), got %v", p)
	}
	op := &dropoutOp{opBase: newOpBase(fmt.Sprintf("Dropout(p=%g, seed=%d)", p, seed)), p: p, seed: seed, rank: x.Shape().Dims()}
	op.rng = rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
	return G.ApplyOp(op, x)
}

// dropoutOp is y = x·mask/(1-p). mask holds the last run's draw (1 = kept)
// for the gradient op, which takes y as an input so that it runs after.
type dropoutOp struct {
	opBase
	p    float64
	seed int64
	rank int
	rng  *rand.Rand
	mask []uint8
	out  buffer
}

func (op *dropoutOp) Arity() int                                        { return 1 }
func (op *dropoutOp) Type() hm.Type                                     { return sameType() }
func (op *dropoutOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) { return firstShape(in) }

// dropChunk is the number of elements that share one generator stream.
const dropChunk = 1 << 14

func (op *dropoutOp) Do(vals ...G.Value) (G.Value, error) {
	in, err := denseArgs(op.String(), vals, 1)
	if err != nil {
		return nil, err
	}
	x := in[0]
	n := x.Shape().TotalSize()
	if cap(op.mask) < n {
		op.mask = make([]uint8, n)
	}
	op.mask = op.mask[:n]
	op.drawMask()
	y := op.out.get(x.Dtype(), x.Shape())
	switch xs := x.Data().(type) {
	case []float64:
		applyMask(xs, y.Float64s(), op.mask, 1/(1-op.p))
	case []float32:
		applyMask(xs, y.Float32s(), op.mask, float32(1/(1-op.p)))
	default:
		return nil, fmt.Errorf("ops: Dropout: dtype %v not supported", x.Dtype())
	}
	return y, nil
}

// drawMask fills op.mask with a new draw: keep (1) with probability 1-p.
// Chunk c of the run uses the stream PCG(runSeed, c), so the draw does not
// depend on how chunks are spread over goroutines.
func (op *dropoutOp) drawMask() {
	mask := op.mask
	if op.p == 0 {
		for i := range mask {
			mask[i] = 1
		}
		return
	}
	runSeed := op.rng.Uint64()
	// drop when the top 53 bits of a draw are below p·2^53
	thr := uint64(math.Ldexp(op.p, 53))
	chunks := (len(mask) + dropChunk - 1) / dropChunk
	parallelFor(chunks, 2, func(lo, hi int) {
		for c := lo; c < hi; c++ {
			src := rand.NewPCG(runSeed, uint64(c))
			m := mask[c*dropChunk : min((c+1)*dropChunk, len(mask))]
			for i := range m {
				// 1 when u >= thr: u - thr wraps around (top bit set) when u < thr
				u := src.Uint64() >> 11
				m[i] = uint8(1 ^ (u-thr)>>63)
			}
		}
	})
}

func applyMask[T float](x, y []T, mask []uint8, scale T) {
	parallelFor(len(x), elementwiseGrain, func(lo, hi int) {
		x, y, mask := x[lo:hi], y[lo:hi], mask[lo:hi]
		for i, v := range x {
			y[i] = v * (T(mask[i]) * scale) // no branch: the mask is random
		}
	})
}

func (op *dropoutOp) DiffWRT(int) []bool { return []bool{true} }

func (op *dropoutOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	dx, err := G.ApplyOp(&dropoutGradOp{gradOpBase: newGradOpBase(fmt.Sprintf("DropoutGrad(p=%g)", op.p)), fwd: op}, output, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx}, nil
}

// dropoutGradOp is dx = dy·mask/(1-p) with the forward op's last mask.
// Inputs: y (so that it runs after the forward op) and dy.
type dropoutGradOp struct {
	gradOpBase
	fwd *dropoutOp
	out buffer
}

func (op *dropoutGradOp) Arity() int                                        { return 2 }
func (op *dropoutGradOp) Type() hm.Type                                     { return sameType2() }
func (op *dropoutGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) { return firstShape(in) }

func (op *dropoutGradOp) Do(vals ...G.Value) (G.Value, error) {
	in, err := denseArgs(op.String(), vals, 2)
	if err != nil {
		return nil, err
	}
	dy := in[1]
	if len(op.fwd.mask) != dy.Shape().TotalSize() {
		return nil, fmt.Errorf("ops: %s: the forward op has not run", op)
	}
	dx := op.out.get(dy.Dtype(), dy.Shape())
	switch ds := dy.Data().(type) {
	case []float64:
		applyMask(ds, dx.Float64s(), op.fwd.mask, 1/(1-op.fwd.p))
	case []float32:
		applyMask(ds, dx.Float32s(), op.fwd.mask, float32(1/(1-op.fwd.p)))
	default:
		return nil, fmt.Errorf("ops: Dropout: dtype %v not supported", dy.Dtype())
	}
	return dx, nil
}
