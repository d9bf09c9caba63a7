package graph

import (
	"fmt"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// NewMachine compiles g into a Gorgonia TapeMachine. Gorgonia panics when a
// graph does not compile; NewMachine returns that as an error instead.
func NewMachine(g *G.ExprGraph, opts ...G.VMOpt) (m G.VM, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, errors.Errorf("graph: compiling the graph: %v", r)
		}
	}()
	return G.NewTapeMachine(g, opts...), nil
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
