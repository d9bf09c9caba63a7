package safetensors_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/graph/safetensors"
	"gorgonia.org/tensor"
)

// rawFile assembles a safetensors file from a header and a data part.
func rawFile(header string, data []byte) []byte {
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	out = append(out, header...)
	return append(out, data...)
}

func le16(vals ...uint16) []byte {
	var out []byte
	for _, v := range vals {
		out = binary.LittleEndian.AppendUint16(out, v)
	}
	return out
}

func f32bytes(vals ...float32) []byte {
	var out []byte
	for _, v := range vals {
		out = binary.LittleEndian.AppendUint32(out, math.Float32bits(v))
	}
	return out
}

func sampleTensors() []safetensors.NamedTensor {
	return []safetensors.NamedTensor{
		{Name: "fc.weight", Tensor: tensor.New(tensor.WithShape(2, 3), tensor.WithBacking([]float32{1, -2, 3.5, float32(math.Pi), 1e-30, -0}))},
		{Name: "fc.bias", Tensor: tensor.New(tensor.WithShape(2), tensor.WithBacking([]float32{0.25, -0.125}))},
		{Name: "w64", Tensor: tensor.New(tensor.WithShape(2, 2, 1), tensor.WithBacking([]float64{math.E, -1e300, 5e-324, 7}))},
		{Name: "bn.num_batches_tracked", Tensor: tensor.New(tensor.FromScalar(int64(1234567890123)))},
		{Name: "scale", Tensor: tensor.New(tensor.FromScalar(float32(0.5)))},
		{Name: "mask", Tensor: tensor.New(tensor.WithShape(3), tensor.WithBacking([]bool{true, false, true}))},
	}
}

func encode(t testing.TB, tensors []safetensors.NamedTensor, md map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := safetensors.Write(&buf, tensors, md); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// sameTensor compares dtype, shape and the bits of every element.
func sameTensor(a, b *tensor.Dense) error {
	if a.Dtype() != b.Dtype() || fmt.Sprint(a.Shape()) != fmt.Sprint(b.Shape()) {
		return fmt.Errorf("got %v %v, want %v %v", b.Dtype(), b.Shape(), a.Dtype(), a.Shape())
	}
	if fmt.Sprintf("%#v", a.Data()) != fmt.Sprintf("%#v", b.Data()) {
		return fmt.Errorf("data %v, want %v", b.Data(), a.Data())
	}
	if fa, ok := a.Data().([]float64); ok {
		fb := b.Data().([]float64)
		for i := range fa {
			if math.Float64bits(fa[i]) != math.Float64bits(fb[i]) {
				return fmt.Errorf("element %d: %v, want %v", i, fb[i], fa[i])
			}
		}
	}
	if fa, ok := a.Data().([]float32); ok {
		fb := b.Data().([]float32)
		for i := range fa {
			if math.Float32bits(fa[i]) != math.Float32bits(fb[i]) {
				return fmt.Errorf("element %d: %v, want %v", i, fb[i], fa[i])
			}
		}
	}
	return nil
}

func TestSafetensorsRoundTrip(t *testing.T) {
	in := sampleTensors()
	md := map[string]string{"format": "pt", "note": "round trip"}
	f, err := safetensors.Decode(encode(t, in, md))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Tensors) != len(in) {
		t.Fatalf("got %d tensors %v, want %d", len(f.Tensors), f.Names(), len(in))
	}
	for _, want := range in {
		got, ok := f.Lookup(want.Name)
		if !ok {
			t.Fatalf("tensor %q missing; have %v", want.Name, f.Names())
		}
		if err := sameTensor(want.Tensor, got.Tensor); err != nil {
			t.Errorf("%s: %v", want.Name, err)
		}
	}
	if f.Metadata["format"] != "pt" || f.Metadata["note"] != "round trip" || len(f.Metadata) != 2 {
		t.Errorf("metadata %v", f.Metadata)
	}
	dtypes := map[string]string{}
	for _, nt := range f.Tensors {
		dtypes[nt.Name] = nt.FileDtype
	}
	want := map[string]string{"fc.weight": "F32", "fc.bias": "F32", "w64": "F64", "bn.num_batches_tracked": "I64", "scale": "F32", "mask": "BOOL"}
	if fmt.Sprint(dtypes) != fmt.Sprint(want) {
		t.Errorf("file dtypes %v, want %v", dtypes, want)
	}
	// no metadata: the key is left out
	f, err = safetensors.Decode(encode(t, in[:1], nil))
	if err != nil || f.Metadata != nil {
		t.Fatalf("metadata %v, err %v", f.Metadata, err)
	}
}

