package graph

import (
	"slices"
	"unsafe"

	G "gorgonia.org/gorgonia"
)

// LockParams locks the Params of bindings, each once, and returns the
// function that unlocks them: for writing (write true) when the caller
// changes their elements (a training step runs a training graph, which
// updates BatchNorm's running statistics, and then the optimizer), for
// reading when it only reads them (an evaluation graph). Many readers
// hold a Param at once; a writer holds it alone.
//
// nn.Predict and the train package's Trainer lock the Params of every
// graph they run this way, so Predict can run while Fit trains the same
// model: it waits for the current training step and sees the weights
// between two steps. The Params are locked in one global order (their
// addresses), so callers that lock overlapping sets never deadlock.
func LockParams(bindings []Binding, write bool) (unlock func()) {
	ps := make([]*Param, 0, len(bindings))
	for _, bd := range bindings {
		if bd.Param != nil {
			ps = append(ps, bd.Param)
		}
	}
	// Go's heap objects do not move, so addresses give a stable order.
	slices.SortFunc(ps, func(a, b *Param) int {
		x, y := uintptr(unsafe.Pointer(a)), uintptr(unsafe.Pointer(b))
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	})
	ps = slices.Compact(ps)
	for _, p := range ps {
		if write {
			p.mu.Lock()
		} else {
			p.mu.RLock()
		}
	}
	return func() {
		for i := len(ps) - 1; i >= 0; i-- {
			if write {
				ps[i].mu.Unlock()
			} else {
				ps[i].mu.RUnlock()
			}
		}
	}
}

// NewMachineLocked is NewMachine under the write locks of the Params that
// bound lists (a Builder's Bindings): making a machine writes to every
// bound tensor (Gorgonia sets its engine on them), so it must not overlap
// a run that reads or writes them. Every compiled graph whose Params a
// Predict or a training step may be using at the same time is made this
// way.
func NewMachineLocked(g *G.ExprGraph, bound []Binding, opts ...G.VMOpt) (G.VM, error) {
	unlock := LockParams(bound, true)
	defer unlock()
	return NewMachine(g, opts...)
}
