package nn_test

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// convLayer is what the tests need from every convolution layer.
type convLayer interface {
	nn.Layer
	nn.Describer
	Weight() *graph.Param
	Bias() *graph.Param
	String() string
}

// newLayer builds one of the six convolution layers by name.
// The options are typed for the transposed convolutions; every one but
// WithOutputPadding is also a ConvOption.
func newLayer(kind string, in, out, k int, topts ...nn.ConvTransposeOption) (convLayer, error) {
	var opts []nn.ConvOption
	if !strings.HasPrefix(kind, "ConvTranspose") {
		for _, o := range topts {
			co, ok := o.(nn.ConvOption)
			if !ok && o != nil {
				return nil, fmt.Errorf("%T is not an option of %s", o, kind)
			}
			opts = append(opts, co)
		}
	}
	switch kind {
	case "Conv1D":
		return nn.NewConv1D(in, out, k, opts...)
	case "Conv2D":
		return nn.NewConv2D(in, out, k, opts...)
	case "Conv3D":
		return nn.NewConv3D(in, out, k, opts...)
	case "ConvTranspose1D":
		return nn.NewConvTranspose1D(in, out, k, topts...)
	case "ConvTranspose2D":
		return nn.NewConvTranspose2D(in, out, k, topts...)
	case "ConvTranspose3D":
		return nn.NewConvTranspose3D(in, out, k, topts...)
	}
	return nil, fmt.Errorf("unknown layer %s", kind)
}

func mustLayer(t *testing.T, kind string, in, out, k int, opts ...nn.ConvTransposeOption) convLayer {
	t.Helper()
	l, err := newLayer(kind, in, out, k, opts...)
	if err != nil {
		t.Fatalf("%s: %+v", kind, err)
	}
	return l
}

// outShape builds l on an input of the given shape and returns the output
// shape, after running the graph (so InferShape and Do are both used).
func outShape(l nn.Layer, shape ...int) ([]int, error) {
	dt, err := nn.Dtype(l)
	if err != nil {
		return nil, err
	}
	b := graph.NewBuilder(graph.Eval)
	x := b.Input("x", dt, shape...)
	y, err := l.Forward(b, x)
	if err != nil {
		return nil, err
	}
	return []int(y.Shape().Clone()), nil
}