// A transposed view is written in its logical (row-major) order.
func TestWriteSafetensorsView(t *testing.T) {
	d := tensor.New(tensor.WithShape(2, 3), tensor.WithBacking([]float64{1, 2, 3, 4, 5, 6}))
	if err := d.T(); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.Decode(encode(t, []safetensors.NamedTensor{{Name: "t", Tensor: d}}, nil))
	if err != nil {
		t.Fatal(err)
	}
	got := f.Tensors[0].Tensor
	if fmt.Sprint(got.Shape()) != "(3, 2)" || fmt.Sprint(got.Data()) != "[1 4 2 5 3 6]" {
		t.Fatalf("got %v %v", got.Shape(), got.Data())
	}
}

func TestReadHalfPrecision(t *testing.T) {
	// F16: 1, -2, 0.5, 65504 (largest), 2^-24 (smallest subnormal), +Inf
	// BF16: 1, -2, 0.5, 3.140625
	h := `{"h":{"dtype":"F16","shape":[2,3],"data_offsets":[0,12]},"b":{"dtype":"BF16","shape":[4],"data_offsets":[12,20]},"__metadata__":{"k":"v"}}`
	data := append(le16(0x3C00, 0xC000, 0x3800, 0x7BFF, 0x0001, 0x7C00), le16(0x3F80, 0xC000, 0x3F00, 0x4049)...)
	f, err := safetensors.Decode(rawFile(h, data))
	if err != nil {
		t.Fatal(err)
	}
	hv, _ := f.Lookup("h")
	bv, _ := f.Lookup("b")
	if hv.FileDtype != "F16" || bv.FileDtype != "BF16" || hv.Tensor.Dtype() != tensor.Float32 || bv.Tensor.Dtype() != tensor.Float32 {
		t.Fatalf("dtypes %s %v, %s %v", hv.FileDtype, hv.Tensor.Dtype(), bv.FileDtype, bv.Tensor.Dtype())
	}
	wantH := []float32{1, -2, 0.5, 65504, float32(math.Ldexp(1, -24)), float32(math.Inf(1))}
	if got := hv.Tensor.Float32s(); fmt.Sprint(got) != fmt.Sprint(wantH) || !hv.Tensor.Shape().Eq(tensor.Shape{2, 3}) {
		t.Errorf("F16 %v %v, want %v", hv.Tensor.Shape(), got, wantH)
	}
	if got := bv.Tensor.Float32s(); fmt.Sprint(got) != fmt.Sprint([]float32{1, -2, 0.5, 3.140625}) {
		t.Errorf("BF16 %v", got)
	}
	if names := f.Names(); fmt.Sprint(names) != "[h b]" {
		t.Errorf("file order %v, want [h b]", names)
	}
}

