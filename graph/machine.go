package graph

import (
	"fmt"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// NewMachine compiles g into a Gorgonia TapeMachine. Gorgonia panics when a
// graph does not compile; NewMachine returns that as an error instead.
//
// Gradient nodes that no other node uses and that are the gradient of no
// node (see GradientOp) are left out of the program: Gorgonia's backward
// pass makes an op return the gradients of all its inputs, so the first
// convolution of a network also gets a gradient for the input image, and
// a frozen layer one for its weights, which would otherwise be computed at
// every run.
func NewMachine(g *G.ExprGraph, opts ...G.VMOpt) (m G.VM, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, errors.Errorf("graph: compiling the graph: %v", r)
		}
	}()
	pre, err := compileUsed(g)
	if err != nil {
		return nil, errors.Wrap(err, "graph: compiling the graph")
	}
	if pre != nil {
		opts = append([]G.VMOpt{pre}, opts...)
	}
	return G.NewTapeMachine(g, opts...), nil
}

// GradientOp is implemented by ops whose nodes compute gradients (the ops
// an op's SymDiff creates). NewMachine does not compute a node whose op
// reports true when nothing uses the node and it is the gradient of no
// node (an empty Node.DerivOf): such a node is the gradient of an input
// that needs none. Reading it with gorgonia.Read uses it.
type GradientOp interface {
	IsGradient() bool
}

// compileUsed compiles the part of g without unused gradients, or returns
// nil when g has none.
func compileUsed(g *G.ExprGraph) (G.VMOpt, error) {
	used := map[*G.Node]bool{}
	for _, n := range g.AllNodes() {
		for it := g.From(n.ID()); it.Next(); {
			if c, ok := it.Node().(*G.Node); ok {
				used[c] = true
			}
		}
	}
	var outputs G.Nodes
	dropped := false
	for _, n := range g.AllNodes() {
		if used[n] {
			continue
		}
		if op, ok := n.Op().(GradientOp); ok && op.IsGradient() && len(n.DerivOf()) == 0 {
			dropped = true
			continue
		}
		outputs = append(outputs, n)
	}
	if !dropped || len(outputs) == 0 {
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
	var inputs G.Nodes
	for _, n := range g.Inputs() {
		if reach[n] {
			inputs = append(inputs, n)
		}
	}
	if len(inputs) == 0 {
		return nil, nil
	}
	prog, locMap, err := G.CompileFunction(g, inputs, outputs)
	if err != nil {
		return nil, err
	}
	return G.WithPrecompiled(prog, locMap), nil
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

// Run resets m and runs it once, turning panics inside ops into errors.
func Run(m G.VM) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("graph: run: %v", r)
		}
	}()
	m.Reset()
	return m.RunAll()
}
