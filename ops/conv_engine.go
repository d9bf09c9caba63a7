package ops

// The convolution engine shared by Conv1D/2D/3D and ConvTranspose1D/2D/3D.
//
// Every convolution is treated as a 3-D one: a 1-D input (N, C, L) is
// (N, C, 1, 1, L) and a 2-D input (N, C, H, W) is (N, C, 1, H, W), which is
// the same row-major data. Per image n the work is three matrix products
// around an im2col/col2im pair, all in NCDHW without transposes:
//
//	forward          y[n]  (K, P)  = W (K, C·∏k) × col(x[n]) (C·∏k, P) + b
//	backward data    dx[n]         = col2im(Wᵀ (C·∏k, K) × dy[n] (K, P))
//	backward filter  dW    (K, C·∏k) = Σ_n dy[n] (K, P) × col(x[n])ᵀ (P, C·∏k)
//	bias             db[k]         = Σ_n Σ_p dy[n][k][p]
//
// where P = ∏out is the number of output positions. A transposed
// convolution swaps the roles: its forward is the backward-data pass, its
// input gradient is the forward pass and its filter gradient is the
// backward-filter pass with the two tensors exchanged.
//
// How each pass runs, fastest path first:
//
//   - Stride 1 with enough channels and little padding waste: no im2col;
//     one GEMM per kernel row on the zero-padded image (conv_shift.go).
//   - Small feature maps: images are grouped side by side into one wider
//     product (groupSize), so that the weight matrix is packed once per
//     group rather than once per image; im2col of small stride-1 maps goes
//     through a padded plane on the stack (im2colSmall), and their input
//     gradient is the forward convolution of dy with the flipped kernel
//     (flipBackwardData) instead of col2im's scattered additions.
//   - Otherwise im2col/col2im per image, as above.
//
// An optional bias and ReLU are applied in the pass that writes the output
// (scatterImage, compactImage, epilogue). Groups of images are processed
// in parallel, a contiguous range of groups per worker; each worker owns
// its scratch and, for the filter gradient, its own partial dW, which are
// summed in worker order at the end (so the result is deterministic for a
// given GOMAXPROCS). Scratch buffers are taken from a pool shared by all
// convolutions for the length of one call (begin/end) and reused by the
// next call: a graph of many convolutions holds the scratch of the largest
// one, not the sum over its layers, and a dropped graph's scratch is freed
// with it (scratchPool).

import (
	"runtime"
	"sync"
	"unsafe"
	"weak"

	"github.com/convnet-go/convnet/internal/gemm"
)

// convGeom is the geometry of one convolution in the "image" → "columns"
// direction: the image side has c channels and spatial size in, the
// column (output) side k channels and spatial size out. pad is the padding
// before each axis; the padding after is implied by out (positions that
// fall outside the input read zeros), which is how asymmetric padding and
// a transposed convolution's output padding are handled at no cost.
type convGeom struct {
	n, c, k int
	in      [3]int
	out     [3]int
	ker     [3]int
	stride  [3]int
	pad     [3]int
	dil     [3]int
}

func prod3(a [3]int) int { return a[0] * a[1] * a[2] }

// inSize is the number of spatial positions on the image side.
func (g *convGeom) inSize() int { return prod3(g.in) }

// outSize is P, the number of output positions (columns of col).
func (g *convGeom) outSize() int { return prod3(g.out) }

// colRows is C·∏k, the number of rows of col and columns of W.
func (g *convGeom) colRows() int { return g.c * prod3(g.ker) }

// direct reports whether col(x) is x itself: a 1×1 kernel with stride 1 and
// no padding.
func (g *convGeom) direct() bool {
	return g.ker == [3]int{1, 1, 1} && g.stride == [3]int{1, 1, 1} && g.pad == [3]int{} && g.in == g.out
}

// convEngine is the scratch of one op's convolution calls. Between calls
// it holds nothing: a call (convForward, convBackwardData,
// convBackwardFilter) takes a convScratch from convScratchPool when it
// begins and returns it when it ends, so that the scratch is shared by the
// convolutions of a graph, which a machine runs one at a time, and by
// those of other graphs. An op's calls never overlap (a graph's machine
// runs its ops in turn, and an op belongs to one graph).
type convEngine struct {
	s     *convScratch // the scratch of the running call
	keep  *convScratch // the scratch of the last call: keeps it alive while this op is
	depth int          // nesting of begin/end (flipBackwardData calls convForward)
}

// convScratch holds scratch buffers whose contents are undefined at the
// start of every call: per worker, slot 0 is the im2col matrix, slot 1 the
// partial filter gradient and slot 2 the output-side matrix of a group of
// images. They grow to the largest call that used them and are kept.
type convScratch struct {
	bufs   []any
	shared any // buffer read by all workers (repacked weights)
	flip   any // flipped weights of flipBackwardData
	// packed weight matrices of the running forward call (packWeights)
	packed []*gemm.PackedA
	// tap offsets of the running call's shiftGeom (shiftGeometry)
	shiftOuter, shiftTaps []int
	loop                  engineLoop     // the loop of convEngine.run
	loops                 [loopKinds]any // the kernels' loop values (loopOf)
	started               []bool         // per-worker flags (workerFlags)
}

