package onnx

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/onnx/internal/onnxpb"
	"google.golang.org/protobuf/proto"
	"gorgonia.org/tensor"
)

func ptr[T any](v T) *T { return &v }

func floatInit(name string, dims []int64, vals []float32) *onnxpb.TensorProto {
	return &onnxpb.TensorProto{Name: ptr(name), Dims: dims, DataType: ptr(int32(onnxpb.TensorProto_FLOAT)), FloatData: vals}
}

func tensorInfo(name string, dims ...int64) *onnxpb.ValueInfoProto {
	shape := &onnxpb.TensorShapeProto{}
	for _, d := range dims {
		shape.Dim = append(shape.Dim, &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: d}})
	}
	return &onnxpb.ValueInfoProto{Name: ptr(name), Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{TensorType: &onnxpb.TypeProto_Tensor{ElemType: ptr(int32(onnxpb.TensorProto_FLOAT)), Shape: shape}}}}
}

func intsAttr(name string, v ...int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: ptr(name), Type: onnxpb.AttributeProto_INTS.Enum(), Ints: v}
}

// smallModel is x (1, 1, 4, 4) -> Conv 3x3 pad 1 (2 channels) -> Relu ->
// Flatten -> Gemm (32 -> 3), opset 13.
func smallModel() *onnxpb.ModelProto {
	w := make([]float32, 2*1*3*3)
	for i := range w {
		w[i] = float32(i%5) / 10
	}
	fc := make([]float32, 3*32)
	for i := range fc {
		fc[i] = float32(i%7-3) / 20
	}
	g := &onnxpb.GraphProto{
		Name: ptr("small"),
		Node: []*onnxpb.NodeProto{
			{Name: ptr("conv1"), OpType: ptr("Conv"), Input: []string{"x", "conv1.weight", "conv1.bias"}, Output: []string{"c"},
				Attribute: []*onnxpb.AttributeProto{intsAttr("kernel_shape", 3, 3), intsAttr("pads", 1, 1, 1, 1)}},
			{Name: ptr("relu"), OpType: ptr("Relu"), Input: []string{"c"}, Output: []string{"r"}},
			{Name: ptr("flat"), OpType: ptr("Flatten"), Input: []string{"r"}, Output: []string{"f"}},
			{Name: ptr("fc"), OpType: ptr("Gemm"), Input: []string{"f", "fc.weight", "fc.bias"}, Output: []string{"y"},
				Attribute: []*onnxpb.AttributeProto{{Name: ptr("transB"), Type: onnxpb.AttributeProto_INT.Enum(), I: ptr(int64(1))}}},
		},
		Initializer: []*onnxpb.TensorProto{
			floatInit("conv1.weight", []int64{2, 1, 3, 3}, w),
			floatInit("conv1.bias", []int64{2}, []float32{0.1, -0.2}),
			floatInit("fc.weight", []int64{3, 32}, fc),
			floatInit("fc.bias", []int64{3}, []float32{0, 0.5, -0.5}),
		},
		Input:  []*onnxpb.ValueInfoProto{tensorInfo("x", 1, 1, 4, 4)},
		Output: []*onnxpb.ValueInfoProto{tensorInfo("y", 1, 3)},
	}
	return &onnxpb.ModelProto{IrVersion: ptr(int64(7)), Graph: g, OpsetImport: []*onnxpb.OperatorSetIdProto{{Domain: ptr(""), Version: ptr(int64(13))}}}
}

