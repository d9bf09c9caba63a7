package ops

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
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
	rng := rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
	return applyDef(&opDef{
		name: "Dropout", attrs: fmt.Sprintf("p=%g, seed=%d", p, seed), shape: sameShape,
		f32: dropoutKernels[float32](p, rng),
		f64: dropoutKernels[float64](p, rng),
	}, x)
}

// dropoutKernels: the forward draws a new mask (saved as "mask", 1 = kept)
// and sets y = x·mask/(1-p); the backward is dx = dy·mask/(1-p) with the
// same mask.
func dropoutKernels[T float](p float64, rng *rand.Rand) kernels[T] {
	scale := T(1 / (1 - p))
	return kernels[T]{
		forward: func(a fwdArgs[T]) error {
			mask := a.saved.bytes("mask", len(a.out.data))
			drawMask(mask, p, rng)
			applyMask(a.in[0].data, a.out.data, mask, scale)
			return nil
		},
		backward: func(a bwdArgs[T]) error {
			applyMask(a.dy.data, a.dx.data, a.saved.bytes("mask", len(a.dy.data)), scale)
			return nil
		},
	}
}

// dropChunk is the number of elements that share one generator stream.
const dropChunk = 1 << 14

// drawMask fills mask with a new draw from rng: keep (1) with probability 1-p.
// Chunk c of the run uses the stream PCG(runSeed, c), so the draw does not
// depend on how chunks are spread over goroutines.
func drawMask(mask []uint8, p float64, rng *rand.Rand) {
	if p == 0 {
		for i := range mask {
			mask[i] = 1
		}
		return
	}
	runSeed := rng.Uint64()
	// drop when the top 53 bits of a draw are below p·2^53
	thr := uint64(math.Ldexp(p, 53))
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
