package onnx_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/onnx"
	pb "github.com/convnet-go/convnet/onnx/internal/onnxpb"
	"github.com/convnet-go/convnet/ops"
	"github.com/convnet-go/convnet/zoo"
	"google.golang.org/protobuf/proto"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// exported exports m for inputShape and parses the bytes back.
func exported(t *testing.T, m nn.Layer, inputShape ...int) *pb.ModelProto {
	t.Helper()
	var buf bytes.Buffer
	if err := onnx.Write(&buf, m, inputShape); err != nil {
		t.Fatalf("%+v", err)
	}
	mp := &pb.ModelProto{}
	if err := proto.Unmarshal(buf.Bytes(), mp); err != nil {
		t.Fatal(err)
	}
	return mp
}

func opTypes(mp *pb.ModelProto) []string {
	var ops []string
	for _, n := range mp.GetGraph().GetNode() {
		ops = append(ops, n.GetOpType())
	}
	return ops
}

// dims renders a value's shape, the symbolic axes by name: "N,1,28,28".
func dims(vi *pb.ValueInfoProto) string {
	var s []string
	for _, d := range vi.GetType().GetTensorType().GetShape().GetDim() {
		if p := d.GetDimParam(); p != "" {
			s = append(s, p)
		} else {
			s = append(s, strconv.FormatInt(d.GetDimValue(), 10))
		}
	}
	return strings.Join(s, ",")
}

func TestWriteLeNetStructure(t *testing.T) {
	m, err := zoo.LeNet5(10)
	if err != nil {
		t.Fatal(err)
	}
	mp := exported(t, m, 4, 1, 28, 28)
	if mp.GetIrVersion() != 7 || len(mp.GetOpsetImport()) != 1 || mp.GetOpsetImport()[0].GetVersion() != 13 || mp.GetOpsetImport()[0].GetDomain() != "" {
		t.Errorf("ir_version %d, opsets %v; want 7 and the default domain at 13", mp.GetIrVersion(), mp.GetOpsetImport())
	}
	g := mp.GetGraph()
	if len(g.GetInput()) != 1 || g.GetInput()[0].GetName() != "input" || dims(g.GetInput()[0]) != "N,1,28,28" {
		t.Errorf("inputs %v, want input (N,1,28,28)", g.GetInput())
	}
	if len(g.GetOutput()) != 1 || g.GetOutput()[0].GetName() != "output" || dims(g.GetOutput()[0]) != "N,10" {
		t.Errorf("outputs %v, want output (N,10)", g.GetOutput())
	}
	if et := g.GetInput()[0].GetType().GetTensorType().GetElemType(); et != int32(pb.TensorProto_FLOAT) {
		t.Errorf("element type %d, want FLOAT", et)
	}
	// every Param is an initializer under its state_dict name, with its values
	var names []string
	inits := map[string]*pb.TensorProto{}
	for _, in := range g.GetInitializer() {
		names = append(names, in.GetName())
		inits[in.GetName()] = in
	}
	var want []string
	for _, np := range nn.NamedParams(m) {
		want = append(want, np.Name)
		in, ok := inits[np.Name]
		if !ok {
			continue
		}
		vals, err := graph.Float64s(np.Param.Value())
		if err != nil {
			t.Fatal(err)
		}
		raw := in.GetRawData()
		if len(raw) != 4*len(vals) {
			t.Errorf("%s: %d bytes, want %d", np.Name, len(raw), 4*len(vals))
			continue
		}
		for i, v := range vals {
			if got := math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:])); got != float32(v) {
				t.Errorf("%s[%d] = %v, want %v", np.Name, i, got, v)
				break
			}
		}
		if got, wantShape := in.GetDims(), np.Param.Shape(); len(got) != len(wantShape) {
			t.Errorf("%s: dims %v, want %v", np.Name, got, wantShape)
		}
	}
	sort.Strings(names)
	sort.Strings(want)
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("initializers\n%v\nwant the state_dict names\n%v", names, want)
	}
	// every node input is the graph input, an initializer or an earlier output
	known := map[string]bool{"input": true, "": true}
	for _, n := range names {
		known[n] = true
	}
	for _, n := range g.GetNode() {
		for _, in := range n.GetInput() {
			if !known[in] {
				t.Errorf("node %q (%s) reads %q before it is computed", n.GetName(), n.GetOpType(), in)
			}
		}
		for _, o := range n.GetOutput() {
			known[o] = true
		}
	}
	if !known["output"] {
		t.Errorf("no node computes the output")
	}
}