func TestConvLayerShapes(t *testing.T) {
	cases := []struct {
		name, kind string
		in, out, k int
		opts       []nn.ConvTransposeOption
		x, want    []int
	}{
		{"conv1d-valid", "Conv1D", 3, 4, 3, nil, []int{2, 3, 11}, []int{2, 4, 9}},
		{"conv1d-s2-p1", "Conv1D", 3, 4, 3, []nn.ConvTransposeOption{nn.WithStride(2), nn.WithPad(1)}, []int{2, 3, 11}, []int{2, 4, 6}},
		{"conv1d-same-s2-odd", "Conv1D", 3, 4, 4, []nn.ConvTransposeOption{nn.WithStride(2), nn.WithPadding(nn.Same)}, []int{2, 3, 11}, []int{2, 4, 6}},
		{"conv1d-d2", "Conv1D", 1, 1, 3, []nn.ConvTransposeOption{nn.WithDilation(2)}, []int{1, 1, 9}, []int{1, 1, 5}},
		{"conv2d-mnist", "Conv2D", 1, 32, 3, nil, []int{8, 1, 28, 28}, []int{8, 32, 26, 26}},
		{"conv2d-same", "Conv2D", 3, 8, 3, []nn.ConvTransposeOption{nn.WithPadding(nn.Same)}, []int{2, 3, 7, 6}, []int{2, 8, 7, 6}},
		{"conv2d-same-s2", "Conv2D", 3, 8, 3, []nn.ConvTransposeOption{nn.WithStride(2), nn.WithPadding(nn.Same)}, []int{2, 3, 7, 6}, []int{2, 8, 4, 3}},
		{"conv2d-same-even-kernel", "Conv2D", 3, 8, 2, []nn.ConvTransposeOption{nn.WithPadding(nn.Same)}, []int{1, 3, 5, 5}, []int{1, 8, 5, 5}},
		{"conv2d-k1x7", "Conv2D", 4, 4, 1, []nn.ConvTransposeOption{nn.WithKernel(1, 7), nn.WithPadding(nn.Same)}, []int{1, 4, 17, 17}, []int{1, 4, 17, 17}},
		{"conv2d-s2x1-p1x0", "Conv2D", 2, 3, 3, []nn.ConvTransposeOption{nn.WithStride(2, 1), nn.WithPad(1, 0)}, []int{1, 2, 9, 8}, []int{1, 3, 5, 6}},
		{"conv2d-alexnet1", "Conv2D", 3, 64, 11, []nn.ConvTransposeOption{nn.WithStride(4), nn.WithPad(2)}, []int{1, 3, 224, 224}, []int{1, 64, 55, 55}},
		{"conv2d-same-d2", "Conv2D", 1, 1, 3, []nn.ConvTransposeOption{nn.WithDilation(2), nn.WithPadding(nn.Same)}, []int{1, 1, 6, 7}, []int{1, 1, 6, 7}},
		{"conv3d-valid", "Conv3D", 2, 3, 3, nil, []int{1, 2, 5, 6, 7}, []int{1, 3, 3, 4, 5}},
		{"conv3d-same-s2", "Conv3D", 2, 3, 3, []nn.ConvTransposeOption{nn.WithStride(2), nn.WithPadding(nn.Same)}, []int{1, 2, 5, 6, 7}, []int{1, 3, 3, 3, 4}},
		{"convT1d-valid", "ConvTranspose1D", 3, 2, 3, []nn.ConvTransposeOption{nn.WithStride(2)}, []int{2, 3, 5}, []int{2, 2, 11}},
		{"convT1d-p1-op1", "ConvTranspose1D", 3, 2, 3, []nn.ConvTransposeOption{nn.WithStride(2), nn.WithPad(1), nn.WithOutputPadding(1)}, []int{2, 3, 5}, []int{2, 2, 10}},
		{"convT1d-same-k1-s3", "ConvTranspose1D", 1, 1, 1, []nn.ConvTransposeOption{nn.WithStride(3), nn.WithPadding(nn.Same)}, []int{1, 1, 4}, []int{1, 1, 12}},
		{"convT2d-same-k2-s2", "ConvTranspose2D", 8, 4, 2, []nn.ConvTransposeOption{nn.WithStride(2), nn.WithPadding(nn.Same)}, []int{2, 8, 7, 5}, []int{2, 4, 14, 10}},
		{"convT2d-same-k3-s2", "ConvTranspose2D", 8, 4, 3, []nn.ConvTransposeOption{nn.WithStride(2), nn.WithPadding(nn.Same)}, []int{2, 8, 7, 5}, []int{2, 4, 14, 10}},
		{"convT2d-same-k3-s1", "ConvTranspose2D", 8, 4, 3, []nn.ConvTransposeOption{nn.WithPadding(nn.Same)}, []int{2, 8, 7, 5}, []int{2, 4, 7, 5}},
		{"convT2d-same-k4-s1", "ConvTranspose2D", 8, 4, 4, []nn.ConvTransposeOption{nn.WithPadding(nn.Same)}, []int{2, 8, 7, 5}, []int{2, 4, 7, 5}},
		{"convT2d-lecture", "ConvTranspose2D", 1, 1, 3, []nn.ConvTransposeOption{nn.WithStride(3)}, []int{1, 1, 2, 2}, []int{1, 1, 6, 6}},
		{"convT2d-d2-op1", "ConvTranspose2D", 1, 2, 3, []nn.ConvTransposeOption{nn.WithDilation(2), nn.WithOutputPadding(1)}, []int{1, 1, 3, 4}, []int{1, 2, 8, 9}},
		{"convT3d-same-s2", "ConvTranspose3D", 2, 3, 3, []nn.ConvTransposeOption{nn.WithStride(2), nn.WithPadding(nn.Same)}, []int{1, 2, 3, 4, 2}, []int{1, 3, 6, 8, 4}},
		{"convT3d-k2x1x3", "ConvTranspose3D", 2, 3, 1, []nn.ConvTransposeOption{nn.WithKernel(2, 1, 3), nn.WithStride(1, 2, 1)}, []int{1, 2, 3, 4, 2}, []int{1, 3, 4, 7, 4}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := mustLayer(t, c.kind, c.in, c.out, c.k, c.opts...)
			got, err := outShape(l, c.x...)
			if err != nil {
				t.Fatalf("%+v", err)
			}
			if !tensor.Shape(got).Eq(tensor.Shape(c.want)) {
				t.Fatalf("%v on %v: got %v, want %v", l, c.x, got, c.want)
			}
			// Predict runs the graph: the value must have the inferred shape
			x := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(c.x...))
			y, err := nn.Predict(l, x)
			if err != nil {
				t.Fatalf("%+v", err)
			}
			if !y.Shape().Eq(tensor.Shape(c.want)) {
				t.Fatalf("Predict gave shape %v, want %v", y.Shape(), c.want)
			}
		})
	}
}

