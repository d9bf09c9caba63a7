package ops_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// badCase is one row of an invalid-argument table.
type badCase struct {
	name string
	run  func() (*G.Node, error)
	want string // substring of the message
	kind error  // graph.ErrShape or graph.ErrArg
}

func runBadCases(t *testing.T, cases []badCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.run()
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

// checkFusedReLU fails the test unless the output of an op with a fused
// ReLU, got, equals the unfused ReLU(op) output, want, exactly, and unless
// want holds both zeros and non-zeros (so that both sides of the ReLU were
// compared).
func checkFusedReLU(t *testing.T, name string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: fused %d outputs, unfused %d", name, len(got), len(want))
	}
	zeros := 0
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%s: output %d: fused %v, unfused %v", name, i, got[i], want[i])
		}
		if want[i] == 0 {
			zeros++
		}
	}
	if zeros == 0 || zeros == len(want) {
		t.Fatalf("%s: %d of %d outputs are zero; the test needs both signs", name, zeros, len(want))
	}
}

// checkShapeAgreement builds out = build(b) on a float64 and a float32
// graph, runs it and checks that the shape InferShape gave the node equals
// the shape of the value Do produced.
func checkShapeAgreement(t *testing.T, name string, inputs []*tensor.Dense, build func(xs []*G.Node) (*G.Node, error)) {
	t.Helper()
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		b := graph.NewBuilder(graph.Train)
		xs := make([]*G.Node, len(inputs))
		for i, in := range inputs {
			xs[i] = b.InputValue("x", castTo(in, dt))
		}
		out, err := build(xs)
		if err != nil {
			t.Fatalf("%s: %+v", name, err)
		}
		var v G.Value
		G.Read(out, &v)
		m, err := graph.NewMachine(b.Graph())
		if err != nil {
			t.Fatal(err)
		}
		if err := graph.Run(m); err != nil {
			t.Fatalf("%s: %+v", name, err)
		}
		m.Close()
		if !graph.SameShape(out.Shape(), v.Shape()) && !(out.IsScalar() && v.Shape().IsScalar()) {
			t.Errorf("%s %v: InferShape %v, Do gave %v", name, dt, out.Shape(), v.Shape())
		}
		if v.Dtype() != dt {
			t.Errorf("%s: dtype %v, want %v", name, v.Dtype(), dt)
		}
	}
}

// unravel turns a flat row-major index into coordinates.
func unravel(i int, shape []int) []int {
	c := make([]int, len(shape))
	for d := len(shape) - 1; d >= 0; d-- {
		c[d] = i % shape[d]
		i /= shape[d]
	}
	return c
}

// ravel is the inverse of unravel.
func ravel(c, shape []int) int {
	i := 0
	for d := range shape {
		i = i*shape[d] + c[d]
	}
	return i
}

// benchGraph times forward and backward passes of y = build(b) with the
// cost Σ y, differentiated with respect to the nodes build returns.
func benchGraph(bm *testing.B, build func(b *graph.Builder) (*G.Node, []*G.Node, error)) {
	b := graph.NewBuilder(graph.Train)
	y, wrt, err := build(b)
	if err != nil {
		bm.Fatal(err)
	}
	cost, err := ops.Sum(y)
	if err != nil {
		bm.Fatal(err)
	}
	benchRun(bm, b, cost, wrt...)
}

// benchRun adds the gradients of cost with respect to wrt to b's graph and
// times bm.N runs of it on a TapeMachine.
func benchRun(bm *testing.B, b *graph.Builder, cost *G.Node, wrt ...*G.Node) {
	if _, err := graph.Grad(cost, wrt...); err != nil {
		bm.Fatal(err)
	}
	m := G.NewTapeMachine(b.Graph())
	defer m.Close()
	bm.ResetTimer()
	for i := 0; i < bm.N; i++ {
		m.Reset()
		if err := m.RunAll(); err != nil {
			bm.Fatal(err)
		}
	}
}
