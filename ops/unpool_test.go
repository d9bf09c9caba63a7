package ops_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/internal/golden"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// pool2dArgs reads kernel, stride, pad (and out_hw) of a 2-D case.
func pool2dArgs(t *testing.T, c golden.Case) (k, s, p, out [2]int) {
	t.Helper()
	for i, name := range []string{"kernel", "stride", "pad", "out_hw"} {
		v, err := c.Ints(name, 2)
		if err != nil {
			t.Fatal(err)
		}
		dst := []*[2]int{&k, &s, &p, &out}[i]
		*dst = [2]int{v[0], v[1]}
	}
	return
}

// runForward builds fn in a fresh graph and returns the values of the
// nodes it returns, as float64, and their shapes.
func runForward(t *testing.T, build func(b *graph.Builder) ([]*G.Node, error)) ([][]float64, [][]int) {
	t.Helper()
	b := graph.NewBuilder(graph.Eval)
	nodes, err := build(b)
	if err != nil {
		t.Fatal(err)
	}
	vals := make([]G.Value, len(nodes))
	for i, n := range nodes {
		G.Read(n, &vals[i])
	}
	m, err := graph.NewMachine(b.Graph())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := graph.Run(m); err != nil {
		t.Fatal(err)
	}
	out := make([][]float64, len(nodes))
	shapes := make([][]int, len(nodes))
	for i, v := range vals {
		if out[i], err = graph.Float64s(v.(tensor.Tensor)); err != nil {
			t.Fatal(err)
		}
		shapes[i] = v.Shape().Clone()
	}
	return out, shapes
}

func TestMaxPool2DIndicesAndUnpoolMatchPyTorch(t *testing.T) {
	f := loadGolden(t, "max_pool2d_indices_unpool.json")
	for _, c := range f.Cases {
		k, s, p, hw := pool2dArgs(t, c)
		poolIn, pooled, indices := c.Extra["pool_input"], c.Extra["pooled"], c.Extra["indices"]
		if poolIn.Data == nil || pooled.Data == nil || indices.Data == nil {
			t.Fatalf("%s: missing pool_input, pooled or indices", c.Name)
		}
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			tol := tol64
			if dt == tensor.Float32 {
				tol = tol32
			}
			t.Run(fmt.Sprintf("%s/pool-%v", c.Name, dt), func(t *testing.T) {
				got, shapes := runForward(t, func(b *graph.Builder) ([]*G.Node, error) {
					out, idx, err := ops.MaxPool2DIndices(b.InputValue("x", poolIn.Dense(dt)), k, s, p)
					return []*G.Node{out, idx}, err
				})
				if _, err := golden.Compare(got[0], shapes[0], pooled, tol); err != nil {
					t.Errorf("pooled: %v", err)
				}
				if _, err := golden.Compare(got[1], shapes[1], indices, 0); err != nil {
					t.Errorf("indices: %v", err)
				}
			})
			// the SegNet chain: pool, then unpool y with our own indices
			t.Run(fmt.Sprintf("%s/chain-%v", c.Name, dt), func(t *testing.T) {
				got, shapes := runForward(t, func(b *graph.Builder) ([]*G.Node, error) {
					_, idx, err := ops.MaxPool2DIndices(b.InputValue("x", poolIn.Dense(dt)), k, s, p)
					if err != nil {
						return nil, err
					}
					y, err := ops.MaxUnpool2D(b.InputValue("y", c.Inputs["y"].Dense(dt)), idx, hw[0], hw[1])
					return []*G.Node{y}, err
				})
				if _, err := golden.Compare(got[0], shapes[0], c.Output, tol); err != nil {
					t.Errorf("unpooled: %v", err)
				}
			})
		}
		// unpool with the reference indices as a float input (both dtypes)
		t.Run(c.Name+"/unpool", func(t *testing.T) {
			inputs := map[string]golden.Tensor{"y": c.Inputs["y"], "indices": indices}
			goldenCase(t, c, inputs, []string{"y"}, func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
				return ops.MaxUnpool2D(xs["y"], xs["indices"], hw[0], hw[1])
			})
		})
		// and as an integer input of each integer dtype
		for _, idt := range []tensor.Dtype{tensor.Int, tensor.Int64, tensor.Int32} {
			t.Run(fmt.Sprintf("%s/unpool-%v-indices", c.Name, idt), func(t *testing.T) {
				it := intTensor(idt, indices)
				for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
					out, shape, grads, err := forwardBackward(dt, map[string]*tensor.Dense{"y": c.Inputs["y"].Dense(tensor.Float64)}, []string{"y"},
						c.Upstream.Dense(tensor.Float64), func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
							return ops.MaxUnpool2D(xs["y"], b.InputValue("indices", it), hw[0], hw[1])
						})
					if err != nil {
						t.Fatalf("%v: %+v", dt, err)
					}
					if _, err := golden.Compare(out, shape, c.Output, tol32); err != nil {
						t.Errorf("%v: output: %v", dt, err)
					}
					if _, err := golden.Compare(grads["y"], c.Inputs["y"].Shape, c.Grads["y"], tol32); err != nil {
						t.Errorf("%v: grad: %v", dt, err)
					}
				}
			})
		}
	}
}