func TestReadIntegerTypes(t *testing.T) {
	h := `{"a":{"dtype":"I32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"U8","shape":[3],"data_offsets":[8,11]},` +
		`"c":{"dtype":"I8","shape":[1],"data_offsets":[11,12]},"d":{"dtype":"I16","shape":[],"data_offsets":[12,14]},` +
		`"e":{"dtype":"U16","shape":[1],"data_offsets":[14,16]},"f":{"dtype":"U32","shape":[1],"data_offsets":[16,20]},` +
		`"g":{"dtype":"U64","shape":[1],"data_offsets":[20,28]}}`
	var data []byte
	data = binary.LittleEndian.AppendUint32(data, uint32(0xFFFFFFFF)) // -1
	data = binary.LittleEndian.AppendUint32(data, 7)
	data = append(data, 0, 128, 255, 0x80)
	data = binary.LittleEndian.AppendUint16(data, 0xFFFE) // -2
	data = binary.LittleEndian.AppendUint16(data, 65535)
	data = binary.LittleEndian.AppendUint32(data, 1<<31)
	data = binary.LittleEndian.AppendUint64(data, 1<<63)
	f, err := safetensors.Decode(rawFile(h, data))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"a": "int32 (2) [-1 7]", "b": "uint8 (3) [0 128 255]", "c": "int8 (1) [-128]", "d": "int16 () -2",
		"e": "uint16 (1) [65535]", "f": "uint32 (1) [2147483648]", "g": "uint64 (1) [9223372036854775808]",
	}
	for name, w := range want {
		nt, ok := f.Lookup(name)
		if !ok {
			t.Fatalf("%s missing", name)
		}
		if got := fmt.Sprintf("%v %v %v", nt.Tensor.Dtype(), nt.Tensor.Shape(), nt.Tensor.Data()); got != w {
			t.Errorf("%s: %s, want %s", name, got, w)
		}
	}
	// and they are written back unchanged
	again, err := safetensors.Decode(encode(t, f.Tensors, nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, nt := range f.Tensors {
		got, _ := again.Lookup(nt.Name)
		if err := sameTensor(nt.Tensor, got.Tensor); err != nil || got.FileDtype != nt.FileDtype {
			t.Errorf("%s: %v (%s vs %s)", nt.Name, err, got.FileDtype, nt.FileDtype)
		}
	}
}

// corruptFiles are files that must be rejected with an ErrData error whose
// message contains the given text.
func corruptFiles() []struct {
	name string
	data []byte
	msg  string
} {
	valid := rawFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, f32bytes(1, 2))
	one := func(dtype, shape, offsets string, data []byte) []byte {
		return rawFile(`{"a":{"dtype":"`+dtype+`","shape":`+shape+`,"data_offsets":`+offsets+`}}`, data)
	}
	two := func(off1, off2 string, data []byte) []byte {
		return rawFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":`+off1+`},"b":{"dtype":"F32","shape":[1],"data_offsets":`+off2+`}}`, data)
	}
	hugeLen := binary.LittleEndian.AppendUint64(nil, math.MaxUint64)
	return []struct {
		name string
		data []byte
		msg  string
	}{
		{"empty", nil, "too short"},
		{"five-bytes", []byte{1, 2, 3, 4, 5}, "too short"},
		{"header-longer-than-file", rawFile(`{}`, nil)[:9], "larger than the 1 bytes"},
		{"header-length-max-uint64", append(hugeLen, `{}`...), "larger than"},
		{"truncated-data", valid[:len(valid)-1], "truncated"},
		{"trailing-bytes", append(append([]byte(nil), valid...), 0), "trailing"},
		{"not-json", rawFile(`{"a":`, nil), "invalid header"},
		{"json-array", rawFile(`[1, 2]`, nil), "not a JSON object"},
		{"json-null", rawFile(`null`, nil), "not a JSON object"},
		{"json-garbage-after", rawFile(`{} x`, nil), "invalid header"},
		{"tensor-not-object", rawFile(`{"a": 3}`, nil), "invalid header"},
		{"missing-dtype", rawFile(`{"a":{"shape":[1],"data_offsets":[0,4],"x":1}}`, f32bytes(1)), "dtype"},
		{"extra-key", rawFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}}`, f32bytes(1)), "3 keys"},
		{"unknown-dtype", one("F8", "[1]", "[0,1]", []byte{1}), "F8"},
		{"dtype-not-string", rawFile(`{"a":{"dtype":4,"shape":[1],"data_offsets":[0,4]}}`, f32bytes(1)), "dtype"},
		{"negative-dim", one("F32", "[-1]", "[0,4]", f32bytes(1)), "shape"},
		{"fractional-dim", one("F32", "[1.5]", "[0,4]", f32bytes(1)), "shape"},
		{"shape-not-array", one("F32", `"2"`, "[0,8]", f32bytes(1, 2)), "shape"},
		{"shape-bytes-mismatch", one("F32", "[3]", "[0,8]", f32bytes(1, 2)), "shape and dtype"},
		{"shape-element-overflow", one("F32", "[4294967296,4294967296]", "[0,8]", f32bytes(1, 2)), "overflow"},
		{"shape-byte-overflow", one("F64", "[4611686018427387904]", "[0,8]", f32bytes(1, 2)), "overflow"},
		{"offsets-past-end", one("F32", "[2]", "[0,8]", f32bytes(1)), "past its end"},
		{"offsets-overflow", one("U8", "[18446744073709551615]", "[0,18446744073709551615]", []byte{1}), "past its end"},
		{"offsets-too-large-number", one("U8", "[1]", "[0,18446744073709551616]", []byte{1}), "data_offsets"},
		{"offsets-negative", one("U8", "[1]", "[-1,0]", []byte{1}), "data_offsets"},
		{"offsets-three", one("U8", "[1]", "[0,1,2]", []byte{1}), "data_offsets"},
		{"offsets-reversed", one("U8", "[0]", "[1,0]", []byte{1}), "offset"},
		{"offsets-gap", two("[0,4]", "[8,12]", f32bytes(1, 2, 3)), "no gaps"},
		{"offsets-overlap", two("[0,4]", "[2,6]", f32bytes(1, 2)), "no gaps"},
		{"offsets-not-from-zero", two("[4,8]", "[8,12]", f32bytes(1, 2, 3)), "no gaps"},
		{"metadata-not-string", rawFile(`{"__metadata__":{"a":1}}`, nil), "__metadata__"},
		{"zero-element-tensor", one("F32", "[0,3]", "[0,0]", nil), "no elements"},
		{"huge-zero-dim", one("F32", "[0,1099511627777]", "[0,0]", nil), "too large"},
	}
}

func TestReadCorruptSafetensors(t *testing.T) {
	for _, c := range corruptFiles() {
		t.Run(c.name, func(t *testing.T) {
			f, err := safetensors.Decode(c.data)
			if err == nil {
				t.Fatalf("no error; read %v", f.Names())
			}
			if !errors.Is(err, graph.ErrData) {
				t.Errorf("error does not wrap ErrData: %v", err)
			}
			if !strings.HasPrefix(err.Error(), "safetensors: ") || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %q should start with %q and mention %q", err, "safetensors: ", c.msg)
			}
		})
	}
}

// A name that occurs twice in the JSON header is an error that says so,
// whether or not the entries' offsets would otherwise fit (a JSON decoder
// keeps one of them silently); the same for a metadata key.
func TestReadDuplicateName(t *testing.T) {
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"gap", rawFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, f32bytes(1, 2)), `tensor "a" twice`},
		{"same-offsets", rawFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}, "a" :{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, f32bytes(1)), `tensor "a" twice`},
		{"metadata", rawFile(`{"__metadata__":{"format":"pt","format":"np"},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, f32bytes(1)), `metadata key "format" twice`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := safetensors.Decode(c.data)
			if !errors.Is(err, graph.ErrData) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an ErrData error saying %s", err, c.want)
			}
		})
	}
}

func TestReadSafetensorsFileErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := safetensors.ReadFile(filepath.Join(dir, "absent.safetensors")); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	p := filepath.Join(dir, "bad.safetensors")
	if err := os.WriteFile(p, []byte("abc"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := safetensors.ReadFile(p)
	if !errors.Is(err, graph.ErrData) || !strings.Contains(err.Error(), p) {
		t.Errorf("corrupt file: %v", err)
	}
	f, err := safetensors.Read(bytes.NewReader(encode(t, sampleTensors(), nil)))
	if err != nil || len(f.Tensors) != len(sampleTensors()) {
		t.Errorf("ReadSafetensors: %v", err)
	}
}

func TestWriteSafetensorsErrors(t *testing.T) {
	f32 := tensor.New(tensor.WithShape(1), tensor.WithBacking([]float32{1}))
	cases := []struct {
		name    string
		tensors []safetensors.NamedTensor
		msg     string
	}{
		{"empty-name", []safetensors.NamedTensor{{Name: "", Tensor: f32}}, "empty name"},
		{"reserved-name", []safetensors.NamedTensor{{Name: "__metadata__", Tensor: f32}}, "reserved"},
		{"nil-tensor", []safetensors.NamedTensor{{Name: "a"}}, "nil"},
		{"duplicate", []safetensors.NamedTensor{{Name: "a", Tensor: f32}, {Name: "a", Tensor: f32}}, "used twice"},
		{"complex", []safetensors.NamedTensor{{Name: "c", Tensor: tensor.New(tensor.WithShape(1), tensor.WithBacking([]complex64{1}))}}, "complex64"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := safetensors.Write(&bytes.Buffer{}, c.tensors, nil)
			if err == nil || !errors.Is(err, graph.ErrArg) || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("got %v, want an ErrArg error mentioning %q", err, c.msg)
			}
			dir := t.TempDir()
			p := filepath.Join(dir, "w.safetensors")
			if err := safetensors.WriteFile(p, c.tensors, nil); err == nil {
				t.Fatal("WriteSafetensorsFile: no error")
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Fatalf("left files behind: %v", entries)
			}
		})
	}
}

func TestWriteSafetensorsFileReplaces(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "model.safetensors")
	first := sampleTensors()[:1]
	if err := safetensors.WriteFile(p, first, nil); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("stat: %v %v", fi.Mode(), err)
	}
	if err := os.Chmod(p, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := safetensors.WriteFile(p, sampleTensors(), map[string]string{"v": "2"}); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.ReadFile(p)
	if err != nil || len(f.Tensors) != len(sampleTensors()) || f.Metadata["v"] != "2" {
		t.Fatalf("reread: %v %v", f, err)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
		t.Errorf("permissions changed to %v", fi.Mode().Perm())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("directory holds %v, want only the file", entries)
	}
	// a directory in the way is an error, and nothing is left behind
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := safetensors.WriteFile(sub, first, nil); err == nil {
		t.Error("writing over a directory: no error")
	}
	if err := safetensors.WriteFile(filepath.Join(dir, "no", "such", "dir.safetensors"), first, nil); err == nil {
		t.Error("writing into a missing directory: no error")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("directory holds %v, want the file and sub", entries)
	}
}

