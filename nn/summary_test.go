package nn_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// statLayer has a weight and a buffer, like a tiny BatchNorm: y = x·w.
type statLayer struct {
	w, stat *graph.Param
}

func newStatLayer(t *testing.T, n int) *statLayer {
	t.Helper()
	w, err := graph.NewParam(graph.Weight, tensor.Float32, tensor.Shape{n}, graph.Ones(), 0)
	if err != nil {
		t.Fatal(err)
	}
	s, err := graph.NewParam(graph.Buffer, tensor.Float32, tensor.Shape{n}, graph.Zeros(), 0)
	if err != nil {
		t.Fatal(err)
	}
	return &statLayer{w: w, stat: s}
}

func (l *statLayer) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	b.Track(l.stat, "running")
	return G.BroadcastHadamardProd(x, b.Bind(l.w, "weight"), nil, []byte{0})
}

func (l *statLayer) Params() []graph.NamedParam {
	return []graph.NamedParam{{Name: "weight", Param: l.w}, {Name: "running", Param: l.stat}}
}

func (l *statLayer) String() string { return "Stat()" }

func mustDense(t *testing.T, in, out int, opts ...nn.DenseOption) *nn.Dense {
	t.Helper()
	d, err := nn.NewDense(in, out, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func summaryLines(t *testing.T, l nn.Layer, shape ...int) []string {
	t.Helper()
	s, err := nn.Summary(l, shape)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimRight(s, "\n"), "\n")
}

// fields splits a table row into its whitespace-separated fields.
func rowFields(lines []string, prefix string) []string {
	for _, l := range lines {
		if strings.HasPrefix(l, prefix+" ") {
			return strings.Fields(l)
		}
	}
	return nil
}

func TestSummarySingleLayer(t *testing.T) {
	lines := summaryLines(t, mustDense(t, 3, 2, nn.WithBias(false)), 5, 3)
	want := []string{
		"Dense(3, 2, bias=false), input (5, 3) float32",
		"Layer    Type                     Output shape  Params",
		"======================================================",
		"(model)  Dense(3, 2, bias=false)  (5, 2)             6",
		"           params = in*out = 3*2 = 6",
		"======================================================",
		"Total params: 6",
		"Trainable params: 6",
		"Non-trainable params: 0",
		"Buffers (not parameters): 0 values in 0 tensors",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	// a layer without parameters
	lines = summaryLines(t, nn.NewTanh(), 2, 4)
	if f := rowFields(lines, "(model)"); strings.Join(f, " ") != "(model) Tanh() (2, 4) 0" {
		t.Errorf("row %q", f)
	}
}

// Nested containers: rows in call order with their paths, each weight
// counted once by the layer that owns it, containers shown with "--".
func TestSummaryNested(t *testing.T) {
	enc, err := nn.NewSequential(mustDense(t, 6, 4, nn.WithActivation(nn.NewTanh())), newStatLayer(t, 4))
	if err != nil {
		t.Fatal(err)
	}
	head := mustDense(t, 4, 2)
	model, err := nn.NewSequentialNamed(nn.Child{Name: "enc", Layer: enc}, nn.Child{Name: "act", Layer: nn.NewReLU()}, nn.Child{Name: "head", Layer: head})
	if err != nil {
		t.Fatal(err)
	}
	nn.Freeze(model, "head")
	lines := summaryLines(t, model, 3, 6)
	var paths []string
	for _, l := range lines[3:] {
		if strings.HasPrefix(l, "=") {
			break
		}
		if !strings.HasPrefix(l, " ") {
			paths = append(paths, strings.Fields(l)[0])
		}
	}
	if got := strings.Join(paths, " "); got != "enc enc.0 enc.1 act head" {
		t.Errorf("rows %q\n%s", got, strings.Join(lines, "\n"))
	}
	checks := map[string]string{
		"enc":   "enc Sequential(2 layers) (3, 4) --",
		"enc.0": "enc.0 Dense(6, 4, activation=Tanh()) (3, 4) 28",
		"enc.1": "enc.1 Stat() (3, 4) 4",
		"act":   "act ReLU() (3, 4) 0",
		"head":  "head Dense(4, 2) (3, 2) 10",
	}
	for p, want := range checks {
		if got := strings.Join(rowFields(lines, p), " "); got != want {
			t.Errorf("row %s: %q, want %q", p, got, want)
		}
	}
	// children are indented under their container
	for _, l := range lines {
		if strings.HasPrefix(l, "enc.1 ") && !strings.Contains(l, "   Stat()") {
			t.Errorf("not indented: %q", l)
		}
	}
	tail := strings.Join(lines[len(lines)-4:], "\n")
	want := "Total params: 42\nTrainable params: 32\nNon-trainable params: 10\nBuffers (not parameters): 4 values in 1 tensor"
	if tail != want {
		t.Errorf("totals\n%s\nwant\n%s", tail, want)
	}
}

// A layer applied twice (shared weights) has its parameters counted once.
func TestSummarySharedLayer(t *testing.T) {
	d := mustDense(t, 3, 3)
	model, err := nn.NewSequential(d, nn.NewTanh(), d)
	if err != nil {
		t.Fatal(err)
	}
	lines := summaryLines(t, model, 1, 3)
	if a, b := strings.Join(rowFields(lines, "0"), " "), strings.Join(rowFields(lines, "2"), " "); a != "0 Dense(3, 3) (1, 3) 12" || b != "2 Dense(3, 3) (1, 3) 0" {
		t.Errorf("rows %q and %q", a, b)
	}
	if !strings.Contains(strings.Join(lines, "\n"), "Total params: 12\n") {
		t.Errorf("summary\n%s", strings.Join(lines, "\n"))
	}
}

func TestSummaryErrors(t *testing.T) {
	model := mustDense(t, 3, 2)
	cases := []struct {
		name     string
		layer    nn.Layer
		shape    []int
		sentinel error
		msg      string
	}{
		{"nil-layer", nil, []int{1, 3}, graph.ErrArg, "layer is nil"},
		{"no-shape", model, nil, graph.ErrShape, "batch axis"},
		{"zero-dim", model, []int{0, 3}, graph.ErrShape, "(0, 3)"},
		{"wrong-features", model, []int{2, 4}, graph.ErrShape, `nn: Summary: nn: Dense: input must have 3 features`},
		{"wrong-rank", model, []int{2, 3, 1}, graph.ErrShape, "rank 2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := nn.Summary(c.layer, c.shape)
			if err == nil || !errors.Is(err, c.sentinel) || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("got %v, want %v mentioning %q", err, c.sentinel, c.msg)
			}
		})
	}
}

func TestSummaryNumbers(t *testing.T) {
	d := mustDense(t, 1000, 1000)
	lines := summaryLines(t, d, 1, 1000)
	if f := rowFields(lines, "(model)"); len(f) == 0 || f[len(f)-1] != "1,001,000" {
		t.Errorf("row %q", f)
	}
}