// intTensor converts reference indices to an integer tensor of dtype dt.
func intTensor(dt tensor.Dtype, v golden.Tensor) *tensor.Dense {
	switch dt {
	case tensor.Int64:
		d := make([]int64, len(v.Data))
		for i, x := range v.Data {
			d[i] = int64(x)
		}
		return tensor.New(tensor.WithShape(v.Shape...), tensor.WithBacking(d))
	case tensor.Int32:
		d := make([]int32, len(v.Data))
		for i, x := range v.Data {
			d[i] = int32(x)
		}
		return tensor.New(tensor.WithShape(v.Shape...), tensor.WithBacking(d))
	}
	d := make([]int, len(v.Data))
	for i, x := range v.Data {
		d[i] = int(x)
	}
	return tensor.New(tensor.WithShape(v.Shape...), tensor.WithBacking(d))
}

// naiveUnpool is the reference: out[n][c][idx] = x[n][c][i] in order (the
// later one wins), and dx[n][c][i] = dy[n][c][idx[n][c][i]].
func naiveUnpool(x, idx, dy []float64, planes, in, out int) (y, dx []float64) {
	y, dx = make([]float64, planes*out), make([]float64, planes*in)
	for p := 0; p < planes; p++ {
		for i := 0; i < in; i++ {
			j := int(idx[p*in+i])
			y[p*out+j] = x[p*in+i]
			dx[p*in+i] = dy[p*out+j]
		}
	}
	return y, dx
}

func TestMaxUnpoolMatchesNaive(t *testing.T) {
	rng := graph.NewRand(31)
	for i := 0; i < 40; i++ {
		n, c, h, w := 1+rng.IntN(2), 1+rng.IntN(3), 1+rng.IntN(5), 1+rng.IntN(5)
		oh, ow := h+rng.IntN(4), w+rng.IntN(4)
		x := randTensor(rng, n, c, h, w)
		idx := make([]float64, n*c*h*w)
		for j := range idx {
			idx[j] = float64(rng.IntN(oh * ow)) // duplicates allowed
		}
		it := tensor.New(tensor.WithShape(n, c, h, w), tensor.WithBacking(idx))
		up := randTensor(rng, n, c, oh, ow)
		wantY, wantDx := naiveUnpool(x.Float64s(), idx, up.Float64s(), n*c, h*w, oh*ow)
		t.Run(fmt.Sprintf("x%dx%dx%dx%d-to-%dx%d", n, c, h, w, oh, ow), func(t *testing.T) {
			comparePoolLike(t, x, up, []int{n, c, oh, ow}, wantY, wantDx, func(xn *G.Node) (*G.Node, error) {
				// indices in the graph's dtype
				var iv *tensor.Dense
				if xn.Dtype() == tensor.Float32 {
					iv = castTo(it, tensor.Float32)
				} else {
					iv = it
				}
				in := G.NewTensor(xn.Graph(), xn.Dtype(), 4, G.WithShape(n, c, h, w), G.WithName("indices"), G.WithValue(iv))
				return ops.MaxUnpool2D(xn, in, oh, ow)
			})
		})
	}
}

