package workers

// pause executes n PAUSE instructions (n ≥ 1): a spin-wait hint that
// leaves the core's execution units to its SMT sibling.
//
//go:noescape
func pause(n int)
