package ops

import (
	"fmt"
	"hash"
	"hash/fnv"
	"sync/atomic"

	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// nextID gives every op instance a distinct identity for Gorgonia's
// hash-consing. It is a counter, not configuration: it changes no result.
var nextID atomic.Uint64

func newID() uint64 { return nextID.Add(1) }

// opBase is embedded by the kit's two op types (kitOp and kitGradOp in
// kit.go). It holds the op's description (its String, also used in error
// messages) and a unique id that goes into the hash so that no two op
// instances are merged into one node, and it gives the gorgonia.Op methods
// they share: the output is a new value (ReturnsPtr false,
// OverwritesInput -1) computed in Go (CallsExtern false).
type opBase struct {
	id   uint64
	desc string
}

// newOpBase gives a new op the description desc and a fresh id.
func newOpBase(desc string) opBase { return opBase{id: newID(), desc: desc} }

// ReturnsPtr, CallsExtern, OverwritesInput, WriteHash, Hashcode and String
// implement gorgonia.Op; the hash is that of "desc#id".
func (b opBase) ReturnsPtr() bool      { return false }
func (b opBase) CallsExtern() bool     { return false }
func (b opBase) OverwritesInput() int  { return -1 }
func (b opBase) WriteHash(h hash.Hash) { fmt.Fprintf(h, "%s#%d", b.desc, b.id) }
func (b opBase) String() string        { return b.desc }

func (b opBase) Hashcode() uint32 {
	h := fnv.New32a()
	b.WriteHash(h)
	return h.Sum32()
}

// allTrue is DiffWRT for an op that is differentiable in all its n inputs.
func allTrue(n int) []bool {
	out := make([]bool, n)
	for i := range out {
		out[i] = true
	}
	return out
}

// buffer is an output tensor an op keeps between runs.
type buffer struct{ t *tensor.Dense }

// get returns a tensor of dtype dt and the given shape, reusing the previous
// one when it fits. Its contents are whatever the last run left; callers
// that accumulate must clear it.
func (b *buffer) get(dt tensor.Dtype, shape tensor.Shape) *tensor.Dense {
	if b.t == nil || b.t.Dtype() != dt || !graph.SameShape(b.t.Shape(), shape) {
		b.t = tensor.New(tensor.Of(dt), tensor.WithShape(shape.Clone()...))
	}
	return b.t
}

// checkNode returns an error unless n is a float32 or float64 tensor whose
// rank is one of ranks (any rank when ranks is empty).
func checkNode(op, what string, n *G.Node, ranks ...int) error {
	if n == nil {
		return graph.ArgErrorf("ops: %s: %s is nil", op, what)
	}
	dt, err := dtypeOf(n)
	if err != nil {
		return graph.ArgErrorf("ops: %s: %s: %v", op, what, err)
	}
	if dt != tensor.Float32 && dt != tensor.Float64 {
		return graph.ArgErrorf("ops: %s: %s must be float32 or float64, got %v", op, what, dt)
	}
	if len(ranks) == 0 {
		return nil
	}
	for _, r := range ranks {
		if n.Shape().Dims() == r {
			return nil
		}
	}
	return graph.ShapeErrorf("ops: %s: %s must have rank %s, got shape %s", op, what, rankList(ranks), graph.FormatShape(n.Shape()))
}

func rankList(ranks []int) string {
	s := ""
	for i, r := range ranks {
		if i > 0 {
			s += " or "
		}
		s += fmt.Sprint(r)
	}
	return s
}

func dtypeOf(n *G.Node) (dt tensor.Dtype, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("node %q has no element type (%v)", n.Name(), r)
		}
	}()
	return n.Dtype(), nil
}

// sameDtype returns an error unless all nodes share a's dtype.
func sameDtype(op string, nodes ...*G.Node) error {
	if len(nodes) == 0 {
		return nil
	}
	want, err := dtypeOf(nodes[0])
	if err != nil {
		return graph.ArgErrorf("ops: %s: %v", op, err)
	}
	for _, n := range nodes[1:] {
		got, err := dtypeOf(n)
		if err != nil {
			return graph.ArgErrorf("ops: %s: %v", op, err)
		}
		if got != want {
			return graph.ArgErrorf("ops: %s: dtypes differ: %v and %v", op, want, got)
		}
	}
	return nil
}

// float is the set of element types every op supports.
type float interface{ ~float32 | ~float64 }
