package graph

import (
	"fmt"
	"math"
	"math/bits"
	"os"
	"strconv"
	"strings"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ErrSize is wrapped by every error about a tensor too large to make: its
// element count overflows int, or its bytes exceed the memory limit (see
// [MemoryLimit]).
var ErrSize = errors.New("tensor too large")

// MemoryLimitEnv is the environment variable that sets the memory limit
// (see [MemoryLimit]): a number of bytes with an optional unit, such as
// "64GiB", "500MB" or "1073741824"; "0" or "off" turns the check off.
const MemoryLimitEnv = "CONVNET_MEMORY_LIMIT"

// MulInt returns a·b and whether the product fits in an int without
// overflowing. Both factors must be >= 0 (ok is false otherwise).
func MulInt(a, b int) (int, bool) {
	if a < 0 || b < 0 {
		return 0, false
	}
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi != 0 || lo > math.MaxInt {
		return 0, false
	}
	return int(lo), true
}

// AddInt returns a+b and whether the sum fits in an int. Both must be >= 0.
func AddInt(a, b int) (int, bool) {
	if a < 0 || b < 0 || a > math.MaxInt-b {
		return 0, false
	}
	return a + b, true
}

// NumElements is the number of elements of a tensor of the given shape (1
// for a scalar), or an ErrSize error when the product overflows int, or an
// ErrShape error for a negative dimension.
func NumElements(shape []int) (int, error) {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0, ShapeErrorf("graph: shape %s has a negative dimension", FormatShape(shape))
		}
		var ok bool
		if n, ok = MulInt(n, d); !ok {
			return 0, sizeErrorf("graph: shape %s has more elements than an int can count", FormatShape(shape))
		}
	}
	return n, nil
}

// TensorBytes is the size in bytes of a tensor of dtype dt and the given
// shape, or an ErrSize error when it overflows int.
func TensorBytes(dt tensor.Dtype, shape []int) (int, error) {
	n, err := NumElements(shape)
	if err != nil {
		return 0, err
	}
	b, ok := MulInt(n, int(dt.Size()))
	if !ok {
		return 0, sizeErrorf("graph: a %v tensor of shape %s has more bytes than an int can count", dt, FormatShape(shape))
	}
	return b, nil
}

// MemoryLimit returns the largest tensor, in bytes, that convnet agrees to
// make, and where that limit comes from. It is read at every call (there
// is no package state): the environment variable CONVNET_MEMORY_LIMIT
// when it is set ("64GiB", "500MB", "1073741824"; "0" or "off" for no
// limit), otherwise the machine's physical memory (on Linux the smaller of
// /proc/meminfo's MemTotal and the cgroup's memory.max). A limit of 0 means
// no limit (also when the physical memory cannot be read).
//
// Constructors (through [NewParam]) and [NewMachine] (for every tensor of
// a graph) check each tensor against it before anything is allocated, so
// a mistyped size is an error rather than the runtime's fatal "out of
// memory". Raise it by setting the variable, for machines with swap or
// overcommit.
func MemoryLimit() (limit int64, source string, err error) {
	if v, ok := os.LookupEnv(MemoryLimitEnv); ok && strings.TrimSpace(v) != "" {
		n, err := parseBytes(v)
		if err != nil {
			return 0, "", errors.Wrapf(err, "graph: %s", MemoryLimitEnv)
		}
		return n, MemoryLimitEnv + "=" + strings.TrimSpace(v), nil
	}
	return physicalMemory(), "the physical memory; set " + MemoryLimitEnv + " to raise it", nil
}

// parseBytes reads a byte count with an optional unit: B, kB/KB, MB, GB, TB
// (powers of 1000), KiB, MiB, GiB, TiB (powers of 1024), case-insensitive;
// "off" is 0.
func parseBytes(s string) (int64, error) {
	t := strings.TrimSpace(s)
	if strings.EqualFold(t, "off") {
		return 0, nil
	}
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	num, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	mult := map[string]float64{"": 1, "b": 1, "k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9, "t": 1e12, "tb": 1e12,
		"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40}[unit]
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || mult == 0 || v < 0 {
		return 0, ArgErrorf("graph: %q is not a byte count (such as 64GiB, 500MB or 1073741824)", s)
	}
	b := v * mult
	if b >= math.MaxInt64 {
		return math.MaxInt64, nil
	}
	return int64(b), nil
}

// CheckTensorSize returns an ErrSize error when a tensor of dtype dt and
// the given shape overflows int or needs more bytes than [MemoryLimit];
// what names the tensor in the message, such as "weight (out, in)".
func CheckTensorSize(what string, dt tensor.Dtype, shape []int) error {
	limit, source, err := MemoryLimit()
	if err != nil {
		return err
	}
	return checkSize(what, dt, shape, limit, source)
}

func checkSize(what string, dt tensor.Dtype, shape []int, limit int64, source string) error {
	if _, err := NumElements(shape); err != nil {
		if errors.Is(err, ErrSize) {
			return sizeErrorf("%s: a %v tensor of shape %s has more elements than an int can count", what, dt, FormatShape(shape))
		}
		return errors.WithMessage(err, what)
	}
	n, err := TensorBytes(dt, shape)
	if err != nil {
		return sizeErrorf("%s: a %v tensor of shape %s has more bytes than an int can count", what, dt, FormatShape(shape))
	}
	if limit > 0 && int64(n) > limit {
		return sizeErrorf("%s: a %v tensor of shape %s needs %s, more than the memory limit of %s (%s)",
			what, dt, FormatShape(shape), formatBytes(int64(n)), formatBytes(limit), source)
	}
	return nil
}

// checkGraphSizes checks the shape of every node of g (the InferShape
// results of every op) with [CheckTensorSize], before a machine allocates
// anything. NewMachine calls it.
func checkGraphSizes(g *G.ExprGraph) error {
	limit, source, err := MemoryLimit()
	if err != nil {
		return err
	}
	for _, n := range g.AllNodes() {
		if err := checkNodeSize(n, limit, source); err != nil {
			return err
		}
	}
	return nil
}

// checkNodeSize checks one node's shape.
func checkNodeSize(n *G.Node, limit int64, source string) error {
	dt, ok := nodeDtype(n)
	if !ok {
		return nil
	}
	if checkSize("", dt, n.Shape(), limit, source) == nil {
		return nil // the node's description is only formatted for an error
	}
	what := fmt.Sprintf("graph: node %q", n.Name())
	if op := n.Op(); op != nil && fmt.Sprint(op) != n.Name() && !strings.HasPrefix(n.Name(), fmt.Sprint(op)) {
		what = fmt.Sprintf("graph: node %q (op %v)", n.Name(), op)
	}
	return checkSize(what, dt, n.Shape(), limit, source)
}

// nodeDtype is n's element type; false for nodes without one.
func nodeDtype(n *G.Node) (dt tensor.Dtype, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return n.Dtype(), true
}

// formatBytes prints a byte count with a binary unit: "512 B", "1.5 KiB",
// "4.0 TiB".
func formatBytes(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	v := float64(n)
	for _, u := range []string{"KiB", "MiB", "GiB", "TiB", "PiB"} {
		v /= 1024
		if v < 1024 {
			return fmt.Sprintf("%.1f %s", v, u)
		}
	}
	return fmt.Sprintf("%.1f EiB", v/1024)
}

func sizeErrorf(format string, args ...any) error {
	return errors.WithStack(&wrapped{msg: fmt.Sprintf(format, args...), sentinel: ErrSize})
}
