package train_test

import (
	"errors"
	"math"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/train"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-12 }

// Three examples, three classes: predicted 1, 0, 2; true 1, 0, 1.
var cls = train.Batch{
	Pred:        []float64{0.1, 0.7, 0.2, 2, 1, 0, 0, 0, 5},
	Target:      []float64{0, 1, 0, 1, 0, 0, 0, 1, 0},
	PredShape:   []int{3, 3},
	TargetShape: []int{3, 3},
}

// One 2×2 two-class map: predicted classes [[0,1],[1,1]], true [[0,1],[0,1]].
var seg = train.Batch{
	Pred:        []float64{5, -1, -1, -2 /* class 0 */, 0, 1, 2, 3 /* class 1 */},
	Target:      []float64{1, 0, 1, 0, 0, 1, 0, 1},
	PredShape:   []int{1, 2, 2, 2},
	TargetShape: []int{1, 2, 2, 2},
}

// The same map as one channel of logits: positive where z > 0.
var bin = train.Batch{
	Pred:        []float64{-1, 1, 1, 1},
	Target:      []float64{0, 1, 0, 1},
	PredShape:   []int{1, 1, 2, 2},
	TargetShape: []int{1, 1, 2, 2},
}

func update(t *testing.T, m train.Metric, bs ...train.Batch) float64 {
	t.Helper()
	m.Reset()
	for _, b := range bs {
		if err := m.Update(b); err != nil {
			t.Fatal(err)
		}
	}
	return m.Value()
}

func TestMetricsHandMade(t *testing.T) {
	binCls := train.Batch{Pred: []float64{-1, 2, 0.5, -3}, Target: []float64{0, 1, 0, 0}, PredShape: []int{4, 1}, TargetShape: []int{4, 1}}
	cases := []struct {
		name   string
		metric train.Metric
		batch  []train.Batch
		want   float64
	}{
		{"accuracy", train.NewAccuracy(), []train.Batch{cls}, 2.0 / 3},
		{"accuracy-two-batches", train.NewAccuracy(), []train.Batch{cls, binCls}, 5.0 / 7},
		{"accuracy-binary-logits", train.NewAccuracy(), []train.Batch{binCls}, 0.75},
		{"accuracy-pixels", train.NewAccuracy(), []train.Batch{seg}, 0.75},
		{"top1", must(train.NewTopKAccuracy(1)), []train.Batch{cls}, 2.0 / 3},
		{"top2", must(train.NewTopKAccuracy(2)), []train.Batch{cls}, 1},
		// the true class has the lowest score: a top-2 miss
		{"top2-miss", must(train.NewTopKAccuracy(2)), []train.Batch{{Pred: []float64{0.1, 0.7, 0.2}, Target: []float64{1, 0, 0}, PredShape: []int{1, 3}, TargetShape: []int{1, 3}}}, 0},
		{"top3", must(train.NewTopKAccuracy(3)), []train.Batch{cls}, 1},
		{"confusion-accuracy", train.NewConfusionMatrix(), []train.Batch{cls}, 2.0 / 3},
		// class 0: 2·1/(1+2); class 1: 2·2/(3+2)
		{"dice-multiclass", train.NewDice(), []train.Batch{seg}, (2.0/3 + 0.8) / 2},
		{"dice-binary", train.NewDice(), []train.Batch{bin}, 0.8},
		{"iou-binary", train.NewIoU(), []train.Batch{bin}, 2.0 / 3},
		// class 0: 1/(1+2-1); class 1: 2/(3+2-2)
		{"mean-iou", train.NewMeanIoU(), []train.Batch{seg}, (0.5 + 2.0/3) / 2},
		{"mean-iou-binary", train.NewMeanIoU(), []train.Batch{bin}, (0.5 + 2.0/3) / 2},
		// MSE 0.01 -> 20 dB
		{"psnr", train.NewPSNR(), []train.Batch{{Pred: []float64{0.5, 0.5}, Target: []float64{0.6, 0.4}, PredShape: []int{1, 2}, TargetShape: []int{1, 2}}}, 20},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := update(t, c.metric, c.batch...); math.Abs(got-c.want) > 1e-9 {
				t.Fatalf("%s = %.12g, want %.12g", c.metric.Name(), got, c.want)
			}
			c.metric.Reset()
			if v := c.metric.Value(); v != 0 {
				t.Fatalf("after Reset: %g, want 0", v)
			}
		})
	}
}

func TestConfusionMatrixTable(t *testing.T) {
	cm := train.NewConfusionMatrix("cat", "dog", "eel")
	update(t, cm, cls)
	want := [][]int{{1, 0, 0}, {0, 1, 1}, {0, 0, 0}}
	got := cm.Counts()
	for i := range want {
		for j := range want[i] {
			if got[i][j] != want[i][j] {
				t.Fatalf("Counts() = %v, want %v", got, want)
			}
		}
	}
	const table = "true\\pred       cat       dog       eel  recall\n" +
		"      cat         1         0         0  1.0000\n" +
		"      dog         0         1         1  0.5000\n" +
		"      eel         0         0         0       -\n"
	if s := cm.String(); s != table {
		t.Fatalf("String() =\n%s\nwant\n%s", s, table)
	}
}

func TestMeanIoUPerClass(t *testing.T) {
	m := train.NewMeanIoU()
	update(t, m, train.Batch{Pred: []float64{1, 0, 0, 0, 1, 0}, Target: []float64{1, 0, 0, 0, 1, 0}, PredShape: []int{2, 3}, TargetShape: []int{2, 3}})
	pc := m.PerClass()
	if !near(pc[0], 1) || !near(pc[1], 1) || !math.IsNaN(pc[2]) {
		t.Fatalf("PerClass() = %v, want [1 1 NaN]", pc)
	}
	if m.Value() != 1 {
		t.Fatalf("mean IoU over present classes = %g, want 1", m.Value())
	}
}

func TestMetricErrors(t *testing.T) {
	mismatch := train.Batch{Pred: []float64{1, 2}, Target: []float64{1, 2, 3}, PredShape: []int{1, 2}, TargetShape: []int{1, 3}}
	for _, m := range []train.Metric{train.NewAccuracy(), must(train.NewTopKAccuracy(1)), train.NewConfusionMatrix(), train.NewDice(), train.NewMeanIoU(), train.NewPSNR()} {
		if err := m.Update(mismatch); err == nil || !errors.Is(err, graph.ErrShape) {
			t.Errorf("%s: mismatched shapes: got %v", m.Name(), err)
		}
	}
	if err := train.NewIoU().Update(seg); err == nil {
		t.Error("IoU accepted a 2-channel map")
	}
	if err := must(train.NewTopKAccuracy(1)).Update(seg); err == nil {
		t.Error("top-k accepted a rank-4 map")
	}
	if _, err := train.NewTopKAccuracy(0); err == nil {
		t.Error("k = 0 accepted")
	}
	cm := train.NewConfusionMatrix()
	update(t, cm, cls)
	if err := cm.Update(seg); err == nil {
		t.Error("confusion matrix accepted a batch with another number of classes")
	}
}
