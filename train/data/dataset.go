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
// Wrappers (augmentation, noise) are Datasets too. Those that draw random
// numbers derive them from a seed, the epoch (see [EpochSetter]) and the
// example's index, so results do not depend on the order of access or the
// number of goroutines.
//
// # Errors
//
// Missing files name the path looked in and how to install the data;
// corrupt or truncated files are errors, never panics.
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
type EpochSetter interface {
	SetEpoch(epoch int)
}

// Labeled is implemented by classification datasets that can give the class
// index of an example without building its one-hot target.
type Labeled interface {
	Label(i int) int
	NumClasses() int
}
