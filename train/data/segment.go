package data

import (
	"github.com/convnet-go/convnet/graph"
	"math/rand/v2"
)

// Constants of the digit segmentation set.
const (
	// SegCanvas is the height and width of a segmentation canvas.
	SegCanvas = 64
	// SegMaxDigits is the largest number of digits on one canvas.
	SegMaxDigits = 3
	// SegThreshold is the mask threshold: a canvas pixel belongs to a digit
	// when its intensity is strictly greater than SegThreshold (pixels in
	// [0, 1]); otherwise it is background.
	SegThreshold = 0.5
	// segPlaceTries is how many random positions are tried for a digit
	// before it is dropped.
	segPlaceTries = 64
	// segSourceTries is how many source images are drawn for a digit
	// slot before it is given up when they are all blank.
	segSourceTries = 8
)

// MaskKind selects the targets of a [Segmentation] set.
type MaskKind int

const (
	// ClassMask targets are one-hot per pixel over K+1 classes, shape
	// (K+1, SegCanvas, SegCanvas): class 0 is background and class d+1 is
	// source class d (for MNIST: 11 classes, digit d is class d+1).
	ClassMask MaskKind = iota
	// ForegroundMask targets are binary, shape (1, SegCanvas, SegCanvas):
	// 1 where a digit is, 0 for background.
	ForegroundMask
)

// String names the mask kind.
func (m MaskKind) String() string {
	switch m {
	case ClassMask:
		return "ClassMask"
	case ForegroundMask:
		return "ForegroundMask"
	}
	return "MaskKind(?)"
}

// Placement is one digit on a segmentation canvas: source image Source
// (class Class) with its top-left corner at (Row, Col) of the canvas.
type Placement struct {
	Source, Class, Row, Col int
}

// Segmentation is a semantic segmentation set built from labelled images
// (MNIST digits): each example is a SegCanvas×SegCanvas canvas (input shape
// (1, 64, 64)) with one to SegMaxDigits digits pasted at random positions
// whose ink boxes (the bounding boxes of the pixels > 0) do not overlap, so
// every canvas pixel comes from at most one digit and equals that digit's
// pixel. A pixel's class is its digit's class + 1 where the canvas is >
// SegThreshold, else 0 (background). Targets follow the [MaskKind].
//
// The layout is drawn at construction from (seed, example index) only, and
// Get pastes the source pixels, so a set is fully determined by its seed
// and its source. Build it with [NewSegmentation] or [MNISTSegmentation].
type Segmentation struct {
	src     Dataset
	labels  Labeled
	place   [][]Placement
	mask    MaskKind
	h, w    int
	classes int
	scratch *bufPool
}

