package data

import (
	"image"

	"github.com/convnet-go/convnet/graph"
)

// ImageSet is an in-memory classification set of 8-bit images: N images of
// shape (C, H, W) stored as bytes (a quarter of the memory of float32) and
// scaled to [0, 1] (value/255) by Get. Targets are one-hot vectors of length
// NumClasses. MNIST and Fashion-MNIST are ImageSets of shape (1, 28, 28).
//
// The pixel slice is shared, not copied: do not change it while the set is
// in use.
type ImageSet struct {
	pix     []uint8
	shape   []int
	size    int
	labels  []int32
	classes int
	scale   *[256]float32 // scale[v] = v/255, correctly rounded
}

// NewImageSet returns a classification set over pixels, which holds
// len(labels) images of shape (C, H, W) back to back. Each label must lie in
// [0, numClasses).
func NewImageSet(pixels []uint8, shape []int, labels []int, numClasses int) (*ImageSet, error) {
	if len(shape) != 3 || !validShape(shape) {
		return nil, graph.ArgErrorf("data: NewImageSet: image shape must be (C, H, W) with positive sizes, got %s",
			graph.FormatShape(shape))
	}
	if numClasses <= 0 {
		return nil, graph.ArgErrorf("data: NewImageSet: numClasses must be positive, got %d", numClasses)
	}
	size := Size(shape)
	if len(pixels) != len(labels)*size {
		return nil, graph.ShapeErrorf("data: NewImageSet: len(pixels) = %d, want %d (%d labels × image shape %s)",
			len(pixels), len(labels)*size, len(labels), graph.FormatShape(shape))
	}
	lab, err := checkLabels("NewImageSet", labels, numClasses)
	if err != nil {
		return nil, err
	}
	scale := new([256]float32)
	for v := range scale {
		scale[v] = float32(v) / 255
	}
	return &ImageSet{pix: pixels, shape: cloneShape(shape), size: size, labels: lab, classes: numClasses, scale: scale}, nil
}

// FromImages returns a classification set built from images, which must all
// have the same size. If every image is *image.Gray the set has one channel;
// otherwise three (R, G, B, alpha ignored). Pixels are converted to 8 bits.
func FromImages(imgs []image.Image, labels []int, numClasses int) (*ImageSet, error) {
	if len(imgs) == 0 {
		return nil, graph.ArgErrorf("data: FromImages: no images")
	}
	if len(imgs) != len(labels) {
		return nil, graph.ArgErrorf("data: FromImages: %d images but %d labels", len(imgs), len(labels))
	}
	b0 := imgs[0].Bounds()
	gray := true
	for i, im := range imgs {
		if im == nil {
			return nil, graph.ArgErrorf("data: FromImages: image %d is nil", i)
		}
		if b := im.Bounds(); b.Dx() != b0.Dx() || b.Dy() != b0.Dy() {
			return nil, graph.ShapeErrorf("data: FromImages: image %d is %dx%d, want %dx%d like image 0",
				i, b.Dx(), b.Dy(), b0.Dx(), b0.Dy())
		}
		if _, ok := im.(*image.Gray); !ok {
			gray = false
		}
	}
	c, h, w := 3, b0.Dy(), b0.Dx()
	if gray {
		c = 1
	}
	if h == 0 || w == 0 {
		return nil, graph.ArgErrorf("data: FromImages: images are empty (%dx%d)", w, h)
	}
	pix := make([]uint8, len(imgs)*c*h*w)
	for n, im := range imgs {
		b := im.Bounds()
		base := n * c * h * w
		for yy := 0; yy < h; yy++ {
			for xx := 0; xx < w; xx++ {
				p := yy*w + xx
				if gray {
					pix[base+p] = im.(*image.Gray).GrayAt(b.Min.X+xx, b.Min.Y+yy).Y
					continue
				}
				r, g, bl, _ := im.At(b.Min.X+xx, b.Min.Y+yy).RGBA()
				pix[base+p] = uint8(r >> 8)
				pix[base+h*w+p] = uint8(g >> 8)
				pix[base+2*h*w+p] = uint8(bl >> 8)
			}
		}
	}
	return NewImageSet(pix, []int{c, h, w}, labels, numClasses)
}

