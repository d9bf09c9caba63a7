package nn_test

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/internal/golden"
	"github.com/convnet-go/convnet/nn"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// bnLayer is what the tests need of BatchNorm1D/2D/3D.
type bnLayer interface {
	nn.Layer
	Weight() *graph.Param
	Bias() *graph.Param
	RunningMean() *graph.Param
	RunningVar() *graph.Param
}

func newBN(t testing.TB, rank, channels int, opts ...nn.BatchNormOption) bnLayer {
	t.Helper()
	var l bnLayer
	var err error
	switch rank {
	case 2, 3:
		l, err = nn.NewBatchNorm1D(channels, opts...)
	case 4:
		l, err = nn.NewBatchNorm2D(channels, opts...)
	case 5:
		l, err = nn.NewBatchNorm3D(channels, opts...)
	}
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func setParam(t testing.TB, p *graph.Param, vals []float64) {
	t.Helper()
	if err := p.SetValue(tensor.New(tensor.WithShape(len(vals)), tensor.WithBacking(append([]float64(nil), vals...)))); err != nil {
		t.Fatal(err)
	}
}

func floats(t testing.TB, v G.Value) []float64 {
	t.Helper()
	out, err := graph.ValueFloat64s(v)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// layerRun builds l on x in mode, with the cost Σ y·upstream, runs it once
// and returns y, dx, the gradients of the trainable Params by name, and the
// shapes of those values (keyed "y", "x" and the Params' names).
func layerRun(t testing.TB, l nn.Layer, mode graph.Mode, x, upstream *tensor.Dense, opts ...graph.BuilderOption) (y, dx []float64, grads map[string][]float64, shapes map[string][]int) {
	t.Helper()
	b := graph.NewBuilder(mode, opts...)
	xn := b.InputValue("x", x)
	out, err := l.Forward(b, xn)
	if err != nil {
		t.Fatal(err)
	}
	var yv G.Value
	G.Read(out, &yv)
	var dxv G.Value
	gradVals := map[string]*G.Value{}
	if upstream != nil {
		prod, err := G.HadamardProd(out, b.InputValue("upstream", upstream))
		if err != nil {
			t.Fatal(err)
		}
		cost, err := G.Sum(prod)
		if err != nil {
			t.Fatal(err)
		}
		wrt := G.Nodes{xn}
		train := b.Trainable()
		wrt = append(wrt, graph.Nodes(train)...)
		gs, err := graph.Grad(cost, wrt...)
		if err != nil {
			t.Fatal(err)
		}
		G.Read(gs[0], &dxv)
		for i, bd := range train {
			v := new(G.Value)
			gradVals[bd.Name] = v
			G.Read(gs[i+1], v)
		}
	}
	m, err := graph.NewMachine(b.Graph())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := graph.Run(m); err != nil {
		t.Fatal(err)
	}
	y = floats(t, yv)
	grads = map[string][]float64{}
	shapes = map[string][]int{"y": yv.Shape().Clone()}
	if upstream != nil {
		dx = floats(t, dxv)
		shapes["x"] = dxv.Shape().Clone()
		for name, v := range gradVals {
			grads[name] = floats(t, *v)
			shapes[name] = (*v).Shape().Clone()
		}
	}
	return y, dx, grads, shapes
}

// compare checks got, of shape gotShape, against the reference want.
func compare(t *testing.T, what string, got []float64, gotShape []int, want golden.Tensor, tol float64) {
	t.Helper()
	if _, err := golden.Compare(got, gotShape, want, tol); err != nil {
		t.Errorf("%s: %v", what, err)
	}
}

// The layer, not only the op, reproduces PyTorch's BatchNorm in training
// and evaluation mode: outputs, gradients of x, γ and β, and the running
// statistics after one step; with PyTorch's eps (batch_norm.json) and with
// Keras's eps 1e-3 and momentum 0.01 on small variances, where eps matters
// (batch_norm_eps1e-3.json).
func TestBatchNormLayerMatchesPyTorch(t *testing.T) {
	var cases []golden.Case
	for _, name := range []string{"batch_norm.json", "batch_norm_eps1e-3.json"} {
		f, err := golden.Load(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Cases) != 4 {
			t.Fatalf("%s: want 4 cases, got %d", name, len(f.Cases))
		}
		cases = append(cases, f.Cases...)
	}
	for _, c := range cases {
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			t.Run(fmt.Sprintf("%s-%v", c.Name, dt), func(t *testing.T) {
				tol := 1e-7
				if dt == tensor.Float32 {
					tol = 2e-3
				}
				training, _ := c.Bool("training")
				momentum, _ := c.Float("momentum")
				eps, _ := c.Float("eps")
				x := c.Inputs["x"]
				l := newBN(t, len(x.Shape), x.Shape[1], nn.WithDtype(dt), nn.WithMomentum(momentum), nn.WithEps(eps))
				setParam(t, l.Weight(), c.Inputs["gamma"].Data)
				setParam(t, l.Bias(), c.Inputs["beta"].Data)
				setParam(t, l.RunningMean(), c.Extra["running_mean_before"].Data)
				setParam(t, l.RunningVar(), c.Extra["running_var_before"].Data)
				mode := graph.Eval
				if training {
					mode = graph.Train
				}
				y, dx, grads, shapes := layerRun(t, l, mode, x.Dense(dt), c.Upstream.Dense(dt))
				compare(t, "output", y, shapes["y"], c.Output, tol)
				compare(t, "dx", dx, shapes["x"], c.Grads["x"], tol)
				compare(t, "dgamma", grads["weight"], shapes["weight"], c.Grads["gamma"], tol)
				compare(t, "dbeta", grads["bias"], shapes["bias"], c.Grads["beta"], tol)
				rm, _ := graph.Float64s(l.RunningMean().Value())
				rv, _ := graph.Float64s(l.RunningVar().Value())
				compare(t, "running_mean", rm, []int(l.RunningMean().Value().Shape()), c.Extra["running_mean_after"], tol)
				compare(t, "running_var", rv, []int(l.RunningVar().Value().Shape()), c.Extra["running_var_after"], tol)
				if !training {
					// Predict (eval, a fresh graph) gives the same output
					p, err := nn.Predict(l, x.Dense(dt))
					if err != nil {
						t.Fatal(err)
					}
					pv, _ := graph.Float64s(p)
					compare(t, "Predict", pv, []int(p.Shape()), c.Output, tol)
				}
			})
		}
	}
}

// One set of weights serves a training graph of batch 64 and an eval graph
// of batch 7: a change of γ made through the training graph's tensor, and
// the running statistics its runs update, are seen by Predict.
func TestBatchNormTrainAndEvalShareWeights(t *testing.T) {
	l := newBN(t, 4, 3)
	rng := graph.NewRand(71)
	xt := randDense(rng, tensor.Float32, 64, 3, 4, 4)
	for i, v := range xt.Float32s() {
		xt.Float32s()[i] = 2*v + 5 // batch mean 5, variance 4
	}
	x7 := randDense(rng, tensor.Float32, 7, 3, 4, 4)
	before, err := nn.Predict(l, x7)
	if err != nil {
		t.Fatal(err)
	}
	// with fresh statistics (0, 1) and γ=1, β=0, eval is almost the identity
	if d := maxDiff(before.Data().([]float32), x7.Float32s()); d > 1e-4 {
		t.Fatalf("fresh BatchNorm in eval is not the identity: differs by %v", d)
	}

	b := graph.NewBuilder(graph.Train)
	xn := b.InputValue("x", xt)
	if _, err := l.Forward(b, xn); err != nil {
		t.Fatal(err)
	}
	var gamma *G.Node
	for _, bd := range b.Bindings() {
		if bd.Name == "weight" {
			gamma = bd.Node
		}
	}
	if gamma == nil {
		t.Fatalf("no weight binding in %v", b.Bindings())
	}
	m, err := graph.NewMachine(b.Graph())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for i := 0; i < 50; i++ { // the running statistics converge to the batch's
		if err := graph.Run(m); err != nil {
			t.Fatal(err)
		}
	}
	gamma.Value().Data().([]float32)[1] = 3 // a training step on γ of channel 1

	after, err := nn.Predict(l, x7)
	if err != nil {
		t.Fatal(err)
	}
	rm := l.RunningMean().Value().Float32s()
	rv := l.RunningVar().Value().Float32s()
	av, xv := after.Data().([]float32), x7.Float32s()
	for i := range av {
		ch := (i / 16) % 3
		g := float32(1)
		if ch == 1 {
			g = 3
		}
		want := g * (xv[i] - rm[ch]) / float32(math.Sqrt(float64(rv[ch])+1e-5))
		if math.Abs(float64(av[i]-want)) > 1e-4 {
			t.Fatalf("element %d: Predict %v, want %v (stats %v %v)", i, av[i], want, rm, rv)
		}
	}
	for ch := 0; ch < 3; ch++ {
		if math.Abs(float64(rm[ch])-5) > 0.5 || math.Abs(float64(rv[ch])-4) > 1 {
			t.Fatalf("running statistics %v %v did not approach the batch's (5, 4)", rm, rv)
		}
	}
}

// A frozen BatchNorm (transfer learning) normalises with its stored
// statistics in training graphs too, and leaves them unchanged.
func TestBatchNormFrozenUsesStoredStatistics(t *testing.T) {
	for _, affine := range []bool{true, false} {
		l := newBN(t, 4, 2, nn.WithDtype(tensor.Float64), nn.WithAffine(affine))
		setParam(t, l.RunningMean(), []float64{1, -2})
		setParam(t, l.RunningVar(), []float64{4, 0.25})
		if n := nn.Freeze(l); n == 0 {
			t.Fatal("Freeze froze nothing")
		}
		rng := graph.NewRand(72)
		x := randDense(rng, tensor.Float64, 5, 2, 3, 3)
		up := randDense(rng, tensor.Float64, 5, 2, 3, 3)
		yTrain, dx, grads, _ := layerRun(t, l, graph.Train, x, up)
		yEval, _, _, _ := layerRun(t, l, graph.Eval, x, nil)
		if d := maxDiff(yTrain, yEval); d > 1e-12 {
			t.Fatalf("affine=%v: frozen training output differs from eval by %v", affine, d)
		}
		if len(grads) != 0 {
			t.Fatalf("affine=%v: frozen params got gradients %v", affine, grads)
		}
		// dx = γ/sqrt(var+eps)·dy with the stored variance
		for i := range dx {
			ch := (i / 9) % 2
			want := up.Float64s()[i] / math.Sqrt([]float64{4, 0.25}[ch]+1e-5)
			if math.Abs(dx[i]-want) > 1e-12 {
				t.Fatalf("affine=%v: dx[%d] = %v, want %v", affine, i, dx[i], want)
			}
		}
		if rm := l.RunningMean().Value().Float64s(); rm[0] != 1 || rm[1] != -2 {
			t.Fatalf("affine=%v: running mean changed to %v", affine, rm)
		}
		nn.Unfreeze(l)
		layerRun(t, l, graph.Train, x, nil)
		if rm := l.RunningMean().Value().Float64s(); rm[0] == 1 {
			t.Fatalf("affine=%v: unfrozen training left the running mean at %v", affine, rm)
		}
	}
}

func TestBatchNormLayerGradCheck(t *testing.T) {
	rng := graph.NewRand(73)
	for _, c := range []struct {
		shape  []int
		mode   graph.Mode
		affine bool
	}{
		{[]int{4, 3}, graph.Train, true}, {[]int{3, 2, 5}, graph.Train, true}, {[]int{2, 3, 3, 3}, graph.Train, true},
		{[]int{2, 2, 2, 3, 2}, graph.Train, true}, {[]int{4, 3}, graph.Eval, true}, {[]int{2, 3, 3, 3}, graph.Eval, true},
		{[]int{2, 3, 3, 3}, graph.Train, false}, {[]int{2, 2, 2, 2, 2}, graph.Eval, false},
	} {
		l := newBN(t, len(c.shape), c.shape[1], nn.WithDtype(tensor.Float64), nn.WithAffine(c.affine))
		if c.affine { // not the trivial γ=1, β=0
			setParam(t, l.Weight(), randDense(rng, tensor.Float64, c.shape[1]).Float64s())
			setParam(t, l.Bias(), randDense(rng, tensor.Float64, c.shape[1]).Float64s())
		}
		setParam(t, l.RunningMean(), randDense(rng, tensor.Float64, c.shape[1]).Float64s())
		x := randDense(rng, tensor.Float64, c.shape...)
		rep, err := graph.CheckGradients([]*tensor.Dense{x}, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
			return l.Forward(b, xs[0])
		}, graph.GradCheckOptions{Mode: c.mode, Tol: 1e-6})
		if err != nil {
			t.Fatal(err)
		}
		want := 1
		if c.affine {
			want = 3
		}
		if !rep.OK() || len(rep.Results) != want {
			t.Errorf("%v %v affine=%v:\n%s", c.shape, c.mode, c.affine, rep)
		}
	}
}

