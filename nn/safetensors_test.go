package nn_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/graph/safetensors"
	"github.com/convnet-go/convnet/nn"
	"gorgonia.org/tensor"
)

// mlpOf builds Dense(4,8)+ReLU, Dense(8,3) in dtype dt, initialised from seed.
func mlpOf(t *testing.T, dt tensor.Dtype, seed int64) *nn.Sequential {
	t.Helper()
	d1, err := nn.NewDense(4, 8, nn.WithActivation(nn.NewReLU()), nn.WithDtype(dt))
	if err != nil {
		t.Fatal(err)
	}
	d2, err := nn.NewDense(8, 3, nn.WithDtype(dt))
	if err != nil {
		t.Fatal(err)
	}
	s, err := nn.NewSequential(d1, d2)
	if err != nil {
		t.Fatal(err)
	}
	if err := nn.Initialize(s, seed); err != nil {
		t.Fatal(err)
	}
	return s
}

func paramBits(t *testing.T, l nn.Layer) map[string][]uint64 {
	t.Helper()
	out := map[string][]uint64{}
	for _, np := range nn.NamedParams(l) {
		switch d := np.Param.Value().Data().(type) {
		case []float32:
			for _, v := range d {
				out[np.Name] = append(out[np.Name], uint64(math.Float32bits(v)))
			}
		case []float64:
			for _, v := range d {
				out[np.Name] = append(out[np.Name], math.Float64bits(v))
			}
		default:
			t.Fatalf("%s: %T", np.Name, d)
		}
	}
	return out
}

func TestSafetensorsRoundTripBitExact(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		t.Run(dt.String(), func(t *testing.T) {
			src := mlpOf(t, dt, 1)
			p := filepath.Join(t.TempDir(), "mlp.safetensors")
			if err := nn.SaveSafetensors(src, p); err != nil {
				t.Fatal(err)
			}
			f, err := safetensors.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			names := fmt.Sprint(f.Names())
			if names != "[0.bias 0.weight 1.bias 1.weight]" || f.Metadata["format"] != "pt" {
				t.Errorf("file holds %s, metadata %v", names, f.Metadata)
			}
			wantDtype := map[tensor.Dtype]string{tensor.Float32: "F32", tensor.Float64: "F64"}[dt]
			for _, nt := range f.Tensors {
				if nt.FileDtype != wantDtype {
					t.Errorf("%s stored as %s, want %s", nt.Name, nt.FileDtype, wantDtype)
				}
			}

			dst := mlpOf(t, dt, 2)
			want := paramBits(t, src)
			if fmt.Sprint(paramBits(t, dst)) == fmt.Sprint(want) {
				t.Fatal("seeds 1 and 2 gave the same weights")
			}
			if err := nn.LoadSafetensors(dst, p); err != nil {
				t.Fatal(err)
			}
			if got := paramBits(t, dst); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("round trip changed the weights:\n got %v\nwant %v", got, want)
			}
		})
	}
}

// Loading writes into the existing tensors: a compiled graph (Predict's
// cache) sees the loaded weights.
func TestLoadSafetensorsInPlace(t *testing.T) {
	src, dst := mlpOf(t, tensor.Float32, 1), mlpOf(t, tensor.Float32, 2)
	p := filepath.Join(t.TempDir(), "w.safetensors")
	if err := nn.SaveSafetensors(src, p); err != nil {
		t.Fatal(err)
	}
	x := tensor.New(tensor.WithShape(2, 4), tensor.WithBacking([]float32{1, 2, 3, 4, -1, 0.5, 2, -3}))
	want, err := nn.Predict(src, x)
	if err != nil {
		t.Fatal(err)
	}
	before, err := nn.Predict(dst, x) // compiles and caches dst's graph
	if err != nil {
		t.Fatal(err)
	}
	tensors := map[string]*tensor.Dense{}
	for _, np := range nn.NamedParams(dst) {
		tensors[np.Name] = np.Param.Value()
	}
	if err := nn.LoadSafetensors(dst, p); err != nil {
		t.Fatal(err)
	}
	for _, np := range nn.NamedParams(dst) {
		if np.Param.Value() != tensors[np.Name] {
			t.Errorf("%s: Param got a new tensor", np.Name)
		}
	}
	after, err := nn.Predict(dst, x)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(after.Data()) != fmt.Sprint(want.Data()) || fmt.Sprint(before.Data()) == fmt.Sprint(want.Data()) {
		t.Fatalf("before %v, after %v, want %v", before.Data(), after.Data(), want.Data())
	}
}

