package train_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/train"
	G "gorgonia.org/gorgonia"
)

// identity is a model that returns its input, for checking losses.
type identity struct{}

func (identity) Forward(_ *graph.Builder, x *G.Node) (*G.Node, error) { return x, nil }
func (identity) Params() []graph.NamedParam                           { return nil }

func TestLossesHandComputed(t *testing.T) {
	ln2 := math.Log(2)
	cases := []struct {
		name string
		loss train.Loss
		x, y []float32
		want float64
	}{
		// softmax(0, ln 3) = (1/4, 3/4): -ln(3/4)
		{"softmax-ce", train.SoftmaxCrossEntropy(), []float32{0, float32(math.Log(3))}, []float32{0, 1}, -math.Log(0.75)},
		// logits 0: ln 2 per element
		{"bce", train.BCEWithLogits(), []float32{0, 0}, []float32{1, 0}, ln2},
		{"mse", train.MSE(), []float32{1, 2}, []float32{0, 0}, 2.5},
		// p = (0.5, 0.5), t = (1, 0), smooth 1: 1 - (2·0.5 + 1)/(1 + 1 + 1)
		{"dice", train.DiceLoss(1), []float32{0, 0}, []float32{1, 0}, 1.0 / 3},
		{"bce-dice", train.BCEDiceLoss(1), []float32{0, 0}, []float32{1, 0}, ln2 + 1.0/3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ds := &memSet{xs: []int{2}, ys: []int{2}, x: [][]float32{c.x}, y: [][]float32{c.y}}
			tr := must(train.New(identity{}, silent(train.Config{Loss: c.loss})))
			logs, err := tr.Evaluate(ds)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(logs["loss"]-c.want) > 1e-6 {
				t.Fatalf("%s = %.8g, want %.8g", c.loss.Name(), logs["loss"], c.want)
			}
		})
	}
}

func TestLossShapeMismatch(t *testing.T) {
	ds := &memSet{xs: []int{2}, ys: []int{3}, x: [][]float32{{0, 1}}, y: [][]float32{{0, 0, 1}}}
	tr := must(train.New(identity{}, silent(train.Config{Loss: train.SoftmaxCrossEntropy()})))
	_, err := tr.Evaluate(ds)
	if err == nil || !errors.Is(err, graph.ErrShape) || !strings.Contains(err.Error(), "model output shape (1, 2) and target shape (1, 3) differ") {
		t.Fatalf("got %v", err)
	}
}
