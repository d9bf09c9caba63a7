package nn_test

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"gorgonia.org/tensor"
)

// dense computes x·wᵀ + b on the host from the layer's Params.
func denseRef(t *testing.T, d *nn.Dense, x [][]float64) [][]float64 {
	t.Helper()
	ps := map[string]*graph.Param{}
	for _, np := range d.Params() {
		ps[np.Name] = np.Param
	}
	w, err := graph.Float64s(ps["weight"].Value())
	if err != nil {
		t.Fatal(err)
	}
	b, err := graph.Float64s(ps["bias"].Value())
	if err != nil {
		t.Fatal(err)
	}
	out, in := len(b), len(w)/len(b)
	y := make([][]float64, len(x))
	for n := range x {
		y[n] = make([]float64, out)
		for o := 0; o < out; o++ {
			s := b[o]
			for i := 0; i < in; i++ {
				s += w[o*in+i] * x[n][i]
			}
			y[n][o] = s
		}
	}
	return y
}

func fnDense(t *testing.T, in, out int, seed int64) *nn.Dense {
	t.Helper()
	d, err := nn.NewDense(in, out, nn.WithDtype(tensor.Float64), nn.WithSeed(seed))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func rows(t *testing.T, d *tensor.Dense) [][]float64 {
	t.Helper()
	v, err := graph.Float64s(d)
	if err != nil {
		t.Fatal(err)
	}
	s := d.Shape()
	out := make([][]float64, s[0])
	for i := range out {
		out[i] = v[i*s[1] : (i+1)*s[1]]
	}
	return out
}

func closeRows(t *testing.T, what string, got, want [][]float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d", what, len(got), len(want))
	}
	for i := range got {
		if len(got[i]) != len(want[i]) {
			t.Fatalf("%s: row %d has %d values, want %d", what, i, len(got[i]), len(want[i]))
		}
		for j := range got[i] {
			if math.Abs(got[i][j]-want[i][j]) > 1e-12 {
				t.Fatalf("%s[%d][%d] = %v, want %v", what, i, j, got[i][j], want[i][j])
			}
		}
	}
}

// skipModel is x -> a -> h; h -> b -> y; out0 = h + y; out1 = c(cat(h, y)).
func skipModel(t *testing.T) (*nn.Functional, *nn.Dense, *nn.Dense, *nn.Dense) {
	t.Helper()
	a, b, c := fnDense(t, 4, 3, 1), fnDense(t, 3, 3, 2), fnDense(t, 6, 2, 3)
	x := nn.Input("x")
	h := nn.Connect("a", a, x)
	y := nn.Connect("b", b, h)
	sum := nn.Sum("sum", h, y)
	out := nn.Connect("c", c, nn.Cat("cat", h, y))
	m, err := nn.NewFunctional([]*nn.Symbol{x}, []*nn.Symbol{sum, out})
	if err != nil {
		t.Fatal(err)
	}
	// NewFunctional initialises from seed 0 like every container; put the
	// layers' own seeds back so that the host reference sees distinct weights.
	for i, d := range []*nn.Dense{a, b, c} {
		if err := nn.Initialize(d, int64(i+1)); err != nil {
			t.Fatal(err)
		}
	}
	return m, a, b, c
}

func TestFunctionalMultiOutputMatchesHost(t *testing.T) {
	m, a, b, c := skipModel(t)
	xv := [][]float64{{1, 2, 3, 4}, {-1, 0.5, 0, 2}}
	x := tensor.New(tensor.WithShape(2, 4), tensor.WithBacking([]float64{1, 2, 3, 4, -1, 0.5, 0, 2}))
	outs, err := m.Run(x)
	if err != nil {
		t.Fatal(err)
	}
	h := denseRef(t, a, xv)
	y := denseRef(t, b, h)
	sum := make([][]float64, len(h))
	cat := make([][]float64, len(h))
	for i := range h {
		for j := range h[i] {
			sum[i] = append(sum[i], h[i][j]+y[i][j])
		}
		cat[i] = append(append([]float64(nil), h[i]...), y[i]...)
	}
	closeRows(t, "sum", rows(t, outs[0]), sum)
	closeRows(t, "c(cat)", rows(t, outs[1]), denseRef(t, c, cat))

	var names []string
	for _, np := range m.Params() {
		names = append(names, np.Name)
	}
	if got, want := strings.Join(names, " "), "a.weight a.bias b.weight b.bias c.weight c.bias"; got != want {
		t.Errorf("Params = %s, want %s", got, want)
	}
	if m.NumInputs() != 1 || m.NumOutputs() != 2 {
		t.Errorf("NumInputs, NumOutputs = %d, %d; want 1, 2", m.NumInputs(), m.NumOutputs())
	}
}