// scratchPool is a last-in first-out list of the convScratch values that
// no call is using. Unlike a sync.Pool it hands the same value to calls
// that run one after the other (a sync.Pool keeps a value per processor,
// and a goroutine that waited for its workers may resume on another one,
// so every processor's value would grow in turn and be dropped at garbage
// collections): a machine running its convolutions in turn uses one value,
// grown once to the largest of them, and allocates nothing per step.
//
// The list holds weak pointers only. What keeps a value alive is the
// engines that used it last (convEngine.keep): every convolution of a live
// graph. Once the graphs (or models) that used a value are dropped, the
// garbage collector frees it and its buffers, and the list forgets it; so
// the scratch a process holds is bounded by its live graphs, as it was
// when each op kept its own, but shared among them.
type scratchPool struct {
	mu   sync.Mutex
	free []weak.Pointer[convScratch]
}

func (p *scratchPool) get() *convScratch {
	p.mu.Lock()
	defer p.mu.Unlock()
	for n := len(p.free); n > 0; n = len(p.free) {
		s := p.free[n-1].Value()
		p.free[n-1] = weak.Pointer[convScratch]{}
		p.free = p.free[:n-1]
		if s != nil {
			return s
		}
	}
	return new(convScratch)
}

func (p *scratchPool) put(s *convScratch) {
	p.mu.Lock()
	p.free = append(p.free, weak.Make(s))
	p.mu.Unlock()
}

// convScratches is the list of idle scratch shared by every convolution
// of the process: an allocation cache, safe for concurrent use, that holds
// no memory by itself (weak pointers; see scratchPool).
var convScratches scratchPool

// begin takes the engine's scratch from the pool for a call (nested calls
// share it); every begin is matched by an end.
func (e *convEngine) begin() {
	if e.depth == 0 {
		e.s = convScratches.get()
	}
	e.depth++
}

// end returns the scratch to the pool when the outermost call ends; the
// engine keeps a strong reference to it, so that it lives as long as some
// convolution that uses it does.
func (e *convEngine) end() {
	e.depth--
	if e.depth == 0 {
		e.keep = e.s
		convScratches.put(e.s)
		e.s = nil
	}
}

// scratchSet is the scratch of the running call; outside begin/end (a
// test calling a kernel directly) the engine gets a private one.
func (e *convEngine) scratchSet() *convScratch {
	if e.s == nil {
		e.s = new(convScratch)
	}
	return e.s
}

const convSlots = 3

// colTarget is the number of output positions (GEMM columns) a group of
// images should reach: per-image products of small feature maps (4x4 has
// 16 columns) are thin and re-pack the whole weight matrix for each image;
// a group of images side by side makes one wider product.
const colTarget = 512

// filterGroupMin is the number of output positions from which the filter
// gradient is computed image by image: its products reduce over the
// positions, and from about a hundred on they are deep enough by
// themselves (LeNet's 11x11 maps measured faster ungrouped).
const filterGroupMin = 100

// maxColFloats bounds a worker's im2col matrix for a group (16 MB of
// float32).
const maxColFloats = 4 << 20

// groupSize is the number of images processed side by side in one matrix
// product: enough for colTarget columns, no more than an even share of the
// batch per worker, and within maxColFloats.
func (g *convGeom) groupSize(workers int) int {
	p := max(1, g.outSize())
	gs := (colTarget + p - 1) / p
	gs = min(gs, (g.n+workers-1)/max(1, workers))
	if lim := maxColFloats / max(1, g.colRows()*p); gs > lim {
		gs = lim
	}
	return max(1, min(gs, g.n))
}

// run splits the batch into groups of gs images, spreads the groups over
// the workers and calls fn.group(worker, lo, hi) for each group [lo, hi)
// of images, a worker's groups in order. It returns the number of workers.
func (e *convEngine) run(n, gs int, fn groupBody) int {
	groups := (n + gs - 1) / gs
	procs := runtime.GOMAXPROCS(0)
	nw := min(procs, groups)
	if nw < 1 {
		return 0
	}
	s := e.scratchSet()
	if len(s.bufs) < nw*convSlots {
		s.bufs = append(s.bufs, make([]any, nw*convSlots-len(s.bufs))...)
	}
	s.loop = engineLoop{fn: fn, n: n, gs: gs, groups: groups, nw: nw}
	parallelRange(nw, 1, &s.loop)
	s.loop = engineLoop{} // drop the reference to fn
	return nw
}

// engineLoop is the loop of convEngine.run over its workers, kept in the
// scratch so that splitting it allocates nothing.
type engineLoop struct {
	fn                groupBody
	n, gs, groups, nw int
}

// Range runs workers [a, b): each its share of the groups, in order.
func (r *engineLoop) Range(a, b int) {
	for wk := a; wk < b; wk++ {
		for gi := wk * r.groups / r.nw; gi < (wk+1)*r.groups/r.nw; gi++ {
			r.fn.group(wk, gi*r.gs, min((gi+1)*r.gs, r.n))
		}
	}
}