// goldenResNet is the torchvision file copied from shared/golden/zoo (see
// zoo/testdata/README.md).
const goldenResNet = "../../zoo/testdata/resnet18_c10.safetensors"

func TestReadTorchvisionResNet18(t *testing.T) {
	if _, err := os.Stat(goldenResNet); err != nil {
		t.Fatalf("%s is part of the repository: %v", goldenResNet, err)
	}
	f, err := safetensors.ReadFile(goldenResNet)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Tensors) != 122 {
		t.Errorf("%d tensors, want 122", len(f.Tensors))
	}
	if !strings.Contains(f.Metadata["source"], "resnet18(num_classes=10)") {
		t.Errorf("metadata %v", f.Metadata)
	}
	counts := map[string]int{}
	params := 0
	for _, nt := range f.Tensors {
		counts[nt.FileDtype]++
		if nt.FileDtype == "F32" && !strings.HasSuffix(nt.Name, "running_mean") && !strings.HasSuffix(nt.Name, "running_var") {
			params += nt.Tensor.Shape().TotalSize()
		}
		if strings.HasSuffix(nt.Name, "num_batches_tracked") && (nt.Tensor.Dtype() != tensor.Int64 || nt.Tensor.Dims() != 0) {
			t.Errorf("%s: %v %v", nt.Name, nt.Tensor.Dtype(), nt.Tensor.Shape())
		}
	}
	// 20 BatchNorms, each with an int64 num_batches_tracked
	if counts["F32"] != 102 || counts["I64"] != 20 {
		t.Errorf("dtype counts %v", counts)
	}
	// torchvision's parameter count for resnet18(num_classes=10)
	if params != 11181642 {
		t.Errorf("%d learnable values, want 11181642", params)
	}
	if f.Names()[0] != "conv1.weight" {
		t.Errorf("first tensor %q, want conv1.weight (file order)", f.Names()[0])
	}
	w, _ := f.Lookup("conv1.weight")
	fc, _ := f.Lookup("fc.weight")
	if !w.Tensor.Shape().Eq(tensor.Shape{64, 3, 7, 7}) || !fc.Tensor.Shape().Eq(tensor.Shape{10, 512}) {
		t.Errorf("shapes %v %v", w.Tensor.Shape(), fc.Tensor.Shape())
	}
}

func FuzzRead(f *testing.F) {
	f.Add(encode(f, sampleTensors(), map[string]string{"format": "pt"}))
	f.Add(encode(f, sampleTensors()[:2], nil))
	f.Add(rawFile(`{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"BF16","shape":[],"data_offsets":[4,6]}}`, le16(1, 2, 3)))
	f.Add(rawFile(`{}`, nil))
	for _, c := range corruptFiles() {
		f.Add(c.data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := safetensors.Decode(data)
		if err != nil {
			if !errors.Is(err, graph.ErrData) {
				t.Fatalf("error without ErrData: %v", err)
			}
			return
		}
		// whatever was accepted must be consistent and writable again
		for _, nt := range file.Tensors {
			if nt.Tensor == nil || nt.Tensor.Shape().TotalSize() < 1 {
				t.Fatalf("tensor %q: %v", nt.Name, nt.Tensor)
			}
		}
		var buf bytes.Buffer
		if err := safetensors.Write(&buf, file.Tensors, file.Metadata); err != nil {
			t.Fatalf("writing back: %v", err)
		}
		again, err := safetensors.Decode(buf.Bytes())
		if err != nil {
			t.Fatalf("reading back: %v", err)
		}
		if len(again.Tensors) != len(file.Tensors) {
			t.Fatalf("read back %d tensors, want %d", len(again.Tensors), len(file.Tensors))
		}
		for _, nt := range file.Tensors {
			got, ok := again.Lookup(nt.Name)
			if !ok || fmt.Sprint(got.Tensor.Shape()) != fmt.Sprint(nt.Tensor.Shape()) || got.Tensor.Dtype() != nt.Tensor.Dtype() {
				t.Fatalf("tensor %q changed: %v", nt.Name, got.Tensor)
			}
		}
	})
}

// BenchmarkSafetensors decodes and encodes 16 MB of float32 weights.
func BenchmarkSafetensors(b *testing.B) {
	w := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(1024, 4096))
	data := encode(b, []safetensors.NamedTensor{{Name: "w", Tensor: w}}, nil)
	b.Run("decode", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := safetensors.Decode(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encode", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if err := safetensors.Write(io.Discard, []safetensors.NamedTensor{{Name: "w", Tensor: w}}, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}
