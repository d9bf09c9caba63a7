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

// poolLayer is what the tests need from every pooling and upsampling layer.
type poolLayer interface {
	nn.Layer
	nn.Describer
	String() string
}

// newPoolLayer builds one of the layers of pool.go by name.
// The options are typed for pooling; the upsampling layers take those
// that every layer takes (nn.Option).
func newPoolLayer(kind string, k int, opts ...nn.PoolOption) (poolLayer, error) {
	var upOpts []nn.Option
	if strings.HasPrefix(kind, "Upsample") {
		for _, o := range opts {
			uo, ok := o.(nn.Option)
			if !ok && o != nil {
				return nil, fmt.Errorf("%T is not an option of %s", o, kind)
			}
			upOpts = append(upOpts, uo)
		}
	}
	switch kind {
	case "MaxPool1D":
		return nn.NewMaxPool1D(k, opts...)
	case "MaxPool2D":
		return nn.NewMaxPool2D(k, opts...)
	case "MaxPool3D":
		return nn.NewMaxPool3D(k, opts...)
	case "AvgPool1D":
		return nn.NewAvgPool1D(k, opts...)
	case "AvgPool2D":
		return nn.NewAvgPool2D(k, opts...)
	case "AvgPool3D":
		return nn.NewAvgPool3D(k, opts...)
	case "GlobalAvgPool":
		return nn.NewGlobalAvgPool(), nil
	case "Upsample1D":
		return nn.NewUpsample1D(k, upOpts...)
	case "Upsample2D":
		return nn.NewUpsample2D(k, upOpts...)
	case "Upsample3D":
		return nn.NewUpsample3D(k, upOpts...)
	case "UpsampleBilinear2D":
		return nn.NewUpsampleBilinear2D(k, upOpts...)
	}
	return nil, fmt.Errorf("unknown layer %s", kind)
}

// poolRun builds l on an input of the given shape and dtype, runs the graph
// (so InferShape and Do are both used) and returns the output shape as the
// graph declares it and as the run produced it.
func poolRun(t *testing.T, l nn.Layer, dt tensor.Dtype, shape ...int) (declared, produced []int, err error) {
	t.Helper()
	b := graph.NewBuilder(graph.Eval)
	x := b.Input("x", dt, shape...)
	y, err := nn.Call(b, "pool", l, x)
	if err != nil {
		return nil, nil, err
	}
	var v G.Value
	G.Read(y, &v)
	m, err := graph.NewMachine(b.Graph())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	n := tensor.Shape(shape).TotalSize()
	xt := tensor.New(tensor.Of(dt), tensor.WithShape(shape...))
	if dt == tensor.Float64 {
		for i := range n {
			xt.Float64s()[i] = float64(i % 7)
		}
	}
	if err := G.Let(x, xt); err != nil {
		t.Fatal(err)
	}
	if err := graph.Run(m); err != nil {
		t.Fatal(err)
	}
	return []int(y.Shape().Clone()), []int(v.Shape().Clone()), nil
}

