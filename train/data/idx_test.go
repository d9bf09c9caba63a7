package data_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"runtime"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/train/data"
)

func TestReadIDXValid(t *testing.T) {
	f32 := make([]byte, 8)
	binary.BigEndian.PutUint32(f32, math.Float32bits(1.5))
	binary.BigEndian.PutUint32(f32[4:], math.Float32bits(-2.25))
	f64 := make([]byte, 8)
	binary.BigEndian.PutUint64(f64, math.Float64bits(3.125))
	cases := []struct {
		name string
		file []byte
		typ  data.IDXType
		dims []int
		vals []float32
	}{
		{"uint8-rank3", idxBytes(0x08, []uint32{2, 2, 3}, seq(12)), data.IDXUint8, []int{2, 2, 3}, []float32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}},
		{"uint8-rank1", idxBytes(0x08, []uint32{4}, []byte{5, 0, 4, 1}), data.IDXUint8, []int{4}, []float32{5, 0, 4, 1}},
		{"int8", idxBytes(0x09, []uint32{2}, []byte{0xff, 0x80}), data.IDXInt8, []int{2}, []float32{-1, -128}},
		{"int16", idxBytes(0x0B, []uint32{2}, []byte{0xff, 0xfe, 0x01, 0x00}), data.IDXInt16, []int{2}, []float32{-2, 256}},
		{"int32", idxBytes(0x0C, []uint32{1}, []byte{0, 1, 0, 0}), data.IDXInt32, []int{1}, []float32{65536}},
		{"float32", idxBytes(0x0D, []uint32{2, 1}, f32), data.IDXFloat32, []int{2, 1}, []float32{1.5, -2.25}},
		{"float64", idxBytes(0x0E, []uint32{1}, f64), data.IDXFloat64, []int{1}, []float32{3.125}},
		{"zero-count", idxBytes(0x08, []uint32{0, 28, 28}, nil), data.IDXUint8, []int{0, 28, 28}, []float32{}},
	}
	for _, tc := range cases {
		for _, compressed := range []bool{false, true} {
			name := tc.name
			b := tc.file
			if compressed {
				name += "-gz"
				b = gz(b)
			}
			t.Run(name, func(t *testing.T) {
				check := func(a *data.IDX, err error) {
					t.Helper()
					if err != nil {
						t.Fatal(err)
					}
					if a.Type != tc.typ || !sameInts(a.Dims, tc.dims) {
						t.Fatalf("got type %v dims %v, want %v %v", a.Type, a.Dims, tc.typ, tc.dims)
					}
					if got := a.Float32(); !equal(got, tc.vals) {
						t.Fatalf("values %v, want %v", got, tc.vals)
					}
					if want := uint32(tc.typ)<<8 | uint32(len(tc.dims)); a.Magic() != want {
						t.Fatalf("magic 0x%08x, want 0x%08x", a.Magic(), want)
					}
				}
				check(data.ReadIDX(bytes.NewReader(b), "mem", int64(len(b))))
				check(data.ReadIDX(bytes.NewReader(b), "mem", -1))
				check(data.ReadIDXFile(writeFile(t, t.TempDir(), "f.idx", b)))
			})
		}
	}
}

func sameInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestReadIDXCorrupt(t *testing.T) {
	valid := idxBytes(0x08, []uint32{2, 2, 3}, seq(12))
	validGz := gz(valid)
	badCRC := append([]byte(nil), validGz...)
	badCRC[len(badCRC)-6] ^= 0xff // inside the CRC-32 trailer
	cases := []struct {
		name string
		file []byte
		want []string // substrings of the error
	}{
		{"empty", nil, []string{"truncated", "magic number", "ends after 0"}},
		{"short-magic", []byte{0, 0, 8}, []string{"truncated", "4-byte magic", "ends after 3"}},
		{"not-idx", []byte("PK\x03\x04hello"), []string{"two zero bytes"}},
		{"bad-type", idxBytes(0x07, []uint32{1}, []byte{1}), []string{"unknown element type byte 0x07"}},
		{"rank-0", []byte{0, 0, 8, 0}, []string{"rank byte 0"}},
		{"rank-200", append([]byte{0, 0, 8, 200}, make([]byte, 800)...), []string{"rank byte 200"}},
		{"short-dims", []byte{0, 0, 8, 3, 0, 0, 0, 2, 0, 0}, []string{"truncated", "3 dimension sizes", "expected", "(12 bytes)", "ends after 6"}},
		{"truncated-data", valid[:len(valid)-5], []string{"(2, 2, 3)", "needs 12 data bytes", "file has 7"}},
		{"trailing-data", append(append([]byte(nil), valid...), 9, 9), []string{"needs 12 data bytes", "file has 14"}},
		{"huge-claim", idxBytes(0x08, []uint32{0xffffffff, 0xffffffff, 0xffffffff}, seq(10)), []string{"header claims dimensions (4294967295, 4294967295, 4294967295)"}},
		{"huge-claim-float64", idxBytes(0x0E, []uint32{1 << 30}, seq(8)), []string{"header claims dimensions (1073741824) of float64"}},
		{"gz-truncated-data", gz(valid[:len(valid)-5]), []string{"truncated", "12 data bytes", "ends after 7"}},
		{"gz-trailing-data", gz(append(append([]byte(nil), valid...), 1)), []string{"trailing bytes after the 12 data bytes"}},
		{"gz-cut", validGz[:len(validGz)-10], []string{`IDX "f"`}},
		{"gz-bad-crc", badCRC, []string{"12 data bytes", "invalid checksum"}},
		{"gz-bad-header", []byte{0x1f, 0x8b, 0, 0}, []string{"bad gzip header"}},
		{"gz-huge-claim", gz(idxBytes(0x08, []uint32{60000, 28, 28}, seq(100))), []string{"header claims dimensions (60000, 28, 28)", "compressed file"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, err := data.ReadIDX(bytes.NewReader(tc.file), "f", int64(len(tc.file)))
			if a != nil {
				t.Fatalf("want nil IDX with the error, got %+v", a)
			}
			wantErr(t, err, append([]string{`data: IDX "f"`}, tc.want...)...)
			if !errors.Is(err, graph.ErrData) {
				t.Errorf("errors.Is(err, graph.ErrData) = false for %v", err)
			}
			// The same bytes from a file: the error names the path.
			p := writeFile(t, t.TempDir(), "f", tc.file)
			_, err = data.ReadIDXFile(p)
			wantErr(t, err, p)
			// Unknown size: still an error, never a panic.
			if _, err := data.ReadIDX(bytes.NewReader(tc.file), "f", -1); err == nil && tc.name != "huge-claim-float64" {
				t.Errorf("size -1: no error")
			}
		})
	}
}