func TestConvLayerParams(t *testing.T) {
	cases := []struct {
		kind       string
		in, out, k int
		opts       []nn.ConvTransposeOption
		weight     []int
		count      int
	}{
		{"Conv1D", 3, 4, 5, nil, []int{4, 3, 5}, 3*5*4 + 4},
		{"Conv2D", 1, 32, 3, nil, []int{32, 1, 3, 3}, 320},
		{"Conv2D", 3, 8, 1, []nn.ConvTransposeOption{nn.WithKernel(1, 7), nn.WithBias(false)}, []int{8, 3, 1, 7}, 8 * 3 * 7},
		{"Conv3D", 2, 3, 3, nil, []int{3, 2, 3, 3, 3}, 2*27*3 + 3},
		{"ConvTranspose1D", 3, 4, 2, nil, []int{3, 4, 2}, 3*4*2 + 4},
		{"ConvTranspose2D", 16, 8, 2, nil, []int{16, 8, 2, 2}, 16*8*4 + 8},
		{"ConvTranspose3D", 2, 5, 2, []nn.ConvTransposeOption{nn.WithBias(false)}, []int{2, 5, 2, 2, 2}, 2 * 5 * 8},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s-%d-%d-%d", c.kind, c.in, c.out, c.k), func(t *testing.T) {
			l := mustLayer(t, c.kind, c.in, c.out, c.k, c.opts...)
			if got := []int(l.Weight().Shape()); !tensor.Shape(got).Eq(tensor.Shape(c.weight)) {
				t.Errorf("weight shape %v, want %v", got, c.weight)
			}
			names := []string{}
			for _, np := range l.Params() {
				names = append(names, np.Name)
			}
			wantNames := "weight bias"
			if l.Bias() == nil {
				wantNames = "weight"
			} else if !l.Bias().Shape().Eq(tensor.Shape{c.out}) {
				t.Errorf("bias shape %v, want (%d)", l.Bias().Shape(), c.out)
			}
			if strings.Join(names, " ") != wantNames {
				t.Errorf("params %v, want %s", names, wantNames)
			}
			if got := nn.NumParams(l); got != c.count {
				t.Errorf("NumParams = %d, want %d", got, c.count)
			}
		})
	}
}