func TestWriteOpsOfLayers(t *testing.T) {
	cases := []struct {
		name  string
		model func() (nn.Layer, error)
		in    []int
		want  string
	}{
		{"conv-bn-relu-pool-dense", seq(must(nn.NewConv2D(1, 2, 3)), must(nn.NewBatchNorm2D(2)), nn.NewReLU(), must(nn.NewMaxPool2D(2)), nn.NewFlatten(), must(nn.NewDense(8, 3))),
			[]int{1, 1, 6, 6}, "Conv BatchNormalization Relu MaxPool Flatten Gemm"},
		{"fused-activations", seq(must(nn.NewConv2D(1, 2, 3, nn.WithActivation(nn.NewELU(1)))), must(nn.NewBatchNorm2D(2, nn.WithActivation(nn.NewReLU()))), nn.NewFlatten(), must(nn.NewDense(8, 3, nn.WithActivation(nn.NewSigmoid())))),
			[]int{1, 1, 4, 4}, "Conv Elu BatchNormalization Relu Flatten Gemm Sigmoid"},
		{"dropout-is-gone", seq(must(nn.NewDropout(0.5)), nn.NewTanh(), must(nn.NewDropout(0.1))),
			[]int{1, 3}, "Tanh"},
		{"identity-model", seq(must(nn.NewDropout(0.5))), []int{2, 3}, "Identity"},
		{"global-pool-softmax", seq(nn.NewGlobalAvgPool(), must(nn.NewLogSoftmax())), []int{1, 3, 4, 4}, "GlobalAveragePool Flatten LogSoftmax"},
		{"upsampling", seq(must(nn.NewUpsample2D(2)), must(nn.NewUpsampleBilinear2D(2)), must(nn.NewAdaptiveAvgPool2D(2, 2))), []int{1, 1, 3, 3}, "Resize Resize AveragePool"},
		{"residual", func() (nn.Layer, error) {
			return nn.NewResidual(must(nn.NewConv2D(2, 2, 3, nn.WithPad(1))), nil)
		}, []int{1, 2, 4, 4}, "Conv Add"},
		{"bare-conv", func() (nn.Layer, error) { return nn.NewConv2D(1, 2, 3, nn.WithActivation(nn.NewReLU())) }, []int{1, 1, 4, 4}, "Conv Relu"},
		{"bare-relu", func() (nn.Layer, error) { return nn.NewReLU(), nil }, []int{1, 3}, "Relu"},
		{"segnet", func() (nn.Layer, error) { return zoo.NewSegNetStages([]int{2}, []int{1}, 1) }, []int{1, 1, 4, 4},
			"Conv BatchNormalization Relu MaxPool Shape Gather Concat MaxUnpool Conv BatchNormalization Relu Conv"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := c.model()
			if err != nil {
				t.Fatal(err)
			}
			mp := exported(t, m, c.in...)
			if got := strings.Join(opTypes(mp), " "); got != c.want {
				t.Errorf("ops %q, want %q", got, c.want)
			}
			if out := mp.GetGraph().GetOutput(); len(out) != 1 || out[0].GetName() != "output" {
				t.Errorf("outputs %v, want one called output", out)
			}
		})
	}
}