// Distinct values so that the argmax does not move under the finite
// difference; the gradient of pool→unpool flows through the pooled values
// only. The windows do not overlap: when two windows pick the same element,
// the unpooling keeps the later value and its gradient (a gather, as in
// PyTorch) is not the derivative of that forward pass.
func TestMaxUnpoolGradCheck(t *testing.T) {
	rng := graph.NewRand(32)
	for _, c := range []struct {
		shape     []int
		k, s, p   [2]int
		outH, out int
	}{
		{[]int{1, 2, 4, 4}, [2]int{2, 2}, [2]int{2, 2}, [2]int{0, 0}, 4, 4},
		{[]int{2, 1, 5, 7}, [2]int{2, 2}, [2]int{2, 2}, [2]int{0, 0}, 5, 7},
		{[]int{1, 2, 5, 5}, [2]int{3, 3}, [2]int{3, 3}, [2]int{1, 1}, 5, 5},
		{[]int{1, 1, 6, 5}, [2]int{3, 2}, [2]int{3, 2}, [2]int{1, 0}, 6, 5},
		{[]int{1, 1, 5, 6}, [2]int{2, 1}, [2]int{3, 1}, [2]int{1, 0}, 5, 6},
	} {
		name := fmt.Sprintf("x%v-k%v-s%v-p%v", c.shape, c.k, c.s, c.p)
		x := distinctTensor(rng, c.shape...)
		gradCheck(t, name+"-chain", []*tensor.Dense{x}, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
			out, idx, err := ops.MaxPool2DIndices(xs[0], c.k, c.s, c.p)
			if err != nil {
				return nil, err
			}
			sq, err := G.Square(out)
			if err != nil {
				return nil, err
			}
			return ops.MaxUnpool2D(sq, idx, c.outH, c.out)
		})
		// the unpooling alone, indices a constant
		b := graph.NewBuilder(graph.Eval)
		_, idx, err := ops.MaxPool2DIndices(b.InputValue("x", x), c.k, c.s, c.p)
		if err != nil {
			t.Fatal(err)
		}
		ivs, _ := runForward(t, func(b *graph.Builder) ([]*G.Node, error) {
			_, idx, err := ops.MaxPool2DIndices(b.InputValue("x", x), c.k, c.s, c.p)
			return []*G.Node{idx}, err
		})
		iv := ivs[0]
		y := randTensor(rng, idx.Shape()...)
		it := tensor.New(tensor.WithShape(idx.Shape()...), tensor.WithBacking(iv))
		gradCheck(t, name+"-unpool", []*tensor.Dense{y}, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
			return ops.MaxUnpool2D(xs[0], b.InputValue("indices", it), c.outH, c.out)
		})
	}
}

