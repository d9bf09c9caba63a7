package graph

import (
	"fmt"
	"reflect"
	"unsafe"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// ErrOpPanic is wrapped by the error a graph run returns when an op
// panicked (see [NewMachine]).
var ErrOpPanic = errors.New("op panicked")

// OpPanicError is the error of a graph run in which an op panicked: it
// names the op and its node and keeps the panic value. Print it with %+v
// for the stack of the panic.
type OpPanicError struct {
	Op    string // the op, as its String method prints it
	Node  string // the name of the node the op computes
	Value any    // what the op panicked with
	stack error  // carries the stack trace of the panic
}

// Error says which op panicked and with what.
func (e *OpPanicError) Error() string {
	return fmt.Sprintf("graph: op %s (node %q) panicked: %v", e.Op, e.Node, e.Value)
}

// Unwrap makes errors.Is(err, ErrOpPanic) true.
func (e *OpPanicError) Unwrap() error { return ErrOpPanic }

// Format prints the message, and with %+v the stack of the panic.
func (e *OpPanicError) Format(s fmt.State, verb rune) {
	if verb == 'v' && s.Flag('+') && e.stack != nil {
		fmt.Fprintf(s, "%s%+v", e.Error(), e.stack)
		return
	}
	fmt.Fprint(s, e.Error())
}

// guardedMachine is the VM NewMachine returns: Gorgonia's TapeMachine,
// whose ops recover from panics into the machine's panicSlot. RunAll
// returns that panic rather than the error Gorgonia wraps around it.
//
// The guarded ops point at the slot, never at the machine: the program
// they sit in belongs to the TapeMachine, on which Gorgonia sets a
// finalizer (NewMachine removes it again; this is defence in depth), and
// Go never collects a cycle that holds an object with a finalizer. A cycle machine -> program ->
// op -> machine kept every compiled graph, its values and the model's
// weights alive for the life of the process.
type guardedMachine struct {
	G.VM
	prog   any // Gorgonia's *program
	slot   *panicSlot
	direct *directRun // RunAll on the calling goroutine, if possible (machine_direct.go)
}

// panicSlot records the first panic of a run of a guarded machine.
type panicSlot struct {
	panicked *OpPanicError
}

// Prog returns the compiled program, as TapeMachine.Prog does (its String
// lists the instructions).
func (m *guardedMachine) Prog() any { return m.prog }

// RunAll runs the machine; a panic in an op, or in the calling goroutine,
// is returned as an error.
func (m *guardedMachine) RunAll() (err error) {
	m.slot.panicked = nil
	defer func() {
		if r := recover(); r != nil {
			err = errors.Errorf("graph: run: %v", r)
		}
		if p := m.slot.panicked; p != nil {
			err = p
			m.slot.panicked = nil
		}
	}()
	if m.direct != nil {
		return m.direct.run()
	}
	return m.VM.RunAll()
}

// guardOps replaces the op of every instruction of prog (a Gorgonia
// *program) with one that turns a panic into an error, recorded in m's
// panicSlot.
// Gorgonia keeps the instructions and their ops in unexported fields; the
// replacement is read through reflect and written through unsafe, on a
// program that no machine runs yet. Only the op an instruction executes is
// replaced: the graph's nodes keep theirs, so compilation, hashing and the
// train/eval switch are untouched. If Gorgonia's layout is not the one
// expected (another version), the program is left as it is; the test
// TestRunRecoversOpPanic fails then.
func guardOps(prog any, g *G.ExprGraph, m *guardedMachine) {
	m.prog = prog
	pv := reflect.ValueOf(prog)
	if pv.Kind() != reflect.Pointer || pv.IsNil() || pv.Elem().Kind() != reflect.Struct {
		return
	}
	instrs := pv.Elem().FieldByName("instructions")
	if !instrs.IsValid() || instrs.Kind() != reflect.Slice {
		return
	}
	opType := reflect.TypeFor[G.Op]()
	for i := 0; i < instrs.Len(); i++ {
		iv := instrs.Index(i)
		if iv.Kind() == reflect.Interface {
			iv = iv.Elem()
		}
		if iv.Kind() != reflect.Pointer || iv.IsNil() || iv.Elem().Kind() != reflect.Struct {
			continue
		}
		st := iv.Elem()
		of, idf := st.FieldByName("op"), st.FieldByName("id")
		if !of.IsValid() || of.Type() != opType || !idf.IsValid() || idf.Kind() != reflect.Int64 {
			continue
		}
		field := reflect.NewAt(opType, unsafe.Pointer(of.UnsafeAddr())).Elem()
		op, ok := field.Interface().(G.Op)
		if !ok || op == nil {
			continue
		}
		name := ""
		if n, ok := g.Node(idf.Int()).(*G.Node); ok && n != nil {
			name = n.Name()
		}
		field.Set(reflect.ValueOf(guard(op, name, m.slot)))
	}
}

// guard wraps op so that a panic in Do, UsePreallocDo or UnsafeDo becomes an
// error. The wrapper implements UsePreallocDoer and UnsafeDoer exactly
// when op does, so the machine calls the same methods as before.
func guard(op G.Op, node string, slot *panicSlot) G.Op {
	g := &guardedOp{Op: op, node: node, slot: slot}
	pd, isPD := op.(G.UsePreallocDoer)
	ud, isUD := op.(G.UnsafeDoer)
	switch {
	case isPD && isUD:
		return guardedPreallocUnsafe{g, pd, ud}
	case isPD:
		return guardedPrealloc{g, pd}
	case isUD:
		return guardedUnsafe{g, ud}
	}
	return g
}

type guardedOp struct {
	G.Op
	node string
	slot *panicSlot // not the machine: see guardedMachine
}

// recover turns a panic into *err, and records it on the machine.
func (g *guardedOp) recover(err *error) {
	r := recover()
	if r == nil {
		return
	}
	p := &OpPanicError{Op: fmt.Sprint(g.Op), Node: g.node, Value: r, stack: errors.New("panic")}
	if g.slot != nil && g.slot.panicked == nil {
		g.slot.panicked = p
	}
	*err = p
}

func (g *guardedOp) Do(vals ...G.Value) (v G.Value, err error) {
	defer g.recover(&err)
	return g.Op.Do(vals...)
}

type guardedPrealloc struct {
	*guardedOp
	pd G.UsePreallocDoer
}

func (g guardedPrealloc) UsePreallocDo(prealloc G.Value, vals ...G.Value) (v G.Value, err error) {
	defer g.recover(&err)
	return g.pd.UsePreallocDo(prealloc, vals...)
}

type guardedUnsafe struct {
	*guardedOp
	ud G.UnsafeDoer
}

func (g guardedUnsafe) UnsafeDo(vals ...G.Value) (v G.Value, err error) {
	defer g.recover(&err)
	return g.ud.UnsafeDo(vals...)
}

type guardedPreallocUnsafe struct {
	*guardedOp
	pd G.UsePreallocDoer
	ud G.UnsafeDoer
}

func (g guardedPreallocUnsafe) UsePreallocDo(prealloc G.Value, vals ...G.Value) (v G.Value, err error) {
	defer g.recover(&err)
	return g.pd.UsePreallocDo(prealloc, vals...)
}

func (g guardedPreallocUnsafe) UnsafeDo(vals ...G.Value) (v G.Value, err error) {
	defer g.recover(&err)
	return g.ud.UnsafeDo(vals...)
}