// TestConvLayerInit checks PyTorch's default initialisation bounds:
// U(±1/√fanIn) for weight and bias, where fanIn is in·∏k for a convolution
// and out·∏k for a transposed one (PyTorch reads the weight's axis 1).
func TestConvLayerInit(t *testing.T) {
	for _, c := range []struct {
		kind  string
		in    int
		out   int
		k     int
		fanIn int
	}{{"Conv2D", 16, 4, 3, 16 * 9}, {"ConvTranspose2D", 16, 4, 3, 4 * 9}, {"Conv1D", 2, 50, 5, 10}, {"ConvTranspose3D", 3, 2, 2, 16}} {
		l := mustLayer(t, c.kind, c.in, c.out, c.k, nn.WithSeed(3))
		bound := 1 / math.Sqrt(float64(c.fanIn))
		for _, p := range []*graph.Param{l.Weight(), l.Bias()} {
			vals, _ := graph.Float64s(p.Value())
			maxAbs := 0.0
			for _, v := range vals {
				maxAbs = math.Max(maxAbs, math.Abs(v))
			}
			if maxAbs > bound || (len(vals) > 30 && maxAbs < 0.7*bound) {
				t.Errorf("%s: max |value| %.4f, want within and close to %.4f", c.kind, maxAbs, bound)
			}
		}
		// seeded: the same seed gives the same weights, another seed others
		l2 := mustLayer(t, c.kind, c.in, c.out, c.k, nn.WithSeed(3))
		l3 := mustLayer(t, c.kind, c.in, c.out, c.k, nn.WithSeed(4))
		a, _ := graph.Float64s(l.Weight().Value())
		b, _ := graph.Float64s(l2.Weight().Value())
		d, _ := graph.Float64s(l3.Weight().Value())
		if a[0] != b[0] || a[0] == d[0] {
			t.Errorf("%s: seeding: %v %v %v", c.kind, a[0], b[0], d[0])
		}
	}
}