// workers is the number of workers run will use for n images in groups of
// gs.
func convWorkers(n, gs int) int {
	return max(1, min(runtime.GOMAXPROCS(0), (n+gs-1)/gs))
}

// sharedScratch returns the engine's shared buffer, of length size.
func sharedScratch[T float](e *convEngine, size int) []T {
	sc := e.scratchSet()
	if s, ok := sc.shared.([]T); ok && cap(s) >= size {
		return s[:size]
	}
	s := make([]T, size)
	sc.shared = s
	return s
}

// transposeInto writes the transpose of a (rows × cols, row-major) into t
// (cols × rows), in cache-sized tiles, in parallel over column blocks.
func transposeInto[T float](e *convEngine, a []T, rows, cols int, t []T) {
	blocks := (cols + transposeTile - 1) / transposeTile
	reorderWeights(e, weightsLoop[T]{kind: weightsTranspose, src: a, dst: t, k: rows, c: cols}, blocks, max(1, (1<<14)/max(1, rows*transposeTile)))
}

// transposeTile is the side of transposeInto's tiles.
const transposeTile = 32

// transposeRange is column blocks [lo, hi) of transposeInto.
func transposeRange[T float](a []T, rows, cols int, t []T, lo, hi int) {
	const tile = transposeTile
	for cb := lo; cb < hi; cb++ {
		c0, c1 := cb*tile, min((cb+1)*tile, cols)
		for r0 := 0; r0 < rows; r0 += tile {
			r1 := min(r0+tile, rows)
			for c := c0; c < c1; c++ {
				dst := t[c*rows+r0 : c*rows+r1]
				for i := range dst {
					dst[i] = a[(r0+i)*cols+c]
				}
			}
		}
	}
}

// scratch returns the worker's buffer in slot, of length size, reusing it
// when it is large enough. Its contents are undefined.
func scratch[T float](e *convEngine, worker, slot, size int) []T {
	sc := e.scratchSet()
	i := worker*convSlots + slot
	if s, ok := sc.bufs[i].([]T); ok && cap(s) >= size {
		return s[:size]
	}
	s := make([]T, size)
	sc.bufs[i] = s
	return s
}

