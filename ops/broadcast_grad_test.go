package ops_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The ops whose output gradient may be a scalar broadcast (the gradient of
// ops.Sum or ops.Mean of their output) read the scalar instead of the
// filled tensor. broadcastGradCase compares their gradients through that
// path with the general one, where an ops.Scale by 1 between the op and
// the reduction makes the gradient an ordinary tensor: both must agree
// bit for bit (NaN with NaN), and the broadcast must not be computed.

// specialInput is a tensor of dtype dt and the given shape filled with a
// seeded mix of normal values, zeros of both signs, ±Inf and NaN (when
// special is set).
func specialInput(dt tensor.Dtype, seed int64, special bool, shape ...int) *tensor.Dense {
	rng := graph.NewRand(seed)
	n := tensor.Shape(shape).TotalSize()
	vals := make([]float64, n)
	for i := range vals {
		vals[i] = rng.NormFloat64()
		if special {
			switch rng.IntN(16) {
			case 0:
				vals[i] = 0
			case 1:
				vals[i] = math.Copysign(0, -1)
			case 2:
				vals[i] = math.Inf(1)
			case 3:
				vals[i] = math.Inf(-1)
			case 4:
				vals[i] = math.NaN()
			}
		}
	}
	if dt == tensor.Float32 {
		v32 := make([]float32, n)
		for i, v := range vals {
			v32[i] = float32(v)
		}
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(v32))
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(vals))
}

// broadcastGrads runs build on inputs, reduces its output with ops.Sum or
// ops.Mean (through an ops.Scale by 1 when general is set) and returns the
// gradients of every input and whether the output's gradient node was
// computed.
func broadcastGrads(t *testing.T, inputs []*tensor.Dense, build func(xs []*G.Node) (*G.Node, error), mean, general bool) ([]tensor.Tensor, bool) {
	t.Helper()
	b := graph.NewBuilder(graph.Train)
	xs := make([]*G.Node, len(inputs))
	for i, in := range inputs {
		xs[i] = b.InputValue(fmt.Sprintf("x%d", i), in.Clone().(*tensor.Dense))
	}
	y, err := build(xs)
	if err != nil {
		t.Fatal(err)
	}
	r := y
	if general {
		if r, err = ops.Scale(y, 1); err != nil {
			t.Fatal(err)
		}
	}
	var cost *G.Node
	if mean {
		cost, err = ops.Mean(r)
	} else {
		cost, err = ops.Sum(r)
	}
	if err != nil {
		t.Fatal(err)
	}
	grads, err := graph.Grad(cost, xs...)
	if err != nil {
		t.Fatal(err)
	}
	m, err := graph.NewMachine(b.Graph())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for range 2 { // the second run reuses every buffer
		if err := graph.Run(m); err != nil {
			t.Fatal(err)
		}
	}
	out := make([]tensor.Tensor, len(grads))
	for i, g := range grads {
		out[i] = g.Value().(tensor.Tensor).Clone().(tensor.Tensor)
	}
	computed := y.Deriv() != nil && y.Deriv().Value() != nil
	return out, computed
}

// sameBits reports whether a and b hold the same values bit for bit,
// any NaN matching any NaN.
func sameBits(a, b tensor.Tensor) error {
	get := func(t tensor.Tensor) []float64 {
		switch d := t.Data().(type) {
		case []float32:
			out := make([]float64, len(d))
			for i, v := range d {
				out[i] = float64(v)
			}
			return out
		case []float64:
			return d
		case float32:
			return []float64{float64(d)}
		case float64:
			return []float64{d}
		}
		return nil
	}
	x, y := get(a), get(b)
	if len(x) != len(y) || len(x) == 0 {
		return fmt.Errorf("lengths %d and %d", len(x), len(y))
	}
	for i := range x {
		if math.IsNaN(x[i]) && math.IsNaN(y[i]) {
			continue
		}
		if math.Float64bits(x[i]) != math.Float64bits(y[i]) {
			return fmt.Errorf("element %d: %v, want %v", i, x[i], y[i])
		}
	}
	return nil
}

// checkBroadcastGrad compares the two paths for build on inputs, for Sum
// and Mean.
func checkBroadcastGrad(t *testing.T, name string, inputs []*tensor.Dense, build func(xs []*G.Node) (*G.Node, error)) {
	t.Helper()
	for _, mean := range []bool{false, true} {
		got, computed := broadcastGrads(t, inputs, build, mean, false)
		want, _ := broadcastGrads(t, inputs, build, mean, true)
		if computed {
			t.Errorf("%s mean=%v: the broadcast gradient of the output was computed", name, mean)
		}
		for i := range got {
			if err := sameBits(got[i], want[i]); err != nil {
				t.Errorf("%s mean=%v: grad of input %d: %v", name, mean, i, err)
			}
		}
	}
}