func TestBatchNormLayerParams(t *testing.T) {
	l, err := nn.NewBatchNorm2D(8)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, np := range l.Params() {
		names = append(names, fmt.Sprintf("%s:%v", np.Name, np.Param.Kind()))
	}
	if got := strings.Join(names, " "); got != "weight:weight bias:weight running_mean:buffer running_var:buffer" {
		t.Fatalf("params %s", got)
	}
	if nn.NumParams(l) != 16 {
		t.Fatalf("NumParams %d, want 16", nn.NumParams(l))
	}
	w, v := l.Weight().Value().Data().([]float32), l.RunningVar().Value().Data().([]float32)
	if w[0] != 1 || v[7] != 1 || l.Bias().Value().Data().([]float32)[3] != 0 || l.RunningMean().Value().Data().([]float32)[0] != 0 {
		t.Fatal("initial values are not ones/zeros")
	}
	noAffine, _ := nn.NewBatchNorm1D(4, nn.WithAffine(false), nn.WithMomentum(0.01), nn.WithEps(1e-3))
	if nn.NumParams(noAffine) != 0 || len(noAffine.Params()) != 2 {
		t.Fatalf("affine=false: %d params, %v", nn.NumParams(noAffine), noAffine.Params())
	}
	for _, c := range []struct {
		l    fmt.Stringer
		want string
	}{{l, "BatchNorm2D(8)"}, {noAffine, "BatchNorm1D(4, eps=0.001, momentum=0.01, affine=false)"}} {
		if got := c.l.String(); got != c.want {
			t.Errorf("String() = %q, want %q", got, c.want)
		}
	}
}

