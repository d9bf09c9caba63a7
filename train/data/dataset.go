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
