package nn_test

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func denseBlock(t *testing.T, in, out int) nn.Layer {
	t.Helper()
	d, err := nn.NewDense(in, out, nn.WithDtype(tensor.Float64), nn.WithActivation(nn.NewTanh()), nn.WithSeed(1))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestResidualIdentityShortcut(t *testing.T) {
	body := denseBlock(t, 4, 4)
	r, err := nn.NewResidual(body, nil)
	if err != nil {
		t.Fatal(err)
	}
	x := randDense(graph.NewRand(91), tensor.Float64, 3, 4)
	got, err := nn.Predict(r, x)
	if err != nil {
		t.Fatal(err)
	}
	bodyOut, err := nn.Predict(body, x)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range got.Data().([]float64) {
		want := bodyOut.Data().([]float64)[i] + x.Float64s()[i]
		if math.Abs(v-want) > 1e-12 {
			t.Fatalf("element %d: %v, want body+x = %v", i, v, want)
		}
	}
	var names []string
	for _, np := range nn.NamedParams(r) {
		names = append(names, np.Name)
	}
	if strings.Join(names, " ") != "body.weight body.bias" {
		t.Fatalf("params %v", names)
	}
}

func TestResidualProjectionShortcut(t *testing.T) {
	body, short := denseBlock(t, 4, 6), denseBlock(t, 4, 6)
	r, err := nn.NewResidual(body, short)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, np := range nn.NamedParams(r) {
		names = append(names, np.Name)
	}
	if strings.Join(names, " ") != "body.weight body.bias shortcut.weight shortcut.bias" {
		t.Fatalf("params %v", names)
	}
	if len(r.Children()) != 2 || nn.NumParams(r) != 2*(4*6+6) {
		t.Fatalf("children %d, params %d", len(r.Children()), nn.NumParams(r))
	}
	x := randDense(graph.NewRand(92), tensor.Float64, 2, 4)
	rep, err := graph.CheckGradients([]*tensor.Dense{x}, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
		return r.Forward(b, xs[0])
	}, graph.GradCheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || len(rep.Results) != 5 {
		t.Fatalf("gradient check:\n%s", rep)
	}
	// the Params bound inside the block get scoped names
	b := graph.NewBuilder(graph.Train)
	if _, err := nn.Call(b, "block1", r, b.Input("x", tensor.Float64, 2, 4)); err != nil {
		t.Fatal(err)
	}
	bound := map[string]bool{}
	for _, bd := range b.Bindings() {
		bound[bd.Name] = true
	}
	if len(bound) != 4 || !bound["block1.body.weight"] || !bound["block1.shortcut.bias"] {
		t.Fatalf("bindings %v", b.Bindings())
	}
}

// A residual block with BatchNorm: the running statistics of a training
// graph are updated and the identity path passes the gradient through.
func TestResidualGradCheckWithBatchNorm(t *testing.T) {
	bn, err := nn.NewBatchNorm1D(3, nn.WithDtype(tensor.Float64))
	if err != nil {
		t.Fatal(err)
	}
	body, err := nn.NewSequential(denseBlock(t, 3, 3), bn)
	if err != nil {
		t.Fatal(err)
	}
	r, err := nn.NewResidual(body, nil)
	if err != nil {
		t.Fatal(err)
	}
	x := randDense(graph.NewRand(93), tensor.Float64, 5, 3)
	for _, mode := range []graph.Mode{graph.Train, graph.Eval} {
		rep, err := graph.CheckGradients([]*tensor.Dense{x}, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
			return r.Forward(b, xs[0])
		}, graph.GradCheckOptions{Mode: mode})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK() || len(rep.Results) != 5 {
			t.Fatalf("%v:\n%s", mode, rep)
		}
	}
}

func TestFunctionalAddConcat(t *testing.T) {
	b := graph.NewBuilder(graph.Eval)
	x1 := b.InputValue("x1", tensor.New(tensor.WithShape(1, 1, 1, 2), tensor.WithBacking([]float32{1, 2})))
	x2 := b.InputValue("x2", tensor.New(tensor.WithShape(1, 2, 1, 2), tensor.WithBacking([]float32{3, 4, 5, 6})))
	cat, err := nn.Concat(b, x1, x2)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := nn.Add(b, cat, cat, cat)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := graph.NewMachine(b.Graph())
	defer m.Close()
	if err := graph.Run(m); err != nil {
		t.Fatal(err)
	}
	if !sum.Shape().Eq(tensor.Shape{1, 3, 1, 2}) {
		t.Fatalf("shape %v", sum.Shape())
	}
	want := []float32{3, 6, 9, 12, 15, 18}
	if maxDiff(sum.Value().Data().([]float32), want) != 0 {
		t.Fatalf("got %v, want %v", sum.Value().Data(), want)
	}
}

