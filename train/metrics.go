package train

import (
	"fmt"
	"math"
	"strings"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/train/data"
)

// Batch is one batch of model outputs and targets in row-major order, as
// float64, with their shapes (batch axis first). Metrics read it.
type Batch struct {
	Pred, Target           []float64
	PredShape, TargetShape []int
	// Probabilities says that Pred holds sigmoid probabilities (the model
	// ends in nn.Sigmoid) rather than logits: single-channel outputs are
	// then positive above 0.5 instead of above 0. The trainer sets it.
	Probabilities bool
}

// Metric is a quantity accumulated over the batches of an epoch (or an
// evaluation) and reset before each. The trainer logs Value under Name
// ("accuracy"; "val_accuracy" on the validation set).
//
// Conventions of the built-in metrics: class scores are laid out (N, C) or
// (N, C, spatial...) with targets one-hot (or masks) of the same shape.
// With C >= 2 the predicted class is the argmax over axis 1. With C = 1 the
// output is a logit, as losses expect (BCEWithLogits, DiceLoss): a position
// is positive when sigmoid(z) > 0.5, that is z > 0, and the target when it
// is > 0.5. When the model ends in nn.Sigmoid (Batch.Probabilities, set by
// the trainer), the output is the probability itself and a position is
// positive when it is > 0.5: the same decision either way. A NaN or infinite prediction or target is an error from Update
// (naming the metric and the example), never a score.
type Metric interface {
	// Name is the key under which the metric is logged.
	Name() string
	// Reset clears the accumulated state.
	Reset()
	// Update adds one batch.
	Update(b Batch) error
	// Value returns the metric over the batches added since Reset.
	Value() float64
}

// higherIsBetter is implemented by metrics that should go up; callbacks in
// Auto mode read it.
type higherIsBetter interface{ HigherIsBetter() bool }

// layout returns n, c and the number of spatial positions of a (N, C, ...)
// shape.
func layout(shape []int) (n, c, s int) {
	n, c, s = 1, 1, 1
	if len(shape) > 0 {
		n = shape[0]
	}
	if len(shape) > 1 {
		c = shape[1]
	}
	for _, d := range shape[min(2, len(shape)):] {
		s *= d
	}
	return
}

// checkBatch verifies that b's arrays fit their shapes and that the
// prediction and target shapes are equal.
func checkBatch(name string, b Batch) error {
	if data.Size(b.PredShape) != len(b.Pred) || data.Size(b.TargetShape) != len(b.Target) {
		return graph.ShapeErrorf("train: metric %s: data lengths %d and %d do not fit shapes %s and %s",
			name, len(b.Pred), len(b.Target), graph.FormatShape(b.PredShape), graph.FormatShape(b.TargetShape))
	}
	if len(b.PredShape) < 2 || !graph.SameShape(b.PredShape, b.TargetShape) {
		return graph.ShapeErrorf("train: metric %s: prediction and target must have the same shape (N, C, ...), got %s and %s",
			name, graph.FormatShape(b.PredShape), graph.FormatShape(b.TargetShape))
	}
	return checkFinite(name, b)
}

// checkFinite returns an error when a prediction or target of b is NaN or
// infinite: an argmax or a threshold over such values gives a number that
// looks like a score but measures nothing.
func checkFinite(name string, b Batch) error {
	for _, v := range []struct {
		what string
		x    []float64
	}{{"prediction", b.Pred}, {"target", b.Target}} {
		for i, x := range v.x {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				per := max(1, len(v.x)/max(1, b.PredShape[0]))
				return graph.ArgErrorf("train: metric %s: %s value %v at index %d (example %d of the batch); the metric is undefined for non-finite model outputs",
					name, v.what, x, i, i/per)
			}
		}
	}
	return nil
}

// classes calls fn(pred, true) with the predicted and true class of every
// position of b: argmax over axis 1 when C >= 2; for C = 1, 1 when the
// logit is > 0 (target > 0.5) and 0 otherwise.
func classes(b Batch, fn func(pred, truth int)) {
	n, c, s := layout(b.PredShape)
	if c == 1 {
		threshold := 0.0
		if b.Probabilities {
			threshold = 0.5
		}
		for i, z := range b.Pred {
			p, t := 0, 0
			if z > threshold {
				p = 1
			}
			if b.Target[i] > 0.5 {
				t = 1
			}
			fn(p, t)
		}
		return
	}
	for i := 0; i < n; i++ {
		base := i * c * s
		for j := 0; j < s; j++ {
			fn(argmax(b.Pred, base+j, c, s), argmax(b.Target, base+j, c, s))
		}
	}
}

// argmax returns the index k < c of the largest x[off+k*stride] (the first
// one on ties, as numpy and PyTorch).
func argmax(x []float64, off, c, stride int) int {
	best, bi := x[off], 0
	for k := 1; k < c; k++ {
		if v := x[off+k*stride]; v > best {
			best, bi = v, k
		}
	}
	return bi
}