// The two outputs of MaxPool2DIndices share one pooling node: the graph
// holds one max-pool op, and the indices read what it recorded.
func TestMaxPool2DIndicesSharesOneComputation(t *testing.T) {
	b := graph.NewBuilder(graph.Train)
	x := b.InputValue("x", distinctTensor(graph.NewRand(3), 2, 3, 6, 6))
	out, idx, err := ops.MaxPool2DIndices(x, [2]int{2, 2}, [2]int{2, 2}, [2]int{})
	if err != nil {
		t.Fatal(err)
	}
	up, err := ops.MaxUnpool2D(out, idx, 6, 6)
	if err != nil {
		t.Fatal(err)
	}
	cost, _ := G.Sum(up)
	if _, err := graph.Grad(cost, x); err != nil {
		t.Fatal(err)
	}
	pools := 0
	for _, n := range b.Graph().AllNodes() {
		if s := fmt.Sprint(n.Op()); strings.HasPrefix(s, "MaxPool2D(") && !strings.Contains(s, "Grad") && !strings.Contains(s, "Indices") {
			pools++
		}
	}
	if pools != 1 {
		t.Fatalf("want one max-pool node, found %d", pools)
	}
	if kids := b.Graph().From(idx.ID()); kids.Len() != 1 || kids.Next() && kids.Node() != out {
		t.Fatalf("indices should read the pooled node only")
	}
	if out.Dtype() != idx.Dtype() || !out.Shape().Eq(idx.Shape()) {
		t.Fatalf("indices %v %v, pooled %v %v", idx.Dtype(), idx.Shape(), out.Dtype(), out.Shape())
	}
}

func TestUnpoolBadArguments(t *testing.T) {
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float64, 4, G.WithShape(1, 2, 3, 3), G.WithName("x"))
	x3 := G.NewTensor(g, tensor.Float64, 3, G.WithShape(1, 2, 3), G.WithName("x3"))
	idx := G.NewTensor(g, tensor.Float64, 4, G.WithShape(1, 2, 3, 3), G.WithName("idx"))
	idxShape := G.NewTensor(g, tensor.Float64, 4, G.WithShape(1, 2, 3, 4), G.WithName("idxShape"))
	idxBool := G.NewTensor(g, tensor.Bool, 4, G.WithShape(1, 2, 3, 3), G.WithName("idxBool"))
	big := G.NewTensor(g, tensor.Float64, 4, G.WithShape(1, 2, 7, 7), G.WithName("big"))
	pooled, pidx, err := ops.MaxPool2DIndices(big, [2]int{2, 2}, [2]int{2, 2}, [2]int{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, want string
		is         error
		run        func() (*G.Node, error)
	}{
		{"rank", "MaxUnpool2D: input must have rank 4, got shape (1, 2, 3)", graph.ErrShape,
			func() (*G.Node, error) { return ops.MaxUnpool2D(x3, idx, 6, 6) }},
		{"indices-shape", "MaxUnpool2D: indices must have the input's shape (1, 2, 3, 3), got (1, 2, 3, 4)", graph.ErrShape,
			func() (*G.Node, error) { return ops.MaxUnpool2D(x, idxShape, 6, 6) }},
		{"indices-dtype", "MaxUnpool2D: indices must be float32, float64, int, int64 or int32, got bool", graph.ErrArg,
			func() (*G.Node, error) { return ops.MaxUnpool2D(x, idxBool, 6, 6) }},
		{"indices-nil", "MaxUnpool2D: indices is nil", graph.ErrArg,
			func() (*G.Node, error) { return ops.MaxUnpool2D(x, nil, 6, 6) }},
		{"out-zero", "MaxUnpool2D: output size must be positive, got (0, 6)", graph.ErrArg,
			func() (*G.Node, error) { return ops.MaxUnpool2D(x, idx, 0, 6) }},
		{"out-too-small-for-pool", "MaxUnpool2D: output size (4, 7) does not fit the pooling", graph.ErrShape,
			func() (*G.Node, error) { return ops.MaxUnpool2D(pooled, pidx, 4, 7) }},
		{"out-too-big-for-pool", "axis 3 must be between 4 and 8 (exclusive)", graph.ErrShape,
			func() (*G.Node, error) { return ops.MaxUnpool2D(pooled, pidx, 7, 8) }},
		{"indices-pool-stride0", "MaxPool2D: stride must be positive, got (2, 0)", graph.ErrArg,
			func() (*G.Node, error) {
				_, _, err := ops.MaxPool2DIndices(big, [2]int{2, 2}, [2]int{2, 0}, [2]int{})
				return nil, err
			}},
		{"indices-float32-huge-plane", "MaxPool2D: float32 indices are exact only up to 2^24 elements a plane, got 16785409", graph.ErrShape,
			func() (*G.Node, error) {
				huge := G.NewTensor(g, tensor.Float32, 4, G.WithShape(1, 1, 4097, 4097), G.WithName("huge"))
				_, _, err := ops.MaxPool2DIndices(huge, [2]int{2, 2}, [2]int{2, 2}, [2]int{})
				return nil, err
			}},
		{"indices-pool-pad", "MaxPool2D: padding must be at most half the kernel", graph.ErrArg,
			func() (*G.Node, error) {
				_, _, err := ops.MaxPool2DIndices(big, [2]int{2, 2}, [2]int{2, 2}, [2]int{2, 0})
				return nil, err
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.run()
			if err == nil {
				t.Fatal("want an error")
			}
			if !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "ops: ") {
				t.Errorf("error %q does not contain %q", err, c.want)
			}
			if !errors.Is(err, c.is) {
				t.Errorf("error %q is not %v", err, c.is)
			}
		})
	}
	// pooling 7 with k2 s2 gives 3; 6 and 7 both unpool back
	for _, hw := range [][2]int{{6, 6}, {7, 7}, {6, 7}} {
		if _, err := ops.MaxUnpool2D(pooled, pidx, hw[0], hw[1]); err != nil {
			t.Errorf("output %v: %v", hw, err)
		}
	}
}