func TestBatchNormShapes(t *testing.T) {
	for _, shape := range [][]int{{8, 3}, {8, 3, 5}, {2, 3, 4, 4}, {2, 3, 2, 4, 4}} {
		for _, mode := range []graph.Mode{graph.Train, graph.Eval} {
			l := newBN(t, len(shape), 3)
			b := graph.NewBuilder(mode)
			y, err := l.Forward(b, b.Input("x", tensor.Float32, shape...))
			if err != nil {
				t.Fatal(err)
			}
			if !y.Shape().Eq(tensor.Shape(shape)) {
				t.Errorf("%v %v: output %v", shape, mode, y.Shape())
			}
		}
	}
}

func TestBatchNormBadInputs(t *testing.T) {
	bn1, _ := nn.NewBatchNorm1D(3)
	bn2, _ := nn.NewBatchNorm2D(3)
	bn3, _ := nn.NewBatchNorm3D(3)
	bn64, _ := nn.NewBatchNorm2D(3, nn.WithDtype(tensor.Float64))
	forward := func(l nn.Layer, mode graph.Mode, shape ...int) func() error {
		return func() error {
			b := graph.NewBuilder(mode)
			_, err := nn.Call(b, "bn1", l, b.Input("x", tensor.Float32, shape...))
			return err
		}
	}
	cases := []struct {
		name string
		run  func() error
		want string
		kind error
	}{
		{"2d-rank3", forward(bn2, graph.Train, 8, 64, 64), `nn: BatchNorm2D "bn1": input must be rank 4 (N, C, H, W), got shape (8, 64, 64)`, graph.ErrShape},
		{"1d-rank4", forward(bn1, graph.Eval, 2, 3, 4, 4), `nn: BatchNorm1D "bn1": input must be rank 2 (N, C) or 3 (N, C, L), got shape (2, 3, 4, 4)`, graph.ErrShape},
		{"3d-rank4", forward(bn3, graph.Train, 2, 3, 4, 4), `nn: BatchNorm3D "bn1": input must be rank 5 (N, C, D, H, W), got shape (2, 3, 4, 4)`, graph.ErrShape},
		{"channels", forward(bn2, graph.Train, 2, 4, 4, 4), `nn: BatchNorm2D "bn1": input must have 3 channels (axis 1), got 4 in shape (2, 4, 4, 4)`, graph.ErrShape},
		{"dtype", forward(bn64, graph.Eval, 2, 3, 4, 4), `nn: BatchNorm2D "bn1": input dtype must be float64 like the layer's weights, got float32`, graph.ErrArg},
		{"one-value", forward(bn1, graph.Train, 1, 3), `nn: BatchNorm1D "bn1": training needs more than 1 value per channel, got input shape (1, 3)`, graph.ErrShape},
		{"nil", func() error { _, err := bn2.Forward(graph.NewBuilder(graph.Train), nil); return err }, "nn: BatchNorm2D: input is nil", graph.ErrArg},
		{"zero-channels", func() error { _, err := nn.NewBatchNorm2D(0); return err }, "nn: NewBatchNorm2D: channels must be positive, got 0", graph.ErrArg},
		{"momentum-high", func() error { _, err := nn.NewBatchNorm2D(3, nn.WithMomentum(1.5)); return err }, "nn: NewBatchNorm2D: momentum must be in [0, 1], got 1.5", graph.ErrArg},
		{"momentum-negative", func() error { _, err := nn.NewBatchNorm1D(3, nn.WithMomentum(-0.1)); return err }, "nn: NewBatchNorm1D: momentum must be in [0, 1], got -0.1", graph.ErrArg},
		{"eps-zero", func() error { _, err := nn.NewBatchNorm3D(3, nn.WithEps(0)); return err }, "nn: NewBatchNorm3D: eps must be finite and > 0, got 0", graph.ErrArg},
		{"eps-negative", func() error { _, err := nn.NewBatchNorm2D(3, nn.WithEps(-1e-5)); return err }, "nn: NewBatchNorm2D: eps must be finite and > 0, got -1e-05", graph.ErrArg},
		{"bad-dtype", func() error { _, err := nn.NewBatchNorm2D(3, nn.WithDtype(tensor.Int)); return err }, "nn: NewBatchNorm2D: dtype must be float32 or float64, got int", graph.ErrArg},
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
}

func randDense(rng interface{ NormFloat64() float64 }, dt tensor.Dtype, shape ...int) *tensor.Dense {
	n := 1
	for _, d := range shape {
		n *= d
	}
	vals := make([]float64, n)
	for i := range vals {
		vals[i] = rng.NormFloat64()
	}
	t, err := graph.FromFloat64s(dt, shape, vals)
	if err != nil {
		panic(err)
	}
	return t
}

func maxDiff[T float32 | float64](a, b []T) float64 {
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(float64(a[i]-b[i])))
	}
	return m
}