// Len is the number of images.
func (s *ImageSet) Len() int { return len(s.labels) }

// XShape is (C, H, W).
func (s *ImageSet) XShape() []int { return cloneShape(s.shape) }

// YShape is (NumClasses).
func (s *ImageSet) YShape() []int { return []int{s.classes} }

// Get writes image i scaled to [0, 1] into x and its one-hot label into y.
func (s *ImageSet) Get(i int, x, y []float32) error {
	if err := checkGet("ImageSet", s, len(s.labels), s.size, s.classes, i, x, y); err != nil {
		return err
	}
	for j, p := range s.pix[i*s.size : (i+1)*s.size] {
		x[j] = s.scale[p]
	}
	clear(y)
	y[s.labels[i]] = 1
	return nil
}

// Label is the class of image i, or -1 when i is out of range.
func (s *ImageSet) Label(i int) int {
	if i < 0 || i >= len(s.labels) {
		return -1
	}
	return int(s.labels[i])
}

// NumClasses is the number of classes.
func (s *ImageSet) NumClasses() int { return s.classes }

// Pixels returns the 8-bit pixels of image i, (C, H, W) row-major, as a
// view (not a copy; do not modify it), or nil when i is out of range.
func (s *ImageSet) Pixels(i int) []uint8 {
	if i < 0 || i >= len(s.labels) {
		return nil
	}
	return s.pix[i*s.size : (i+1)*s.size : (i+1)*s.size]
}

// Image returns image i as an *image.Gray (one channel) or *image.RGBA
// (three channels), or an error when i is out of range.
func (s *ImageSet) Image(i int) (image.Image, error) {
	if i < 0 || i >= len(s.labels) {
		return nil, graph.ArgErrorf("data: ImageSet.Image: index %d out of range [0, %d)", i, len(s.labels))
	}
	c, h, w := s.shape[0], s.shape[1], s.shape[2]
	p := s.Pixels(i)
	switch c {
	case 1:
		g := image.NewGray(image.Rect(0, 0, w, h))
		copy(g.Pix, p)
		return g, nil
	case 3:
		im := image.NewRGBA(image.Rect(0, 0, w, h))
		for k := 0; k < h*w; k++ {
			im.Pix[4*k], im.Pix[4*k+1], im.Pix[4*k+2], im.Pix[4*k+3] = p[k], p[h*w+k], p[2*h*w+k], 255
		}
		return im, nil
	}
	return nil, graph.ArgErrorf("data: ImageSet.Image: only 1 or 3 channels convert to an image, got %d", c)
}

// GrayImage converts one example x of shape (H, W) or (1, H, W), values in
// [0, 1] (clamped), to an 8-bit gray image: 0 is black, 1 white.
func GrayImage(x []float32, shape []int) (*image.Gray, error) {
	s := shape
	if len(s) == 3 && s[0] == 1 {
		s = s[1:]
	}
	if len(s) != 2 || !validShape(s) {
		return nil, graph.ShapeErrorf("data: GrayImage: shape must be (H, W) or (1, H, W), got %s", graph.FormatShape(shape))
	}
	if len(x) != s[0]*s[1] {
		return nil, graph.ShapeErrorf("data: GrayImage: len(x) = %d, want %d for shape %s", len(x), s[0]*s[1], graph.FormatShape(shape))
	}
	g := image.NewGray(image.Rect(0, 0, s[1], s[0]))
	for i, v := range x {
		g.Pix[i] = toByte(v)
	}
	return g, nil
}

// toByte maps [0, 1] to 0..255 with rounding, clamping values outside and
// mapping NaN to 0.
func toByte(v float32) uint8 {
	switch {
	case !(v > 0):
		return 0
	case v >= 1:
		return 255
	}
	return uint8(v*255 + 0.5)
}