func TestFunctionalIsALayer(t *testing.T) {
	a, b := fnDense(t, 4, 4, 1), fnDense(t, 4, 2, 2)
	x := nn.Input("x")
	h := nn.Connect("a", a, x)
	out := nn.Connect("b", b, nn.Sum("skip", h, x))
	m, err := nn.NewFunctional([]*nn.Symbol{x}, []*nn.Symbol{out})
	if err != nil {
		t.Fatal(err)
	}
	xv := [][]float64{{1, 2, 3, 4}, {0, -1, 2, 0.5}, {3, 3, 3, 3}}
	xt := tensor.New(tensor.WithShape(3, 4), tensor.WithBacking([]float64{1, 2, 3, 4, 0, -1, 2, 0.5, 3, 3, 3, 3}))
	got, err := nn.Predict(m, xt)
	if err != nil {
		t.Fatal(err)
	}
	hv := denseRef(t, a, xv)
	for i := range hv {
		for j := range hv[i] {
			hv[i][j] += xv[i][j]
		}
	}
	closeRows(t, "Predict", rows(t, got.(*tensor.Dense)), denseRef(t, b, hv))

	s, err := nn.Summary(m, []int{1, 4})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"a", "b", "skip"} {
		if !strings.Contains(s, want) {
			t.Errorf("Summary lacks %q:\n%s", want, s)
		}
	}
	if n := nn.NumParams(m); n != 4*4+4+4*2+2 {
		t.Errorf("NumParams = %d, want 30", n)
	}
	if n := nn.Freeze(m, "a"); n != 2 {
		t.Errorf("Freeze(a) froze %d params, want 2", n)
	}

	path := filepath.Join(t.TempDir(), "f.safetensors")
	if err := nn.SaveSafetensors(m, path); err != nil {
		t.Fatal(err)
	}
	m2, a2, b2 := func() (*nn.Functional, *nn.Dense, *nn.Dense) {
		a2, b2 := fnDense(t, 4, 4, 7), fnDense(t, 4, 2, 8)
		x := nn.Input("x")
		out := nn.Connect("b", b2, nn.Sum("skip", nn.Connect("a", a2, x), x))
		m2, err := nn.NewFunctional([]*nn.Symbol{x}, []*nn.Symbol{out})
		if err != nil {
			t.Fatal(err)
		}
		return m2, a2, b2
	}()
	_, _ = a2, b2
	if err := nn.LoadSafetensors(m2, path); err != nil {
		t.Fatal(err)
	}
	got2, err := nn.Predict(m2, xt)
	if err != nil {
		t.Fatal(err)
	}
	closeRows(t, "loaded Predict", rows(t, got2.(*tensor.Dense)), rows(t, got.(*tensor.Dense)))
}

func TestFunctionalMultiInputAndSharedLayer(t *testing.T) {
	shared := fnDense(t, 3, 3, 1)
	x1, x2 := nn.Input("left"), nn.Input("right")
	y1 := nn.Connect("enc", shared, x1)
	y2 := nn.Connect("enc_again", shared, x2) // same weights
	out := nn.Sum("sum", y1, y2)
	m, err := nn.NewFunctional([]*nn.Symbol{x1, x2}, []*nn.Symbol{out})
	if err != nil {
		t.Fatal(err)
	}
	if err := nn.Initialize(shared, 1); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, np := range m.Params() {
		names = append(names, np.Name)
	}
	if got := strings.Join(names, " "); got != "enc.weight enc.bias" {
		t.Errorf("Params = %s, want the shared layer once", got)
	}
	a := [][]float64{{1, 2, 3}}
	bv := [][]float64{{-2, 0, 5}}
	outs, err := m.Run(tensor.New(tensor.WithShape(1, 3), tensor.WithBacking([]float64{1, 2, 3})),
		tensor.New(tensor.WithShape(1, 3), tensor.WithBacking([]float64{-2, 0, 5})))
	if err != nil {
		t.Fatal(err)
	}
	ra, rb := denseRef(t, shared, a), denseRef(t, shared, bv)
	want := [][]float64{{ra[0][0] + rb[0][0], ra[0][1] + rb[0][1], ra[0][2] + rb[0][2]}}
	closeRows(t, "shared", rows(t, outs[0]), want)
	if _, err := nn.Predict(m, tensor.New(tensor.WithShape(1, 3), tensor.WithBacking([]float64{1, 2, 3}))); err == nil || !strings.Contains(err.Error(), "ForwardAll") {
		t.Errorf("Predict on a two-input model: err = %v, want one pointing to ForwardAll", err)
	}
	if _, err := m.Run(tensor.New(tensor.WithShape(1, 3), tensor.WithBacking([]float64{1, 2, 3}))); err == nil {
		t.Error("Run with one tensor for two inputs: no error")
	}
}