func TestPoolLayerShapes(t *testing.T) {
	cases := []struct {
		name, kind string
		k          int
		opts       []nn.PoolOption
		x, want    []int
	}{
		{"max1d-k2", "MaxPool1D", 2, nil, []int{2, 3, 11}, []int{2, 3, 5}},
		{"max1d-k3-s1-p1", "MaxPool1D", 3, []nn.PoolOption{nn.WithStride(1), nn.WithPad(1)}, []int{2, 3, 11}, []int{2, 3, 11}},
		{"max1d-k2-ceil", "MaxPool1D", 2, []nn.PoolOption{nn.WithCeilMode(true)}, []int{1, 1, 11}, []int{1, 1, 6}},
		{"max2d-k2", "MaxPool2D", 2, nil, []int{8, 32, 26, 26}, []int{8, 32, 13, 13}},
		{"max2d-k2-odd", "MaxPool2D", 2, nil, []int{1, 64, 11, 11}, []int{1, 64, 5, 5}},
		{"max2d-k2-odd-ceil", "MaxPool2D", 2, []nn.PoolOption{nn.WithCeilMode(true)}, []int{1, 64, 11, 11}, []int{1, 64, 6, 6}},
		{"max2d-k3-s2-p1", "MaxPool2D", 3, []nn.PoolOption{nn.WithStride(2), nn.WithPad(1)}, []int{2, 64, 112, 112}, []int{2, 64, 56, 56}},
		{"max2d-k3-s2-valid", "MaxPool2D", 3, []nn.PoolOption{nn.WithStride(2)}, []int{1, 4, 35, 35}, []int{1, 4, 17, 17}},
		{"max2d-k3-s2-same", "MaxPool2D", 3, []nn.PoolOption{nn.WithStride(2), nn.WithPadding(nn.Same)}, []int{1, 4, 35, 35}, []int{1, 4, 18, 18}},
		{"max2d-k2-same", "MaxPool2D", 2, []nn.PoolOption{nn.WithPadding(nn.Same)}, []int{1, 4, 7, 8}, []int{1, 4, 4, 4}},
		{"max2d-k1x3", "MaxPool2D", 0, []nn.PoolOption{nn.WithKernel(1, 3), nn.WithStride(1, 2)}, []int{1, 2, 5, 9}, []int{1, 2, 5, 4}},
		{"max2d-ceil-last-window-dropped", "MaxPool2D", 2, []nn.PoolOption{nn.WithStride(2), nn.WithPad(1), nn.WithCeilMode(true)}, []int{1, 1, 5, 5}, []int{1, 1, 3, 3}},
		{"max3d-k2", "MaxPool3D", 2, nil, []int{1, 2, 8, 9, 10}, []int{1, 2, 4, 4, 5}},
		{"max3d-k3-s2-p1", "MaxPool3D", 3, []nn.PoolOption{nn.WithStride(2), nn.WithPad(1)}, []int{1, 2, 5, 6, 7}, []int{1, 2, 3, 3, 4}},
		{"avg1d-k3-s2", "AvgPool1D", 3, []nn.PoolOption{nn.WithStride(2)}, []int{2, 3, 10}, []int{2, 3, 4}},
		{"avg2d-k2", "AvgPool2D", 2, nil, []int{2, 3, 8, 8}, []int{2, 3, 4, 4}},
		{"avg2d-k3-same-s1", "AvgPool2D", 3, []nn.PoolOption{nn.WithStride(1), nn.WithPadding(nn.Same)}, []int{2, 3, 8, 8}, []int{2, 3, 8, 8}},
		{"avg2d-k3-s2-p1-ceil", "AvgPool2D", 3, []nn.PoolOption{nn.WithStride(2), nn.WithPad(1), nn.WithCeilMode(true)}, []int{1, 1, 8, 8}, []int{1, 1, 5, 5}},
		{"avg3d-k2", "AvgPool3D", 2, nil, []int{1, 2, 4, 6, 6}, []int{1, 2, 2, 3, 3}},
		{"gap-2d", "GlobalAvgPool", 0, nil, []int{32, 512, 4, 4}, []int{32, 512}},
		{"gap-1d", "GlobalAvgPool", 0, nil, []int{2, 3, 5}, []int{2, 3}},
		{"gap-3d", "GlobalAvgPool", 0, nil, []int{2, 3, 2, 3, 4}, []int{2, 3}},
		{"up1d-x3", "Upsample1D", 3, nil, []int{2, 3, 5}, []int{2, 3, 15}},
		{"up2d-x2", "Upsample2D", 2, nil, []int{2, 3, 7, 5}, []int{2, 3, 14, 10}},
		{"up3d-x2", "Upsample3D", 2, nil, []int{1, 2, 3, 4, 5}, []int{1, 2, 6, 8, 10}},
		{"bilinear-x2", "UpsampleBilinear2D", 2, nil, []int{2, 3, 7, 5}, []int{2, 3, 14, 10}},
		{"bilinear-x1", "UpsampleBilinear2D", 1, nil, []int{1, 1, 3, 3}, []int{1, 1, 3, 3}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, err := newPoolLayer(c.kind, c.k, c.opts...)
			if err != nil {
				t.Fatalf("%+v", err)
			}
			for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
				declared, produced, err := poolRun(t, l, dt, c.x...)
				if err != nil {
					t.Fatalf("%v: %+v", dt, err)
				}
				if fmt.Sprint(declared) != fmt.Sprint(c.want) || fmt.Sprint(produced) != fmt.Sprint(c.want) {
					t.Errorf("%v: %v -> declared %v, produced %v, want %v", dt, c.x, declared, produced, c.want)
				}
			}
			if n := nn.NumParams(l); n != 0 || len(l.Params()) != 0 {
				t.Errorf("NumParams = %d, Params %v", n, l.Params())
			}
			lines := l.Describe(tensor.Shape(c.x), tensor.Shape(c.want))
			if len(lines) == 0 || lines[len(lines)-1] != "params = 0" {
				t.Errorf("Describe ends with %q, want params = 0", lines)
			}
		})
	}
}

