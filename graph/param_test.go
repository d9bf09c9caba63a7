package graph_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"gorgonia.org/tensor"
)

func TestNewParamErrors(t *testing.T) {
	cases := []struct {
		name  string
		dt    tensor.Dtype
		shape tensor.Shape
		err   error
		msg   string
	}{
		{"int-dtype", tensor.Int, tensor.Shape{2}, graph.ErrArg, "graph: NewParam: dtype must be float32 or float64, got int"},
		{"zero-dim", tensor.Float32, tensor.Shape{2, 0}, graph.ErrShape, "graph: NewParam: every dimension must be positive, got shape (2, 0)"},
		{"negative-dim", tensor.Float64, tensor.Shape{-1}, graph.ErrShape, "graph: NewParam: every dimension must be positive, got shape (-1)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := graph.NewParam(graph.Weight, c.dt, c.shape, graph.Ones(), 1)
			if !errors.Is(err, c.err) || err.Error() != c.msg {
				t.Fatalf("got %v, want %q", err, c.msg)
			}
		})
	}
}

func TestParamAccessors(t *testing.T) {
	w, _ := graph.NewParam(graph.Weight, tensor.Float32, tensor.Shape{2, 3}, graph.Ones(), 1)
	b, _ := graph.NewParam(graph.Buffer, tensor.Float64, tensor.Shape{3}, graph.Zeros(), 1)
	if w.Kind() != graph.Weight || b.Kind() != graph.Buffer || w.Kind().String() != "weight" || b.Kind().String() != "buffer" {
		t.Error("kinds")
	}
	if w.Size() != 6 || w.Dtype() != tensor.Float32 || fmt.Sprint(w.Shape()) != "(2, 3)" {
		t.Errorf("size %d dtype %v shape %v", w.Size(), w.Dtype(), w.Shape())
	}
	s := w.Shape()
	s[0] = 7
	if w.Value().Shape()[0] != 2 {
		t.Error("Shape returned the Param's own slice")
	}
	if !w.Trainable() || b.Trainable() || w.Frozen() {
		t.Error("a weight is trainable, a buffer is not")
	}
	w.SetFrozen(true)
	if w.Trainable() || !w.Frozen() {
		t.Error("a frozen weight is not trainable")
	}
	w.SetFrozen(false)
	if !w.Trainable() {
		t.Error("unfreezing")
	}
	if w.Initializer() == nil {
		t.Error("no initialiser")
	}
}

func TestParamSetValue(t *testing.T) {
	p, _ := graph.NewParam(graph.Weight, tensor.Float32, tensor.Shape{3}, graph.Zeros(), 1)
	orig := p.Value()
	src := tensor.New(tensor.WithShape(3), tensor.WithBacking([]float64{1.5, -2, 1e-3}))
	if err := p.SetValue(src); err != nil {
		t.Fatal(err)
	}
	if p.Value() != orig {
		t.Error("SetValue replaced the tensor instead of copying into it")
	}
	if got := p.Value().Float32s(); got[0] != 1.5 || got[1] != -2 || got[2] != float32(1e-3) {
		t.Errorf("values %v", got)
	}
	src.Float64s()[0] = 99
	if p.Value().Float32s()[0] != 1.5 {
		t.Error("SetValue kept a reference to the source")
	}
	for _, bad := range []tensor.Shape{{4}, {1, 3}, {3, 1}} {
		err := p.SetValue(tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(bad...)))
		if !errors.Is(err, graph.ErrShape) || !strings.Contains(err.Error(), "shape must be (3), got "+graph.FormatShape(bad)) {
			t.Errorf("shape %v: %v", bad, err)
		}
	}
	if err := p.SetValue(tensor.New(tensor.WithShape(3), tensor.WithBacking([]int{1, 2, 3}))); !errors.Is(err, graph.ErrArg) {
		t.Errorf("int source: %v", err)
	}
	// a transposed view is copied in logical order
	q, _ := graph.NewParam(graph.Weight, tensor.Float64, tensor.Shape{3, 2}, graph.Zeros(), 1)
	v := tensor.New(tensor.WithShape(2, 3), tensor.WithBacking([]float64{1, 2, 3, 4, 5, 6}))
	if err := v.T(); err != nil {
		t.Fatal(err)
	}
	if err := q.SetValue(v); err != nil || fmt.Sprint(q.Value().Data()) != "[1 4 2 5 3 6]" {
		t.Errorf("view: %v %v", q.Value().Data(), err)
	}
}