func TestWriteFloat64(t *testing.T) {
	m, err := nn.NewSequential(must(nn.NewDense(3, 2, nn.WithDtype(tensor.Float64))))
	if err != nil {
		t.Fatal(err)
	}
	mp := exported(t, m, 1, 3)
	g := mp.GetGraph()
	if et := g.GetInput()[0].GetType().GetTensorType().GetElemType(); et != int32(pb.TensorProto_DOUBLE) {
		t.Errorf("input element type %d, want DOUBLE", et)
	}
	for _, in := range g.GetInitializer() {
		if in.GetDataType() != int32(pb.TensorProto_DOUBLE) {
			t.Errorf("initializer %s has type %d, want DOUBLE", in.GetName(), in.GetDataType())
		}
	}
}

// custom is a layer the exporter does not know: its op is a Gorgonia op.
type custom struct{}

func (custom) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) { return G.Square(x) }
func (custom) Params() []graph.NamedParam                           { return nil }

// scaled is a custom layer made of ops the exporter knows.
type scaled struct{}

func (scaled) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	y, err := ops.Scale(x, 0.5)
	if err != nil {
		return nil, err
	}
	return ops.ReLU(y)
}
func (scaled) Params() []graph.NamedParam { return nil }

func TestWriteErrors(t *testing.T) {
	cases := []struct {
		name  string
		model func() (nn.Layer, error)
		in    [][]int
		is    error
		want  string
	}{
		{"nil-model", func() (nn.Layer, error) { return nil, nil }, [][]int{{1, 2}}, graph.ErrArg, "the model is nil"},
		{"no-batch-axis", seq(nn.NewReLU()), [][]int{{}}, graph.ErrShape, "must have a batch axis"},
		{"zero-dim", seq(nn.NewReLU()), [][]int{{1, 0, 3}}, graph.ErrShape, "every input dimension must be positive, got (1, 0, 3)"},
		{"unsupported-layer", seq(nn.NewReLU(), custom{}), [][]int{{1, 3}}, graph.ErrArg, `layer "1" (onnx_test.custom) is not supported by the exporter`},
		{"unsupported-activation", seq(must(nn.NewDense(3, 2, nn.WithActivation(custom{})))), [][]int{{1, 3}}, graph.ErrArg, `layer "0": its activation onnx_test.custom is not supported`},
		{"trace-fails", seq(must(nn.NewConv2D(3, 2, 3))), [][]int{{1, 2, 5, 5}}, graph.ErrShape, `tracing the model on inputs of shape (1, 2, 5, 5): nn: Conv2D "0": input must have 3 channels`},
		{"two-shapes-one-input", seq(nn.NewReLU()), [][]int{{1, 2}, {1, 2}}, graph.ErrArg, "the model has 1 inputs, got 2 input shapes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := c.model()
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "m.onnx")
			err = onnx.WriteFileMulti(path, m, c.in...)
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, c.is) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q (is %v: %v), want one containing %q", err, c.is, errors.Is(err, c.is), c.want)
			}
			if _, statErr := os.Stat(path); !os.IsNotExist(statErr) {
				t.Errorf("a failed export left a file: %v", statErr)
			}
		})
	}
}

func TestWriteKnownOpsInCustomLayer(t *testing.T) {
	m, err := nn.NewSequential(scaled{})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(opTypes(exported(t, m, 1, 4)), " "); got != "Mul Relu" {
		t.Errorf("ops %q, want %q", got, "Mul Relu")
	}
}

func TestWriteFileKeepsOldFileOnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.onnx")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := nn.NewSequential(custom{})
	if err != nil {
		t.Fatal(err)
	}
	if err := onnx.WriteFile(path, m, []int{1, 2}); err == nil {
		t.Fatal("no error")
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("file now holds %q, want the old content", b)
	}
	ok, err := nn.NewSequential(nn.NewReLU())
	if err != nil {
		t.Fatal(err)
	}
	if err := onnx.WriteFile(path, ok, []int{1, 2}); err != nil {
		t.Fatal(err)
	}
	mp := &pb.ModelProto{}
	b, _ := os.ReadFile(path)
	if err := proto.Unmarshal(b, mp); err != nil || len(mp.GetGraph().GetNode()) != 1 {
		t.Errorf("the new file does not hold the model: %v, %d nodes", err, len(mp.GetGraph().GetNode()))
	}
	if err := onnx.WriteFile(filepath.Join(path, "sub", "x.onnx"), ok, []int{1, 2}); err == nil {
		t.Error("writing under a file: no error")
	}
}

