package nn_test

import (
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestAdaptiveAvgPool2DShapes(t *testing.T) {
	cases := []struct {
		name   string
		oh, ow int
		x      []int
		want   []int
	}{
		{"alexnet-13-to-6", 6, 6, []int{2, 256, 13, 13}, []int{2, 256, 6, 6}},
		{"vgg-7-identity", 7, 7, []int{1, 512, 7, 7}, []int{1, 512, 7, 7}},
		{"vgg-1-to-7", 7, 7, []int{1, 8, 1, 1}, []int{1, 8, 7, 7}},
		{"global", 1, 1, []int{3, 4, 5, 9}, []int{3, 4, 1, 1}},
		{"rectangular", 2, 5, []int{1, 1, 9, 4}, []int{1, 1, 2, 5}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, err := nn.NewAdaptiveAvgPool2D(c.oh, c.ow)
			if err != nil {
				t.Fatal(err)
			}
			got, err := outShape(l, c.x...)
			if err != nil {
				t.Fatal(err)
			}
			if !tensor.Shape(got).Eq(tensor.Shape(c.want)) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestAdaptiveAvgPool2DLayerValues(t *testing.T) {
	l, err := nn.NewAdaptiveAvgPool2D(2, 1)
	if err != nil {
		t.Fatal(err)
	}
	// 3x2 input 1..6: rows [0,2) and [1,3) averaged over both columns
	x := tensor.New(tensor.WithShape(1, 1, 3, 2), tensor.WithBacking([]float64{1, 2, 3, 4, 5, 6}))
	y, err := nn.Predict(l, x)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := graph.Float64s(y)
	if want := []float64{2.5, 4.5}; got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestAdaptiveAvgPool2DLayerGradCheck(t *testing.T) {
	rng := graph.NewRand(3)
	for _, c := range []struct{ h, w, oh, ow int }{{5, 7, 3, 2}, {2, 3, 4, 5}, {6, 6, 3, 3}, {4, 5, 1, 1}} {
		l, err := nn.NewAdaptiveAvgPool2D(c.oh, c.ow)
		if err != nil {
			t.Fatal(err)
		}
		x := randDense(rng, tensor.Float64, 2, 3, c.h, c.w)
		rep, err := graph.CheckGradients([]*tensor.Dense{x}, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
			return l.Forward(b, xs[0])
		}, graph.GradCheckOptions{})
		if err != nil {
			t.Fatalf("%+v", err)
		}
		if !rep.OK() {
			t.Fatalf("%v:\n%s", c, rep)
		}
	}
}

func TestAdaptiveAvgPool2DDescribe(t *testing.T) {
	l, _ := nn.NewAdaptiveAvgPool2D(6, 7)
	got := l.Describe(tensor.Shape{1, 256, 13, 14}, tensor.Shape{1, 256, 6, 7})
	want := []string{
		"H2 = 6 bins over H1 = 13: bin i = [floor(i·13/6), ceil((i+1)·13/6)), 3 elements each",
		"W2 = 7 bins over W1 = 14: bin i = [floor(i·14/7), ceil((i+1)·14/7)), kernel = stride = 14/7 = 2",
		"params = 0",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	l2, _ := nn.NewAdaptiveAvgPool2D(3, 1)
	if got := l2.Describe(tensor.Shape{1, 1, 5, 1}, tensor.Shape{1, 1, 3, 1})[0]; got != "H2 = 3 bins over H1 = 5: bin i = [floor(i·5/3), ceil((i+1)·5/3)), 2 to 3 elements each" {
		t.Fatalf("got %q", got)
	}
	if s := l.String(); s != "AdaptiveAvgPool2D(output_size=(6, 7))" {
		t.Fatalf("String() = %q", s)
	}
	if l.Params() != nil {
		t.Fatal("Params must be empty")
	}
}

func TestAdaptiveAvgPool2DBadConstruction(t *testing.T) {
	for _, c := range []struct {
		name   string
		oh, ow int
		opts   []nn.Option
		want   string
	}{
		{"zero", 0, 7, nil, "nn: NewAdaptiveAvgPool2D: output size must be positive, got (0, 7)"},
		{"negative", 7, -1, nil, "nn: NewAdaptiveAvgPool2D: output size must be positive, got (7, -1)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := nn.NewAdaptiveAvgPool2D(c.oh, c.ow, c.opts...)
			if err == nil {
				t.Fatal("want an error")
			}
			checkErr(t, err, graph.ErrArg, []string{c.want})
		})
	}
}

func TestAdaptiveAvgPool2DBadInput(t *testing.T) {
	l, _ := nn.NewAdaptiveAvgPool2D(7, 7)
	b := graph.NewBuilder(graph.Eval)
	x := b.Input("x", tensor.Float32, 8, 64, 64)
	_, err := nn.Call(b, "avgpool", l, x)
	if err == nil {
		t.Fatal("want an error")
	}
	checkErr(t, err, graph.ErrShape, []string{`nn: AdaptiveAvgPool2D "avgpool": input must be rank 4 (N, C, H, W), got shape (8, 64, 64)`})
	if _, err := l.Forward(b, nil); err == nil || !strings.Contains(err.Error(), "AdaptiveAvgPool2D") {
		t.Fatalf("nil input: %v", err)
	}
}