// gemmT is C = op(A)·op(B) + beta·C for either float type.
func gemmT[T float](transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	switch av := any(a).(type) {
	case []float32:
		gemm.Sgemm(transA, transB, m, n, k, 1, av, lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
	case []float64:
		gemm.Dgemm(transA, transB, m, n, k, 1, av, lda, any(b).([]float64), ldb, float64(beta), any(c).([]float64), ldc)
	}
}

// validRange returns the output positions [lo, hi) of one axis whose input
// position o·stride + off lies inside [0, in), for out outputs.
func validRange(off, stride, in, out int) (lo, hi int) {
	if off < 0 {
		lo = (-off + stride - 1) / stride
	}
	if last := in - 1 - off; last >= 0 {
		hi = last/stride + 1
	}
	hi = min(hi, out)
	lo = min(lo, hi)
	return lo, hi
}

// im2col writes the columns of one image x (c, in...) into col (C·∏k, P),
// whose rows are ld apart (ld >= P; images of a group sit side by side):
// row (c, kd, kh, kw), column (od, oh, ow) holds
// x[c][od·sd - pd + kd·dd][oh·sh - ph + kh·dh][ow·sw - pw + kw·dw], or zero
// where that lies in the padding.
func im2col[T float](g *convGeom, x, col []T, ld int) {
	if im2colInPlace(g, x, col, ld) {
		return
	}
	if !im2colSmall(g, x, col, ld) && !im2colSlices(g, x, col, ld) && !im2colTiles(g, x, col, ld) {
		im2colGeneral(g, x, col, ld)
	}
}

// im2colGeneral is im2col for any geometry: each output plane of a column
// row is written by im2colPlane.
func im2colGeneral[T float](g *convGeom, x, col []T, ld int) {
	id, ih, iw := g.in[0], g.in[1], g.in[2]
	od, oh, ow := g.out[0], g.out[1], g.out[2]
	sd, sh, sw := g.stride[0], g.stride[1], g.stride[2]
	p := od * oh * ow
	plane := oh * ow
	row := 0
	for c := 0; c < g.c; c++ {
		xc := x[c*id*ih*iw : (c+1)*id*ih*iw]
		for kd := 0; kd < g.ker[0]; kd++ {
			offD := kd*g.dil[0] - g.pad[0]
			for kh := 0; kh < g.ker[1]; kh++ {
				offH := kh*g.dil[1] - g.pad[1]
				for kw := 0; kw < g.ker[2]; kw++ {
					offW := kw*g.dil[2] - g.pad[2]
					lo, hi := validRange(offW, sw, iw, ow)
					dst := col[row*ld : row*ld+p]
					row++
					for d := 0; d < od; d++ {
						zd := d*sd + offD
						pl := dst[d*plane : (d+1)*plane]
						if zd < 0 || zd >= id {
							clear(pl)
							continue
						}
						im2colPlane(pl, xc[zd*ih*iw:(zd+1)*ih*iw], oh, ow, ih, iw, sh, sw, offH, offW, lo, hi)
					}
				}
			}
		}
	}
}

// smallRow is the output row length up to which im2col writes rows with
// plain loops: calls to memmove and memclr for a handful of elements cost
// more than the elements (4x4 and 8x8 feature maps).
const smallRow = 16

// smallPlane bounds the padded plane im2colSmall keeps on the stack.
const smallPlane = 1024

// im2colSmall is im2col for 2-D stride-1 convolutions of small feature
// maps (rows of at most smallRow outputs): it pads each channel's plane
// once into a small buffer, after which every kernel tap's output rows are
// plain slices of it, without bounds logic or zero fills. It reports false
// when g does not qualify.
func im2colSmall[T float](g *convGeom, x, col []T, ld int) bool {
	if g.in[0] != 1 || g.out[0] != 1 || g.ker[0] != 1 || g.stride[1] != 1 || g.stride[2] != 1 || g.out[2] > smallRow {
		return false
	}
	ih, iw, oh, ow := g.in[1], g.in[2], g.out[1], g.out[2]
	kh, kw, dh, dw := g.ker[1], g.ker[2], g.dil[1], g.dil[2]
	hp, wp := oh+dh*(kh-1), ow+dw*(kw-1)
	if hp*wp > smallPlane {
		return false
	}
	var buf [smallPlane]T
	pad := buf[:hp*wp]
	// columns [lo, hi) of a padded row hold the image
	// (pad may be negative: the flipped convolution of a large padding)
	lo := min(max(g.pad[2], 0), wp)
	hi := max(lo, min(wp, g.pad[2]+iw))
	p := oh * ow
	row := 0
	for c := 0; c < g.c; c++ {
		xc := x[c*ih*iw : (c+1)*ih*iw]
		// pad[r][q] = x[r - padH][q - padW], zero outside; the zeros
		// around the image stay from the first channel on
		for r := 0; r < hp; r++ {
			pr := pad[r*wp : (r+1)*wp]
			zr := r - g.pad[1]
			if zr < 0 || zr >= ih {
				if c == 0 {
					clear(pr)
				}
				continue
			}
			if c == 0 {
				clear(pr[:lo])
				clear(pr[hi:])
			}
			if lo < hi {
				copy(pr[lo:hi], xc[zr*iw+lo-g.pad[2]:])
			}
		}
		for a := 0; a < kh; a++ {
			for b := 0; b < kw; b++ {
				dst := col[row*ld : row*ld+p]
				row++
				src := pad[a*dh*wp+b*dw:]
				switch ow {
				case 4:
					for h := 0; h < oh; h++ {
						*(*[4]T)(dst[h*4:]) = [4]T(src[h*wp:])
					}
				case 8:
					for h := 0; h < oh; h++ {
						copyRow(dst[h*8:h*8+8], src[h*wp:])
					}
				default:
					for h := 0; h < oh; h++ {
						copy(dst[h*ow:(h+1)*ow], src[h*wp:])
					}
				}
			}
		}
	}
	return true
}

// im2colPlane writes one output plane pl (oh, ow) of an im2col row from
// the input plane xp (ih, iw): pl[h][o] = xp[h·sh + offH][o·sw + offW],
// zero outside the input; [lo, hi) are the o whose column is inside.
func im2colPlane[T float](pl, xp []T, oh, ow, ih, iw, sh, sw, offH, offW, lo, hi int) {
	for h := 0; h < oh; h++ {
		seg := pl[h*ow : (h+1)*ow]
		zh := h*sh + offH
		if zh < 0 || zh >= ih || lo >= hi {
			clear(seg)
			continue
		}
		src := xp[zh*iw : (zh+1)*iw]
		clear(seg[:lo])
		clear(seg[hi:])
		if sw == 1 {
			copy(seg[lo:hi], src[lo+offW:hi+offW])
			continue
		}
		z := lo*sw + offW
		for o := lo; o < hi; o++ {
			seg[o] = src[z]
			z += sw
		}
	}
}

// copyRow copies a short row without a runtime call: rows of 4 and 8 (the
// 4x4 and 8x8 maps of CIFAR networks) as moves of at most 16 bytes (a move
// of a 32-byte array compiles to a call of memmove).
func copyRow[T float](dst, src []T) {
	switch len(dst) {
	case 4:
		*(*[4]T)(dst) = [4]T(src[:4])
	case 8:
		if unsafe.Sizeof(dst[0]) == 4 {
			*(*[4]T)(dst) = [4]T(src[:4])
			*(*[4]T)(dst[4:]) = [4]T(src[4:8])
		} else {
			*(*[8]T)(dst) = [8]T(src[:8])
		}
	default:
		copy(dst, src[:len(dst)])
	}
}

// col2im adds the columns col (C·∏k, P), rows ld apart, back into one
// image x (c, in...), the adjoint of im2col. x must be initialised (zeros,
// or a bias).
func col2im[T float](g *convGeom, col, x []T, ld int) {
	id, ih, iw := g.in[0], g.in[1], g.in[2]
	od, oh, ow := g.out[0], g.out[1], g.out[2]
	sd, sh, sw := g.stride[0], g.stride[1], g.stride[2]
	p := od * oh * ow
	plane := oh * ow
	row := 0
	for c := 0; c < g.c; c++ {
		xc := x[c*id*ih*iw : (c+1)*id*ih*iw]
		for kd := 0; kd < g.ker[0]; kd++ {
			offD := kd*g.dil[0] - g.pad[0]
			for kh := 0; kh < g.ker[1]; kh++ {
				offH := kh*g.dil[1] - g.pad[1]
				for kw := 0; kw < g.ker[2]; kw++ {
					offW := kw*g.dil[2] - g.pad[2]
					lo, hi := validRange(offW, sw, iw, ow)
					src := col[row*ld : row*ld+p]
					row++
					if lo >= hi {
						continue
					}
					for d := 0; d < od; d++ {
						zd := d*sd + offD
						if zd < 0 || zd >= id {
							continue
						}
						pl := src[d*plane : (d+1)*plane]
						for h := 0; h < oh; h++ {
							zh := h*sh + offH
							if zh < 0 || zh >= ih {
								continue
							}
							seg := pl[h*ow+lo : h*ow+hi]
							if sw == 1 {
								dst := xc[(zd*ih+zh)*iw+lo+offW : (zd*ih+zh)*iw+hi+offW]
								for i, v := range seg {
									dst[i] += v
								}
								continue
							}
							dst := xc[(zd*ih+zh)*iw : (zd*ih+zh+1)*iw]
							z := lo*sw + offW
							for _, v := range seg {
								dst[z] += v
								z += sw
							}
						}
					}
				}
			}
		}
	}
}

// tiles reports whether the kernel windows tile the image exactly: on
// every axis kernel = stride, no dilation or padding and out·stride = in, so
// that every image position is in exactly one window (a transposed
// convolution with kernel 2 and stride 2). col2im then only writes.
func (g *convGeom) tiles() bool {
	for a := range 3 {
		if g.ker[a] != g.stride[a] || (g.dil[a] != 1 && g.ker[a] > 1) || g.pad[a] != 0 || g.out[a]*g.stride[a] != g.in[a] {
			return false
		}
	}
	return true
}

// col2imTiled is col2im for geometries whose windows tile the image
// (tiles): it sets x = col2im(col) + b[c] (b may be nil), then max(0, ·)
// with relu, in one pass that writes every value of x once.
func col2imTiled[T float](g *convGeom, col, x []T, ld int, b []T, relu bool) {
	ih, iw := g.in[1], g.in[2]
	od, oh, ow := g.out[0], g.out[1], g.out[2]
	sd, sh, kw := g.stride[0], g.stride[1], g.ker[2] // the W stride is kw
	row := 0
	for c := 0; c < g.c; c++ {
		xc := x[c*g.inSize() : (c+1)*g.inSize()]
		var bv T
		if b != nil {
			bv = b[c]
		}
		for kd := 0; kd < g.ker[0]; kd++ {
			for kh := 0; kh < g.ker[1]; kh++ {
				// the kw rows of this (kd, kh) interleave into each image
				// row: dst[o·kw + j] = row j's value o, written in order
				for d := 0; d < od; d++ {
					for h := 0; h < oh; h++ {
						at := (d*oh + h) * ow
						dst := xc[((d*sd+kd)*ih+h*sh+kh)*iw:][:ow*kw]
						if kw == 2 {
							s0 := col[row*ld+at : row*ld+at+ow]
							s1 := col[(row+1)*ld+at : (row+1)*ld+at+ow]
							tiledPair(dst, s0, s1, bv, relu)
							continue
						}
						for j := 0; j < kw; j++ {
							seg := col[(row+j)*ld+at : (row+j)*ld+at+ow]
							for o, v := range seg {
								v += bv
								if relu {
									v = max(v, 0)
								}
								dst[o*kw+j] = v
							}
						}
					}
				}
				row += kw
			}
		}
	}
}

// tiledPair interleaves two rows into dst: dst[2o] = s0[o] + bv,
// dst[2o+1] = s1[o] + bv, then max(0, ·) with relu.
func tiledPair[T float](dst, s0, s1 []T, bv T, relu bool) {
	dst = dst[:2*len(s0)]
	s1 = s1[:len(s0)]
	if relu {
		for o, v := range s0 {
			dst[2*o] = max(v+bv, 0)
			dst[2*o+1] = max(s1[o]+bv, 0)
		}
		return
	}
	for o, v := range s0 {
		dst[2*o] = v + bv
		dst[2*o+1] = s1[o] + bv
	}
}

// fillChannels sets each of the len(v) rows of length p of dst to v[row].
func fillChannels[T float](dst, v []T, p int) {
	for i, b := range v {
		row := dst[i*p : (i+1)*p]
		for j := range row {
			row[j] = b
		}
	}
}

// gatherImage copies image src (rows, p) into the columns [off, off+p) of
// a group matrix dst (rows, ld).
func gatherImage[T float](src []T, rows, p, ld, off int, dst []T) {
	for r := 0; r < rows; r++ {
		copy(dst[r*ld+off:r*ld+off+p], src[r*p:(r+1)*p])
	}
}

// scatterImage copies image i of a group matrix src (rows, ld), whose
// columns [off, off+p) belong to it, into dst (rows, p), adding b[r] to
// row r when b is not nil and taking max(0, ·) when relu is set.
func scatterImage[T float](src []T, rows, p, ld, off int, b []T, relu bool, dst []T) {
	for r := 0; r < rows; r++ {
		s, d := src[r*ld+off:r*ld+off+p], dst[r*p:(r+1)*p]
		var bv T
		if b != nil {
			bv = b[r]
		}
		epilogue(s, bv, relu, d)
	}
}

// epilogue writes dst = src + bv, then max(0, ·) when relu is set.
func epilogue[T float](src []T, bv T, relu bool, dst []T) {
	dst = dst[:len(src)]
	if s, ok := any(src).([]float32); ok && relu {
		gemm.BiasReLU(any(dst).([]float32), s, float32(bv)) // vectorised
		return
	}
	switch {
	case relu:
		for j, v := range src {
			dst[j] = max(v+bv, 0)
		}
	case bv != 0:
		for j, v := range src {
			dst[j] = v + bv
		}
	default:
		copy(dst, src)
	}
}

// reluInPlace sets x = max(0, x).
func reluInPlace[T float](x []T) {
	if v, ok := any(x).([]float32); ok {
		gemm.BiasReLU(v, v, 0)
		return
	}
	for i, v := range x {
		x[i] = max(v, 0)
	}
}

// convForward computes y = conv(x, w) + b: x (N, C, in...), w (K, C, k...),
// b (K) or nil, y (N, K, out...); with relu, y = max(0, conv(x, w) + b).
func convForward[T float](e *convEngine, g *convGeom, x, w, b []T, relu bool, y []T) {
	e.begin()
	defer e.end()
	if s, ok := g.shiftGeometry(e.scratchSet()); ok {
		shiftForward(e, g, &s, x, w, b, relu, y)
		return
	}
	if slabForward(e, g, x, w, b, relu, y) {
		return
	}
	p, ck := g.outSize(), g.colRows()
	xs, ys := g.c*g.inSize(), g.k*p
	direct := g.direct()
	gs := g.groupSize(runtime.GOMAXPROCS(0))
	wm := packWeights(e, 0, w, g.k, ck, gs*p)
	l := loopOf[forwardLoop[T]](e, loopForward)
	*l = forwardLoop[T]{e: e, g: *g, x: x, b: b, y: y, relu: relu, direct: direct, p: p, ck: ck, xs: xs, ys: ys, wm: wm}
	e.run(g.n, gs, l)
	*l = forwardLoop[T]{}
}

// forwardLoop is convForward's loop over groups of images.
type forwardLoop[T float] struct {
	e             *convEngine
	g             convGeom
	x, b, y       []T
	relu, direct  bool
	p, ck, xs, ys int
	wm            weightMatrix[T]
}

func (l *forwardLoop[T]) group(wk, lo, hi int) {
	e, g, x, b, y, relu, direct := l.e, &l.g, l.x, l.b, l.y, l.relu, l.direct
	p, ck, xs, ys, wm := l.p, l.ck, l.xs, l.ys, l.wm
	if hi-lo == 1 {
		n := lo
		src, yn := x[n*xs:(n+1)*xs], y[n*ys:(n+1)*ys]
		if !direct {
			col := scratch[T](e, wk, 0, ck*p)
			im2col(g, src, col, p)
			src = col
		}
		// the product overwrites yn; then one pass adds the bias and
		// applies the ReLU (rather than a bias fill, a product that
		// reads it back, and a ReLU pass)
		wm.mul(p, src, p, 0, yn, p)
		if b != nil || relu {
			for r := 0; r < g.k; r++ {
				var bv T
				if b != nil {
					bv = b[r]
				}
				row := yn[r*p : (r+1)*p]
				epilogue(row, bv, relu, row)
			}
		}
		return
	}
	cols := (hi - lo) * p
	col := scratch[T](e, wk, 0, ck*cols)
	for n := lo; n < hi; n++ {
		if direct {
			// a 1x1 kernel's columns are the image's channel rows:
			// one copy per row, no im2col
			gatherImage(x[n*xs:(n+1)*xs], ck, p, cols, (n-lo)*p, col)
			continue
		}
		im2col(g, x[n*xs:(n+1)*xs], col[(n-lo)*p:], cols)
	}
	out := scratch[T](e, wk, 2, g.k*cols)
	wm.mul(cols, col, cols, 0, out, cols)
	for n := lo; n < hi; n++ {
		scatterImage(out, g.k, p, cols, (n-lo)*p, b, relu, y[n*ys:(n+1)*ys])
	}
}

// convBackwardData computes dx = col2im(Wᵀ·dy) (+ b per channel of dx): dy
// (N, K, out...), w (K, C, k...), b (C) or nil, dx (N, C, in...); with
// relu, dx = max(0, ·). It is the input gradient of a convolution and the
// forward pass of a transposed one.
func convBackwardData[T float](e *convEngine, g *convGeom, dy, w, b []T, relu bool, dx []T) {
	e.begin()
	defer e.end()
	if s, ok := g.shiftGeometry(e.scratchSet()); ok {
		shiftBackwardData(e, g, &s, dy, w, b, relu, dx)
		return
	}
	if slabBackwardData(e, g, dy, w, b, relu, dx) {
		return
	}
	if g.flippable() {
		flipBackwardData(e, g, dy, w, b, relu, dx)
		return
	}
	p, ck := g.outSize(), g.colRows()
	xs, ys := g.c*g.inSize(), g.k*p
	direct := g.direct()
	tiled := !direct && g.tiles()
	gs := g.groupSize(runtime.GOMAXPROCS(0))
	// With many groups of images, Wᵀ (C·∏k × K) once per call spares the
	// products a transposing pack of W for every group; with few, the
	// GEMM's own (vectorised) transposing pack is cheaper.
	wt, ldw, tw := w, ck, true
	if (g.n+gs-1)/gs >= 8 {
		wt, ldw, tw = sharedScratch[T](e, ck*g.k), g.k, false
		transposeInto(e, w, g.k, ck, wt)
	}
	l := loopOf[backwardDataLoop[T]](e, loopBackwardData)
	*l = backwardDataLoop[T]{e: e, g: *g, dy: dy, b: b, dx: dx, wt: wt, relu: relu, direct: direct, tiled: tiled, tw: tw, p: p, ck: ck, xs: xs, ys: ys, ldw: ldw}
	e.run(g.n, gs, l)
	*l = backwardDataLoop[T]{}
}

// backwardDataLoop is convBackwardData's loop over groups of images.
type backwardDataLoop[T float] struct {
	e                       *convEngine
	g                       convGeom
	dy, b, dx, wt           []T
	relu, direct, tiled, tw bool
	p, ck, xs, ys, ldw      int
}

// initImage sets dxn to the bias of its channels, or to zero.
func (l *backwardDataLoop[T]) initImage(dxn []T) {
	if l.b != nil {
		fillChannels(dxn, l.b, l.g.inSize())
	} else {
		clear(dxn)
	}
}

func (l *backwardDataLoop[T]) group(wk, lo, hi int) {
	e, g, dy, b, dx, wt, relu, direct, tiled, tw := l.e, &l.g, l.dy, l.b, l.dx, l.wt, l.relu, l.direct, l.tiled, l.tw
	p, ck, xs, ys, ldw, initImage := l.p, l.ck, l.xs, l.ys, l.ldw, l.initImage
	if hi-lo == 1 {
		n := lo
		dyn, dxn := dy[n*ys:(n+1)*ys], dx[n*xs:(n+1)*xs]
		if direct {
			var beta T
			if b != nil {
				fillChannels(dxn, b, g.inSize())
				beta = 1
			}
			gemmT(tw, false, ck, p, g.k, wt, ldw, dyn, p, beta, dxn, p)
			if relu {
				reluInPlace(dxn)
			}
			return
		}
		col := scratch[T](e, wk, 0, ck*p)
		gemmT(tw, false, ck, p, g.k, wt, ldw, dyn, p, 0, col, p)
		if tiled {
			col2imTiled(g, col, dxn, p, b, relu)
			return
		}
		initImage(dxn)
		col2im(g, col, dxn, p)
		if relu {
			reluInPlace(dxn)
		}
		return
	}
	cols := (hi - lo) * p
	in := scratch[T](e, wk, 2, g.k*cols)
	for n := lo; n < hi; n++ {
		gatherImage(dy[n*ys:(n+1)*ys], g.k, p, cols, (n-lo)*p, in)
	}
	col := scratch[T](e, wk, 0, ck*cols)
	gemmT(tw, false, ck, cols, g.k, wt, ldw, in, cols, 0, col, cols)
	for n := lo; n < hi; n++ {
		dxn := dx[n*xs : (n+1)*xs]
		if direct {
			scatterImage(col, ck, p, cols, (n-lo)*p, b, relu, dxn)
			continue
		}
		if tiled {
			col2imTiled(g, col[(n-lo)*p:], dxn, cols, b, relu)
			continue
		}
		initImage(dxn)
		col2im(g, col[(n-lo)*p:], dxn, cols)
		if relu {
			reluInPlace(dxn)
		}
	}
}

// flippable reports whether the input gradient is computed as a forward
// convolution of dy with the flipped kernel (flipBackwardData): stride 1,
// 2-D, not a plain 1x1 product, and small input planes, where im2col of dy
// (copies) beats col2im's scattered additions.
func (g *convGeom) flippable() bool {
	return g.stride == [3]int{1, 1, 1} && !g.direct() && g.in[0] == 1 && g.out[0] == 1 && g.ker[0] == 1 && g.in[2] <= smallRow
}

// flipBackwardData computes convBackwardData for a stride-1 convolution as
// the forward convolution of dy (K channels) with the kernel flipped in
// space and transposed in channels, wf[c][k][t] = w[k][c][taps-1-t], and
// padding dilation·(k-1) - pad: dx[i] = Σ_t W_tᵀ·dy[i + pad - t·dilation].
func flipBackwardData[T float](e *convEngine, g *convGeom, dy, w, b []T, relu bool, dx []T) {
	taps := prod3(g.ker)
	f := convGeom{n: g.n, c: g.k, k: g.c, in: g.out, out: g.in, ker: g.ker, stride: g.stride, dil: g.dil}
	for a := range 3 {
		f.pad[a] = g.dil[a]*(g.ker[a]-1) - g.pad[a]
	}
	sc := e.scratchSet()
	wf, ok := sc.flip.([]T)
	if !ok || cap(wf) < len(w) {
		wf = make([]T, len(w))
		sc.flip = wf
	}
	wf = wf[:len(w)]
	reorderWeights(e, weightsLoop[T]{kind: weightsFlip, src: w, dst: wf, k: g.k, c: g.c, taps: taps}, g.k, max(1, (1<<15)/max(1, g.c*taps)))
	convForward(e, &f, dy, wf, b, relu, dx)
}

// convBackwardFilter computes dw = Σ_n dy[n]·col(x[n])ᵀ: dy (N, K, out...),
// x (N, C, in...), dw (K, C, k...).
func convBackwardFilter[T float](e *convEngine, g *convGeom, dy, x, dw []T) {
	e.begin()
	defer e.end()
	if s, ok := g.shiftGeometry(e.scratchSet()); ok {
		shiftBackwardFilter(e, g, &s, dy, x, dw)
		return
	}
	if slabBackwardFilter(e, g, dy, x, dw) {
		return
	}
	p, ck := g.outSize(), g.colRows()
	xs, ys := g.c*g.inSize(), g.k*p
	direct := g.direct()
	gs := g.groupSize(runtime.GOMAXPROCS(0))
	if p >= filterGroupMin {
		// the per-image products are deep enough (k = P); grouping would
		// only add the copy of dy into the group matrix
		gs = 1
	}
	l := loopOf[backwardFilterLoop[T]](e, loopBackwardFilter)
	*l = backwardFilterLoop[T]{e: e, g: *g, dy: dy, x: x, dw: dw, started: workerFlags(e, convWorkers(g.n, gs)), direct: direct, p: p, ck: ck, xs: xs, ys: ys}
	nw := e.run(g.n, gs, l)
	*l = backwardFilterLoop[T]{}
	addPartials(e, nw, dw)
}

// backwardFilterLoop is convBackwardFilter's loop over groups of images:
// worker 0 accumulates into dw, the others into their slot 1.
type backwardFilterLoop[T float] struct {
	e             *convEngine
	g             convGeom
	dy, x, dw     []T
	started       []bool // per worker: it has written its accumulator
	direct        bool
	p, ck, xs, ys int
}

func (l *backwardFilterLoop[T]) group(wk, lo, hi int) {
	e, g, dy, x, dw, started, direct := l.e, &l.g, l.dy, l.x, l.dw, l.started, l.direct
	p, ck, xs, ys := l.p, l.ck, l.xs, l.ys
	acc := dw
	if wk > 0 {
		acc = scratch[T](e, wk, 1, len(dw))
	}
	var beta T
	if started[wk] {
		beta = 1
	}
	started[wk] = true
	if hi-lo == 1 {
		n := lo
		src := x[n*xs : (n+1)*xs]
		if !direct {
			col := scratch[T](e, wk, 0, ck*p)
			im2col(g, src, col, p)
			src = col
		}
		gemmT(false, true, g.k, ck, p, dy[n*ys:(n+1)*ys], p, src, p, beta, acc, ck)
		return
	}
	cols := (hi - lo) * p
	col := scratch[T](e, wk, 0, ck*cols)
	in := scratch[T](e, wk, 2, g.k*cols)
	for n := lo; n < hi; n++ {
		im2col(g, x[n*xs:(n+1)*xs], col[(n-lo)*p:], cols)
		gatherImage(dy[n*ys:(n+1)*ys], g.k, p, cols, (n-lo)*p, in)
	}
	gemmT(false, true, g.k, ck, cols, in, cols, col, cols, beta, acc, ck)
}

// channelSums sets db[c] = Σ_n Σ_p t[n][c][p] for t (n, len(db), p),
// accumulating in float64, with l as the reused loop value.
func channelSums[T float](l *channelSumLoop[T], t []T, n, p int, db []T) {
	*l = channelSumLoop[T]{t: t, n: n, p: p, db: db}
	parallelRange(len(db), max(1, 4096/max(1, n*p)), l)
	*l = channelSumLoop[T]{}
}

// channelSumLoop is channelSums' loop over channels.
type channelSumLoop[T float] struct {
	t, db []T
	n, p  int
}

func (l *channelSumLoop[T]) Range(lo, hi int) {
	t, db, n, p, ch := l.t, l.db, l.n, l.p, len(l.db)
	for c := lo; c < hi; c++ {
		s := 0.0
		for i := 0; i < n; i++ {
			s += sum4(t[(i*ch+c)*p : (i*ch+c+1)*p])
		}
		db[c] = T(s)
	}
}

// sum4 returns Σx in float64 with four accumulators, so that the
// additions do not wait on one another.
func sum4[T float](x []T) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += float64(x[i])
		s1 += float64(x[i+1])
		s2 += float64(x[i+2])
		s3 += float64(x[i+3])
	}
	for ; i < len(x); i++ {
		s0 += float64(x[i])
	}
	return (s0 + s1) + (s2 + s3)
}
