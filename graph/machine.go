package graph

import (
	"runtime"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// NewMachine compiles g into a Gorgonia TapeMachine. Gorgonia panics when a
// graph does not compile; NewMachine returns that as an error instead.
//
// Before compiling, every node's shape is checked (see [MemoryLimit]):
// a tensor that overflows int or exceeds the memory limit is an error
// naming the node and its op, not a fatal out-of-memory at run time.
//
// The machine runs its instructions in a goroutine of Gorgonia's own,
// where a panic would end the process: NewMachine puts a recover around
// every op of the program, so that a panic inside an op (a kernel bug, an
// unforeseen shape) comes back from RunAll and [Run] as an error wrapping
// [ErrOpPanic] that names the op and its node.
//
// Gradient nodes that no other node uses and that are the gradient of no
// input node (see GradientOp) are left out of the program: Gorgonia's backward
// pass makes an op return the gradients of all its inputs, so the first
// convolution of a network also gets a gradient for the input image, and
// a frozen layer one for its weights, which would otherwise be computed at
// every run.
//
// The same holds for the gradient of an intermediate node (the output of
// an op): when the ops after it take their gradient another way (an
// activation whose output is summed to the cost reads the scalar instead
// of the broadcast gradient), it is left out, and Node.Grad and
// Node.Deriv().Value() of that node give nil after a run. To inspect such
// a gradient, read it with gorgonia.Read(node.Deriv(), &v) before calling
// NewMachine: a read gradient is always computed. Gradients of inputs and
// Params are always kept.
func NewMachine(g *G.ExprGraph, opts ...G.VMOpt) (m G.VM, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, errors.Errorf("graph: compiling the graph: %v", r)
		}
	}()
	if err := checkGraphSizes(g); err != nil {
		return nil, err
	}
	gm := &guardedMachine{slot: &panicSlot{}}
	var pre G.VMOpt
	// The two compilers return values of Gorgonia's unexported types, which
	// only type inference can hold.
	if inputs, outputs := usedPart(g); inputs == nil {
		prog, locMap, err := G.Compile(g)
		if err != nil {
			return nil, errors.Wrap(err, "graph: compiling the graph")
		}
		guardOps(prog, g, gm)
		pre = G.WithPrecompiled(prog, locMap)
	} else {
		prog, locMap, err := G.CompileFunction(g, inputs, outputs)
		if err != nil {
			return nil, errors.Wrap(err, "graph: compiling the graph")
		}
		guardOps(prog, g, gm)
		pre = G.WithPrecompiled(prog, locMap)
	}
	tm := G.NewTapeMachine(g, append([]G.VMOpt{pre}, opts...)...)
	// Gorgonia sets a finalizer on every TapeMachine (CUDA clean-up; it
	// does nothing in a build without the cuda tag, and Close runs the
	// same clean-up). A finalizer keeps the machine and all it reaches
	// (the graph, its values, the weights bound into it) alive through
	// one more garbage collection, and Go never collects a reference
	// cycle through an object with a finalizer: a model whose EvalCache
	// holds a machine whose graph leads back to the model would never be
	// freed. Without it, a dropped machine is freed with the first GC.
	// convnet has no cuda build: if one is added, machines must then be
	// closed explicitly, since a dropped one would keep its CUDA context.
	runtime.SetFinalizer(tm, nil)
	gm.VM = tm
	gm.direct = newDirectRun(tm)
	return gm, nil
}

// GradientOp is implemented by ops whose nodes compute gradients (the ops
// an op's SymDiff creates). NewMachine does not compute a node whose op
// reports true when nothing uses the node and it is the gradient of no
// input node (Node.DerivOf holds none): such a node is the gradient of an
// input that needs none, or of an intermediate node whose op took its
// gradient another way. Reading it with gorgonia.Read uses it.
type GradientOp interface {
	IsGradient() bool
}

// derivOfInput reports whether n is the gradient of an input node (a
// weight or a graph input, which callers read). The gradient of an
// intermediate node is only ever read by the op that made that node, and
// an op may skip it: an elementwise op whose output gradient is a scalar
// broadcast over the output (the gradient of a Sum to a scalar) reads the
// scalar instead, and the broadcast is never filled.
func derivOfInput(n *G.Node) bool {
	for _, d := range n.DerivOf() {
		if d.Op() == nil {
			return true
		}
	}
	return false
}

// usedPart returns the inputs and outputs of the part of g without unused
// gradients, or nils when that is all of g.
func usedPart(g *G.ExprGraph) (inputs, outputs G.Nodes) {
	// dropping a gradient may leave the nodes it used unused: repeat
	// until nothing more is dropped
	dropped := map[*G.Node]bool{}
	var used map[*G.Node]bool
	for changed := true; changed; {
		used = map[*G.Node]bool{}
		for _, n := range g.AllNodes() {
			if dropped[n] {
				continue
			}
			for it := g.From(n.ID()); it.Next(); {
				if c, ok := it.Node().(*G.Node); ok {
					used[c] = true
				}
			}
		}
		changed = false
		for _, n := range g.AllNodes() {
			if used[n] || dropped[n] {
				continue
			}
			if op, ok := n.Op().(GradientOp); ok && op.IsGradient() && !derivOfInput(n) {
				dropped[n], changed = true, true
			}
		}
	}
	for _, n := range g.AllNodes() {
		if !used[n] && !dropped[n] {
			outputs = append(outputs, n)
		}
	}
	if len(dropped) == 0 || len(outputs) == 0 {
		return nil, nil
	}
	reach := map[*G.Node]bool{}
	stack := append(G.Nodes(nil), outputs...)
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if reach[n] {
			continue
		}
		reach[n] = true
		for it := g.From(n.ID()); it.Next(); {
			if c, ok := it.Node().(*G.Node); ok && !reach[c] {
				stack = append(stack, c)
			}
		}
	}
	for _, n := range g.Inputs() {
		if reach[n] {
			inputs = append(inputs, n)
		}
	}
	if len(inputs) == 0 {
		return nil, nil
	}
	return inputs, outputs
}

// Grad is gorgonia.Grad, with Gorgonia's panics (a non-differentiable op on
// the path) returned as errors.
func Grad(cost *G.Node, wrt ...*G.Node) (grads G.Nodes, err error) {
	defer func() {
		if r := recover(); r != nil {
			grads, err = nil, errors.Errorf("graph: differentiating %v: %v", cost.Name(), r)
		}
	}()
	grads, err = G.Grad(cost, wrt...)
	if err != nil {
		return nil, errors.Wrap(err, "graph: differentiating")
	}
	return grads, nil
}

// Run resets m and runs it once, turning panics into errors: inside ops for
// machines made by [NewMachine] (see there), and in the calling goroutine
// for any machine.
func Run(m G.VM) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.Errorf("graph: run: %v", r)
		}
	}()
	m.Reset()
	return m.RunAll()
}
