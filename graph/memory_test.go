package graph_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestMulAddInt(t *testing.T) {
	cases := []struct {
		a, b, mul int
		mulOK     bool
	}{
		{0, math.MaxInt, 0, true},
		{3, 4, 12, true},
		{1 << 31, 1 << 31, 1 << 62, true},
		{1 << 32, 1 << 31, 0, false},
		{math.MaxInt, 2, 0, false},
		{-1, 2, 0, false},
	}
	for _, c := range cases {
		if got, ok := graph.MulInt(c.a, c.b); got != c.mul || ok != c.mulOK {
			t.Errorf("MulInt(%d, %d) = %d, %v; want %d, %v", c.a, c.b, got, ok, c.mul, c.mulOK)
		}
	}
	if s, ok := graph.AddInt(math.MaxInt-1, 1); !ok || s != math.MaxInt {
		t.Errorf("AddInt(MaxInt-1, 1) = %d, %v", s, ok)
	}
	if _, ok := graph.AddInt(math.MaxInt, 1); ok {
		t.Error("AddInt(MaxInt, 1) did not report the overflow")
	}
}

func TestNumElementsAndBytes(t *testing.T) {
	cases := []struct {
		shape []int
		n     int
		bytes int // float32
		err   error
	}{
		{nil, 1, 4, nil},
		{[]int{2, 3, 4}, 24, 96, nil},
		{[]int{0, 3}, 0, 0, nil},
		{[]int{1 << 40, 1 << 40}, 0, 0, graph.ErrSize},
		{[]int{1 << 31, 1 << 31}, 1 << 62, 0, graph.ErrSize}, // elements fit, bytes do not
		{[]int{2, -1}, 0, 0, graph.ErrShape},
	}
	for _, c := range cases {
		n, err := graph.NumElements(c.shape)
		if c.err == nil || c.n != 0 {
			if err != nil || n != c.n {
				t.Errorf("NumElements%v = %d, %v; want %d", c.shape, n, err, c.n)
			}
		}
		b, err := graph.TensorBytes(tensor.Float32, c.shape)
		if c.err != nil {
			if !errors.Is(err, c.err) {
				t.Errorf("TensorBytes%v: error %v, want %v", c.shape, err, c.err)
			}
			continue
		}
		if err != nil || b != c.bytes {
			t.Errorf("TensorBytes%v = %d, %v; want %d", c.shape, b, err, c.bytes)
		}
	}
}

