package onnx

import (
	"math"
	"testing"

	onnxpb "github.com/convnet-go/convnet/onnx/internal/onnxpb"
	"gorgonia.org/tensor"
)

// TestClipInfiniteAndLargeInputs runs Clip on ±Inf and ±1e8: ONNX's Clip is
// min(max(x, lo), hi), so anything below lo gives lo and above hi
// gives hi, exactly.
func TestClipInfiniteAndLargeInputs(t *testing.T) {
	inf := float32(math.Inf(1))
	for _, tc := range []struct {
		name  string
		model *onnxpb.ModelProto
		lo    float32
		hi    float32
	}{
		{"attrs-min-max", oneNode(6, []int64{6}, "Clip", nil, []*onnxpb.AttributeProto{floatAttr("min", -1), floatAttr("max", 1)}), -1, 1},
		{"attrs-max-only", oneNode(6, []int64{6}, "Clip", nil, []*onnxpb.AttributeProto{floatAttr("max", 1)}), -math.MaxFloat32, 1}, // opset 6: min defaults to the lowest float
		{"inputs-min-max", oneNode(13, []int64{6}, "Clip", []string{"lo", "hi"}, nil, floatInit("lo", nil, []float32{-1}), floatInit("hi", nil, []float32{1})), -1, 1},
		{"inputs-min-only", oneNode(13, []int64{6}, "Clip", []string{"lo"}, nil, floatInit("lo", nil, []float32{-1})), -1, inf},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Read(marshal(t, tc.model))
			if err != nil {
				t.Fatalf("%+v", err)
			}
			x := tensor.New(tensor.WithShape(6), tensor.WithBacking([]float32{-inf, inf, 0.5, -0.5, -1e8, 1e8}))
			got, err := m.Run(x)
			if err != nil {
				t.Fatalf("%+v", err)
			}
			want := []float32{tc.lo, tc.hi, 0.5, -0.5, max(tc.lo, -1e8), min(tc.hi, 1e8)}
			for i, v := range got[0].Data().([]float32) {
				if v != want[i] {
					t.Errorf("Clip(%v) = %v, want %v (all: %v)", x.Data().([]float32)[i], v, want[i], got[0].Data())
				}
			}
		})
	}
}

// TestHardSigmoidInfiniteAndLargeInputs runs HardSigmoid (clip(0.2·x + 0.5, 0, 1)) on
// large and infinite inputs: 1 above 2.5, 0 below -2.5.
func TestHardSigmoidInfiniteAndLargeInputs(t *testing.T) {
	m, err := Read(marshal(t, oneNode(13, []int64{4}, "HardSigmoid", nil, nil)))
	if err != nil {
		t.Fatalf("%+v", err)
	}
	inf := float32(math.Inf(1))
	x := tensor.New(tensor.WithShape(4), tensor.WithBacking([]float32{1e8, -1e8, inf, -inf}))
	got, err := m.Run(x)
	if err != nil {
		t.Fatalf("%+v", err)
	}
	want := []float32{1, 0, 1, 0}
	for i, v := range got[0].Data().([]float32) {
		if v != want[i] {
			t.Errorf("HardSigmoid(%v) = %v, want %v", x.Data().([]float32)[i], v, want[i])
		}
	}
}