// TestConvLayerSameValues checks Keras's "same" by value: the extra padding
// of an odd total goes after, for the convolution and its transpose.
func TestConvLayerSameValues(t *testing.T) {
	for _, c := range []struct {
		name string
		kind string
		k, s int
		x    []float64
		want []float64
	}{
		// k=2, s=1: pad 0 before, 1 after: [1+2, 2+3, 3+0]
		{"conv-k2", "Conv1D", 2, 1, []float64{1, 2, 3}, []float64{3, 5, 3}},
		// k=3, s=2 on 4: out 2, total (2-1)·2+3-4 = 1: pad 0 before, 1 after
		{"conv-k3-s2", "Conv1D", 3, 2, []float64{1, 2, 3, 4}, []float64{6, 7}},
		// the adjoint: taps of x0 at 0,1,2, of x1 at 2,3,(4 cropped)
		{"transpose-k3-s2", "ConvTranspose1D", 3, 2, []float64{1, 2}, []float64{1, 1, 3, 2}},
		// k=1, s=3: output padding 2 at the end
		{"transpose-k1-s3", "ConvTranspose1D", 1, 3, []float64{1, 2}, []float64{1, 0, 0, 2, 0, 0}},
		// k=4, s=2: total 2, crop 1 on each side
		{"transpose-k4-s2", "ConvTranspose1D", 4, 2, []float64{1, 2}, []float64{1, 3, 3, 2}},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := mustLayer(t, c.kind, 1, 1, c.k, nn.WithStride(c.s), nn.WithPadding(nn.Same), nn.WithBias(false),
				nn.WithWeightInit(graph.Ones()), nn.WithDtype(tensor.Float64))
			y, err := nn.Predict(l, tensor.New(tensor.WithShape(1, 1, len(c.x)), tensor.WithBacking(c.x)))
			if err != nil {
				t.Fatal(err)
			}
			got := y.Data().([]float64)
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

// TestConvLayerMatchesOp checks that a layer computes the op with its own
// weight and bias (and activation).
func TestConvLayerMatchesOp(t *testing.T) {
	l := mustLayer(t, "Conv2D", 2, 3, 3, nn.WithStride(2), nn.WithPad(1), nn.WithDtype(tensor.Float64), nn.WithActivation(nn.NewReLU()), nn.WithSeed(9))
	rng := graph.NewRand(2)
	xs := make([]float64, 2*2*5*6)
	for i := range xs {
		xs[i] = rng.NormFloat64()
	}
	x := tensor.New(tensor.WithShape(2, 2, 5, 6), tensor.WithBacking(xs))
	got, err := nn.Predict(l, x)
	if err != nil {
		t.Fatal(err)
	}
	b := graph.NewBuilder(graph.Eval)
	y, err := ops.ConvND(b.InputValue("x", x), b.InputValue("w", l.Weight().Value()), b.InputValue("b", l.Bias().Value()),
		ops.ConvParams{Stride: []int{2, 2}, Pad: []int{1, 1}})
	if err != nil {
		t.Fatal(err)
	}
	y, err = ops.ReLU(y)
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
	want := y.Value().Data().([]float64)
	for i, v := range got.Data().([]float64) {
		if math.Abs(v-want[i]) > 1e-12 {
			t.Fatalf("element %d: layer %v, op %v", i, v, want[i])
		}
	}
}

func TestConvLayerGradCheck(t *testing.T) {
	f64 := nn.WithDtype(tensor.Float64)
	cases := []struct {
		name, kind string
		in, out, k int
		opts       []nn.ConvTransposeOption
		x          []int
	}{
		{"conv1d-s2-p1", "Conv1D", 2, 3, 3, []nn.ConvTransposeOption{nn.WithStride(2), nn.WithPad(1)}, []int{2, 2, 7}},
		{"conv2d-same-s2", "Conv2D", 2, 2, 3, []nn.ConvTransposeOption{nn.WithStride(2), nn.WithPadding(nn.Same), nn.WithActivation(nn.NewTanh())}, []int{2, 2, 5, 4}},
		{"conv2d-k2-same-d2", "Conv2D", 1, 2, 2, []nn.ConvTransposeOption{nn.WithDilation(2), nn.WithPadding(nn.Same)}, []int{1, 1, 4, 5}},
		{"conv3d-nobias", "Conv3D", 1, 2, 2, []nn.ConvTransposeOption{nn.WithBias(false)}, []int{1, 1, 3, 3, 4}},
		{"convT1d-same-k3-s2", "ConvTranspose1D", 2, 2, 3, []nn.ConvTransposeOption{nn.WithStride(2), nn.WithPadding(nn.Same)}, []int{2, 2, 4}},
		{"convT2d-p1-op1", "ConvTranspose2D", 2, 2, 3, []nn.ConvTransposeOption{nn.WithStride(2), nn.WithPad(1), nn.WithOutputPadding(1)}, []int{1, 2, 3, 3}},
		{"convT3d-k2-s2", "ConvTranspose3D", 1, 2, 2, []nn.ConvTransposeOption{nn.WithStride(2)}, []int{1, 1, 2, 2, 2}},
	}
	rng := graph.NewRand(12)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := mustLayer(t, c.kind, c.in, c.out, c.k, append(c.opts, f64, nn.WithSeed(5))...)
			size := 1
			for _, d := range c.x {
				size *= d
			}
			data := make([]float64, size)
			for i := range data {
				data[i] = rng.NormFloat64()
			}
			x := tensor.New(tensor.WithShape(c.x...), tensor.WithBacking(data))
			rep, err := graph.CheckGradients([]*tensor.Dense{x}, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
				return l.Forward(b, xs[0])
			}, graph.GradCheckOptions{})
			if err != nil {
				t.Fatalf("%+v", err)
			}
			want := 2
			if l.Bias() != nil {
				want = 3
			}
			if !rep.OK() || len(rep.Results) != want {
				t.Fatalf("gradient check (%d results, want %d):\n%s", len(rep.Results), want, rep)
			}
		})
	}
}

