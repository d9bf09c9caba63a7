// Package data provides convnet's datasets: the Dataset interface, in-memory
// datasets, an IDX reader, MNIST and Fashion-MNIST, augmentation and noise
// wrappers, splits and subsets, and a segmentation set built from MNIST.
//
// # Overview
//
// A [Dataset] is a fixed-length, indexable collection of examples. Each
// example is an input x and a target y, both float32 in row-major order with
// fixed per-example shapes (XShape, YShape). Classification targets are
// one-hot vectors (YShape = (K)); segmentation targets are masks.
//
// In-memory sets are [Tensor] (float32 examples) and [ImageSet] (8-bit
// pixels scaled to [0, 1] on access). [MNIST] and [FashionMNIST] load the
// real data; [ReadIDXFile] reads any IDX file.
//
// Wrappers are Datasets too: [Normalize], [Augment] (random shifts and
// flips), [GaussianNoise] and [SaltPepper], [Autoencoder] (x = y = the
// image), [Subset] (from [NewSubset], [Split], [SplitCount], [PerClass]).
// Those that draw random numbers derive them from a seed, the epoch (see
// [EpochSetter]) and the example's index, so results do not depend on the
// order of access or on the number of goroutines. [Batcher] fills batch
// tensors for trainers.
//
// # Concurrency
//
// Get may be called from many goroutines at once on every Dataset of this
// package. SetEpoch must not run concurrently with Get.
//
// # Errors
//
// Missing files name the path looked in and how to install the data;
// corrupt or truncated files are errors, never panics. Error messages start
// with "data: " and wrap graph.ErrData (bad files), graph.ErrArg (arguments
// out of range) or graph.ErrShape (buffers or shapes that do not fit), so
// errors.Is works.
package data

// Dataset is an indexable set of examples with fixed shapes.
type Dataset interface {
	// Len is the number of examples.
	Len() int
	// XShape is the shape of one input, without the batch axis, e.g. (1, 28, 28).
	XShape() []int
	// YShape is the shape of one target, without the batch axis, e.g. (10).
	YShape() []int
	// Get copies example i into x and y, whose lengths are the products of
	// XShape and YShape.
	Get(i int, x, y []float32) error
}

// EpochSetter is implemented by datasets whose random transformations
// change from epoch to epoch; trainers call SetEpoch before each epoch.
// Wrappers forward SetEpoch to the dataset they wrap.
type EpochSetter interface {
	SetEpoch(epoch int)
}

// Labeled is implemented by classification datasets that can give the class
// index of an example without building its one-hot target.
//
// Wrappers of this package implement Labeled whatever they wrap and report
// NumClasses() == 0 (and Label(i) == -1) when the wrapped dataset has no
// labels; use [AsLabeled] to test for real labels. Label gives the class of
// the underlying example even when the wrapper's target is not one-hot (for
// example the [Autoencoder] view), so latent spaces can be coloured by class.
type Labeled interface {
	// Label is the class index of example i in [0, NumClasses()), or -1
	// when i is out of range or the dataset has no labels.
	Label(i int) int
	// NumClasses is the number of classes K, or 0 for an unlabelled set.
	NumClasses() int
}

// AsLabeled returns ds as a Labeled with at least one class, or false when
// ds has no class labels.
func AsLabeled(ds Dataset) (Labeled, bool) {
	l, ok := ds.(Labeled)
	if !ok || l.NumClasses() <= 0 {
		return nil, false
	}
	return l, true
}

// SetEpoch calls ds.SetEpoch(epoch) if ds implements [EpochSetter] and does
// nothing otherwise.
func SetEpoch(ds Dataset, epoch int) {
	if e, ok := ds.(EpochSetter); ok {
		e.SetEpoch(epoch)
	}
}

// Size is the number of scalars in one example of the given shape (the
// product of its dimensions; 1 for an empty shape).
func Size(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}