// The layers compute what the ops compute: Same average pooling excludes
// the padding (Keras), explicit padding counts it (PyTorch).
func TestPoolLayerValues(t *testing.T) {
	x := tensor.New(tensor.WithShape(1, 1, 3, 3), tensor.WithBacking([]float64{
		1, 2, 3,
		4, 5, 6,
		7, 8, 9,
	}))
	cases := []struct {
		name string
		mk   func() (nn.Layer, error)
		want []float64
	}{
		{"avg-same-excludes-pad", func() (nn.Layer, error) { return nn.NewAvgPool2D(2, nn.WithPadding(nn.Same)) },
			// windows (after the odd padding element at the end): [1 2 4 5], [3 6], [7 8], [9]
			[]float64{3, 4.5, 7.5, 9}},
		{"avg-pad1-counts-pad", func() (nn.Layer, error) { return nn.NewAvgPool2D(2, nn.WithPad(1)) },
			[]float64{0.25, 1.25, 2.75, 7}},
		{"max-same", func() (nn.Layer, error) { return nn.NewMaxPool2D(2, nn.WithPadding(nn.Same)) },
			[]float64{5, 6, 8, 9}},
		{"max-ceil", func() (nn.Layer, error) { return nn.NewMaxPool2D(2, nn.WithCeilMode(true)) },
			[]float64{5, 6, 8, 9}},
		{"gap", func() (nn.Layer, error) { return nn.NewGlobalAvgPool(), nil }, []float64{5}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, err := c.mk()
			if err != nil {
				t.Fatal(err)
			}
			y, err := nn.Predict(l, x)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := graph.Float64s(y)
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestPoolLayerGradCheck(t *testing.T) {
	cases := []struct {
		kind  string
		k     int
		opts  []nn.PoolOption
		shape []int
	}{
		{"MaxPool1D", 3, []nn.PoolOption{nn.WithStride(2), nn.WithPad(1)}, []int{2, 2, 7}},
		{"MaxPool2D", 2, nil, []int{2, 2, 4, 5}},
		{"MaxPool2D", 3, []nn.PoolOption{nn.WithStride(2), nn.WithPadding(nn.Same)}, []int{1, 2, 5, 6}},
		{"MaxPool2D", 2, []nn.PoolOption{nn.WithCeilMode(true)}, []int{1, 2, 5, 5}},
		{"MaxPool3D", 2, nil, []int{1, 2, 3, 4, 4}},
		{"AvgPool1D", 2, []nn.PoolOption{nn.WithPad(1)}, []int{2, 2, 5}},
		{"AvgPool2D", 3, []nn.PoolOption{nn.WithStride(2), nn.WithPad(1), nn.WithCeilMode(true)}, []int{1, 2, 6, 5}},
		{"AvgPool2D", 2, []nn.PoolOption{nn.WithPadding(nn.Same)}, []int{1, 2, 5, 5}},
		{"AvgPool3D", 2, []nn.PoolOption{nn.WithStride(1)}, []int{1, 1, 3, 3, 4}},
		{"GlobalAvgPool", 0, nil, []int{2, 3, 3, 2}},
		{"Upsample1D", 2, nil, []int{2, 2, 3}},
		{"Upsample2D", 2, nil, []int{1, 2, 3, 3}},
		{"Upsample3D", 2, nil, []int{1, 1, 2, 2, 3}},
		{"UpsampleBilinear2D", 2, nil, []int{1, 2, 3, 4}},
	}
	for i, c := range cases {
		l, err := newPoolLayer(c.kind, c.k, c.opts...)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := nn.GradCheck(l, c.shape, graph.GradCheckOptions{Seed: int64(i + 1)})
		if err != nil {
			t.Fatalf("%v: %+v", l, err)
		}
		if !rep.OK() {
			t.Errorf("%v on %v:\n%s", l, c.shape, rep)
		}
	}
}

func TestPoolLayerBadArguments(t *testing.T) {
	ctor := []struct {
		name, want string
		mk         func() (poolLayer, error)
	}{
		{"kernel0", "nn: NewMaxPool2D: kernel size must be positive, got 0", func() (poolLayer, error) { return nn.NewMaxPool2D(0) }},
		{"kernel-negative", "nn: NewAvgPool1D: kernel size must be positive, got -2", func() (poolLayer, error) { return nn.NewAvgPool1D(-2) }},
		{"stride0", "nn: NewMaxPool2D: stride must be >= 1, got [0 0]", func() (poolLayer, error) { return nn.NewMaxPool2D(2, nn.WithStride(0)) }},
		{"stride-axes", "nn: NewMaxPool3D: stride needs 1 or 3 values, got 2", func() (poolLayer, error) { return nn.NewMaxPool3D(2, nn.WithStride(1, 2)) }},
		{"pad-over-half", "nn: NewMaxPool2D: padding must be at most half the kernel, got padding 2 for kernel 3",
			func() (poolLayer, error) { return nn.NewMaxPool2D(3, nn.WithPad(2)) }},
		{"pad-negative", "nn: NewAvgPool2D: padding must be >= 0, got [-1 -1]", func() (poolLayer, error) { return nn.NewAvgPool2D(3, nn.WithPad(-1)) }},
		{"pad-and-same", "nn: NewMaxPool2D: WithPad([1]) and WithPadding(same) contradict each other",
			func() (poolLayer, error) { return nn.NewMaxPool2D(3, nn.WithPad(1), nn.WithPadding(nn.Same)) }},
		{"bad-mode", "nn: NewMaxPool1D: padding mode must be Valid, Same or Explicit, got PaddingMode(7)",
			func() (poolLayer, error) { return nn.NewMaxPool1D(3, nn.WithPadding(nn.PaddingMode(7))) }},
		{"up-factor0", "nn: NewUpsample2D: factor must be >= 1, got 0", func() (poolLayer, error) { return nn.NewUpsample2D(0) }},
	}
	for _, c := range ctor {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.mk()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
			if !errors.Is(err, graph.ErrArg) {
				t.Errorf("%v is not ErrArg", err)
			}
		})
	}

	g := G.NewGraph()
	x3 := G.NewTensor(g, tensor.Float32, 3, G.WithShape(8, 64, 64), G.WithName("x3"))
	x4 := G.NewTensor(g, tensor.Float32, 4, G.WithShape(1, 2, 2, 2), G.WithName("x4"))
	xi := G.NewTensor(g, tensor.Int, 4, G.WithShape(1, 2, 4, 4), G.WithName("xi"))
	x2 := G.NewTensor(g, tensor.Float64, 2, G.WithShape(8, 64), G.WithName("x2"))
	fwd := []struct {
		name, kind string
		k          int
		opts       []nn.PoolOption
		x          *G.Node
		want       string
		is         error
	}{
		{"rank", "MaxPool2D", 2, nil, x3, `nn: MaxPool2D "pool1": input must be rank 4 (N, C, H, W), got shape (8, 64, 64)`, graph.ErrShape},
		{"rank1d", "AvgPool1D", 2, nil, x4, `nn: AvgPool1D "pool1": input must be rank 3 (N, C, L), got shape (1, 2, 2, 2)`, graph.ErrShape},
		{"rank3d", "MaxPool3D", 2, nil, x4, `nn: MaxPool3D "pool1": input must be rank 5 (N, C, D, H, W), got shape (1, 2, 2, 2)`, graph.ErrShape},
		{"kernel-too-big", "MaxPool2D", 3, nil, x4,
			`nn: MaxPool2D "pool1": kernel (3, 3) is larger than the padded input (2, 2) on axis H (input shape (1, 2, 2, 2), padding (0, 0) before and (0, 0) after)`, graph.ErrShape},
		{"kernel-too-big-with-pad", "AvgPool2D", 0, []nn.PoolOption{nn.WithKernel(5, 1), nn.WithPad(1, 0)}, x4,
			`nn: AvgPool2D "pool1": kernel (5, 1) is larger than the padded input (4, 2) on axis H`, graph.ErrShape},
		{"int-input", "MaxPool2D", 2, nil, xi, `nn: MaxPool2D "pool1": input dtype must be float32 or float64, got int`, graph.ErrArg},
		{"nil-input", "AvgPool2D", 2, nil, nil, `nn: AvgPool2D "pool1": input is nil`, graph.ErrArg},
		{"gap-rank2", "GlobalAvgPool", 0, nil, x2, `nn: GlobalAvgPool "pool1": input must be rank 3 or more (N, C, spatial...), got shape (8, 64)`, graph.ErrShape},
		{"gap-int", "GlobalAvgPool", 0, nil, xi, `nn: GlobalAvgPool "pool1": input dtype must be float32 or float64, got int`, graph.ErrArg},
		{"up-rank", "Upsample2D", 2, nil, x3, `nn: Upsample2D "pool1": input must be rank 4 (N, C, H, W), got shape (8, 64, 64)`, graph.ErrShape},
		{"bilinear-int", "UpsampleBilinear2D", 2, nil, xi, `nn: UpsampleBilinear2D "pool1": input dtype must be float32 or float64, got int`, graph.ErrArg},
	}
	for _, c := range fwd {
		t.Run(c.name, func(t *testing.T) {
			l, err := newPoolLayer(c.kind, c.k, c.opts...)
			if err != nil {
				t.Fatal(err)
			}
			b := graph.NewBuilder(graph.Eval)
			_, err = nn.Call(b, "pool1", l, c.x)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v,\nwant %q", err, c.want)
			}
			if !errors.Is(err, c.is) {
				t.Errorf("%v is not %v", err, c.is)
			}
		})
	}
}