func TestLoadSafetensorsConvertsDtype(t *testing.T) {
	dir := t.TempDir()
	f64, f32 := mlpOf(t, tensor.Float64, 3), mlpOf(t, tensor.Float32, 4)
	p64 := filepath.Join(dir, "f64.safetensors")
	if err := nn.SaveSafetensors(f64, p64); err != nil {
		t.Fatal(err)
	}
	if err := nn.LoadSafetensors(f32, p64); err != nil {
		t.Fatal(err)
	}
	for i, np := range nn.NamedParams(f32) {
		src := nn.NamedParams(f64)[i].Param.Value().Float64s()
		for j, v := range np.Param.Value().Float32s() {
			if v != float32(src[j]) {
				t.Fatalf("%s[%d] = %v, want float32(%v)", np.Name, j, v, src[j])
			}
		}
	}
	// float32 -> float64 is exact
	p32 := filepath.Join(dir, "f32.safetensors")
	if err := nn.SaveSafetensors(f32, p32); err != nil {
		t.Fatal(err)
	}
	back := mlpOf(t, tensor.Float64, 5)
	if err := nn.LoadSafetensors(back, p32); err != nil {
		t.Fatal(err)
	}
	for i, np := range nn.NamedParams(back) {
		src := nn.NamedParams(f32)[i].Param.Value().Float32s()
		for j, v := range np.Param.Value().Float64s() {
			if v != float64(src[j]) {
				t.Fatalf("%s[%d] = %v, want %v", np.Name, j, v, src[j])
			}
		}
	}
}

func writeRaw(t *testing.T, header string, data []byte) string {
	t.Helper()
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(append(b, header...), data...)
	p := filepath.Join(t.TempDir(), "raw.safetensors")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Half-precision files (F16 weight, BF16 bias) load into float32 and
// float64 layers; PyTorch's num_batches_tracked is ignored.
func TestLoadSafetensorsHalfPrecision(t *testing.T) {
	h := `{"weight":{"dtype":"F16","shape":[1,3],"data_offsets":[0,6]},"bias":{"dtype":"BF16","shape":[1],"data_offsets":[6,8]},` +
		`"num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets":[8,16]}}`
	var data []byte
	for _, v := range []uint16{0x3C00, 0xC000, 0x3800, 0x4049} { // 1, -2, 0.5 (F16); 3.140625 (BF16)
		data = binary.LittleEndian.AppendUint16(data, v)
	}
	data = binary.LittleEndian.AppendUint64(data, 42)
	p := writeRaw(t, h, data)
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		d, err := nn.NewDense(3, 1, nn.WithDtype(dt))
		if err != nil {
			t.Fatal(err)
		}
		if err := nn.LoadSafetensors(d, p); err != nil {
			t.Fatal(err)
		}
		w, _ := graph.Float64s(d.Weight().Value())
		b, _ := graph.Float64s(d.Bias().Value())
		if fmt.Sprint(w, b) != "[1 -2 0.5] [3.140625]" || d.Weight().Dtype() != dt {
			t.Errorf("%v: weight %v bias %v", dt, w, b)
		}
	}
}

