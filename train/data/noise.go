package data

import (
	"math/rand/v2"
	"sync/atomic"

	"github.com/convnet-go/convnet/graph"
)

// NoiseOption configures [GaussianNoise] and [SaltPepper].
type NoiseOption func(*noiseConfig) error

type noiseConfig struct {
	lo, hi float32
	set    bool
}

// NoiseRange sets the value range [lo, hi] of the noisy inputs: Gaussian
// noise is clipped to it (default: no clipping) and salt-and-pepper noise
// uses lo as pepper and hi as salt (default 0 and 1, right for pixels in
// [0, 1]; pass the normalised values after [Normalize]).
func NoiseRange(lo, hi float32) NoiseOption {
	return func(c *noiseConfig) error {
		if !(lo < hi) {
			return graph.ArgErrorf("data: NoiseRange: want lo < hi, got [%v, %v]", lo, hi)
		}
		c.lo, c.hi, c.set = lo, hi, true
		return nil
	}
}

type noiseKind int

const (
	gaussianNoise noiseKind = iota
	saltPepperNoise
)

// Noisy adds random noise to the inputs of a dataset and leaves the targets
// as they are. Wrapped around an [Autoencoder] view it gives the examples of
// a denoising autoencoder: x the noisy image, y the clean image. Build it
// with [GaussianNoise] or [SaltPepper].
type Noisy struct {
	wrapper
	kind  noiseKind
	amt   float64
	cfg   noiseConfig
	seed  int64
	epoch atomic.Int64
}

// GaussianNoise wraps ds, adding N(0, std²) independently to every input
// scalar (then clipping to the NoiseRange, if given). The noise of example
// i depends only on (seed, epoch, i). std must be >= 0.
//
// For a denoising autoencoder: GaussianNoise(Autoencoder(ds), 0.3, seed,
// NoiseRange(0, 1)) gives x = clip(image + noise), y = image.
func GaussianNoise(ds Dataset, std float64, seed int64, opts ...NoiseOption) (*Noisy, error) {
	if !(std >= 0) {
		return nil, graph.ArgErrorf("data: GaussianNoise: std must be >= 0, got %v", std)
	}
	return newNoisy(ds, gaussianNoise, std, seed, opts)
}

// SaltPepper wraps ds, replacing each input scalar with probability p by
// pepper (the low value, 0 by default) or salt (the high value, 1 by
// default) with equal chance; see [NoiseRange]. The noise of example i
// depends only on (seed, epoch, i). p must be in [0, 1].
func SaltPepper(ds Dataset, p float64, seed int64, opts ...NoiseOption) (*Noisy, error) {
	if !(p >= 0 && p <= 1) {
		return nil, graph.ArgErrorf("data: SaltPepper: probability must be in [0, 1], got %v", p)
	}
	return newNoisy(ds, saltPepperNoise, p, seed, opts)
}

func newNoisy(ds Dataset, kind noiseKind, amt float64, seed int64, opts []NoiseOption) (*Noisy, error) {
	cfg := noiseConfig{lo: 0, hi: 1}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	return &Noisy{wrapper: wrapper{ds}, kind: kind, amt: amt, cfg: cfg, seed: seed}, nil
}

// SetEpoch selects the noise of epoch and forwards it to the wrapped
// dataset.
func (n *Noisy) SetEpoch(epoch int) {
	n.epoch.Store(int64(epoch))
	SetEpoch(n.inner, epoch)
}

// Get writes example i with noise added to x into x and y.
func (n *Noisy) Get(i int, x, y []float32) error {
	if err := n.inner.Get(i, x, y); err != nil {
		return err
	}
	epoch := int(n.epoch.Load())
	switch n.kind {
	case gaussianNoise:
		src := exampleSource(saltGaussian, n.seed, epoch, i)
		rng := rand.New(&src)
		for j, v := range x {
			v += float32(rng.NormFloat64() * n.amt)
			if n.cfg.set {
				v = min(max(v, n.cfg.lo), n.cfg.hi)
			}
			x[j] = v
		}
	case saltPepperNoise:
		src := exampleSource(saltSaltPepper, n.seed, epoch, i)
		rng := rand.New(&src)
		for j := range x {
			if u := rng.Float64(); u < n.amt {
				if u < n.amt/2 {
					x[j] = n.cfg.lo
				} else {
					x[j] = n.cfg.hi
				}
			}
		}
	}
	return nil
}

// AutoencoderView presents a dataset for autoencoders: the input is the
// wrapped dataset's input and the target is the same input (YShape =
// XShape). Build it with [Autoencoder]. Label still gives the class of the
// example (for colouring latent spaces).
type AutoencoderView struct {
	wrapper
	size    int // scalars per input (and target)
	scratch *bufPool
}

// Autoencoder returns the autoencoder view of ds: x = y = ds's input. Wrap
// it in [GaussianNoise] or [SaltPepper] for a denoising autoencoder (noisy
// x, clean y); wrap ds in [Augment] or [Normalize] first to transform both.
func Autoencoder(ds Dataset) *AutoencoderView {
	return &AutoencoderView{wrapper: wrapper{ds}, size: Size(ds.XShape()), scratch: newBufPool(Size(ds.YShape()))}
}

// YShape is the input shape: the target is the input.
func (a *AutoencoderView) YShape() []int { return a.inner.XShape() }

// Get writes the input of example i into both x and y.
func (a *AutoencoderView) Get(i int, x, y []float32) error {
	if err := checkGet("Autoencoder", a, a.inner.Len(), a.size, a.size, i, x, y); err != nil {
		return err
	}
	buf := a.scratch.get()
	defer a.scratch.put(buf)
	if err := a.inner.Get(i, x, *buf); err != nil {
		return err
	}
	copy(y, x)
	return nil
}

// SetEpoch forwards the epoch to the wrapped dataset.
func (a *AutoencoderView) SetEpoch(epoch int) { SetEpoch(a.inner, epoch) }
