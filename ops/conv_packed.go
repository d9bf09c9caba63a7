package ops

import "github.com/convnet-go/convnet/internal/gemm"

// weightMatrix is the weight matrix (m×k, row-major) of a convolution
// call's forward products, packed once for all of them (float32): the
// products of every image or group of images, on every worker, share the
// packed copy instead of packing W again each (gemm.PackedA). float64
// products go through gemmT unchanged.
type weightMatrix[T float] struct {
	packed *gemm.PackedA // nil: not packed (float64)
	w      []T
	m, k   int
}

// packWeights packs w (m×k) into the engine's packed slot for products
// about n columns wide, in parallel over row panels. An engine of a
// cached op (e.wt set) keeps the packed matrix between calls and packs
// only when its weights changed (weightTransforms.pack).
func packWeights[T float](e *convEngine, slot int, w []T, m, k, n int) weightMatrix[T] {
	wm := weightMatrix[T]{w: w, m: m, k: k}
	w32, ok := any(w).([]float32)
	if !ok || m == 0 || k == 0 {
		return wm
	}
	if e.wt != nil {
		// a cached op: the packing of this generation's weights, made
		// once (conv_wcache.go)
		wm.packed = e.wt.pack(false, slot, w32, m, k, n)
		return wm
	}
	sc := e.scratchSet()
	for len(sc.packed) <= slot {
		sc.packed = append(sc.packed, new(gemm.PackedA))
	}
	pa := sc.packed[slot]
	panels := pa.Prepare(false, m, k, n)
	l := loopOf[packLoop](e, loopPack)
	*l = packLoop{pa: pa, w: w32, k: k}
	parallelRange(panels, max(1, (1<<15)/(8*k)), l)
	*l = packLoop{}
	wm.packed = pa
	return wm
}

// packLoop is packWeights' parallel loop over the row panels of pa.
type packLoop struct {
	pa *gemm.PackedA
	w  []float32
	k  int
}

func (l *packLoop) Range(lo, hi int) { l.pa.PackPanels(l.w, l.k, lo, hi) }

// mul computes c (m×n, ldc apart) = W·b + beta·c for b (k×n, ldb apart).
func (wm weightMatrix[T]) mul(n int, b []T, ldb int, beta T, c []T, ldc int) {
	if wm.packed == nil {
		gemmT(false, false, wm.m, n, wm.k, wm.w, wm.k, b, ldb, beta, c, ldc)
		return
	}
	gemm.SgemmPacked(wm.packed, n, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
}

// cachedWeightsT is the product matrix Wᵀ (m×k) of w (k×m, row-major) of
// a cached op's engine, packed once per weight generation for products
// about n columns wide (the transposed convolution's products); ok is
// false for an engine without a cache and for float64, which multiply
// by w as before.
func cachedWeightsT[T float](e *convEngine, w []T, m, k, n int) (wm weightMatrix[T], ok bool) {
	w32, is32 := any(w).([]float32)
	if e.wt == nil || !is32 || m == 0 || k == 0 {
		return wm, false
	}
	return weightMatrix[T]{packed: e.wt.pack(true, 0, w32, m, k, n), m: m, k: k}, true
}