func TestLoadSafetensorsStrict(t *testing.T) {
	dir := t.TempDir()
	// the file: Dense(4,8) as "0", Dense(8,2) as "1" (2 outputs), an extra
	// "head.weight", and PyTorch counters (ignored)
	d0, _ := nn.NewDense(4, 8)
	d1, _ := nn.NewDense(8, 2)
	tensors := []safetensors.NamedTensor{
		{Name: "0.weight", Tensor: d0.Weight().Value()},
		{Name: "1.weight", Tensor: d1.Weight().Value()},
		{Name: "1.bias", Tensor: d1.Bias().Value()},
		{Name: "head.weight", Tensor: d1.Bias().Value()},
		{Name: "1.num_batches_tracked", Tensor: tensor.New(tensor.FromScalar(int64(3)))},
		{Name: "bn.num_batches_tracked", Tensor: tensor.New(tensor.FromScalar(int64(3)))},
	}
	p := filepath.Join(dir, "bad.safetensors")
	if err := safetensors.WriteFile(p, tensors, nil); err != nil {
		t.Fatal(err)
	}
	model := mlpOf(t, tensor.Float32, 1)
	before := paramBits(t, model)
	err := nn.LoadSafetensors(model, p)
	if err == nil {
		t.Fatal("no error")
	}
	want := `nn: LoadSafetensors ` + p + `: 1 missing, 1 unexpected, 2 mis-shaped keys: missing "0.bias"; unexpected "head.weight"; ` +
		`mis-shaped "1.bias": file (2), model (3), "1.weight": file (2, 8), model (3, 8)`
	if err.Error() != want {
		t.Errorf("error\n %s\nwant\n %s", err, want)
	}
	if !errors.Is(err, graph.ErrData) || !errors.Is(err, graph.ErrShape) || errors.Is(err, graph.ErrArg) {
		t.Errorf("errors.Is: data %v shape %v arg %v", errors.Is(err, graph.ErrData), errors.Is(err, graph.ErrShape), errors.Is(err, graph.ErrArg))
	}
	var le *nn.LoadError
	if !errors.As(err, &le) || len(le.Missing) != 1 || len(le.Unexpected) != 1 || len(le.Mismatched) != 2 {
		t.Errorf("LoadError %+v", le)
	}
	if fmt.Sprint(paramBits(t, model)) != fmt.Sprint(before) {
		t.Error("a failed load changed the model")
	}

	// only shapes wrong: ErrShape, not ErrData
	p2 := filepath.Join(dir, "shape.safetensors")
	small := mlpOf(t, tensor.Float32, 1)
	var ts []safetensors.NamedTensor
	for _, np := range nn.NamedParams(small) {
		v := np.Param.Value()
		if np.Name == "1.bias" {
			v = tensor.New(tensor.WithShape(1, 3), tensor.WithBacking([]float32{1, 2, 3}))
		}
		ts = append(ts, safetensors.NamedTensor{Name: np.Name, Tensor: v})
	}
	if err := safetensors.WriteFile(p2, ts, nil); err != nil {
		t.Fatal(err)
	}
	err = nn.LoadSafetensors(model, p2)
	if !errors.Is(err, graph.ErrShape) || errors.Is(err, graph.ErrData) || !strings.Contains(err.Error(), `"1.bias": file (1, 3), model (3)`) {
		t.Errorf("got %v", err)
	}

	// a boolean tensor is not a number
	ts[3] = safetensors.NamedTensor{Name: "1.bias", Tensor: tensor.New(tensor.WithShape(3), tensor.WithBacking([]bool{true, false, true}))}
	if err := safetensors.WriteFile(p2, ts, nil); err != nil {
		t.Fatal(err)
	}
	if err := nn.LoadSafetensors(model, p2); err == nil || !strings.Contains(err.Error(), "BOOL is not a number") {
		t.Errorf("got %v", err)
	}
}

