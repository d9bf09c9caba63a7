package graph_test

import (
	"errors"
	"fmt"
	"hash"
	"strings"
	"testing"

	"github.com/chewxy/hm"
	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// panicOp is an identity op whose kernel panics: a stand-in for a kernel
// bug. prealloc selects whether it also implements UsePreallocDoer.
type panicOp struct{ name string }

func (op panicOp) Arity() int { return 1 }
func (op panicOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(a, a)
}
func (op panicOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return in[0].(tensor.Shape).Clone(), nil
}
func (op panicOp) Do(vals ...G.Value) (G.Value, error) {
	var idx []int
	_ = idx[len(vals)] // index out of range, as a buggy kernel would
	return nil, nil
}
func (op panicOp) ReturnsPtr() bool      { return false }
func (op panicOp) CallsExtern() bool     { return false }
func (op panicOp) OverwritesInput() int  { return -1 }
func (op panicOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.name) }
func (op panicOp) Hashcode() uint32      { return uint32(len(op.name)) }
func (op panicOp) String() string        { return op.name }

// preallocPanicOp panics in UsePreallocDo, which the machine calls with
// a buffer it allocates itself for ops that call out and return pointers
// (as matrix multiplication does).
type preallocPanicOp struct{ panicOp }

func (op preallocPanicOp) ReturnsPtr() bool  { return true }
func (op preallocPanicOp) CallsExtern() bool { return true }

func (op preallocPanicOp) Do(vals ...G.Value) (G.Value, error) {
	t := vals[0].(tensor.Tensor)
	return tensor.New(tensor.Of(t.Dtype()), tensor.WithShape(t.Shape().Clone()...)), nil
}
func (op preallocPanicOp) UsePreallocDo(prealloc G.Value, vals ...G.Value) (G.Value, error) {
	panic(fmt.Sprintf("%s: kernel bug", op.name))
}

func TestRunRecoversOpPanic(t *testing.T) {
	cases := []struct {
		name string
		op   G.Op
		runs int // the run that panics
		want string
	}{
		{"Do", panicOp{"BuggyKernel"}, 1, "index out of range"},
		{"UsePreallocDo", preallocPanicOp{panicOp{"BuggyPrealloc"}}, 1, "kernel bug"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := graph.NewBuilder(graph.Eval)
			x := b.Input("x", tensor.Float64, 2, 3)
			y, err := G.ApplyOp(c.op, x)
			if err != nil {
				t.Fatal(err)
			}
			z, err := G.Add(y, x) // a node after the panicking one
			if err != nil {
				t.Fatal(err)
			}
			_ = z
			m, err := graph.NewMachine(b.Graph())
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			if err := G.Let(x, tensor.New(tensor.WithShape(2, 3), tensor.WithBacking(make([]float64, 6)))); err != nil {
				t.Fatal(err)
			}
			for run := 1; run < c.runs; run++ {
				if err := graph.Run(m); err != nil {
					t.Fatalf("run %d: %v", run, err)
				}
			}
			err = graph.Run(m)
			if err == nil {
				t.Fatal("a panicking op gave no error")
			}
			if !errors.Is(err, graph.ErrOpPanic) {
				t.Errorf("error %v does not wrap ErrOpPanic", err)
			}
			var pe *graph.OpPanicError
			if !errors.As(err, &pe) || pe.Op != fmt.Sprint(c.op) {
				t.Errorf("error %#v does not name the op %v", err, c.op)
			}
			msg := err.Error()
			if !strings.Contains(msg, fmt.Sprint(c.op)) || !strings.Contains(msg, c.want) || !strings.HasPrefix(msg, "graph: ") {
				t.Errorf("message %q should name the op %v and say %q", msg, c.op, c.want)
			}
			if full := fmt.Sprintf("%+v", err); !strings.Contains(full, "guard_test.go") {
				t.Errorf("%%+v should print the stack of the panic, got %q", full)
			}
			// the machine stays usable: the next run fails the same way
			if err := graph.Run(m); !errors.Is(err, graph.ErrOpPanic) {
				t.Errorf("second failing run: %v", err)
			}
		})
	}
}
