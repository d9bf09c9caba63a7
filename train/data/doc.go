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