// numClasses is C, or 2 for single-channel (binary) outputs.
func numClasses(shape []int) int {
	_, c, _ := layout(shape)
	if c == 1 {
		return 2
	}
	return c
}

// Accuracy is the fraction of positions whose predicted class equals the
// true class (classification accuracy for (N, K); pixel accuracy for
// segmentation outputs (N, C, H, W)).
type Accuracy struct{ correct, total int }

// NewAccuracy returns an accuracy metric, logged as "accuracy".
func NewAccuracy() *Accuracy { return &Accuracy{} }

// Name returns "accuracy".
func (a *Accuracy) Name() string { return "accuracy" }

// Reset clears the counts.
func (a *Accuracy) Reset() { a.correct, a.total = 0, 0 }

// HigherIsBetter returns true.
func (a *Accuracy) HigherIsBetter() bool { return true }

// Update counts the batch's correct positions.
func (a *Accuracy) Update(b Batch) error {
	if err := checkBatch(a.Name(), b); err != nil {
		return err
	}
	classes(b, func(p, t int) {
		if p == t {
			a.correct++
		}
		a.total++
	})
	return nil
}

// Value returns correct/total (0 before any update).
func (a *Accuracy) Value() float64 {
	if a.total == 0 {
		return 0
	}
	return float64(a.correct) / float64(a.total)
}

// TopKAccuracy is the fraction of examples whose true class is among the k
// highest scores (scores that tie with the true class's count in its
// favour). Predictions are (N, K) with one-hot targets.
type TopKAccuracy struct {
	k              int
	correct, total int
}

// NewTopKAccuracy returns a top-k accuracy metric (k >= 1), logged as
// "top<k>_accuracy".
func NewTopKAccuracy(k int) (*TopKAccuracy, error) {
	if k < 1 {
		return nil, argErrorf("NewTopKAccuracy", "k must be >= 1, got %d", k)
	}
	return &TopKAccuracy{k: k}, nil
}

// Name returns "top<k>_accuracy", such as "top5_accuracy".
func (a *TopKAccuracy) Name() string { return fmt.Sprintf("top%d_accuracy", a.k) }

// Reset clears the counts.
func (a *TopKAccuracy) Reset() { a.correct, a.total = 0, 0 }

// HigherIsBetter returns true.
func (a *TopKAccuracy) HigherIsBetter() bool { return true }

// Update counts the batch's hits.
func (a *TopKAccuracy) Update(b Batch) error {
	if err := checkBatch(a.Name(), b); err != nil {
		return err
	}
	if len(b.PredShape) != 2 {
		return graph.ShapeErrorf("train: metric %s: predictions must be (N, K), got %s", a.Name(), graph.FormatShape(b.PredShape))
	}
	n, c := b.PredShape[0], b.PredShape[1]
	for i := 0; i < n; i++ {
		row := b.Pred[i*c : (i+1)*c]
		t := argmax(b.Target, i*c, c, 1)
		greater := 0
		for _, v := range row {
			if v > row[t] {
				greater++
			}
		}
		if greater < a.k {
			a.correct++
		}
		a.total++
	}
	return nil
}

// Value returns hits/total (0 before any update).
func (a *TopKAccuracy) Value() float64 {
	if a.total == 0 {
		return 0
	}
	return float64(a.correct) / float64(a.total)
}

// ConfusionMatrix counts (true class, predicted class) pairs over every
// position. Its Value, logged as "cm_accuracy", is the accuracy (trace over
// total); Counts and String give the matrix itself. The number of classes
// is taken from the first batch (2 for single-channel outputs).
type ConfusionMatrix struct {
	k      int
	counts []int
	labels []string
}

// NewConfusionMatrix returns an empty confusion matrix. labels, if given,
// name the classes in String.
func NewConfusionMatrix(labels ...string) *ConfusionMatrix {
	return &ConfusionMatrix{labels: append([]string(nil), labels...)}
}

// Name returns "cm_accuracy".
func (m *ConfusionMatrix) Name() string { return "cm_accuracy" }

// HigherIsBetter returns true.
func (m *ConfusionMatrix) HigherIsBetter() bool { return true }

// Reset clears the counts (and forgets the number of classes).
func (m *ConfusionMatrix) Reset() { m.k, m.counts = 0, nil }

// Update adds the batch's pairs.
func (m *ConfusionMatrix) Update(b Batch) error {
	if err := checkBatch("confusion matrix", b); err != nil {
		return err
	}
	k := numClasses(b.PredShape)
	if m.counts == nil {
		m.k, m.counts = k, make([]int, k*k)
	} else if k != m.k {
		return graph.ShapeErrorf("train: metric confusion matrix: batch has %d classes, earlier batches %d", k, m.k)
	}
	classes(b, func(p, t int) { m.counts[t*m.k+p]++ })
	return nil
}

