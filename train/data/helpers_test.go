package data_test

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/train/data"
)

// idxBytes builds an IDX file: magic 0x0000 typ rank, the dims, then body.
func idxBytes(typ byte, dims []uint32, body []byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 0, typ, byte(len(dims))})
	for _, d := range dims {
		_ = binary.Write(&b, binary.BigEndian, d)
	}
	b.Write(body)
	return b.Bytes()
}

// gz compresses b.
func gz(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	_, _ = w.Write(b)
	_ = w.Close()
	return out.Bytes()
}

// seq returns n bytes 0, 1, 2, ... (mod 256).
func seq(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

// writeFile writes b to dir/name and returns the path.
func writeFile(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// wantErr fails unless err is non-nil and contains every substring.
func wantErr(t testing.TB, err error, subs ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want error containing %q, got nil", subs)
	}
	for _, s := range subs {
		if !strings.Contains(err.Error(), s) {
			t.Fatalf("error %q does not contain %q", err, s)
		}
	}
}

// get returns example i of ds as fresh slices.
func get(t testing.TB, ds data.Dataset, i int) (x, y []float32) {
	t.Helper()
	x = make([]float32, data.Size(ds.XShape()))
	y = make([]float32, data.Size(ds.YShape()))
	if err := ds.Get(i, x, y); err != nil {
		t.Fatal(err)
	}
	return x, y
}

// tiny returns a small labelled image set: n images (1, h, w) whose pixel j
// of image i is ((i*7 + j*3) % 256) / 255, labels i % k.
func tiny(t testing.TB, n, h, w, k int) *data.ImageSet {
	t.Helper()
	pix := make([]uint8, n*h*w)
	labels := make([]int, n)
	for i := 0; i < n; i++ {
		labels[i] = i % k
		for j := 0; j < h*w; j++ {
			pix[i*h*w+j] = uint8((i*7 + j*3) % 256)
		}
	}
	s, err := data.NewImageSet(pix, []int{1, h, w}, labels, k)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func equal(a, b []float32) bool {
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