func TestConvLayerDescribe(t *testing.T) {
	cases := []struct {
		name    string
		l       convLayer
		in, out []int
		want    []string
	}{
		{"course-mnist", mustLayer(t, "Conv2D", 1, 32, 3), []int{64, 1, 28, 28}, []int{64, 32, 26, 26}, []string{
			"H2 = floor((H1 - k + 2P)/S) + 1 = floor((28 - 3 + 0)/1) + 1 = 26",
			"W2 = floor((W1 - k + 2P)/S) + 1 = floor((28 - 3 + 0)/1) + 1 = 26",
			"params = (k*k*C1)*n + n = (3*3*1)*32 + 32 = 320",
		}},
		{"same-odd", mustLayer(t, "Conv1D", 4, 8, 3, nn.WithStride(2), nn.WithPadding(nn.Same), nn.WithBias(false)), []int{1, 4, 10}, []int{1, 8, 5}, []string{
			"L2 = floor((L1 - k + P1 + P2)/S) + 1 = floor((10 - 3 + 0 + 1)/2) + 1 = 5",
			"params = (k*C1)*n = (3*4)*8 = 96",
		}},
		{"k1x7", mustLayer(t, "Conv2D", 3, 2, 1, nn.WithKernel(1, 7), nn.WithPad(0, 3)), []int{1, 3, 9, 9}, []int{1, 2, 9, 9}, []string{
			"H2 = floor((H1 - k + 2P)/S) + 1 = floor((9 - 1 + 0)/1) + 1 = 9",
			"W2 = floor((W1 - k + 2P)/S) + 1 = floor((9 - 7 + 6)/1) + 1 = 9",
			"params = (kh*kw*C1)*n + n = (1*7*3)*2 + 2 = 44",
		}},
		{"transpose-k2-s2", mustLayer(t, "ConvTranspose2D", 16, 8, 2, nn.WithStride(2)), []int{1, 16, 7, 7}, []int{1, 8, 14, 14}, []string{
			"H2 = (H1 - 1)S - 2P + d(k-1) + OP + 1 = (7 - 1)·2 - 0 + 1·1 + 0 + 1 = 14",
			"W2 = (W1 - 1)S - 2P + d(k-1) + OP + 1 = (7 - 1)·2 - 0 + 1·1 + 0 + 1 = 14",
			"params = (k*k*C1)*n + n = (2*2*16)*8 + 8 = 520",
		}},
		{"transpose-same-k3-s2", mustLayer(t, "ConvTranspose1D", 1, 1, 3, nn.WithStride(2), nn.WithPadding(nn.Same)), []int{1, 1, 4}, []int{1, 1, 8}, []string{
			"L2 = (L1 - 1)S - P1 - P2 + d(k-1) + OP + 1 = (4 - 1)·2 - 0 - 1 + 1·2 + 0 + 1 = 8",
			"params = (k*C1)*n + n = (3*1)*1 + 1 = 4",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.l.Describe(c.in, c.out)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
			// the formulas must agree with the layer's real output shape
			shape, err := outShape(c.l, c.in...)
			if err != nil {
				t.Fatal(err)
			}
			if !tensor.Shape(shape).Eq(tensor.Shape(c.out)) {
				t.Fatalf("layer gives %v, the case says %v", shape, c.out)
			}
		})
	}
}

func TestConvLayerString(t *testing.T) {
	for _, c := range []struct {
		l    convLayer
		want string
	}{
		{mustLayer(t, "Conv2D", 1, 32, 3), "Conv2D(1, 32, kernel=3)"},
		{mustLayer(t, "Conv2D", 3, 64, 3, nn.WithStride(2), nn.WithPadding(nn.Same), nn.WithActivation(nn.NewReLU())), "Conv2D(3, 64, kernel=3, stride=2, padding=same, activation=ReLU())"},
		{mustLayer(t, "Conv2D", 3, 64, 1, nn.WithKernel(1, 7), nn.WithPad(0, 3), nn.WithBias(false)), "Conv2D(3, 64, kernel=(1, 7), pad=(0, 3), bias=false)"},
		{mustLayer(t, "Conv1D", 3, 4, 3, nn.WithDilation(2)), "Conv1D(3, 4, kernel=3, dilation=2)"},
		{mustLayer(t, "ConvTranspose2D", 64, 32, 3, nn.WithStride(2), nn.WithPad(1), nn.WithOutputPadding(1)), "ConvTranspose2D(64, 32, kernel=3, stride=2, pad=1, output_padding=1)"},
		{mustLayer(t, "ConvTranspose3D", 4, 4, 2, nn.WithStride(2), nn.WithPadding(nn.Same)), "ConvTranspose3D(4, 4, kernel=2, stride=2, padding=same)"},
	} {
		if got := c.l.String(); got != c.want {
			t.Errorf("got %s, want %s", got, c.want)
		}
	}
}