func TestFunctionalErrors(t *testing.T) {
	d := func() *nn.Dense { return fnDense(t, 2, 2, 1) }
	cases := []struct {
		name  string
		build func() ([]*nn.Symbol, []*nn.Symbol)
		want  string
	}{
		{"dangling input", func() ([]*nn.Symbol, []*nn.Symbol) {
			x, other := nn.Input("x"), nn.Input("other")
			return []*nn.Symbol{x}, []*nn.Symbol{nn.Sum("s", nn.Connect("a", d(), x), other)}
		}, `depends on input "other"`},
		{"duplicate name", func() ([]*nn.Symbol, []*nn.Symbol) {
			x := nn.Input("x")
			return []*nn.Symbol{x}, []*nn.Symbol{nn.Connect("a", d(), nn.Connect("a", d(), x))}
		}, `"a" is used twice`},
		{"nil layer", func() ([]*nn.Symbol, []*nn.Symbol) {
			x := nn.Input("x")
			return []*nn.Symbol{x}, []*nn.Symbol{nn.Connect("a", nil, x)}
		}, `layer "a" is nil`},
		{"dot in name", func() ([]*nn.Symbol, []*nn.Symbol) {
			x := nn.Input("x")
			return []*nn.Symbol{x}, []*nn.Symbol{nn.Connect("a.b", d(), x)}
		}, "without dots"},
		{"unused input", func() ([]*nn.Symbol, []*nn.Symbol) {
			x, y := nn.Input("x"), nn.Input("y")
			return []*nn.Symbol{x, y}, []*nn.Symbol{nn.Connect("a", d(), x)}
		}, `input 1 ("y") is not used`},
		{"output as input", func() ([]*nn.Symbol, []*nn.Symbol) {
			x := nn.Input("x")
			h := nn.Connect("a", d(), x)
			return []*nn.Symbol{h}, []*nn.Symbol{h}
		}, "not a symbol made by nn.Input"},
		{"no outputs", func() ([]*nn.Symbol, []*nn.Symbol) {
			return []*nn.Symbol{nn.Input("x")}, nil
		}, "at least one input and one output"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in, out := c.build()
			_, err := nn.NewFunctional(in, out)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestFunctionalShapeErrorNamesLayer(t *testing.T) {
	x := nn.Input("x")
	out := nn.Connect("head", fnDense(t, 5, 2, 1), nn.Connect("enc", fnDense(t, 4, 3, 1), x))
	m, err := nn.NewFunctional([]*nn.Symbol{x}, []*nn.Symbol{out})
	if err != nil {
		t.Fatal(err)
	}
	_, err = nn.Predict(m, tensor.New(tensor.WithShape(1, 4), tensor.WithBacking([]float64{1, 2, 3, 4})))
	if err == nil || !strings.Contains(err.Error(), `"head"`) {
		t.Fatalf("err = %v, want it to name layer \"head\"", err)
	}
}

func ExampleFunctional() {
	conv := func(in, out int) *nn.Conv2D {
		c, err := nn.NewConv2D(in, out, 3, nn.WithPadding(nn.Same))
		if err != nil {
			panic(err)
		}
		return c
	}
	x := nn.Input("image")
	h := nn.Connect("enc", conv(1, 4), x)
	y := nn.Connect("mid", conv(4, 4), h)
	out := nn.Connect("head", conv(8, 2), nn.Cat("skip", h, y))
	m, err := nn.NewFunctional([]*nn.Symbol{x}, []*nn.Symbol{out})
	if err != nil {
		panic(err)
	}
	for _, np := range m.Params() {
		fmt.Println(np.Name, np.Param.Shape())
	}
	// Output:
	// enc.weight (4, 1, 3, 3)
	// enc.bias (4)
	// mid.weight (4, 4, 3, 3)
	// mid.bias (4)
	// head.weight (2, 8, 3, 3)
	// head.bias (2)
}
