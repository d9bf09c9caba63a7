package nn_test

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/x448/float16"
	"gorgonia.org/tensor"
)

// fuzzDtypes are the file dtypes LoadSafetensors converts from, with their
// element size and a decoder to float64 (the value the Param must get).
var fuzzDtypes = []struct {
	name string
	size int
	dec  func(b []byte) float64
}{
	{"F32", 4, func(b []byte) float64 { return float64(math.Float32frombits(binary.LittleEndian.Uint32(b))) }},
	{"F64", 8, func(b []byte) float64 { return math.Float64frombits(binary.LittleEndian.Uint64(b)) }},
	{"F16", 2, func(b []byte) float64 { return float64(float16.Frombits(binary.LittleEndian.Uint16(b)).Float32()) }},
	{"BF16", 2, func(b []byte) float64 {
		return float64(math.Float32frombits(uint32(binary.LittleEndian.Uint16(b)) << 16))
	}},
	{"I64", 8, func(b []byte) float64 { return float64(int64(binary.LittleEndian.Uint64(b))) }},
	{"I32", 4, func(b []byte) float64 { return float64(int32(binary.LittleEndian.Uint32(b))) }},
	{"I16", 2, func(b []byte) float64 { return float64(int16(binary.LittleEndian.Uint16(b))) }},
	{"I8", 1, func(b []byte) float64 { return float64(int8(b[0])) }},
	{"U64", 8, func(b []byte) float64 { return float64(binary.LittleEndian.Uint64(b)) }},
	{"U32", 4, func(b []byte) float64 { return float64(binary.LittleEndian.Uint32(b)) }},
	{"U16", 2, func(b []byte) float64 { return float64(binary.LittleEndian.Uint16(b)) }},
	{"U8", 1, func(b []byte) float64 { return float64(b[0]) }},
	{"BOOL", 1, nil},
}

// FuzzLoadSafetensorsConversion writes a Dense(2, 3)'s two tensors in any
// file dtype with arbitrary bytes and loads them into a float32 and a
// float64 layer. Every load either fails with an error (non-numeric dtype,
// a value outside float32's range) and leaves the layer unchanged, or gives
// each Param exactly the file's value converted to its dtype. With raw set,
// the bytes are the whole file instead: any error, never a panic.
func FuzzLoadSafetensorsConversion(f *testing.F) {
	f.Add(uint8(0), uint8(1), []byte("0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdef"), false)
	f.Add(uint8(1), uint8(1), []byte{0, 0, 0, 0, 0, 0, 0xf0, 0x7f, 0, 0, 0, 0, 0, 0, 0xe0, 0x7f}, false) // F64 +Inf, 2^1023
	f.Add(uint8(2), uint8(3), []byte{0xff, 0x7b, 0x00, 0x7c, 0x00, 0xfe}, false)                         // F16 max, +Inf, NaN
	f.Add(uint8(4), uint8(8), []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, false)
	f.Add(uint8(12), uint8(12), []byte{1, 0, 1}, false)
	f.Add(uint8(0), uint8(0), []byte("\x08\x00\x00\x00\x00\x00\x00\x00{}      "), true)
	f.Fuzz(func(t *testing.T, wdt, bdt uint8, data []byte, raw bool) {
		path := filepath.Join(t.TempDir(), "f.safetensors")
		var file []byte
		var want map[string][]float64 // nil when the load must fail
		if raw {
			file = data
		} else {
			file, want = denseFile(fuzzDtypes[int(wdt)%len(fuzzDtypes)], fuzzDtypes[int(bdt)%len(fuzzDtypes)], data)
		}
		if err := os.WriteFile(path, file, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
			d, err := nn.NewDense(2, 3, nn.WithDtype(dt))
			if err != nil {
				t.Fatal(err)
			}
			before := fmt.Sprint(paramBits(t, d))
			err = nn.LoadSafetensors(d, path)
			if raw {
				continue // no panic is the property
			}
			fits := want != nil
			if fits && dt == tensor.Float32 {
				for _, vals := range want {
					for _, v := range vals {
						if !math.IsInf(v, 0) && math.IsInf(float64(float32(v)), 0) {
							fits = false
						}
					}
				}
			}
			if !fits {
				if err == nil {
					t.Fatalf("%v layer: load accepted %v", dt, want)
				}
				if fmt.Sprint(paramBits(t, d)) != before {
					t.Fatalf("%v layer changed by a failed load: %v", dt, err)
				}
				if !strings.HasPrefix(err.Error(), "nn: LoadSafetensors") {
					t.Fatalf("error without context: %v", err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%v layer: %v", dt, err)
			}
			for _, np := range nn.NamedParams(d) {
				got, _ := graph.Float64s(np.Param.Value())
				for i, v := range want[np.Name] {
					w := v
					if dt == tensor.Float32 {
						w = float64(float32(v))
					}
					if !(got[i] == w || math.IsNaN(got[i]) && math.IsNaN(w)) {
						t.Fatalf("%v %s[%d] = %v, want %v", dt, np.Name, i, got[i], w)
					}
				}
			}
		}
	})
}

// denseFile builds a safetensors file holding "weight" (3, 2) and "bias"
// (3) in the given dtypes, their bytes taken from data (repeated or cut
// to length), and the values they decode to (nil if a dtype is not a
// number).
func denseFile(wdt, bdt struct {
	name string
	size int
	dec  func(b []byte) float64
}, data []byte) ([]byte, map[string][]float64) {
	if len(data) == 0 {
		data = []byte{0}
	}
	fill := func(n int) []byte {
		out := make([]byte, n)
		for i := range out {
			out[i] = data[i%len(data)]
		}
		return out
	}
	wb, bb := fill(6*wdt.size), fill(3*bdt.size)
	header := fmt.Sprintf(`{"weight":{"dtype":%q,"shape":[3,2],"data_offsets":[0,%d]},"bias":{"dtype":%q,"shape":[3],"data_offsets":[%d,%d]}}`,
		wdt.name, len(wb), bdt.name, len(wb), len(wb)+len(bb))
	file := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	file = append(append(append(file, header...), wb...), bb...)
	if wdt.dec == nil || bdt.dec == nil {
		return file, nil
	}
	want := map[string][]float64{}
	for i := 0; i < 6; i++ {
		want["weight"] = append(want["weight"], wdt.dec(wb[i*wdt.size:]))
	}
	for i := 0; i < 3; i++ {
		want["bias"] = append(want["bias"], bdt.dec(bb[i*bdt.size:]))
	}
	return file, want
}
