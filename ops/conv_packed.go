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
// about n columns wide, in parallel over row panels.
func packWeights[T float](e *convEngine, slot int, w []T, m, k, n int) weightMatrix[T] {
	wm := weightMatrix[T]{w: w, m: m, k: k}
	w32, ok := any(w).([]float32)
	if !ok || m == 0 || k == 0 {
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