// Classes returns the number of classes (0 before any update).
func (m *ConfusionMatrix) Classes() int { return m.k }

// Counts returns the matrix as rows of true classes and columns of
// predicted classes.
func (m *ConfusionMatrix) Counts() [][]int {
	out := make([][]int, m.k)
	for t := range out {
		out[t] = append([]int(nil), m.counts[t*m.k:(t+1)*m.k]...)
	}
	return out
}

// Value returns the accuracy, trace/total (0 before any update).
func (m *ConfusionMatrix) Value() float64 {
	var diag, total int
	for t := 0; t < m.k; t++ {
		for p := 0; p < m.k; p++ {
			if t == p {
				diag += m.counts[t*m.k+p]
			}
			total += m.counts[t*m.k+p]
		}
	}
	if total == 0 {
		return 0
	}
	return float64(diag) / float64(total)
}

// String prints the matrix as a table: one row per true class, one column
// per predicted class, and each class's recall at the end of its row.
func (m *ConfusionMatrix) String() string {
	if m.k == 0 {
		return "(empty confusion matrix)"
	}
	name := func(i int) string {
		if i < len(m.labels) {
			return m.labels[i]
		}
		return fmt.Sprint(i)
	}
	w := len("true\\pred")
	for i := 0; i < m.k; i++ {
		w = max(w, len(name(i)))
		for j := 0; j < m.k; j++ {
			w = max(w, len(fmt.Sprint(m.counts[i*m.k+j])))
		}
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%*s", w, "true\\pred")
	for j := 0; j < m.k; j++ {
		fmt.Fprintf(&sb, " %*s", w, name(j))
	}
	sb.WriteString("  recall\n")
	for i := 0; i < m.k; i++ {
		fmt.Fprintf(&sb, "%*s", w, name(i))
		row := 0
		for j := 0; j < m.k; j++ {
			fmt.Fprintf(&sb, " %*d", w, m.counts[i*m.k+j])
			row += m.counts[i*m.k+j]
		}
		if row > 0 {
			fmt.Fprintf(&sb, "  %.4f\n", float64(m.counts[i*m.k+i])/float64(row))
		} else {
			sb.WriteString("       -\n")
		}
	}
	return sb.String()
}

// overlap accumulates, per class, the positions predicted as the class,
// labelled as the class, and both.
type overlap struct {
	k                 int
	binary            bool // single-channel outputs
	pred, truth, both []int
}

func (o *overlap) reset() { *o = overlap{} }

func (o *overlap) update(name string, b Batch) error {
	if err := checkBatch(name, b); err != nil {
		return err
	}
	k := numClasses(b.PredShape)
	if o.pred == nil {
		o.k, o.pred, o.truth, o.both = k, make([]int, k), make([]int, k), make([]int, k)
		_, c, _ := layout(b.PredShape)
		o.binary = c == 1
	} else if k != o.k {
		return graph.ShapeErrorf("train: metric %s: batch has %d classes, earlier batches %d", name, k, o.k)
	}
	classes(b, func(p, t int) {
		o.pred[p]++
		o.truth[t]++
		if p == t {
			o.both[p]++
		}
	})
	return nil
}

// Dice is the Dice coefficient 2·|P∩T| / (|P| + |T|) of hard predictions,
// accumulated over every position of the epoch. For single-channel
// (binary) outputs it is the Dice of the positive class; for C >= 2 it is
// the mean over the classes that occur in the predictions or the targets
// (background included). Logged as "dice".
type Dice struct{ o overlap }

// NewDice returns a Dice coefficient metric.
func NewDice() *Dice { return &Dice{} }

// Name returns "dice".
func (d *Dice) Name() string { return "dice" }

// HigherIsBetter returns true.
func (d *Dice) HigherIsBetter() bool { return true }

// Reset clears the counts.
func (d *Dice) Reset() { d.o.reset() }

// Update adds the batch.
func (d *Dice) Update(b Batch) error { return d.o.update(d.Name(), b) }

// Value returns the Dice coefficient (1 when nothing was predicted nor
// labelled positive, 0 before any update).
func (d *Dice) Value() float64 {
	if d.o.k == 0 {
		return 0
	}
	dice := func(c int) (float64, bool) {
		den := d.o.pred[c] + d.o.truth[c]
		if den == 0 {
			return 1, false
		}
		return 2 * float64(d.o.both[c]) / float64(den), true
	}
	if d.o.binary {
		v, _ := dice(1)
		return v
	}
	return meanPresent(d.o.k, dice)
}

// IoU is the intersection over union |P∩T| / |P∪T| of the positive class
// of single-channel (binary) outputs, accumulated over every position of
// the epoch. Logged as "iou".
type IoU struct{ o overlap }

// NewIoU returns a binary IoU metric.
func NewIoU() *IoU { return &IoU{} }

// Name returns "iou".
func (m *IoU) Name() string { return "iou" }

// HigherIsBetter returns true.
func (m *IoU) HigherIsBetter() bool { return true }

// Reset clears the counts.
func (m *IoU) Reset() { m.o.reset() }

// Update adds the batch; predictions must have one channel.
func (m *IoU) Update(b Batch) error {
	if _, c, _ := layout(b.PredShape); c != 1 {
		return graph.ShapeErrorf("train: metric iou: predictions must have 1 channel (binary), got shape %s; use MeanIoU for several classes",
			graph.FormatShape(b.PredShape))
	}
	return m.o.update(m.Name(), b)
}

// Value returns the IoU of the positive class (1 when nothing was
// predicted nor labelled positive, 0 before any update).
func (m *IoU) Value() float64 {
	if m.o.k == 0 {
		return 0
	}
	v, _ := iou(&m.o, 1)
	return v
}

func iou(o *overlap, c int) (float64, bool) {
	union := o.pred[c] + o.truth[c] - o.both[c]
	if union == 0 {
		return 1, false
	}
	return float64(o.both[c]) / float64(union), true
}

// MeanIoU is the mean over classes of the intersection over union, as
// Keras's MeanIoU: classes are the argmax over axis 1 (C >= 2) or
// {background, foreground} for single-channel outputs; classes absent from
// both predictions and targets are left out of the mean. Logged as
// "mean_iou".
type MeanIoU struct{ o overlap }

// NewMeanIoU returns a mean IoU metric.
func NewMeanIoU() *MeanIoU { return &MeanIoU{} }

// Name returns "mean_iou".
func (m *MeanIoU) Name() string { return "mean_iou" }

// HigherIsBetter returns true.
func (m *MeanIoU) HigherIsBetter() bool { return true }

// Reset clears the counts.
func (m *MeanIoU) Reset() { m.o.reset() }

// Update adds the batch.
func (m *MeanIoU) Update(b Batch) error { return m.o.update(m.Name(), b) }

// PerClass returns the IoU of every class (NaN for a class absent from
// both predictions and targets).
func (m *MeanIoU) PerClass() []float64 {
	out := make([]float64, m.o.k)
	for c := range out {
		v, ok := iou(&m.o, c)
		if !ok {
			v = math.NaN()
		}
		out[c] = v
	}
	return out
}

// Value returns the mean IoU (0 before any update).
func (m *MeanIoU) Value() float64 {
	if m.o.k == 0 {
		return 0
	}
	return meanPresent(m.o.k, func(c int) (float64, bool) { return iou(&m.o, c) })
}

// meanPresent averages f(c) over the classes for which f reports presence
// (1 when no class is present).
func meanPresent(k int, f func(c int) (float64, bool)) float64 {
	sum, n := 0.0, 0
	for c := 0; c < k; c++ {
		if v, ok := f(c); ok {
			sum += v
			n++
		}
	}
	if n == 0 {
		return 1
	}
	return sum / float64(n)
}

// PSNR is the peak signal-to-noise ratio in dB for images in [0, 1]:
// 10·log10(1/MSE), with the mean squared error taken over every element of
// the epoch (as torchmetrics' PeakSignalNoiseRatio with data_range 1).
// Logged as "psnr"; +Inf when the predictions are exact.
type PSNR struct {
	sse float64
	n   int
}

// NewPSNR returns a PSNR metric.
func NewPSNR() *PSNR { return &PSNR{} }

// Name returns "psnr".
func (p *PSNR) Name() string { return "psnr" }

// HigherIsBetter returns true.
func (p *PSNR) HigherIsBetter() bool { return true }

// Reset clears the sums.
func (p *PSNR) Reset() { p.sse, p.n = 0, 0 }

// Update adds the batch's squared errors.
func (p *PSNR) Update(b Batch) error {
	if data.Size(b.PredShape) != len(b.Pred) || len(b.Pred) != len(b.Target) || !graph.SameShape(b.PredShape, b.TargetShape) {
		return graph.ShapeErrorf("train: metric psnr: prediction and target must have the same shape, got %s and %s",
			graph.FormatShape(b.PredShape), graph.FormatShape(b.TargetShape))
	}
	if len(b.PredShape) > 0 {
		if err := checkFinite(p.Name(), b); err != nil {
			return err
		}
	}
	for i, v := range b.Pred {
		d := v - b.Target[i]
		p.sse += d * d
	}
	p.n += len(b.Pred)
	return nil
}

// Value returns 10·log10(1/MSE) (0 before any update).
func (p *PSNR) Value() float64 {
	if p.n == 0 {
		return 0
	}
	return 10 * math.Log10(1/(p.sse/float64(p.n)))
}