func marshal(t testing.TB, m *onnxpb.ModelProto) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReadSmallModel(t *testing.T) {
	m, err := Read(marshal(t, smallModel()))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, np := range m.Params() {
		names = append(names, np.Name)
	}
	if got := strings.Join(names, " "); got != "conv1.weight conv1.bias fc.weight fc.bias" {
		t.Errorf("Params = %s", got)
	}
	x := tensor.New(tensor.WithShape(1, 1, 4, 4), tensor.WithBacking(make([]float32, 16)))
	for i := range 16 {
		x.Data().([]float32)[i] = float32(i) / 8
	}
	outs, err := m.Run(x)
	if err != nil {
		t.Fatal(err)
	}
	// the same through nn.Predict: the model is an nn.Layer
	p, err := nn.Predict(m, x)
	if err != nil {
		t.Fatal(err)
	}
	a, b := outs[0].Data().([]float32), p.Data().([]float32)
	if len(a) != 3 {
		t.Fatalf("output %v", outs[0].Shape())
	}
	for i := range a {
		if a[i] != b[i] {
			t.Errorf("Run %v and Predict %v differ", a, b)
		}
	}
	// host reference: conv 3x3 pad 1, relu, flatten, fc
	ref := smallReference(x.Data().([]float32), smallModel())
	for i := range a {
		if d := a[i] - ref[i]; d > 1e-5 || d < -1e-5 {
			t.Errorf("output %d = %v, host reference %v", i, a[i], ref[i])
		}
	}
	// frozen and saved like any layer
	if n := nn.Freeze(m, "conv1"); n != 2 {
		t.Errorf("Freeze(conv1) = %d, want 2", n)
	}
	path := filepath.Join(t.TempDir(), "small.safetensors")
	if err := nn.SaveSafetensors(m, path); err != nil {
		t.Fatal(err)
	}
	if err := nn.LoadSafetensors(m, path); err != nil {
		t.Fatal(err)
	}
	if _, err := nn.Summary(m, []int{1, 1, 4, 4}); err != nil {
		t.Fatal(err)
	}
}

func smallReference(x []float32, mp *onnxpb.ModelProto) []float32 {
	init := map[string][]float32{}
	for _, tp := range mp.Graph.Initializer {
		init[tp.GetName()] = tp.FloatData
	}
	w, cb, fw, fb := init["conv1.weight"], init["conv1.bias"], init["fc.weight"], init["fc.bias"]
	flat := make([]float32, 32)
	for o := 0; o < 2; o++ {
		for i := 0; i < 4; i++ {
			for j := 0; j < 4; j++ {
				s := cb[o]
				for di := -1; di <= 1; di++ {
					for dj := -1; dj <= 1; dj++ {
						if i+di >= 0 && i+di < 4 && j+dj >= 0 && j+dj < 4 {
							s += w[o*9+(di+1)*3+dj+1] * x[(i+di)*4+j+dj]
						}
					}
				}
				flat[o*16+i*4+j] = max(s, 0)
			}
		}
	}
	out := make([]float32, 3)
	for k := range out {
		s := fb[k]
		for i := range flat {
			s += fw[k*32+i] * flat[i]
		}
		out[k] = s
	}
	return out
}

func TestReadErrors(t *testing.T) {
	valid := marshal(t, smallModel())
	cases := []struct {
		name        string
		data        func() []byte
		want        string
		unsupported bool
	}{
		{"truncated", func() []byte { return valid[:len(valid)/2] }, "truncated or corrupt", false},
		{"garbage", func() []byte { return []byte("this is not a protobuf file at all \xff\xff\xff") }, "", false},
		{"empty", func() []byte { return nil }, "no graph", false},
		{"cycle", func() []byte {
			m := smallModel()
			m.Graph.Node[0].Input[0] = "r" // conv reads relu's output
			return marshal(t, m)
		}, "cycle", false},
		{"dangling input", func() []byte {
			m := smallModel()
			m.Graph.Node[1].Input[0] = "nowhere"
			return marshal(t, m)
		}, `"nowhere" is not a graph input`, false},
		{"initializer data", func() []byte {
			m := smallModel()
			m.Graph.Initializer[1].FloatData = []float32{1, 2, 3}
			return marshal(t, m)
		}, `"conv1.bias": float_data holds 3 elements, its shape (2) needs 2`, false},
		{"raw data", func() []byte {
			m := smallModel()
			m.Graph.Initializer[1].FloatData = nil
			m.Graph.Initializer[1].RawData = []byte{1, 2, 3, 4, 5}
			return marshal(t, m)
		}, "raw_data has 5 bytes", false},
		{"negative dim", func() []byte {
			m := smallModel()
			m.Graph.Initializer[1].Dims = []int64{-2}
			return marshal(t, m)
		}, "negative", false},
		{"unsupported op", func() []byte {
			m := smallModel()
			m.Graph.Node[1].OpType = ptr("LRN")
			return marshal(t, m)
		}, `node "relu" (LRN, opset 13): unsupported op LRN`, true},
		{"unsupported attribute", func() []byte {
			m := smallModel()
			m.Graph.Node[0].Attribute = append(m.Graph.Node[0].Attribute, intsAttr("frobnicate", 1))
			return marshal(t, m)
		}, `node "conv1" (Conv, opset 13): unsupported attribute "frobnicate"`, true},
		{"opset", func() []byte {
			m := smallModel()
			m.OpsetImport[0].Version = ptr(int64(18))
			return marshal(t, m)
		}, "opset 18 is not supported", true},
		{"output twice", func() []byte {
			m := smallModel()
			m.Graph.Node[2].Output[0] = "r"
			return marshal(t, m)
		}, "also produced", false},
		{"missing output", func() []byte {
			m := smallModel()
			m.Graph.Output[0].Name = ptr("zzz")
			return marshal(t, m)
		}, `"zzz" is not produced`, false},
		{"domain", func() []byte {
			m := smallModel()
			m.Graph.Node[1].Domain = ptr("com.microsoft")
			return marshal(t, m)
		}, `domain "com.microsoft"`, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Read(c.data())
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want it to contain %q", err, c.want)
			}
			if errors.Is(err, ErrUnsupported) != c.unsupported {
				t.Errorf("errors.Is(err, ErrUnsupported) = %v, want %v (%v)", !c.unsupported, c.unsupported, err)
			}
		})
	}
}

