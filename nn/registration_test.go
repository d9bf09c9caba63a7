package nn_test

import (
	"errors"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// forgetful lists only its first Dense in Params(): the second one's
// weights would be trained but neither counted nor saved.
type forgetful struct{ a, b *nn.Dense }

func (f *forgetful) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	y, err := nn.Call(b, "a", f.a, x)
	if err != nil {
		return nil, err
	}
	return nn.Call(b, "b", f.b, y)
}
func (f *forgetful) Params() []graph.NamedParam {
	return nn.ChildParams(nn.Child{Name: "a", Layer: f.a})
}

// Binding a Param that the model's Params() does not list is an error
// naming it, from every function that builds a model graph.
func TestUnlistedParamIsError(t *testing.T) {
	a, _ := nn.NewDense(4, 3)
	b, _ := nn.NewDense(3, 2)
	m := &forgetful{a, b}
	x := tensor.New(tensor.WithShape(2, 4), tensor.WithBacking(make([]float32, 8)))
	check := func(what string, err error) {
		t.Helper()
		if err == nil {
			t.Fatalf("%s: no error for Params left out of Params()", what)
		}
		for _, want := range []string{`"b.weight" (weight (2, 3))`, `"b.bias" (weight (2))`, "does not list", "neither counted nor saved"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %q does not mention %s", what, err, want)
			}
		}
		if !errors.Is(err, graph.ErrArg) {
			t.Errorf("%s: error does not wrap ErrArg", what)
		}
	}
	_, err := nn.Predict(m, x)
	check("Predict", err)
	_, err = nn.Summary(m, []int{2, 4})
	check("Summary", err)
	// Listing the child fixes it.
	fixed := &remembering{forgetful{a, b}}
	if _, err := nn.Predict(fixed, x); err != nil {
		t.Fatal(err)
	}
}

type remembering struct{ forgetful }

func (r *remembering) Params() []graph.NamedParam {
	return nn.ChildParams(nn.Child{Name: "a", Layer: r.a}, nn.Child{Name: "b", Layer: r.b})
}

// direct is a custom layer that calls its children's Forward directly (no
// nn.Call) and registers them as "enc" and "head", and a block that calls
// its own child through nn.Call under a name ("x") other than the one it
// registers ("conv").
type direct struct {
	enc  *block
	head *nn.Dense
}

type block struct{ conv *nn.Conv2D }

func (k *block) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	return nn.Call(b, "x", k.conv, x)
}
func (k *block) Params() []graph.NamedParam {
	return nn.ChildParams(nn.Child{Name: "conv", Layer: k.conv})
}

func (d *direct) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	y, err := d.enc.Forward(b, x)
	if err != nil {
		return nil, err
	}
	y, err = G.Reshape(y, []int{y.Shape()[0], y.Shape().TotalSize() / y.Shape()[0]})
	if err != nil {
		return nil, err
	}
	return d.head.Forward(b, y)
}
func (d *direct) Params() []graph.NamedParam {
	return nn.ChildParams(nn.Child{Name: "enc", Layer: d.enc}, nn.Child{Name: "head", Layer: d.head})
}

func newDirect(t *testing.T) *direct {
	conv, err := nn.NewConv2D(1, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	head, err := nn.NewDense(2*2*2, 3)
	if err != nil {
		t.Fatal(err)
	}
	return &direct{enc: &block{conv}, head: head}
}

// Saved names, graph names and error paths come from one registration (the
// model's Params()): a custom layer that calls child.Forward directly, or
// calls a child under another name than it registers, gets graph nodes and
// Bindings named exactly as SaveSafetensors names the weights, and errors
// that name the registered path.
func TestNamesComeFromRegistration(t *testing.T) {
	m := newDirect(t)
	b := graph.NewBuilder(graph.Eval)
	x := b.Input("input", tensor.Float32, 1, 1, 4, 4)
	if _, err := nn.Apply(b, m, x); err != nil {
		t.Fatal(err)
	}
	var saved, bound, nodes []string
	for _, np := range nn.NamedParams(m) {
		saved = append(saved, np.Name)
	}
	for _, bd := range b.Bindings() {
		bound = append(bound, bd.Name)
		nodes = append(nodes, bd.Node.Name())
	}
	sort.Strings(saved)
	sort.Strings(bound)
	sort.Strings(nodes)
	want := "[enc.conv.bias enc.conv.weight head.bias head.weight]"
	for what, got := range map[string][]string{"saved": saved, "bound": bound, "node": nodes} {
		if s := strings.Join(got, " "); "["+s+"]" != want {
			t.Errorf("%s names %v, want %s", what, got, want)
		}
	}
	// The names in a saved file load back into a fresh model.
	path := filepath.Join(t.TempDir(), "direct.safetensors")
	if err := nn.SaveSafetensors(m, path); err != nil {
		t.Fatal(err)
	}
	if err := nn.LoadSafetensors(newDirect(t), path); err != nil {
		t.Fatal(err)
	}
	// The error of the conv inside names its registered path "enc.conv",
	// although the block called it "x" and the model skipped nn.Call.
	_, err := nn.Predict(m, tensor.New(tensor.WithShape(1, 3, 4, 4), tensor.WithBacking(make([]float32, 48))))
	if err == nil || !strings.Contains(err.Error(), `Conv2D "enc.conv"`) {
		t.Fatalf("got %v, want an error naming Conv2D \"enc.conv\"", err)
	}
}
