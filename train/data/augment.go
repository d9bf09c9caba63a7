package data

import (
	"math/rand/v2"
	"sync/atomic"

	"github.com/convnet-go/convnet/graph"
)

// AugmentOption sets one transformation of [Augment].
type AugmentOption func(*augmentConfig) error

type augmentConfig struct {
	maxShift int
	flipP    float64
}

// WithShift shifts each input by dy, dx pixels, each drawn uniformly from
// [-max, max], filling the uncovered border with zeros. It moves the last
// two axes (H, W) of every channel alike. Default: no shift. max must be in
// [0, min(H, W)).
func WithShift(max int) AugmentOption {
	return func(c *augmentConfig) error {
		if max < 0 {
			return graph.ArgErrorf("data: Augment: shift must be >= 0, got %d", max)
		}
		c.maxShift = max
		return nil
	}
}

// WithFlipH mirrors each input left-right with probability p in [0, 1].
// Default: no flip. Use it for clothes (Fashion-MNIST) and natural images,
// not for digits, whose mirror images are not digits.
func WithFlipH(p float64) AugmentOption {
	return func(c *augmentConfig) error {
		if !(p >= 0 && p <= 1) {
			return graph.ArgErrorf("data: Augment: flip probability must be in [0, 1], got %v", p)
		}
		c.flipP = p
		return nil
	}
}

// Augmented applies random geometric transformations to the inputs of a
// dataset; the targets are unchanged. Build it with [Augment].
type Augmented struct {
	wrapper
	cfg   augmentConfig
	seed  int64
	epoch atomic.Int64
	c     int
	h, w  int
}

// Augment wraps ds (inputs of shape (..., H, W)) with the random
// transformations given by opts, at least one. The random numbers of
// example i come from (seed, epoch, i) only: the same triple always gives
// the same output, whatever the order of access, and [Augmented.SetEpoch]
// changes them. Each example draws its shift (dy then dx) and then its flip.
func Augment(ds Dataset, seed int64, opts ...AugmentOption) (*Augmented, error) {
	xShape := ds.XShape()
	if len(xShape) < 2 || !validShape(xShape) {
		return nil, graph.ArgErrorf("data: Augment: input shape must be (..., H, W) with positive sizes, got %s", graph.FormatShape(xShape))
	}
	if len(opts) == 0 {
		return nil, graph.ArgErrorf("data: Augment: no transformation given (use WithShift, WithFlipH)")
	}
	var cfg augmentConfig
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	h, w := xShape[len(xShape)-2], xShape[len(xShape)-1]
	if cfg.maxShift >= min(h, w) {
		return nil, graph.ArgErrorf("data: Augment: shift %d must be less than the image size %dx%d", cfg.maxShift, h, w)
	}
	return &Augmented{wrapper: wrapper{ds}, cfg: cfg, seed: seed, c: Size(xShape) / (h * w), h: h, w: w}, nil
}

// SetEpoch selects the random numbers of epoch and forwards it to the
// wrapped dataset.
func (a *Augmented) SetEpoch(epoch int) {
	a.epoch.Store(int64(epoch))
	SetEpoch(a.inner, epoch)
}

// Get writes the transformed example i into x and y.
func (a *Augmented) Get(i int, x, y []float32) error {
	if err := a.inner.Get(i, x, y); err != nil {
		return err
	}
	src := exampleSource(saltAugment, a.seed, int(a.epoch.Load()), i)
	rng := rand.New(&src)
	var dy, dx int
	if m := a.cfg.maxShift; m > 0 {
		dy = rng.IntN(2*m+1) - m
		dx = rng.IntN(2*m+1) - m
	}
	flip := a.cfg.flipP > 0 && rng.Float64() < a.cfg.flipP
	plane := a.h * a.w
	for c := 0; c < a.c; c++ {
		p := x[c*plane : (c+1)*plane]
		if dy != 0 || dx != 0 {
			shiftPlane(p, a.h, a.w, dy, dx)
		}
		if flip {
			flipPlane(p, a.h, a.w)
		}
	}
	return nil
}

// shiftPlane moves the h×w plane p by dy rows down and dx columns right in
// place (negative values move up / left), filling with zeros:
// out[r][c] = in[r-dy][c-dx] when inside, else 0.
func shiftPlane(p []float32, h, w, dy, dx int) {
	if dy >= h || -dy >= h || dx >= w || -dx >= w {
		clear(p)
		return
	}
	// Rows: copy is a memmove, so overlapping ranges are safe.
	switch {
	case dy > 0:
		copy(p[dy*w:], p[:(h-dy)*w])
		clear(p[:dy*w])
	case dy < 0:
		copy(p, p[-dy*w:])
		clear(p[(h+dy)*w:])
	}
	if dx == 0 {
		return
	}
	for r := 0; r < h; r++ {
		row := p[r*w : (r+1)*w]
		if dx > 0 {
			copy(row[dx:], row[:w-dx])
			clear(row[:dx])
		} else {
			copy(row, row[-dx:])
			clear(row[w+dx:])
		}
	}
}

// flipPlane mirrors each row of the h×w plane p in place.
func flipPlane(p []float32, h, w int) {
	for r := 0; r < h; r++ {
		row := p[r*w : (r+1)*w]
		for i, j := 0, w-1; i < j; i, j = i+1, j-1 {
			row[i], row[j] = row[j], row[i]
		}
	}
}