// NewSegmentation draws n canvases from src, a labelled set of one-channel
// images (1, H, W) with H, W <= SegCanvas and pixels in [0, 1] (the mask
// threshold assumes that range: do not normalise src). Each canvas gets 1 to
// 3 digits (uniformly), each a uniformly drawn source image placed at a
// uniformly drawn position whose ink box overlaps no earlier digit's; a digit
// that finds no free place in 64 tries is dropped (the first always fits).
func NewSegmentation(src Dataset, n int, seed int64, mask MaskKind) (*Segmentation, error) {
	l, ok := AsLabeled(src)
	if !ok {
		return nil, graph.ArgErrorf("data: NewSegmentation: source dataset has no class labels")
	}
	xs := src.XShape()
	if len(xs) != 3 || xs[0] != 1 || xs[1] <= 0 || xs[2] <= 0 || xs[1] > SegCanvas || xs[2] > SegCanvas {
		return nil, graph.ShapeErrorf("data: NewSegmentation: source images must be (1, H, W) with 0 < H, W <= %d, got %s",
			SegCanvas, graph.FormatShape(xs))
	}
	if n < 0 {
		return nil, graph.ArgErrorf("data: NewSegmentation: n must be >= 0, got %d", n)
	}
	if n > 0 && src.Len() == 0 {
		return nil, graph.ArgErrorf("data: NewSegmentation: source dataset is empty")
	}
	if mask != ClassMask && mask != ForegroundMask {
		return nil, graph.ArgErrorf("data: NewSegmentation: unknown mask kind %d", int(mask))
	}
	s := &Segmentation{
		src: src, labels: l, place: make([][]Placement, n), mask: mask,
		h: xs[1], w: xs[2], classes: l.NumClasses() + 1,
		scratch: newBufPool(xs[1]*xs[2] + Size(src.YShape())),
	}
	err := parallelChunks(n, n*SegMaxDigits*s.h*s.w, func(lo, hi int) error {
		for i := lo; i < hi; i++ {
			p, err := s.layout(seed, i)
			if err != nil {
				return err
			}
			s.place[i] = p
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// box is a half-open rectangle of canvas pixels [r0, r1) × [c0, c1).
type box struct{ r0, c0, r1, c1 int }

func (a box) overlaps(b box) bool {
	return a.r0 < b.r1 && b.r0 < a.r1 && a.c0 < b.c1 && b.c0 < a.c1
}

// layout draws the digits of canvas i.
func (s *Segmentation) layout(seed int64, i int) ([]Placement, error) {
	rsrc := exampleSource(saltSegment, seed, 0, i)
	rng := rand.New(&rsrc)
	k := 1 + rng.IntN(SegMaxDigits)
	buf := s.scratch.get()
	defer s.scratch.put(buf)
	img, y := (*buf)[:s.h*s.w], (*buf)[s.h*s.w:]
	var placed []Placement
	var boxes []box
	for d := 0; d < k; d++ {
		var ink box
		src := -1
		for t := 0; t < segSourceTries; t++ {
			j := rng.IntN(s.src.Len())
			if err := s.src.Get(j, img, y); err != nil {
				return nil, err
			}
			if b, ok := inkBox(img, s.h, s.w); ok {
				src, ink = j, b
				break
			}
		}
		if src < 0 {
			continue
		}
		for t := 0; t < segPlaceTries; t++ {
			r, c := rng.IntN(SegCanvas-s.h+1), rng.IntN(SegCanvas-s.w+1)
			b := box{ink.r0 + r, ink.c0 + c, ink.r1 + r, ink.c1 + c}
			free := true
			for _, o := range boxes {
				if b.overlaps(o) {
					free = false
					break
				}
			}
			if free {
				boxes = append(boxes, b)
				placed = append(placed, Placement{Source: src, Class: s.labels.Label(src), Row: r, Col: c})
				break
			}
		}
	}
	if len(placed) == 0 {
		return nil, graph.DataErrorf("data: NewSegmentation: canvas %d: %d source images drawn were all blank", i, segSourceTries)
	}
	return placed, nil
}

// inkBox returns the bounding box of the pixels > 0 of an h×w image.
func inkBox(img []float32, h, w int) (box, bool) {
	b := box{h, w, -1, -1}
	for r := 0; r < h; r++ {
		for c, v := range img[r*w : (r+1)*w] {
			if v > 0 {
				b.r0, b.r1 = min(b.r0, r), max(b.r1, r+1)
				b.c0, b.c1 = min(b.c0, c), max(b.c1, c+1)
			}
		}
	}
	return b, b.r1 > 0
}

// MNISTSegmentation builds the digit segmentation sets from MNIST (found as
// by [MNIST](dir)): nTrain canvases from the MNIST training digits and nTest
// from the test digits, drawn with seed (the test set with
// DeriveSeed(seed, 1)), so no test canvas contains a training digit.
func MNISTSegmentation(dir string, nTrain, nTest int, seed int64, mask MaskKind) (train, test *Segmentation, err error) {
	tr, te, err := MNIST(dir)
	if err != nil {
		return nil, nil, err
	}
	if train, err = NewSegmentation(tr, nTrain, seed, mask); err != nil {
		return nil, nil, err
	}
	if test, err = NewSegmentation(te, nTest, DeriveSeed(seed, 1), mask); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// WithMask returns the same canvases with targets of kind m (sharing the
// layout).
func (s *Segmentation) WithMask(m MaskKind) (*Segmentation, error) {
	if m != ClassMask && m != ForegroundMask {
		return nil, graph.ArgErrorf("data: Segmentation.WithMask: unknown mask kind %d", int(m))
	}
	c := *s
	c.mask = m
	return &c, nil
}

// Len is the number of canvases.
func (s *Segmentation) Len() int { return len(s.place) }

// XShape is (1, SegCanvas, SegCanvas).
func (s *Segmentation) XShape() []int { return []int{1, SegCanvas, SegCanvas} }

// YShape is (NumClasses(), SegCanvas, SegCanvas) for ClassMask (11 for
// MNIST) and (1, SegCanvas, SegCanvas) for ForegroundMask.
func (s *Segmentation) YShape() []int {
	if s.mask == ForegroundMask {
		return []int{1, SegCanvas, SegCanvas}
	}
	return []int{s.classes, SegCanvas, SegCanvas}
}

// ysize is the number of scalars of one target.
func (s *Segmentation) ysize() int {
	if s.mask == ForegroundMask {
		return SegCanvas * SegCanvas
	}
	return s.classes * SegCanvas * SegCanvas
}

// NumClasses is the number of mask classes, background included: the source
// classes + 1 (11 for MNIST). It is not a [Labeled] method: a canvas has no
// single class.
func (s *Segmentation) NumClasses() int { return s.classes }

// Mask is the kind of targets.
func (s *Segmentation) Mask() MaskKind { return s.mask }

// Digits returns the digits placed on canvas i (nil when i is out of
// range).
func (s *Segmentation) Digits(i int) []Placement {
	if i < 0 || i >= len(s.place) {
		return nil
	}
	return append([]Placement(nil), s.place[i]...)
}

// render writes canvas i into x and calls set(p, class) for every pixel p
// above the threshold.
func (s *Segmentation) render(i int, x []float32, set func(p, class int)) error {
	buf := s.scratch.get()
	defer s.scratch.put(buf)
	img, y := (*buf)[:s.h*s.w], (*buf)[s.h*s.w:]
	clear(x)
	for _, pl := range s.place[i] {
		if err := s.src.Get(pl.Source, img, y); err != nil {
			return err
		}
		for r := 0; r < s.h; r++ {
			row := x[(pl.Row+r)*SegCanvas+pl.Col:]
			for c, v := range img[r*s.w : (r+1)*s.w] {
				if v == 0 {
					continue
				}
				// Ink boxes do not overlap, so this is the only digit
				// with ink here.
				row[c] = v
				if v > SegThreshold {
					set((pl.Row+r)*SegCanvas+pl.Col+c, pl.Class+1)
				}
			}
		}
	}
	return nil
}

// Get writes canvas i into x (1, 64, 64) and its mask into y.
func (s *Segmentation) Get(i int, x, y []float32) error {
	if err := checkGet("Segmentation", s, len(s.place), SegCanvas*SegCanvas, s.ysize(), i, x, y); err != nil {
		return err
	}
	const plane = SegCanvas * SegCanvas
	clear(y)
	if s.mask == ForegroundMask {
		return s.render(i, x, func(p, _ int) { y[p] = 1 })
	}
	for p := range plane {
		y[p] = 1 // background until a digit claims the pixel
	}
	return s.render(i, x, func(p, class int) {
		y[p] = 0
		y[class*plane+p] = 1
	})
}

// ClassMap writes the integer class of every pixel of canvas i into dst
// (SegCanvas·SegCanvas values, row-major): 0 for background, class+1 for a
// digit pixel (> SegThreshold).
func (s *Segmentation) ClassMap(i int, dst []uint8) error {
	const plane = SegCanvas * SegCanvas
	if i < 0 || i >= len(s.place) {
		return graph.ArgErrorf("data: Segmentation.ClassMap: index %d out of range [0, %d)", i, len(s.place))
	}
	if len(dst) != plane {
		return graph.ShapeErrorf("data: Segmentation.ClassMap: dst has length %d, want %d (%dx%d)", len(dst), plane, SegCanvas, SegCanvas)
	}
	if s.classes > 256 {
		return graph.ArgErrorf("data: Segmentation.ClassMap: %d classes do not fit in uint8", s.classes)
	}
	clear(dst)
	x := make([]float32, plane)
	return s.render(i, x, func(p, class int) { dst[p] = uint8(class) })
}
