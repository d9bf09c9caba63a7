package graph_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"gorgonia.org/tensor"
)

func TestConvertHelpers(t *testing.T) {
	if _, err := graph.Float64s(nil); !errors.Is(err, graph.ErrArg) {
		t.Errorf("nil: %v", err)
	}
	if v, err := graph.Float64s(tensor.New(tensor.FromScalar(float32(2)))); err != nil || fmt.Sprint(v) != "[2]" {
		t.Errorf("scalar: %v %v", v, err)
	}
	if _, err := graph.Float64s(tensor.New(tensor.WithShape(2), tensor.WithBacking([]int{1, 2}))); !errors.Is(err, graph.ErrArg) {
		t.Errorf("ints: %v", err)
	}
	d, err := graph.FromFloat64s(tensor.Float32, []int{2, 2}, []float64{1, 2, 3, 4})
	if err != nil || d.Dtype() != tensor.Float32 || fmt.Sprint(d.Data()) != "[1 2 3 4]" {
		t.Errorf("FromFloat64s: %v %v", d, err)
	}
	if _, err := graph.FromFloat64s(tensor.Float32, []int{2, 2}, []float64{1}); !errors.Is(err, graph.ErrShape) {
		t.Errorf("wrong count: %v", err)
	}
	if _, err := graph.FromFloat64s(tensor.Int, []int{1}, []float64{1}); !errors.Is(err, graph.ErrArg) {
		t.Errorf("int dtype: %v", err)
	}
	if _, err := graph.FromFloat64s(tensor.Float64, []int{0}, nil); !errors.Is(err, graph.ErrShape) {
		t.Errorf("zero dim: %v", err)
	}
	if err := graph.CopyFloat64s(d, []float64{1}); !errors.Is(err, graph.ErrShape) {
		t.Errorf("CopyFloat64s count: %v", err)
	}
}