func TestRunErrors(t *testing.T) {
	m, err := Read(marshal(t, smallModel()))
	if err != nil {
		t.Fatal(err)
	}
	f32 := func(shape ...int) *tensor.Dense {
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(make([]float32, prod(shape))))
	}
	cases := []struct {
		name string
		in   []*tensor.Dense
		want string
	}{
		{"no input", nil, "has 1 inputs"},
		{"wrong shape", []*tensor.Dense{f32(2, 1, 5, 4)}, `input "x" must have shape (1, 1, 4, 4)`},
		{"wrong dtype", []*tensor.Dense{tensor.New(tensor.WithShape(1, 1, 4, 4), tensor.WithBacking(make([]float64, 16)))}, "must be FLOAT"},
		{"nil", []*tensor.Dense{nil}, "is nil"},
	}
	for _, c := range cases {
		if _, err := m.Run(c.in...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to contain %q", c.name, err, c.want)
		}
	}
}

// bnModel is smallModel with a BatchNormalization after the convolution.
func bnModel() *onnxpb.ModelProto {
	mp := smallModel()
	mp.Graph.Node = append(mp.Graph.Node[:1], &onnxpb.NodeProto{Name: ptr("bn"), OpType: ptr("BatchNormalization"),
		Input: []string{"c", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var"}, Output: []string{"r0"}},
		&onnxpb.NodeProto{Name: ptr("relu"), OpType: ptr("Relu"), Input: []string{"r0"}, Output: []string{"r"}},
		mp.Graph.Node[2], mp.Graph.Node[3])
	mp.Graph.Initializer = append(mp.Graph.Initializer,
		floatInit("bn.weight", []int64{2}, []float32{1, 2}), floatInit("bn.bias", []int64{2}, []float32{0, 1}),
		floatInit("bn.running_mean", []int64{2}, []float32{0.5, 0}), floatInit("bn.running_var", []int64{2}, []float32{1, 4}))
	return mp
}

// A float initializer read as a shape stays a constant; BatchNorm
// statistics are buffers.
func TestInitializerKinds(t *testing.T) {
	m, err := Read(marshal(t, bnModel()))
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]graph.Kind{}
	for _, np := range m.Params() {
		kinds[np.Name] = np.Param.Kind()
	}
	if kinds["bn.running_mean"] != graph.Buffer || kinds["bn.running_var"] != graph.Buffer || kinds["bn.weight"] != graph.Weight {
		t.Errorf("kinds = %v", kinds)
	}
	if got := nn.NumParams(m); got != 18+2+96+3+2+2 {
		t.Errorf("NumParams = %d", got)
	}
	if _, err := m.Run(tensor.New(tensor.WithShape(1, 1, 4, 4), tensor.WithBacking(make([]float32, 16)))); err != nil {
		t.Fatal(err)
	}
}

func TestSummaryListsNodes(t *testing.T) {
	m, err := Read(marshal(t, smallModel()))
	if err != nil {
		t.Fatal(err)
	}
	s, err := nn.Summary(m, []int{1, 1, 4, 4})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"conv1", "Conv", "(1, 2, 4, 4)", "fc", "Gemm", "(1, 3)", "20", "99", "119"} {
		if !strings.Contains(s, want) {
			t.Errorf("Summary lacks %q:\n%s", want, s)
		}
	}
}