// Indices are checked when the graph runs: out of range or not an integer
// is an error from the run, not a panic.
func TestUnpoolBadIndicesAtRunTime(t *testing.T) {
	for _, c := range []struct {
		name string
		idx  tensor.Tensor
		want string
	}{
		{"too-large", tensor.New(tensor.WithShape(1, 1, 2, 2), tensor.WithBacking([]float64{0, 1, 2, 16})), "index 16 at plane 0, position 3 is not an integer in [0, 16)"},
		{"negative", tensor.New(tensor.WithShape(1, 1, 2, 2), tensor.WithBacking([]int{0, -1, 2, 3})), "index -1"},
		{"fraction", tensor.New(tensor.WithShape(1, 1, 2, 2), tensor.WithBacking([]float32{0, 1.5, 2, 3})), "index 1.5"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := graph.NewBuilder(graph.Train)
			x := b.InputValue("x", tensor.New(tensor.WithShape(1, 1, 2, 2), tensor.WithBacking([]float64{1, 2, 3, 4})))
			y, err := ops.MaxUnpool2D(x, b.InputValue("idx", c.idx), 4, 4)
			if err != nil {
				t.Fatal(err)
			}
			m, err := graph.NewMachine(b.Graph())
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			_ = y
			err = graph.Run(m)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "MaxUnpool2D") {
				t.Fatalf("want an error containing %q, got %v", c.want, err)
			}
		})
	}
}

func TestUnpoolIsDistinctNode(t *testing.T) {
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float64, 4, G.WithShape(1, 1, 4, 4), G.WithName("x"))
	o1, i1, _ := ops.MaxPool2DIndices(x, [2]int{2, 2}, [2]int{2, 2}, [2]int{})
	o2, i2, _ := ops.MaxPool2DIndices(x, [2]int{2, 2}, [2]int{2, 2}, [2]int{})
	if o1 == o2 || i1 == i2 {
		t.Fatal("two MaxPool2DIndices calls on one input were merged")
	}
	u1, _ := ops.MaxUnpool2D(o1, i1, 4, 4)
	u2, _ := ops.MaxUnpool2D(o1, i1, 4, 4)
	if u1 == u2 {
		t.Fatal("two MaxUnpool2D calls were merged")
	}
}
