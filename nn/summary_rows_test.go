package nn_test

import (
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	G "gorgonia.org/gorgonia"
)

// twoBranch is a custom layer without a String method: two convolutions
// on the same input, concatenated, then added to themselves.
type twoBranch struct{ a, b *nn.Conv2D }

func (t *twoBranch) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	ya, err := nn.Call(b, "a", t.a, x)
	if err != nil {
		return nil, err
	}
	yb, err := nn.Call(b, "b", t.b, x)
	if err != nil {
		return nil, err
	}
	y, err := nn.Concat(b, ya, yb)
	if err != nil {
		return nil, err
	}
	return nn.Add(b, y, y)
}
func (t *twoBranch) Params() []graph.NamedParam {
	return nn.ChildParams(nn.Child{Name: "a", Layer: t.a}, nn.Child{Name: "b", Layer: t.b})
}

// A custom layer without a String method is printed by its type name (not
// as a raw struct); Concat and Add get rows of their own.
func TestSummaryCustomLayerAndMerges(t *testing.T) {
	a, _ := nn.NewConv2D(1, 2, 3, nn.WithPadding(nn.Same))
	b, _ := nn.NewConv2D(1, 3, 3, nn.WithPadding(nn.Same))
	inner := &twoBranch{a, b}
	model, err := nn.NewSequentialNamed(nn.Child{Name: "branches", Layer: inner})
	if err != nil {
		t.Fatal(err)
	}
	s, err := nn.Summary(model, []int{1, 1, 4, 4})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(s, "&{") || strings.Contains(s, "0x") {
		t.Errorf("summary prints a raw struct:\n%s", s)
	}
	var rows []string // each line with its runs of spaces collapsed
	for _, line := range strings.Split(s, "\n") {
		rows = append(rows, strings.Join(strings.Fields(line), " "))
	}
	flat := strings.Join(rows, "\n")
	for _, want := range []string{
		"\nbranches twoBranch (1, 5, 4, 4) --\n",
		"\nbranches.a Conv2D(1, 2, kernel=3, padding=same) (1, 2, 4, 4) 20\n",
		"\nbranches.concat Concat((1, 2, 4, 4), (1, 3, 4, 4)) (1, 5, 4, 4) 0\n",
		"\nbranches.add Add((1, 5, 4, 4), (1, 5, 4, 4)) (1, 5, 4, 4) 0\n",
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
	s2, err := nn.Summary(inner, []int{1, 1, 4, 4})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s2, "twoBranch, input (1, 1, 4, 4) float32") {
		t.Errorf("title line of a model without String: %q", strings.SplitN(s2, "\n", 2)[0])
	}
}