func TestConvLayerBadConstruction(t *testing.T) {
	cases := []struct {
		name, kind string
		in, out, k int
		opts       []nn.ConvTransposeOption
		want       []string
	}{
		{"zero-in", "Conv2D", 0, 4, 3, nil, []string{"nn: NewConv2D", "in=0"}},
		{"negative-out", "Conv1D", 3, -1, 3, nil, []string{"nn: NewConv1D", "out=-1"}},
		{"zero-kernel", "Conv3D", 3, 4, 0, nil, []string{"nn: NewConv3D", "kernel size must be positive, got 0"}},
		{"negative-kernel-option", "Conv2D", 3, 4, 3, []nn.ConvTransposeOption{nn.WithKernel(3, -1)}, []string{"NewConv2D", "kernel size must be >= 1", "[3 -1]"}},
		{"kernel-option-length", "Conv2D", 3, 4, 3, []nn.ConvTransposeOption{nn.WithKernel(3, 3, 3)}, []string{"NewConv2D", "kernel size needs 1 or 2 values", "got 3"}},
		{"stride-0", "Conv2D", 3, 4, 3, []nn.ConvTransposeOption{nn.WithStride(0)}, []string{"NewConv2D", "stride must be >= 1", "[0 0]"}},
		{"stride-negative-transpose", "ConvTranspose2D", 3, 4, 3, []nn.ConvTransposeOption{nn.WithStride(2, -1)}, []string{"NewConvTranspose2D", "stride must be >= 1"}},
		{"dilation-0", "Conv1D", 3, 4, 3, []nn.ConvTransposeOption{nn.WithDilation(0)}, []string{"NewConv1D", "dilation must be >= 1"}},
		{"pad-negative", "Conv2D", 3, 4, 3, []nn.ConvTransposeOption{nn.WithPad(-1)}, []string{"NewConv2D", "padding must be >= 0"}},
		{"pad-and-same", "Conv2D", 3, 4, 3, []nn.ConvTransposeOption{nn.WithPad(1), nn.WithPadding(nn.Same)}, []string{"NewConv2D", "WithPad([1])", "WithPadding(same)"}},
		{"bad-padding-mode", "Conv2D", 3, 4, 3, []nn.ConvTransposeOption{nn.WithPadding(nn.PaddingMode(9))}, []string{"NewConv2D", "padding mode", "PaddingMode(9)"}},
		{"outpad-ge-stride", "ConvTranspose2D", 3, 4, 3, []nn.ConvTransposeOption{nn.WithStride(2), nn.WithOutputPadding(2)}, []string{"NewConvTranspose2D", "output padding must be smaller than the stride or the dilation", "output padding (2, 2), stride (2, 2), dilation (1, 1)"}},
		{"outpad-ge-stride-1", "ConvTranspose1D", 3, 4, 3, []nn.ConvTransposeOption{nn.WithOutputPadding(1)}, []string{"NewConvTranspose1D", "output padding (1), stride (1)"}},
		{"outpad-negative", "ConvTranspose1D", 3, 4, 3, []nn.ConvTransposeOption{nn.WithOutputPadding(-1)}, []string{"NewConvTranspose1D", "output padding must be >= 0"}},
		{"outpad-and-same", "ConvTranspose2D", 3, 4, 3, []nn.ConvTransposeOption{nn.WithPadding(nn.Same), nn.WithOutputPadding(1)}, []string{"NewConvTranspose2D", "cannot be combined"}},
		{"dtype", "Conv2D", 3, 4, 3, []nn.ConvTransposeOption{nn.WithDtype(tensor.Int)}, []string{"NewConv2D", "float32 or float64"}},
		{"nil-option", "Conv2D", 3, 4, 3, []nn.ConvTransposeOption{nil}, []string{"NewConv2D", "nil option"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, err := newLayer(c.kind, c.in, c.out, c.k, c.opts...)
			if err == nil {
				t.Fatalf("want an error, got %v", l)
			}
			checkErr(t, err, graph.ErrArg, c.want)
		})
	}
}