func TestPoolLayerStrings(t *testing.T) {
	cases := []struct {
		kind string
		k    int
		opts []nn.PoolOption
		want string
	}{
		{"MaxPool2D", 2, nil, "MaxPool2D(kernel=2)"},
		{"MaxPool2D", 3, []nn.PoolOption{nn.WithStride(2), nn.WithPad(1)}, "MaxPool2D(kernel=3, stride=2, pad=1)"},
		{"AvgPool1D", 3, []nn.PoolOption{nn.WithStride(1), nn.WithPadding(nn.Same)}, "AvgPool1D(kernel=3, stride=1, padding=same)"},
		{"MaxPool3D", 2, []nn.PoolOption{nn.WithCeilMode(true)}, "MaxPool3D(kernel=2, ceil_mode=true)"},
		{"MaxPool2D", 0, []nn.PoolOption{nn.WithKernel(1, 3)}, "MaxPool2D(kernel=(1, 3))"},
		{"GlobalAvgPool", 0, nil, "GlobalAvgPool()"},
		{"Upsample3D", 2, nil, "Upsample3D(scale_factor=2)"},
		{"UpsampleBilinear2D", 4, nil, "UpsampleBilinear2D(scale_factor=4)"},
	}
	for _, c := range cases {
		l, err := newPoolLayer(c.kind, c.k, c.opts...)
		if err != nil {
			t.Fatal(err)
		}
		if got := l.String(); got != c.want {
			t.Errorf("String() = %q, want %q", got, c.want)
		}
	}
}

