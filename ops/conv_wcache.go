package ops

import (
	"bytes"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/convnet-go/convnet/internal/gemm"
)

// The weight-transform cache of inference convolutions
// (ConvParams.CacheWeights, ConvBatchNorm).
//
// Before its products a forward convolution transforms its weight: a
// folded BatchNorm rescales it (ConvBatchNorm), the shifted path restacks
// it per kernel row (stackedWeights), and every float32 product packs it
// into the GEMM kernel's panels (packWeights). In an inference graph that
// runs many times on unchanged weights these passes are redone at every
// run. A cached op keeps their results from one run to the next instead
// and reuses them while its weight inputs are unchanged.
//
// Whether they are unchanged is decided by content, at every run: the op
// keeps a copy of the raw inputs the transforms were made from (the weight
// and the bias, and for ConvBatchNorm the BatchNorm's scale, shift and
// running statistics) and compares it byte for byte with the current
// inputs. So no way of changing a weight can be missed: an optimizer
// step, Param.SetValue, loading a file, or a user's direct write into a
// Param's tensor all change the bytes, and the next run redoes the
// transforms. The comparison reads the weights twice (the copy and the
// input), in parallel, against the read, write and strided repacking of
// the passes it replaces. A transform is reused only when it was made at
// the current generation of the snapshot, which advances at every change.

// weightSnapshot is a cached op's copy of its raw weight inputs.
type weightSnapshot struct {
	mu   sync.Mutex // held for a whole run of the op
	gen  uint64     // advances when the inputs change; 0: no snapshot yet
	data [][]byte
}

// bytesOf is s's memory as bytes (nil for an empty s).
func bytesOf[T float](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	var z T
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s)*int(unsafe.Sizeof(z)))
}

// snapChunk is the number of bytes one task of the parallel comparison
// and copy handles.
const snapChunk = 1 << 16

// check compares the inputs with the snapshot and returns its generation
// (>= 1) and whether it changed: when an input differs, the snapshot
// becomes a copy of the inputs and the generation advances. The caller
// holds s.mu.
func (s *weightSnapshot) check(ins ...[]byte) (gen uint64, changed bool) {
	same := s.gen != 0 && len(s.data) == len(ins)
	for i := 0; same && i < len(ins); i++ {
		same = sameBytes(s.data[i], ins[i])
	}
	if same {
		return s.gen, false
	}
	if len(s.data) != len(ins) {
		s.data = make([][]byte, len(ins))
	}
	for i, in := range ins {
		if cap(s.data[i]) < len(in) {
			s.data[i] = make([]byte, len(in))
		}
		s.data[i] = s.data[i][:len(in)]
		parallelFor((len(in)+snapChunk-1)/snapChunk, 4, func(lo, hi int) {
			copy(s.data[i][lo*snapChunk:min(hi*snapChunk, len(in))], in[lo*snapChunk:min(hi*snapChunk, len(in))])
		})
	}
	s.gen++
	return s.gen, true
}

// sameBytes reports whether a and b are equal, comparing large slices in
// parallel chunks.
func sameBytes(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) <= 4*snapChunk {
		return bytes.Equal(a, b)
	}
	var differ atomic.Bool
	parallelFor((len(a)+snapChunk-1)/snapChunk, 4, func(lo, hi int) {
		for c := lo; c < hi && !differ.Load(); c++ {
			j0, j1 := c*snapChunk, min((c+1)*snapChunk, len(a))
			if !bytes.Equal(a[j0:j1], b[j0:j1]) {
				differ.Store(true)
			}
		}
	})
	return !differ.Load()
}

// weightTransforms are the transformed weights an engine keeps between the
// runs of a cached op (convEngine.wt): each is valid for the generation of
// the op's snapshot it was made at.
type weightTransforms struct {
	cur     uint64 // the generation of the running call's weights
	packs   []cachedPack
	stacked any // stackedWeights' output, a []T
	stGen   uint64
}

// cachedPack is a packed weight matrix for packWeights' slot and sizes.
type cachedPack struct {
	trans         bool
	slot, m, k, n int
	gen           uint64
	pa            *gemm.PackedA
}

// pack returns the packed matrix of slot for w (m×k, or its transpose k×m
// when trans) and products about n columns wide, packing it when it is not cached at the current
// generation. The matrices of one slot are kept per size (ConvMaxPool2D's
// last chunk of images may be narrower than the others).
func (wt *weightTransforms) pack(trans bool, slot int, w []float32, m, k, n int) *gemm.PackedA {
	var cp *cachedPack
	for i := range wt.packs {
		p := &wt.packs[i]
		if p.trans == trans && p.slot == slot && p.m == m && p.k == k && p.n == n {
			cp = p
			break
		}
	}
	if cp == nil {
		wt.packs = append(wt.packs, cachedPack{trans: trans, slot: slot, m: m, k: k, n: n, pa: new(gemm.PackedA)})
		cp = &wt.packs[len(wt.packs)-1]
	} else if cp.gen == wt.cur {
		return cp.pa
	}
	packInto(cp.pa, trans, w, m, k, n)
	cp.gen = wt.cur
	return cp.pa
}

// packInto packs w (m×k, or k×m holding the transpose when trans) into
// pa for products about n columns wide, in parallel over row panels.
func packInto(pa *gemm.PackedA, trans bool, w []float32, m, k, n int) {
	lda := k
	if trans {
		lda = m
	}
	panels := pa.Prepare(trans, m, k, n)
	parallelFor(panels, max(1, (1<<15)/(8*max(1, k))), func(lo, hi int) {
		pa.PackPanels(w, lda, lo, hi)
	})
}

// stackedFor returns w (K, C, outer, inner) stacked as stackedWeights
// writes it: cached in the engine's transforms for a cached op, in the
// call's shared scratch otherwise.
func stackedFor[T float](e *convEngine, w []T, k, c, outer, inner int) []T {
	size := outer * k * c * inner
	wt := e.wt
	if wt == nil {
		wr := sharedScratch[T](e, size)
		stackedWeights(e, w, k, c, outer, inner, wr)
		return wr
	}
	wr, ok := wt.stacked.([]T)
	if ok && len(wr) == size && wt.stGen == wt.cur {
		return wr
	}
	if !ok || len(wr) != size {
		wr = make([]T, size)
		wt.stacked = wr
	}
	stackedWeights(e, w, k, c, outer, inner, wr)
	wt.stGen = wt.cur
	return wr
}

// arm prepares engine e for a call of a cached op at generation gen.
func (e *convEngine) arm(gen uint64) {
	if e.wt == nil {
		e.wt = new(weightTransforms)
	}
	e.wt.cur = gen
}