// alphaOps is a custom layer that applies ops.LeakyReLU and ops.ELU
// directly: their alpha reaches the ONNX nodes.
type alphaOps struct{}

func (alphaOps) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	y, err := ops.LeakyReLU(x, 0.2)
	if err != nil {
		return nil, err
	}
	return ops.ELU(y, 0.5)
}
func (alphaOps) Params() []graph.NamedParam { return nil }

func TestWriteAlphaOpsInCustomLayer(t *testing.T) {
	m, err := nn.NewSequential(alphaOps{})
	if err != nil {
		t.Fatal(err)
	}
	mp := exported(t, m, 1, 4)
	if got := strings.Join(opTypes(mp), " "); got != "LeakyRelu Elu" {
		t.Fatalf("ops %q, want %q", got, "LeakyRelu Elu")
	}
	for i, want := range []float32{0.2, 0.5} {
		n := mp.GetGraph().GetNode()[i]
		if a := n.GetAttribute(); len(a) != 1 || a[0].GetName() != "alpha" || a[0].GetF() != want {
			t.Errorf("%s: attributes %v, want alpha = %v", n.GetOpType(), a, want)
		}
	}
}

// clampOp is a custom layer that applies ops.Clamp directly.
type clampOp struct{ lo, hi float64 }

func (c clampOp) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	return ops.Clamp(x, c.lo, c.hi)
}
func (clampOp) Params() []graph.NamedParam { return nil }

// TestWriteClamp exports ops.Clamp as a Clip with its bounds (an infinite
// one included) and reads it back: the imported Clip is a Clamp again and
// gives the same values, the bounds and infinities included.
func TestWriteClamp(t *testing.T) {
	in := []float32{float32(math.Inf(-1)), -3, -0.5, 0, 1.5, 2, 7, float32(math.Inf(1))}
	for _, c := range []clampOp{{-0.5, 2}, {math.Inf(-1), 1.5}, {0.25, math.Inf(1)}} {
		m, err := nn.NewSequential(c)
		if err != nil {
			t.Fatal(err)
		}
		mp := exported(t, m, 1, len(in))
		if got := strings.Join(opTypes(mp), " "); got != "Clip" {
			t.Fatalf("Clamp(%v, %v): ops %q, want Clip", c.lo, c.hi, got)
		}
		data, err := proto.Marshal(mp)
		if err != nil {
			t.Fatal(err)
		}
		back, err := onnx.Read(data)
		if err != nil {
			t.Fatal(err)
		}
		x := tensor.New(tensor.WithShape(1, len(in)), tensor.WithBacking(append([]float32(nil), in...)))
		// the imported Clip is one ops.Clamp again, not a composition
		gb := graph.NewBuilder(graph.Eval)
		if _, err := back.Forward(gb, gb.InputValue("x", x)); err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, n := range gb.Graph().AllNodes() {
			if kind, _, ok := ops.Describe(n.Op()); ok {
				kinds = append(kinds, kind)
			}
		}
		if got := strings.Join(kinds, " "); got != "Clamp" {
			t.Errorf("Clamp(%v, %v): the imported graph's ops are %q, want Clamp", c.lo, c.hi, got)
		}
		outs, err := back.Run(x)
		if err != nil {
			t.Fatal(err)
		}
		got := outs[0].Data().([]float32)
		for i, v := range in {
			want := float32(math.Min(math.Max(float64(v), c.lo), c.hi))
			if got[i] != want {
				t.Errorf("Clamp(%v, %v) after a round trip: %v -> %v, want %v", c.lo, c.hi, v, got[i], want)
			}
		}
	}
}
