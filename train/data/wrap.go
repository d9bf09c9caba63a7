package data

// wrapper holds the dataset a wrapper reads from and forwards the methods
// the wrapper does not change: shapes, length, labels and SetEpoch.
type wrapper struct {
	inner Dataset
}

// Len is the number of examples of the wrapped dataset.
func (w wrapper) Len() int { return w.inner.Len() }

// XShape is the input shape of the wrapped dataset.
func (w wrapper) XShape() []int { return w.inner.XShape() }

// YShape is the target shape of the wrapped dataset.
func (w wrapper) YShape() []int { return w.inner.YShape() }

// Label is the class of example i in the wrapped dataset, or -1 if it has
// no labels.
func (w wrapper) Label(i int) int { return labelOf(w.inner, i) }

// NumClasses is the wrapped dataset's number of classes, 0 if it has no
// labels.
func (w wrapper) NumClasses() int { return classesOf(w.inner) }

// Unwrap returns the wrapped dataset.
func (w wrapper) Unwrap() Dataset { return w.inner }