func checkErr(t *testing.T, err error, sentinel error, want []string) {
	t.Helper()
	if !errors.Is(err, sentinel) {
		t.Errorf("error %q does not wrap %v", err, sentinel)
	}
	for _, s := range want {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("message %q lacks %q", err, s)
		}
	}
}

func TestConvLayerBadInput(t *testing.T) {
	conv2 := mustLayer(t, "Conv2D", 64, 8, 3)
	conv5 := mustLayer(t, "Conv2D", 3, 8, 5, nn.WithPad(0, 1))
	dil := mustLayer(t, "Conv1D", 1, 1, 3, nn.WithDilation(3))
	sameS2 := mustLayer(t, "Conv2D", 3, 3, 7, nn.WithPadding(nn.Same))
	convT := mustLayer(t, "ConvTranspose2D", 4, 2, 1, nn.WithPad(2))
	convT3 := mustLayer(t, "ConvTranspose3D", 4, 2, 2)
	c64 := mustLayer(t, "Conv1D", 2, 2, 3, nn.WithDtype(tensor.Float64))
	cases := []struct {
		name     string
		l        nn.Layer
		x        []int
		dt       tensor.Dtype
		sentinel error
		want     string
	}{
		{"rank", conv2, []int{8, 64, 64}, tensor.Float32, graph.ErrShape, `nn: Conv2D "enc1": input must be rank 4 (N, C, H, W), got shape (8, 64, 64)`},
		{"rank-3d", convT3, []int{8, 4, 6, 6}, tensor.Float32, graph.ErrShape, `nn: ConvTranspose3D "enc1": input must be rank 5 (N, C, D, H, W), got shape (8, 4, 6, 6)`},
		{"channels", conv2, []int{8, 3, 64, 64}, tensor.Float32, graph.ErrShape, `nn: Conv2D "enc1": input must have 64 channels (axis 1), got 3 in shape (8, 3, 64, 64)`},
		{"channels-transposed", convT, []int{1, 2, 5, 5}, tensor.Float32, graph.ErrShape, `nn: ConvTranspose2D "enc1": input must have 4 channels (axis 1), got 2`},
		{"kernel-too-large", conv5, []int{2, 3, 4, 9}, tensor.Float32, graph.ErrShape, `nn: Conv2D "enc1": kernel (5, 5) is larger than the padded input (4, 11) on axis H (input shape (2, 3, 4, 9), padding (0, 1) before and (0, 1) after)`},
		{"dilated-kernel-too-large", dil, []int{1, 1, 6}, tensor.Float32, graph.ErrShape, `nn: Conv1D "enc1": kernel (3) with dilation (3) is larger than the padded input (6) on axis L`},
		{"dtype", c64, []int{1, 2, 5}, tensor.Float32, graph.ErrArg, `nn: Conv1D "enc1": input dtype must be float64 like the layer's weights, got float32`},
		{"transposed-output-empty", convT, []int{1, 4, 3, 3}, tensor.Float32, graph.ErrShape, `nn: ConvTranspose2D "enc1": axis H of input shape (1, 4, 3, 3): output size would be -1`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := graph.NewBuilder(graph.Eval)
			x := b.Input("x", c.dt, c.x...)
			y, err := nn.Call(b, "enc1", c.l, x)
			if err == nil {
				t.Fatalf("want an error, got %v", y.Shape())
			}
			checkErr(t, err, c.sentinel, []string{c.want})
		})
	}
	// Same padding never fails on size: a 7x7 kernel on a 2x2 input
	if got, err := outShape(sameS2, 1, 3, 2, 2); err != nil || !tensor.Shape(got).Eq(tensor.Shape{1, 3, 2, 2}) {
		t.Fatalf("same on a small input: %v, %v", got, err)
	}
	// a nil input
	b := graph.NewBuilder(graph.Eval)
	if _, err := conv2.Forward(b, nil); err == nil || !strings.Contains(err.Error(), "Conv2D") {
		t.Fatalf("nil input: %v", err)
	}
}
