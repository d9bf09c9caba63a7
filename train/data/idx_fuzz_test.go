package data_test

import (
	"bytes"
	"testing"

	"github.com/convnet-go/convnet/train/data"
)

// FuzzReadIDX feeds arbitrary bytes to the IDX reader (plain and gzip) with
// a known and an unknown size: it must return an error or a consistent IDX,
// never panic or allocate beyond what the input can hold.
func FuzzReadIDX(f *testing.F) {
	valid := idxBytes(0x08, []uint32{2, 2, 3}, seq(12))
	f.Add(valid)
	f.Add(gz(valid))
	f.Add(idxBytes(0x08, []uint32{5}, []byte{5, 0, 4, 1, 9}))
	f.Add(idxBytes(0x0D, []uint32{1, 2}, make([]byte, 8)))
	f.Add(idxBytes(0x0E, []uint32{1}, make([]byte, 8)))
	f.Add(idxBytes(0x0B, []uint32{2}, make([]byte, 4)))
	f.Add(valid[:len(valid)-3])
	f.Add(append(append([]byte(nil), valid...), 0))
	f.Add(idxBytes(0x08, []uint32{0xffffffff, 0xffffffff}, nil))
	f.Add(idxBytes(0x07, []uint32{1}, []byte{1}))
	f.Add(gz(idxBytes(0x08, []uint32{60000, 28, 28}, seq(64))))
	f.Add([]byte{0x1f, 0x8b})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, size := range []int64{int64(len(b)), -1} {
			a, err := data.ReadIDX(bytes.NewReader(b), "fuzz", size)
			if err != nil {
				if a != nil {
					t.Fatalf("IDX and error both returned")
				}
				continue
			}
			if want := a.Len() * a.Type.Size(); len(a.Data) != want {
				t.Fatalf("len(Data) = %d, want %d for %v %v", len(a.Data), want, a.Type, a.Dims)
			}
			if size >= 0 && !(len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b) && len(a.Data)+4+4*len(a.Dims) != len(b) {
				t.Fatalf("plain file of %d bytes gave %d data bytes", len(b), len(a.Data))
			}
			if got := len(a.Float32()); got != a.Len() {
				t.Fatalf("Float32 gave %d values, want %d", got, a.Len())
			}
		}
	})
}
