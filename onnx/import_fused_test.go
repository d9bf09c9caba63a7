package onnx

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/internal/ort"
	"github.com/convnet-go/convnet/onnx/internal/onnxpb"
	"github.com/convnet-go/convnet/ops"
	"google.golang.org/protobuf/proto"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The importer maps a fully connected Gemm to ops.Dense, Clip(0, 6) to
// ops.ReLU6 and a half-pixel bilinear Resize to ops.ResizeBilinear2D. These
// tests check both sides of each rule: the fused op is chosen exactly when
// the semantics are the same (ops.Describe on the imported graph's nodes),
// and the result matches ONNX's conformance data or ONNX Runtime either way.

// ORTReady reports whether ONNX Runtime is installed; under CI=true
// (./test.sh installs it) a missing runtime fails t. Exported for the
// package's external tests.
func ORTReady(t *testing.T) bool {
	t.Helper()
	if err := ort.Available(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("ONNX Runtime is required under CI: %v", err)
		}
		t.Logf("ONNX Runtime not installed (./test.sh installs it), its checks are skipped: %v", err)
		return false
	}
	return true
}

// opsOf builds m in evaluation mode on inputs of the given shapes and
// dtype and returns the names of the ops of this package's ops it uses
// (ops.Describe), each once.
func opsOf(t *testing.T, m *Model, xs []*tensor.Dense) []string {
	t.Helper()
	b := graph.NewBuilder(graph.Eval)
	nodes := make([]*G.Node, len(xs))
	for i, x := range xs {
		nodes[i] = b.Input(fmt.Sprintf("x%d", i), x.Dtype(), x.Shape().Clone()...)
	}
	if _, err := m.ForwardAll(b, nodes...); err != nil {
		t.Fatalf("%+v", err)
	}
	var names []string
	for _, n := range b.Graph().AllNodes() {
		if name, _, ok := ops.Describe(n.Op()); ok && !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	return names
}

// checkFused fails unless the op fused is among names when want is true,
// and absent when it is false.
func checkFused(t *testing.T, names []string, fused string, want bool) {
	t.Helper()
	if got := slices.Contains(names, fused); got != want {
		t.Errorf("the graph's ops are %v: %s used = %v, want %v", names, fused, got, want)
	}
}

// TestFusedConformance runs ONNX conformance cases of Gemm, Clip and Resize
// whose bounds, scales or sizes are graph inputs with those inputs made
// initializers (known at import, as in exported models), compares the
// outputs with ONNX's expected ones, and checks which op was chosen.
func TestFusedConformance(t *testing.T) {
	if _, err := os.Stat(testdataRoot); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("ONNX test data missing (%v): ./test.sh installs libonnx-testdata", err)
		}
		t.Skipf("ONNX test data missing (%v): apt-get install libonnx-testdata", err)
	}
	for _, tc := range []struct {
		dir    string
		inline []string // graph inputs turned into initializers
		fused  string
		want   bool
	}{
		{"node/test_gemm_transposeB", nil, "Dense", true},            // C (1, N)
		{"pytorch-converted/test_Linear", nil, "Dense", true},        // opset 6, C (N), broadcast = 1
		{"node/test_gemm_all_attributes", nil, "Dense", false},       // alpha, beta, transA
		{"node/test_gemm_default_vector_bias", nil, "Dense", false},  // transB = 0
		{"node/test_clip", []string{"min", "max"}, "ReLU6", false},   // (-1, 1)
		{"pytorch-operator/test_operator_clip", nil, "ReLU6", false}, // opset 6 attributes (-0.5, 0.5)
		{"node/test_resize_upsample_scales_linear", []string{"scales"}, "ResizeBilinear2D", true},
		{"node/test_resize_downsample_scales_linear", []string{"scales"}, "ResizeBilinear2D", false},                  // scale 0.6 is not out/in
		{"node/test_resize_upsample_scales_linear_align_corners", []string{"scales"}, "ResizeBilinear2D", false},      // align_corners
		{"node/test_resize_downsample_sizes_linear_pytorch_half_pixel", []string{"sizes"}, "ResizeBilinear2D", false}, // output width 1
	} {
		t.Run(tc.dir, func(t *testing.T) {
			dir := filepath.Join(testdataRoot, tc.dir)
			data, err := os.ReadFile(filepath.Join(dir, "model.onnx"))
			if err != nil {
				t.Fatal(err)
			}
			var mp onnxpb.ModelProto
			if err := proto.Unmarshal(data, &mp); err != nil {
				t.Fatal(err)
			}
			g := mp.GetGraph()
			var xs []*tensor.Dense
			var kept []*onnxpb.ValueInfoProto
			set := filepath.Join(dir, "test_data_set_0")
			var initialized []string
			for _, tp := range g.GetInitializer() {
				initialized = append(initialized, tp.GetName())
			}
			i := 0 // the index of the input files: initializers have none
			for _, in := range g.GetInput() {
				if slices.Contains(initialized, in.GetName()) {
					kept = append(kept, in)
					continue
				}
				file := filepath.Join(set, fmt.Sprintf("input_%d.pb", i))
				i++
				if !slices.Contains(tc.inline, in.GetName()) {
					x, err := ReadTensorFile(file)
					if err != nil {
						t.Fatal(err)
					}
					xs = append(xs, x)
					kept = append(kept, in)
					continue
				}
				raw, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				var tp onnxpb.TensorProto
				if err := proto.Unmarshal(raw, &tp); err != nil {
					t.Fatal(err)
				}
				tp.Name = ptr(in.GetName())
				g.Initializer = append(g.Initializer, &tp)
			}
			g.Input = kept
			m, err := Read(marshal(t, &mp))
			if err != nil {
				t.Fatalf("%+v", err)
			}
			outs, err := m.Run(xs...)
			if err != nil {
				t.Fatalf("%+v", err)
			}
			want, err := ReadTensorFile(filepath.Join(set, "output_0.pb"))
			if err != nil {
				t.Fatal(err)
			}
			if err := allClose(outs[0], want, 1e-5, 1e-6); err != nil {
				t.Error(err)
			}
			checkFused(t, opsOf(t, m, xs), tc.fused, tc.want)
		})
	}
}