func TestPoolLayerDescribe(t *testing.T) {
	cases := []struct {
		kind    string
		k       int
		opts    []nn.PoolOption
		in, out []int
		want    []string
	}{
		{"MaxPool2D", 2, nil, []int{1, 32, 26, 26}, []int{1, 32, 13, 13}, []string{
			"H2 = floor((H1 - k + 2P)/S) + 1 = floor((26 - 2 + 0)/2) + 1 = 13",
			"W2 = floor((W1 - k + 2P)/S) + 1 = floor((26 - 2 + 0)/2) + 1 = 13",
			"params = 0"}},
		{"AvgPool1D", 3, []nn.PoolOption{nn.WithStride(2), nn.WithPad(1)}, []int{1, 2, 9}, []int{1, 2, 5}, []string{
			"L2 = floor((L1 - k + 2P)/S) + 1 = floor((9 - 3 + 2)/2) + 1 = 5",
			"params = 0"}},
		{"MaxPool2D", 2, []nn.PoolOption{nn.WithCeilMode(true)}, []int{1, 1, 11, 10}, []int{1, 1, 6, 5}, []string{
			"H2 = ceil((H1 - k + 2P)/S) + 1 = ceil((11 - 2 + 0)/2) + 1 = 6",
			"W2 = ceil((W1 - k + 2P)/S) + 1 = ceil((10 - 2 + 0)/2) + 1 = 5",
			"params = 0"}},
		{"MaxPool1D", 2, []nn.PoolOption{nn.WithPad(1), nn.WithCeilMode(true)}, []int{1, 1, 5}, []int{1, 1, 3}, []string{
			"L2 = ceil((L1 - k + 2P)/S) + 1 = ceil((5 - 2 + 2)/2) + 1 - 1 = 3 (the last window would start in the padding)",
			"params = 0"}},
		{"MaxPool2D", 3, []nn.PoolOption{nn.WithStride(2), nn.WithPadding(nn.Same)}, []int{1, 4, 35, 36}, []int{1, 4, 18, 18}, []string{
			"H2 = ceil(H1/S) = ceil(35/2) = 18 (padding same: 1 before, 1 after)",
			"W2 = ceil(W1/S) = ceil(36/2) = 18 (padding same: 0 before, 1 after)",
			"params = 0"}},
		{"MaxPool3D", 2, nil, []int{1, 1, 4, 6, 8}, []int{1, 1, 2, 3, 4}, []string{
			"D2 = floor((D1 - k + 2P)/S) + 1 = floor((4 - 2 + 0)/2) + 1 = 2",
			"H2 = floor((H1 - k + 2P)/S) + 1 = floor((6 - 2 + 0)/2) + 1 = 3",
			"W2 = floor((W1 - k + 2P)/S) + 1 = floor((8 - 2 + 0)/2) + 1 = 4",
			"params = 0"}},
		{"GlobalAvgPool", 0, nil, []int{8, 512, 7, 7}, []int{8, 512}, []string{
			"out[n][c] = mean of 7*7 = 49 values",
			"params = 0"}},
		{"Upsample2D", 2, nil, []int{1, 3, 14, 10}, []int{1, 3, 28, 20}, []string{
			"H2 = H1*f = 14*2 = 28",
			"W2 = W1*f = 10*2 = 20",
			"params = 0"}},
	}
	for _, c := range cases {
		l, err := newPoolLayer(c.kind, c.k, c.opts...)
		if err != nil {
			t.Fatal(err)
		}
		// the layer really produces the described shape
		_, produced, err := poolRun(t, l, tensor.Float32, c.in...)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(produced) != fmt.Sprint(c.out) {
			t.Fatalf("%v: %v -> %v, the case says %v", l, c.in, produced, c.out)
		}
		got := l.Describe(tensor.Shape(c.in), tensor.Shape(c.out))
		if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
			t.Errorf("%v: Describe\n%s\nwant\n%s", l, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
		}
	}
}

