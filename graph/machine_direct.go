package graph

import (
	"reflect"
	"unsafe"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// Gorgonia's TapeMachine.RunAll locks the calling goroutine to its OS
// thread, starts a new goroutine for the program and waits for it on a
// channel: two hand-offs between OS threads (a locked thread can run no
// other goroutine) and a fresh goroutine stack, grown anew, every run.
// In a CPU profile of a 64×10 cross-entropy that was most of the run
// (futex wake-ups, startlockedm, stoplockedm, newproc, copystack), a
// fixed cost of tens of µs per graph run, far more under load. The lock
// is for cgo BLAS batching and CUDA, which convnet's build has neither of.
//
// directRun runs the same loop, the machine's unexported runall, on the
// calling goroutine instead, when the machine is one it can do that for
// (see newDirectRun). The program, its instructions and their order are
// Gorgonia's own; only the goroutine differs.

//go:linkname tapeRunall gorgonia.org/gorgonia.(*tapeMachine).runall
func tapeRunall(m unsafe.Pointer, errChan chan error, doneChan chan struct{})

// directRun runs one Gorgonia *tapeMachine on the calling goroutine.
type directRun struct {
	m       unsafe.Pointer  // the *tapeMachine
	closure *[]func() error // its closureQueue field
	errc    chan error      // buffered: runall never blocks on them
	done    chan struct{}
}

// newDirectRun returns a directRun for vm, or nil when vm is not a
// *tapeMachine of the layout expected (Gorgonia v0.9.18), or has batched
// BLAS work (a BLAS with batching set as Gorgonia's whichblas), which
// needs RunAll's locked thread.
func newDirectRun(vm G.VM) *directRun {
	v := reflect.ValueOf(vm)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Type().Elem().Name() != "tapeMachine" ||
		v.Type().Elem().PkgPath() != "gorgonia.org/gorgonia" {
		return nil
	}
	st := v.Elem()
	ext, cq := st.FieldByName("ExternMetadata"), st.FieldByName("closureQueue")
	if !ext.IsValid() || !cq.IsValid() || cq.Type() != reflect.TypeFor[[]func() error]() {
		return nil
	}
	if b := ext.FieldByName("b"); !b.IsValid() || b.Kind() != reflect.Interface || !b.IsNil() {
		return nil
	}
	return &directRun{
		m:       v.UnsafePointer(),
		closure: (*[]func() error)(unsafe.Pointer(cq.UnsafeAddr())),
		errc:    make(chan error, 1),
		done:    make(chan struct{}, 1),
	}
}

// run does what RunAll does for a machine without extern work: the
// program from the current pc, then the closures Gorgonia queued (the
// gradient accumulation of dual values).
func (d *directRun) run() error {
	tapeRunall(d.m, d.errc, d.done)
	select {
	case err := <-d.errc:
		return err
	case <-d.done:
	default:
		return errors.New("graph: run: the tape machine stopped without a result")
	}
	for _, c := range *d.closure {
		if err := c(); err != nil {
			return err
		}
	}
	return nil
}