func TestParamConvertTo(t *testing.T) {
	p, _ := graph.NewParam(graph.Weight, tensor.Float32, tensor.Shape{50}, graph.Normal(0, 1), 3)
	before := append([]float32(nil), p.Value().Float32s()...)
	old := p.Value()
	if err := p.ConvertTo(tensor.Float32); err != nil || p.Value() != old {
		t.Fatalf("same dtype: %v, tensor replaced %v", err, p.Value() != old)
	}
	if err := p.ConvertTo(tensor.Float64); err != nil {
		t.Fatal(err)
	}
	if p.Dtype() != tensor.Float64 || p.Value() == old || fmt.Sprint(p.Shape()) != "(50)" {
		t.Fatalf("dtype %v shape %v", p.Dtype(), p.Shape())
	}
	for i, v := range p.Value().Float64s() {
		if v != float64(before[i]) {
			t.Fatalf("value %d: %v, want %v", i, v, before[i])
		}
	}
	if err := p.ConvertTo(tensor.Float32); err != nil {
		t.Fatal(err)
	}
	for i, v := range p.Value().Float32s() {
		if math.Float32bits(v) != math.Float32bits(before[i]) {
			t.Fatalf("float32 -> float64 -> float32 changed value %d: %v, want %v", i, v, before[i])
		}
	}
	if err := p.ConvertTo(tensor.Int64); !errors.Is(err, graph.ErrArg) {
		t.Errorf("int64: %v", err)
	}
}

func TestParamReinit(t *testing.T) {
	p, _ := graph.NewParam(graph.Weight, tensor.Float64, tensor.Shape{4, 4}, graph.HeUniform(), 1)
	first := append([]float64(nil), p.Value().Float64s()...)
	old := p.Value()
	if err := p.Reinit(2); err != nil {
		t.Fatal(err)
	}
	if p.Value() != old {
		t.Error("Reinit replaced the tensor")
	}
	if fmt.Sprint(p.Value().Float64s()) == fmt.Sprint(first) {
		t.Error("seed 2 gave seed 1's values")
	}
	if err := p.Reinit(1); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(p.Value().Float64s()) != fmt.Sprint(first) {
		t.Error("Reinit(1) did not reproduce NewParam's seed-1 values")
	}
	// an initialiser that returns the wrong number of values is an error
	_, err := graph.NewParam(graph.Weight, tensor.Float64, tensor.Shape{2}, func(_ *rand.Rand, _ tensor.Shape) []float64 { return []float64{1} }, 1)
	if err == nil || !strings.Contains(err.Error(), "gave 1 values for shape (2)") {
		t.Errorf("short initialiser: %v", err)
	}
}

func TestPrefix(t *testing.T) {
	p, _ := graph.NewParam(graph.Weight, tensor.Float32, tensor.Shape{1}, nil, 0)
	ps := []graph.NamedParam{{Name: "weight", Param: p}, {Name: "0.bias", Param: p}}
	if got := graph.Prefix("", ps); got[0].Name+" "+got[1].Name != "weight 0.bias" {
		t.Errorf("empty prefix: %v", got)
	}
	got := graph.Prefix("features", ps)
	if got[0].Name != "features.weight" || got[1].Name != "features.0.bias" || got[0].Param != p {
		t.Errorf("prefix: %v", got)
	}
	if ps[0].Name != "weight" {
		t.Error("Prefix changed its argument")
	}
}