func TestIDXFloat32HandBuilt(t *testing.T) {
	for _, tc := range []struct {
		name string
		a    data.IDX
		want []float32
	}{
		{"short-data", data.IDX{Type: data.IDXInt16, Dims: []int{3}, Data: []byte{0, 1, 0, 2, 9}}, []float32{1, 2}},
		{"unknown-type", data.IDX{Type: 0x42, Dims: []int{1}, Data: []byte{1}}, nil},
		{"no-dims", data.IDX{Type: data.IDXUint8, Data: []byte{7}}, []float32{7}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.a.Float32(); !equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	if s := data.IDXType(0x42).String(); s != "unknown(0x42)" {
		t.Errorf("String = %q", s)
	}
}

func TestReadIDXMissingFile(t *testing.T) {
	p := t.TempDir() + "/nope.gz"
	_, err := data.ReadIDXFile(p)
	wantErr(t, err, "data: IDX", p, "no such file")
}

func TestLoadIDX(t *testing.T) {
	dir := t.TempDir()
	images := writeFile(t, dir, "img", gz(idxBytes(0x08, []uint32{3, 2, 2}, []byte{0, 255, 51, 102, 1, 2, 3, 4, 5, 6, 7, 8})))
	labels := writeFile(t, dir, "lab", idxBytes(0x08, []uint32{3}, []byte{2, 0, 1}))
	s, err := data.LoadIDX(images, labels, 3)
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 3 || !sameInts(s.XShape(), []int{1, 2, 2}) || !sameInts(s.YShape(), []int{3}) {
		t.Fatalf("len %d shapes %v %v", s.Len(), s.XShape(), s.YShape())
	}
	x, y := get(t, s, 0)
	if !equal(x, []float32{0, 1, 0.2, 0.4}) || !equal(y, []float32{0, 0, 1}) {
		t.Fatalf("example 0: x %v y %v", x, y)
	}

	bad := []struct {
		name           string
		images, labels string
		k              int
		want           []string
	}{
		{"count-mismatch", images, writeFile(t, dir, "lab4", idxBytes(0x08, []uint32{4}, []byte{0, 1, 2, 0})), 3,
			[]string{"has 3 images but", "has 4 labels"}},
		{"label-range", images, labels, 2, []string{"label 2 of example 0 out of range [0, 2)"}},
		{"labels-as-images", labels, labels, 3, []string{"magic number 0x00000801", "want 0x00000803"}},
		{"images-as-labels", images, images, 3, []string{"magic number 0x00000803", "want 0x00000801"}},
		{"float-images", writeFile(t, dir, "fimg", idxBytes(0x0D, []uint32{1, 1, 1}, make([]byte, 4))), labels, 3,
			[]string{"magic number 0x00000d03 (float32, rank 3)", "want 0x00000803"}},
		{"zero-width", writeFile(t, dir, "zimg", idxBytes(0x08, []uint32{3, 2, 0}, nil)), labels, 3,
			[]string{"image height and width must be positive, got (2, 0)"}},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := data.LoadIDX(tc.images, tc.labels, tc.k)
			wantErr(t, err, tc.want...)
			if !errors.Is(err, graph.ErrData) {
				t.Errorf("not a graph.ErrData: %v", err)
			}
		})
	}
}

// TestReadIDXLyingHeaderMemory checks that a header claiming far more data
// than the stream holds costs memory in proportion to the data present, not
// to the claim.
func TestReadIDXLyingHeaderMemory(t *testing.T) {
	for _, tc := range []struct {
		name string
		file []byte
		size int64
	}{
		{"plain-unknown-size", idxBytes(0x08, []uint32{1 << 31}, seq(1000)), -1},
		{"gzip-unknown-size", gz(idxBytes(0x08, []uint32{1 << 31}, seq(1000))), -1},
		{"gzip-known-size", gz(idxBytes(0x08, []uint32{1 << 20, 16}, seq(1000))), -2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			size := tc.size
			if size == -2 {
				size = int64(len(tc.file))
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := data.ReadIDX(bytes.NewReader(tc.file), "lie", size)
			runtime.ReadMemStats(&after)
			if err == nil {
				t.Fatal("no error for a lying header")
			}
			if d := after.TotalAlloc - before.TotalAlloc; d > 1<<20 {
				t.Errorf("allocated %d bytes for a %d-byte input", d, len(tc.file))
			}
		})
	}
}