func TestResidualAndMergeBadInputs(t *testing.T) {
	body := denseBlock(t, 4, 6)
	r, _ := nn.NewResidual(body, nil)
	b := graph.NewBuilder(graph.Train)
	b.Enter("block")
	a := b.Input("a", tensor.Float32, 2, 3, 4, 4)
	c := b.Input("c", tensor.Float32, 2, 5, 4, 8)
	d := b.Input("d", tensor.Float32, 2, 5, 4, 4)
	e := b.Input("e", tensor.Float32, 2, 3, 4)
	f := b.Input("f", tensor.Float64, 2, 3, 4, 4)
	v := b.Input("v", tensor.Float32, 6)
	cases := []struct {
		name string
		run  func() error
		want string
		kind error
	}{
		{"residual-shape", func() error {
			bb := graph.NewBuilder(graph.Train)
			_, err := nn.Call(bb, "res1", r, bb.Input("x", tensor.Float64, 2, 4))
			return err
		}, `nn: Residual "res1": the body's output (2, 6) differs from the input (2, 4); add a projection shortcut`, graph.ErrShape},
		{"residual-nil-body", func() error { _, err := nn.NewResidual(nil, nil); return err }, "nn: NewResidual: body is nil", graph.ErrArg},
		{"residual-body-error", func() error {
			bb := graph.NewBuilder(graph.Train)
			_, err := nn.Call(bb, "res1", r, bb.Input("x", tensor.Float64, 2, 5))
			return err
		}, `nn: Dense "res1.body": input must have 4 features`, graph.ErrShape},
		{"add-shape", func() error { _, err := nn.Add(b, a, d); return err }, `nn: Add "block": input 1 has shape (2, 5, 4, 4), input 0 has (2, 3, 4, 4): axis 1 differs (5 vs 3)`, graph.ErrShape},
		{"add-rank", func() error { _, err := nn.Add(b, a, e); return err }, `nn: Add "block": input 1 has rank 3 (shape (2, 3, 4)), input 0 has rank 4 (shape (2, 3, 4, 4))`, graph.ErrShape},
		{"add-dtype", func() error { _, err := nn.Add(b, a, f); return err }, `nn: Add "block": input 1 has dtype float64, input 0 has float32`, graph.ErrArg},
		{"add-none", func() error { _, err := nn.Add(b); return err }, `nn: Add "block": need at least one input, got none`, graph.ErrArg},
		{"add-nil", func() error { _, err := nn.Add(b, a, nil); return err }, `nn: Add "block": input 1 is nil`, graph.ErrArg},
		{"concat-spatial", func() error { _, err := nn.Concat(b, a, c); return err }, `nn: Concat "block": input 1 has shape (2, 5, 4, 8), input 0 has (2, 3, 4, 4): axis 3 differs (8 vs 4)`, graph.ErrShape},
		{"concat-rank1", func() error { _, err := nn.Concat(b, v, v); return err }, `nn: Concat "block": inputs must have rank >= 2, input 0 has shape (6)`, graph.ErrShape},
		{"concat-dtype", func() error { _, err := nn.Concat(b, a, f); return err }, `nn: Concat "block": input 1 has dtype float64, input 0 has float32`, graph.ErrArg},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.run()
			if err == nil {
				t.Fatal("want an error")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not contain %q", err, c.want)
			}
			if !errors.Is(err, c.kind) {
				t.Errorf("error %q is not %v", err, c.kind)
			}
		})
	}
	// a concat along channels accepts different channel counts
	if y, err := nn.Concat(b, a, d); err != nil || !y.Shape().Eq(tensor.Shape{2, 8, 4, 4}) {
		t.Fatalf("Concat: %v %v", y, err)
	}
}