func TestParseBytes(t *testing.T) {
	cases := map[string]int64{
		"1073741824": 1 << 30,
		"64GiB":      64 << 30,
		"1.5 kib":    1536,
		"500MB":      500e6,
		"2g":         2e9,
		"off":        0,
		"0":          0,
		"1e30TiB":    0, // not a number this parser reads
	}
	for in, want := range cases {
		got, err := graph.ParseBytes(in)
		if in == "1e30TiB" {
			if err == nil {
				t.Errorf("ParseBytes(%q) accepted", in)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"lots", "-5GB", "12 parsecs", ""} {
		if _, err := graph.ParseBytes(bad); !errors.Is(err, graph.ErrArg) {
			t.Errorf("ParseBytes(%q): error %v, want ErrArg", bad, err)
		}
	}
}

func TestMemoryLimit(t *testing.T) {
	t.Setenv(graph.MemoryLimitEnv, "")
	phys, source, err := graph.MemoryLimit()
	if err != nil || !strings.Contains(source, "physical memory") {
		t.Fatalf("default limit %d from %q, %v", phys, source, err)
	}
	if phys < 64<<20 {
		t.Errorf("physical memory read as %d bytes", phys)
	}
	t.Setenv(graph.MemoryLimitEnv, "1MiB")
	if l, source, err := graph.MemoryLimit(); l != 1<<20 || err != nil || !strings.Contains(source, graph.MemoryLimitEnv) {
		t.Errorf("limit %d from %q, %v; want 1 MiB from the variable", l, source, err)
	}
	t.Setenv(graph.MemoryLimitEnv, "a lot")
	if _, _, err := graph.MemoryLimit(); err == nil || !strings.Contains(err.Error(), graph.MemoryLimitEnv) {
		t.Errorf("a bad variable gave %v", err)
	}
}

// TestNewParamTooLarge: sizes that overflow int, or exceed the memory
// limit, are errors before anything is allocated (they used to panic in
// Reinit or end the process with a fatal out-of-memory).
func TestNewParamTooLarge(t *testing.T) {
	t.Setenv(graph.MemoryLimitEnv, "")
	cases := []struct {
		name  string
		shape tensor.Shape
		want  string
	}{
		{"overflow", tensor.Shape{1 << 40, 1 << 40}, "more elements than an int can count"},
		{"bytes-overflow", tensor.Shape{1 << 31, 1 << 31}, "more bytes than an int can count"},
		{"beyond-memory", tensor.Shape{1 << 20, 1 << 20}, "needs 4.0 TiB, more than the memory limit"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := graph.NewParam(graph.Weight, tensor.Float32, c.shape, graph.Zeros(), 0)
			if p != nil || !errors.Is(err, graph.ErrSize) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("NewParam%v: %v, want an ErrSize error saying %q", c.shape, err, c.want)
			}
		})
	}
	// the limit is a setting: lowered, a small Param is refused; raised
	// (or off), it is made
	t.Setenv(graph.MemoryLimitEnv, "1KiB")
	if _, err := graph.NewParam(graph.Weight, tensor.Float64, tensor.Shape{16, 16}, nil, 0); !errors.Is(err, graph.ErrSize) ||
		!strings.Contains(err.Error(), "2.0 KiB, more than the memory limit of 1.0 KiB (CONVNET_MEMORY_LIMIT=1KiB)") {
		t.Errorf("2 KiB Param under a 1 KiB limit: %v", err)
	}
	t.Setenv(graph.MemoryLimitEnv, "off")
	if _, err := graph.NewParam(graph.Weight, tensor.Float64, tensor.Shape{16, 16}, nil, 0); err != nil {
		t.Errorf("no limit: %v", err)
	}
}

// TestNewMachineChecksSizes: a graph with a node too large for the
// memory limit is refused by NewMachine, naming the node.
func TestNewMachineChecksSizes(t *testing.T) {
	t.Setenv(graph.MemoryLimitEnv, "1MiB")
	b := graph.NewBuilder(graph.Eval)
	x := b.Input("x", tensor.Float32, 512, 256) // 512 KiB: fits
	y, err := G.Concat(0, x, x, x)              // 1.5 MiB: does not
	if err != nil {
		t.Fatal(err)
	}
	if err := b.CheckSizes(); !errors.Is(err, graph.ErrSize) || !strings.Contains(err.Error(), y.Name()) {
		t.Errorf("Builder.CheckSizes: %v, want an ErrSize error naming %q", err, y.Name())
	}
	m, err := graph.NewMachine(b.Graph())
	if m != nil || !errors.Is(err, graph.ErrSize) || !strings.Contains(err.Error(), "(1536, 256) needs 1.5 MiB") {
		t.Errorf("NewMachine: %v, want an ErrSize error", err)
	}
	t.Setenv(graph.MemoryLimitEnv, "2MiB")
	if m, err := graph.NewMachine(b.Graph()); err != nil {
		t.Errorf("under a raised limit: %v", err)
	} else {
		m.Close()
	}
}

func TestFormatBytes(t *testing.T) {
	for n, want := range map[int64]string{512: "512 B", 1536: "1.5 KiB", 4 << 40: "4.0 TiB", 3 << 50: "3.0 PiB"} {
		if got := graph.FormatBytes(n); got != want {
			t.Errorf("FormatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