// A BatchNorm with a ReLU activation (fused into the op) gives the output,
// input gradient, parameter gradients and running statistics of the same
// BatchNorm followed by a ReLU layer, in both modes.
func TestBatchNormReLUActivationMatchesLayers(t *testing.T) {
	rng := graph.NewRand(91)
	x := randDense(rng, tensor.Float64, 4, 3, 5, 5)
	up := randDense(rng, tensor.Float64, 4, 3, 5, 5)
	for _, mode := range []graph.Mode{graph.Train, graph.Eval} {
		fusedBN := newBN(t, 4, 3, nn.WithDtype(tensor.Float64), nn.WithActivation(nn.NewReLU()))
		plainBN := newBN(t, 4, 3, nn.WithDtype(tensor.Float64))
		plain, err := nn.NewSequential(plainBN, nn.NewReLU())
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range []bnLayer{fusedBN, plainBN} { // NewSequential re-initialised them
			setParam(t, l.Weight(), []float64{0.5, -1.5, 2})
			setParam(t, l.Bias(), []float64{0.1, 0.2, -0.3})
			setParam(t, l.RunningMean(), []float64{0.2, -0.1, 0.05})
			setParam(t, l.RunningVar(), []float64{1.5, 0.7, 1.1})
		}
		fy, fdx, fg, _ := layerRun(t, fusedBN, mode, x, up)
		py, pdx, pg, _ := layerRun(t, plain, mode, x, up)
		if d := maxDiff(fy, py); d != 0 {
			t.Errorf("%v: outputs differ by %v", mode, d)
		}
		if d := maxDiff(fdx, pdx); d > 1e-14 {
			t.Errorf("%v: input gradients differ by %v", mode, d)
		}
		for name, g := range fg {
			if d := maxDiff(g, pg["0."+name]); d > 1e-14 {
				t.Errorf("%v: gradient of %s differs by %v", mode, name, d)
			}
		}
		a, _ := graph.Float64s(fusedBN.RunningVar().Value())
		b, _ := graph.Float64s(plainBN.RunningVar().Value())
		if d := maxDiff(a, b); d != 0 {
			t.Errorf("%v: running variances differ by %v", mode, d)
		}
	}
	l := newBN(t, 4, 3, nn.WithActivation(nn.NewReLU()))
	if got, want := fmt.Sprint(l), "BatchNorm2D(3, activation=ReLU())"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	rep, err := nn.GradCheck(l, []int{3, 3, 2, 2}, graph.GradCheckOptions{Tol: 1e-6})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Errorf("gradient check of the fused layer:\n%s", rep)
	}
}