func TestSoftmaxLayers(t *testing.T) {
	sm, err := nn.NewSoftmax()
	if err != nil {
		t.Fatal(err)
	}
	lsm, err := nn.NewLogSoftmax(nn.WithAxis(-1))
	if err != nil {
		t.Fatal(err)
	}
	x := randDense(graph.NewRand(94), tensor.Float64, 2, 3, 4)
	p, err := nn.Predict(sm, x)
	if err != nil {
		t.Fatal(err)
	}
	pv, _ := graph.Float64s(p) // a layer without weights predicts in float32
	for n := 0; n < 2; n++ {
		for k := 0; k < 4; k++ {
			s := 0.0
			for c := 0; c < 3; c++ {
				s += pv[(n*3+c)*4+k]
			}
			if math.Abs(s-1) > 1e-6 {
				t.Fatalf("softmax over axis 1 sums to %v", s)
			}
		}
	}
	lp, err := nn.Predict(lsm, x)
	if err != nil {
		t.Fatal(err)
	}
	lv, _ := graph.Float64s(lp)
	for row := 0; row < 6; row++ {
		s := 0.0
		for k := 0; k < 4; k++ {
			s += math.Exp(lv[row*4+k])
		}
		if math.Abs(s-1) > 1e-6 {
			t.Fatalf("log-softmax over the last axis: Σexp = %v", s)
		}
	}
	for _, l := range []nn.Layer{sm, lsm} {
		rep, err := graph.CheckGradients([]*tensor.Dense{x}, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
			return l.Forward(b, xs[0])
		}, graph.GradCheckOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK() {
			t.Errorf("%v:\n%s", l, rep)
		}
	}
	if sm.String() != "Softmax()" || lsm.String() != "LogSoftmax(axis=-1)" {
		t.Errorf("String: %q %q", sm, lsm)
	}
	// bad inputs
	sm5, _ := nn.NewSoftmax(nn.WithAxis(5))
	b := graph.NewBuilder(graph.Eval)
	if _, err := nn.Call(b, "probs", sm5, b.Input("x", tensor.Float32, 2, 3)); err == nil || !errors.Is(err, graph.ErrShape) ||
		!strings.Contains(err.Error(), `nn: Softmax "probs": axis 5 does not exist in an input of shape (2, 3)`) {
		t.Errorf("axis 5: %v", err)
	}
	if _, err := sm.Forward(graph.NewBuilder(graph.Eval), nil); err == nil || !strings.Contains(err.Error(), "nn: Softmax: input is nil") {
		t.Errorf("nil: %v", err)
	}
}

// ScaledAdd computes x + s·y with the gradients dx = dy_out and
// dy = s·dy_out (finite differences), and rejects what it cannot add.
func TestScaledAdd(t *testing.T) {
	x := tensor.New(tensor.WithShape(2, 3), tensor.WithBacking([]float64{1, -2, 3, 0.5, 4, -1}))
	y := tensor.New(tensor.WithShape(2, 3), tensor.WithBacking([]float64{2, 1, -3, 7, 0, 5}))
	for _, s := range []float64{0.17, -1.5, 0} {
		rep, err := graph.CheckGradients([]*tensor.Dense{x, y}, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
			return nn.ScaledAdd(b, xs[0], xs[1], s)
		}, graph.GradCheckOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK() {
			t.Errorf("scale %g: %v", s, rep)
		}
	}
	b := graph.NewBuilder(graph.Eval)
	xn := b.InputValue("x", x)
	yn := b.InputValue("y", y)
	out, err := nn.ScaledAdd(b, xn, yn, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	m, err := graph.NewMachine(b.Graph())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := graph.Run(m); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(out.Value().Data()); got != "[2 -1.5 1.5 4 4 1.5]" {
		t.Errorf("x + 0.5·y = %s", got)
	}
	f32 := b.Input("f", tensor.Float32, 2, 3)
	cases := []struct {
		name     string
		x, y     *G.Node
		scale    float64
		sentinel error
		msg      string
	}{
		{"nan scale", xn, yn, math.NaN(), graph.ErrArg, "nn: ScaledAdd: scale must be finite, got NaN"},
		{"inf scale", xn, yn, math.Inf(1), graph.ErrArg, "nn: ScaledAdd: scale must be finite, got +Inf"},
		{"nil", xn, nil, 1, graph.ErrArg, "nn: ScaledAdd: input 1 is nil"},
		{"dtypes", xn, f32, 1, graph.ErrArg, "nn: ScaledAdd: input 1 has dtype float32, input 0 has float64"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := nn.ScaledAdd(b, c.x, c.y, c.scale)
			if !errors.Is(err, c.sentinel) || err.Error() != c.msg {
				t.Errorf("got %v, want %q", err, c.msg)
			}
		})
	}
}