func floatAttr(name string, v float32) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: ptr(name), Type: onnxpb.AttributeProto_FLOAT.Enum(), F: ptr(v)}
}

func intAttr(name string, v int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: ptr(name), Type: onnxpb.AttributeProto_INT.Enum(), I: ptr(v)}
}

func stringAttr(name, v string) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: ptr(name), Type: onnxpb.AttributeProto_STRING.Enum(), S: []byte(v)}
}

func int64Init(name string, vals ...int64) *onnxpb.TensorProto {
	return &onnxpb.TensorProto{Name: ptr(name), Dims: []int64{int64(len(vals))}, DataType: ptr(int32(onnxpb.TensorProto_INT64)), Int64Data: vals}
}

// oneNode is a model of one node on the input x, with initializers, at
// an opset.
func oneNode(opset int64, x []int64, op string, inputs []string, attrs []*onnxpb.AttributeProto, inits ...*onnxpb.TensorProto) *onnxpb.ModelProto {
	g := &onnxpb.GraphProto{
		Name:        ptr("fused"),
		Node:        []*onnxpb.NodeProto{{Name: ptr("n"), OpType: ptr(op), Input: append([]string{"x"}, inputs...), Output: []string{"y"}, Attribute: attrs}},
		Initializer: inits,
		Input:       []*onnxpb.ValueInfoProto{tensorInfo("x", x...)},
		Output:      []*onnxpb.ValueInfoProto{{Name: ptr("y"), Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{TensorType: &onnxpb.TypeProto_Tensor{ElemType: ptr(int32(onnxpb.TensorProto_FLOAT))}}}}},
	}
	return &onnxpb.ModelProto{IrVersion: ptr(int64(7)), Graph: g, OpsetImport: []*onnxpb.OperatorSetIdProto{{Domain: ptr(""), Version: ptr(opset)}}}
}

// seqInit is a float initializer of the given shape filled with a fixed
// pattern in [-1, 1].
func seqInit(name string, dims ...int64) *onnxpb.TensorProto {
	n := int64(1)
	for _, d := range dims {
		n *= d
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = float32((i*7)%11-5) / 5
	}
	return floatInit(name, dims, v)
}