func TestActivationsScalarBroadcastGrad(t *testing.T) {
	names := []string{"sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "softsign"}
	shapes := [][]int{{1}, {7}, {3, 5, 7}, {2, 2049}, {5000}}
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		for _, name := range names {
			fn := activationByName(name, 0.3)
			for i, shape := range shapes {
				x := specialInput(dt, int64(i+1), true, shape...)
				checkBroadcastGrad(t, fmt.Sprint(name, dt, shape), []*tensor.Dense{x}, func(xs []*G.Node) (*G.Node, error) {
					return fn(xs[0])
				})
			}
		}
	}
}

func TestPadConcatScalarBroadcastGrad(t *testing.T) {
	cases := []struct {
		name   string
		shapes [][]int
		build  func(xs []*G.Node) (*G.Node, error)
	}{
		{"pad1d", [][]int{{2, 3, 7}}, func(xs []*G.Node) (*G.Node, error) { return ops.Pad(xs[0], []int{2}, []int{1}) }},
		{"pad2d", [][]int{{2, 3, 5, 4}}, func(xs []*G.Node) (*G.Node, error) { return ops.Pad(xs[0], []int{1, 0}, []int{2, 3}) }},
		{"pad3d", [][]int{{1, 2, 3, 4, 5}}, func(xs []*G.Node) (*G.Node, error) {
			return ops.Pad(xs[0], []int{1, 0, 2}, []int{0, 2, 1})
		}},
		{"concat-axis1", [][]int{{2, 3, 5}, {2, 1, 5}, {2, 4, 5}}, func(xs []*G.Node) (*G.Node, error) { return ops.Concat(1, xs...) }},
		{"concat-axis0", [][]int{{3, 7}, {2, 7}}, func(xs []*G.Node) (*G.Node, error) { return ops.Concat(0, xs...) }},
		{"concat-last", [][]int{{2, 3, 1}, {2, 3, 2049}}, func(xs []*G.Node) (*G.Node, error) { return ops.Concat(-1, xs...) }},
	}
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		for _, c := range cases {
			var in []*tensor.Dense
			for i, s := range c.shapes {
				in = append(in, specialInput(dt, int64(i+1), false, s...))
			}
			checkBroadcastGrad(t, fmt.Sprint(c.name, dt), in, c.build)
		}
	}
}

func TestSoftmaxScalarBroadcastGrad(t *testing.T) {
	cases := []struct {
		shape []int
		axis  int
	}{{[]int{3, 7}, 1}, {[]int{2, 1001}, -1}, {[]int{2, 5, 3, 3}, 1}, {[]int{4, 3}, 0}, {[]int{1}, 0}}
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		for i, c := range cases {
			x := specialInput(dt, int64(i+1), false, c.shape...)
			for _, log := range []bool{false, true} {
				checkBroadcastGrad(t, fmt.Sprint("softmax", log, dt, c.shape), []*tensor.Dense{x}, func(xs []*G.Node) (*G.Node, error) {
					if log {
						return ops.LogSoftmax(xs[0], c.axis)
					}
					return ops.Softmax(xs[0], c.axis)
				})
			}
		}
	}
}

// TestReadIntermediateGradient reads the gradient of an intermediate node
// (an activation summed to the cost, whose backward takes the scalar) with
// gorgonia.Read, as graph.NewMachine's doc says to: it is computed, all
// ones, although the activation's own backward does not need it.
func TestReadIntermediateGradient(t *testing.T) {
	b := graph.NewBuilder(graph.Train)
	x := b.InputValue("x", tensor.New(tensor.WithShape(2, 3), tensor.WithBacking([]float64{-1, 2, 3, -4, 5, 6})))
	a, err := ops.ReLU(x)
	if err != nil {
		t.Fatal(err)
	}
	cost, err := ops.Sum(a)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := graph.Grad(cost, x); err != nil {
		t.Fatal(err)
	}
	var v G.Value
	G.Read(a.Deriv(), &v)
	m, err := graph.NewMachine(b.Graph())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := graph.Run(m); err != nil {
		t.Fatal(err)
	}
	if v == nil {
		t.Fatal("the read gradient of the intermediate node has no value")
	}
	for i, f := range v.Data().([]float64) {
		if f != 1 {
			t.Fatalf("dcost/da[%d] = %v, want 1", i, f)
		}
	}
}
