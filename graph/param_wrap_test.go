package graph_test

import (
	"testing"

	"github.com/convnet-go/convnet/graph"
	"gorgonia.org/tensor"
)

func TestWrapParamSharesTheTensor(t *testing.T) {
	v := tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]float32{1, 2, 3, 4}))
	p, err := graph.WrapParam(graph.Buffer, v)
	if err != nil {
		t.Fatal(err)
	}
	if p.Value() != v || p.Kind() != graph.Buffer || p.Trainable() {
		t.Fatalf("WrapParam: value %p (want %p), kind %v, trainable %v", p.Value(), v, p.Kind(), p.Trainable())
	}
	v.Data().([]float32)[0] = 9
	if got := p.Value().Data().([]float32)[0]; got != 9 {
		t.Errorf("the Param copied its tensor: %v", got)
	}
	bad := []*tensor.Dense{nil, tensor.New(tensor.WithShape(2), tensor.WithBacking([]int64{1, 2}))}
	for i, b := range bad {
		if _, err := graph.WrapParam(graph.Weight, b); err == nil {
			t.Errorf("case %d: no error", i)
		}
	}
}