// TestFusedORT builds one-node models for each rule and its neighbours,
// runs them in ONNX Runtime and through the importer, compares the outputs
// and checks which op was chosen.
func TestFusedORT(t *testing.T) {
	for _, tc := range []struct {
		name  string
		model *onnxpb.ModelProto
		fused string
		want  bool
	}{
		{"gemm-bias-row", oneNode(13, []int64{3, 6}, "Gemm", []string{"w", "b"}, []*onnxpb.AttributeProto{intAttr("transB", 1)}, seqInit("w", 4, 6), seqInit("b", 4)), "Dense", true},
		{"gemm-bias-1xN", oneNode(13, []int64{3, 6}, "Gemm", []string{"w", "b"}, []*onnxpb.AttributeProto{intAttr("transB", 1), floatAttr("alpha", 1), floatAttr("beta", 1)}, seqInit("w", 4, 6), seqInit("b", 1, 4)), "Dense", true},
		{"gemm-no-bias", oneNode(11, []int64{3, 6}, "Gemm", []string{"w"}, []*onnxpb.AttributeProto{intAttr("transB", 1)}, seqInit("w", 4, 6)), "Dense", true},
		{"gemm-alpha", oneNode(13, []int64{3, 6}, "Gemm", []string{"w", "b"}, []*onnxpb.AttributeProto{intAttr("transB", 1), floatAttr("alpha", 0.5)}, seqInit("w", 4, 6), seqInit("b", 4)), "Dense", false},
		{"gemm-beta", oneNode(13, []int64{3, 6}, "Gemm", []string{"w", "b"}, []*onnxpb.AttributeProto{intAttr("transB", 1), floatAttr("beta", 2)}, seqInit("w", 4, 6), seqInit("b", 4)), "Dense", false},
		{"gemm-bias-matrix", oneNode(13, []int64{3, 6}, "Gemm", []string{"w", "b"}, []*onnxpb.AttributeProto{intAttr("transB", 1)}, seqInit("w", 4, 6), seqInit("b", 3, 4)), "Dense", false},
		{"clip-attrs-0-6", oneNode(6, []int64{2, 3, 4, 5}, "Clip", nil, []*onnxpb.AttributeProto{floatAttr("min", 0), floatAttr("max", 6)}), "ReLU6", true},
		{"clip-attrs-0-5", oneNode(6, []int64{2, 3, 4, 5}, "Clip", nil, []*onnxpb.AttributeProto{floatAttr("min", 0), floatAttr("max", 5)}), "ReLU6", false},
		{"clip-attr-max-only", oneNode(6, []int64{2, 3, 4, 5}, "Clip", nil, []*onnxpb.AttributeProto{floatAttr("max", 6)}), "ReLU6", false},
		{"clip-inputs-0-6", oneNode(13, []int64{2, 3, 4, 5}, "Clip", []string{"lo", "hi"}, nil, floatInit("lo", nil, []float32{0}), floatInit("hi", nil, []float32{6})), "ReLU6", true},
		{"clip-inputs-min-only", oneNode(13, []int64{2, 3, 4, 5}, "Clip", []string{"lo"}, nil, floatInit("lo", nil, []float32{0})), "ReLU6", false},
		{"clip-inputs-0-7", oneNode(11, []int64{2, 3, 4, 5}, "Clip", []string{"lo", "hi"}, nil, floatInit("lo", nil, []float32{0}), floatInit("hi", nil, []float32{7})), "ReLU6", false},
		{"resize-half-pixel-sizes-down", oneNode(13, []int64{1, 2, 5, 7}, "Resize", []string{"", "", "sizes"}, []*onnxpb.AttributeProto{stringAttr("mode", "linear")}, int64Init("sizes", 1, 2, 3, 4)), "ResizeBilinear2D", true},
		{"resize-half-pixel-sizes-up", oneNode(13, []int64{2, 1, 3, 3}, "Resize", []string{"", "", "sizes"}, []*onnxpb.AttributeProto{stringAttr("mode", "linear"), stringAttr("coordinate_transformation_mode", "half_pixel")}, int64Init("sizes", 2, 1, 7, 5)), "ResizeBilinear2D", true},
		{"resize-pytorch-half-pixel-scales", oneNode(13, []int64{2, 1, 3, 4}, "Resize", []string{"", "scales"}, []*onnxpb.AttributeProto{stringAttr("mode", "linear"), stringAttr("coordinate_transformation_mode", "pytorch_half_pixel")}, floatInit("scales", []int64{4}, []float32{1, 1, 2, 3})), "ResizeBilinear2D", true},
		{"resize-pytorch-half-pixel-width-1", oneNode(13, []int64{1, 1, 4, 4}, "Resize", []string{"", "", "sizes"}, []*onnxpb.AttributeProto{stringAttr("mode", "linear"), stringAttr("coordinate_transformation_mode", "pytorch_half_pixel")}, int64Init("sizes", 1, 1, 3, 1)), "ResizeBilinear2D", false},
		{"resize-half-pixel-scale-not-out-over-in", oneNode(13, []int64{1, 1, 4, 5}, "Resize", []string{"", "scales"}, []*onnxpb.AttributeProto{stringAttr("mode", "linear")}, floatInit("scales", []int64{4}, []float32{1, 1, 1.3, 0.7})), "ResizeBilinear2D", false},
		{"resize-align-corners", oneNode(13, []int64{1, 2, 3, 4}, "Resize", []string{"", "scales"}, []*onnxpb.AttributeProto{stringAttr("mode", "linear"), stringAttr("coordinate_transformation_mode", "align_corners")}, floatInit("scales", []int64{4}, []float32{1, 1, 2, 2})), "ResizeBilinear2D", false},
		{"resize-asymmetric", oneNode(13, []int64{1, 2, 3, 4}, "Resize", []string{"", "scales"}, []*onnxpb.AttributeProto{stringAttr("mode", "linear"), stringAttr("coordinate_transformation_mode", "asymmetric")}, floatInit("scales", []int64{4}, []float32{1, 1, 2, 2})), "ResizeBilinear2D", false},
		{"resize-channels", oneNode(13, []int64{1, 2, 3, 4}, "Resize", []string{"", "", "sizes"}, []*onnxpb.AttributeProto{stringAttr("mode", "linear")}, int64Init("sizes", 1, 4, 6, 4)), "ResizeBilinear2D", false},
		{"upsample-linear", oneNode(9, []int64{1, 2, 3, 4}, "Upsample", []string{"scales"}, []*onnxpb.AttributeProto{stringAttr("mode", "linear")}, floatInit("scales", []int64{4}, []float32{1, 1, 2, 2})), "ResizeBilinear2D", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := marshal(t, tc.model)
			m, err := Read(data)
			if err != nil {
				t.Fatalf("%+v", err)
			}
			dims := tc.model.GetGraph().GetInput()[0].GetType().GetTensorType().GetShape().GetDim()
			shape := make([]int, len(dims))
			for i, d := range dims {
				shape[i] = int(d.GetDimValue())
			}
			x := fusedInput(shape...)
			checkFused(t, opsOf(t, m, []*tensor.Dense{x}), tc.fused, tc.want)
			got, err := m.Run(x)
			if err != nil {
				t.Fatalf("%+v", err)
			}
			if !ORTReady(t) {
				return
			}
			file := filepath.Join(t.TempDir(), "m.onnx")
			if err := os.WriteFile(file, data, 0o644); err != nil {
				t.Fatal(err)
			}
			want, err := ort.Run(file, x)
			if err != nil {
				t.Fatal(err)
			}
			if err := allClose(got[0], want[0], 1e-5, 1e-6); err != nil {
				t.Errorf("differs from ONNX Runtime: %v", err)
			}
		})
	}
}

// fusedInput is a float32 tensor whose values run over [-3, 9), so that
// Clip(0, 6) has elements below, inside and above its bounds.
func fusedInput(shape ...int) *tensor.Dense {
	n := 1
	for _, d := range shape {
		n *= d
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = float32((i*37)%97)/97*12 - 3
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(v))
}