// SegNet's encoder-decoder pair: ForwardWithIndices, then ops.MaxUnpool2D,
// puts each maximum back in place; the indices agree with the plain
// pooling, and the gradient flows through the pooled values.
func TestMaxPool2DForwardWithIndices(t *testing.T) {
	pool, err := nn.NewMaxPool2D(2)
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.New(tensor.WithShape(1, 1, 4, 4), tensor.WithBacking([]float64{
		1, 3, 0, 2,
		4, 2, 1, 1,
		0, 0, 5, 6,
		7, 1, 8, 0,
	}))
	b := graph.NewBuilder(graph.Eval)
	xn := b.InputValue("x", x)
	out, idx, err := pool.ForwardWithIndices(b, xn)
	if err != nil {
		t.Fatal(err)
	}
	up, err := ops.MaxUnpool2D(out, idx, 4, 4)
	if err != nil {
		t.Fatal(err)
	}
	var ov, iv, uv G.Value
	G.Read(out, &ov)
	G.Read(idx, &iv)
	G.Read(up, &uv)
	m, err := graph.NewMachine(b.Graph())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := graph.Run(m); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(ov.Data(), iv.Data()); got != "[4 2 7 8] [4 3 12 14]" {
		t.Errorf("pooled and indices %s", got)
	}
	want := []float64{0, 0, 0, 2, 4, 0, 0, 0, 0, 0, 0, 0, 7, 0, 8, 0}
	if fmt.Sprint(uv.Data()) != fmt.Sprint(want) {
		t.Errorf("unpooled %v, want %v", uv.Data(), want)
	}
	// bad input is the layer's error
	_, _, err = pool.ForwardWithIndices(graph.NewBuilder(graph.Eval), G.NewTensor(G.NewGraph(), tensor.Float64, 3, G.WithShape(1, 4, 4), G.WithName("x")))
	if err == nil || !strings.Contains(err.Error(), "nn: MaxPool2D: input must be rank 4") {
		t.Errorf("error %v", err)
	}
	// gradient through pool -> unpool, float64
	rep, err := graph.CheckGradients([]*tensor.Dense{x}, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
		out, idx, err := pool.ForwardWithIndices(b, xs[0])
		if err != nil {
			return nil, err
		}
		return ops.MaxUnpool2D(out, idx, 4, 4)
	}, graph.GradCheckOptions{})
	if err != nil || !rep.OK() {
		t.Fatalf("%v\n%v", err, rep)
	}
}

// Pooling layers inside a Sequential: Summary-style shapes, Predict in
// float32, no Params.
func TestPoolLayersInSequential(t *testing.T) {
	conv, err := nn.NewConv2D(1, 4, 3, nn.WithPad(1))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := nn.NewMaxPool2D(2)
	up, _ := nn.NewUpsample2D(2)
	a, _ := nn.NewAvgPool2D(2)
	s, err := nn.NewSequential(conv, p, up, a, nn.NewGlobalAvgPool())
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.New(tensor.WithShape(3, 1, 8, 8), tensor.WithBacking(make([]float32, 3*64)))
	for i := range x.Float32s() {
		x.Float32s()[i] = float32(math.Sin(float64(i)))
	}
	y, err := nn.Predict(s, x)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(y.Shape()) != "(3, 4)" {
		t.Fatalf("output shape %v", y.Shape())
	}
	if nn.NumParams(s) != nn.NumParams(conv) {
		t.Fatalf("pooling layers added parameters")
	}
}