func TestSafetensorsFileErrors(t *testing.T) {
	dir := t.TempDir()
	m := mlpOf(t, tensor.Float32, 1)
	if err := nn.LoadSafetensors(m, filepath.Join(dir, "absent")); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("absent file: %v", err)
	}
	corrupt := filepath.Join(dir, "corrupt.safetensors")
	if err := os.WriteFile(corrupt, []byte("\x02\x00\x00\x00\x00\x00\x00\x00{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := nn.LoadSafetensors(m, corrupt); !errors.Is(err, graph.ErrData) || !strings.HasPrefix(err.Error(), "nn: LoadSafetensors: ") {
		t.Errorf("corrupt file: %v", err)
	}
	if err := nn.SaveSafetensors(m, filepath.Join(dir, "no", "dir", "m.safetensors")); err == nil {
		t.Error("saving into a missing directory: no error")
	}
	if err := nn.SaveSafetensors(nil, filepath.Join(dir, "x")); !errors.Is(err, graph.ErrArg) {
		t.Errorf("nil layer: %v", err)
	}
	if err := nn.LoadSafetensors(nil, corrupt); !errors.Is(err, graph.ErrArg) {
		t.Errorf("nil layer: %v", err)
	}
}

// The torchvision ResNet-18 file is read; loading it into a model with only
// "fc" reports the other 100 weights and buffers as unexpected (the 20
// num_batches_tracked counters are ignored) and loads nothing.
func TestLoadTorchvisionFileStrict(t *testing.T) {
	const path = "../zoo/testdata/resnet18_c10.safetensors"
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("%s is part of the repository: %v", path, err)
	}
	fc, err := nn.NewDense(512, 10)
	if err != nil {
		t.Fatal(err)
	}
	m, err := nn.NewSequentialNamed(nn.Child{Name: "fc", Layer: fc})
	if err != nil {
		t.Fatal(err)
	}
	err = nn.LoadSafetensors(m, path)
	var le *nn.LoadError
	if !errors.As(err, &le) {
		t.Fatalf("got %v", err)
	}
	if len(le.Missing) != 0 || len(le.Mismatched) != 0 || len(le.Unexpected) != 100 || le.Unexpected[0] != "bn1.bias" {
		t.Fatalf("missing %v, mismatched %v, %d unexpected (first %q)", le.Missing, le.Mismatched, len(le.Unexpected), le.Unexpected[0])
	}
	for _, n := range le.Unexpected {
		if strings.HasSuffix(n, "num_batches_tracked") {
			t.Fatalf("%s reported", n)
		}
	}
}

// A float64 value beyond float32's range is an error naming the key when it
// would be loaded into a float32 model (it used to become ±Inf), and the
// model is left unchanged; the largest float32 itself and infinities that
// are in the file load as they are.
func TestLoadSafetensorsFloat32Range(t *testing.T) {
	for _, c := range []struct {
		name string
		v    float64
		want string // "" when it loads
	}{
		{"too-large", 1e300, `"1.weight": value 1e+300 at index 5 is outside float32's range (±3.403e+38) and would load as +Inf`},
		{"too-small", -3.5e38, `"1.weight": value -3.5e+38 at index 5 is outside float32's range (±3.403e+38) and would load as -Inf`},
		{"max-float32", math.MaxFloat32, ""},
		{"inf-in-file", math.Inf(-1), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := mlpOf(t, tensor.Float64, 3)
			nn.NamedParams(src)[2].Param.Value().Float64s()[5] = c.v // "1.weight"
			p := filepath.Join(t.TempDir(), "f64.safetensors")
			if err := nn.SaveSafetensors(src, p); err != nil {
				t.Fatal(err)
			}
			dst := mlpOf(t, tensor.Float32, 4)
			before := paramBits(t, dst)
			err := nn.LoadSafetensors(dst, p)
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got := nn.NamedParams(dst)[2].Param.Value().Float32s()[5]; float64(got) != c.v {
					t.Fatalf("loaded %v, want %v", got, c.v)
				}
				return
			}
			if err == nil || !errors.Is(err, graph.ErrData) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an ErrData error containing %s", err, c.want)
			}
			if fmt.Sprint(before) != fmt.Sprint(paramBits(t, dst)) {
				t.Fatal("the model changed although the load failed")
			}
		})
	}
}
