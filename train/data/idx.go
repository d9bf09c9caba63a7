package data

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/convnet-go/convnet/graph"
	"github.com/pkg/errors"
)

// IDXType is the element type of an IDX file, the third byte of its magic
// number.
type IDXType byte

// The IDX element types. Multi-byte elements are big-endian.
const (
	IDXUint8   IDXType = 0x08 // unsigned byte
	IDXInt8    IDXType = 0x09 // signed byte
	IDXInt16   IDXType = 0x0B // 2-byte signed integer
	IDXInt32   IDXType = 0x0C // 4-byte signed integer
	IDXFloat32 IDXType = 0x0D // 4-byte IEEE float
	IDXFloat64 IDXType = 0x0E // 8-byte IEEE float
)

// Magic numbers of the MNIST-style files: unsigned bytes of rank 3
// (N, H, W) for images and of rank 1 (N) for labels.
const (
	idxImagesMagic uint32 = 0x00000803
	idxLabelsMagic uint32 = 0x00000801
)

// maxIDXRank bounds the rank byte: real files have rank 1 to 4.
const maxIDXRank = 16

// maxIDXBytes bounds the data a header may claim when the stream's size is
// unknown (4 GiB).
const maxIDXBytes = 1 << 32

// maxGzipRatio bounds uncompressed/compressed size: deflate cannot exceed
// about 1032:1, so a header claiming more than this times the compressed
// file size is a lie.
const maxGzipRatio = 1100

// Size is the number of bytes of one element, or 0 for an unknown type.
func (t IDXType) Size() int {
	switch t {
	case IDXUint8, IDXInt8:
		return 1
	case IDXInt16:
		return 2
	case IDXInt32, IDXFloat32:
		return 4
	case IDXFloat64:
		return 8
	}
	return 0
}

// String names the type ("uint8", ..., or "unknown(0x07)").
func (t IDXType) String() string {
	switch t {
	case IDXUint8:
		return "uint8"
	case IDXInt8:
		return "int8"
	case IDXInt16:
		return "int16"
	case IDXInt32:
		return "int32"
	case IDXFloat32:
		return "float32"
	case IDXFloat64:
		return "float64"
	}
	return fmt.Sprintf("unknown(0x%02x)", byte(t))
}

// IDX is the content of an IDX file: an element type, the dimensions and the
// raw big-endian element bytes (len(Data) = product of Dims × Type.Size()).
type IDX struct {
	Type IDXType
	Dims []int
	Data []byte
}

// Magic is the file's magic number: 0x0000 then the type byte then the rank.
func (a *IDX) Magic() uint32 {
	return uint32(a.Type)<<8 | uint32(len(a.Dims))
}

// Len is the number of elements (the product of Dims).
func (a *IDX) Len() int {
	n := 1
	for _, d := range a.Dims {
		n *= d
	}
	return n
}

// Float32 converts every element to float32, in file order. For an IDX
// read by this package that is Len() values; for a hand-built one whose Data
// is short, only the whole elements present are converted.
func (a *IDX) Float32() []float32 {
	n := a.Len()
	if sz := a.Type.Size(); sz == 0 {
		return nil
	} else if n < 0 || n*sz > len(a.Data) {
		n = len(a.Data) / sz
	}
	out := make([]float32, n)
	d := a.Data
	switch a.Type {
	case IDXUint8:
		for i := range out {
			out[i] = float32(d[i])
		}
	case IDXInt8:
		for i := range out {
			out[i] = float32(int8(d[i]))
		}
	case IDXInt16:
		for i := range out {
			out[i] = float32(int16(binary.BigEndian.Uint16(d[2*i:])))
		}
	case IDXInt32:
		for i := range out {
			out[i] = float32(int32(binary.BigEndian.Uint32(d[4*i:])))
		}
	case IDXFloat32:
		for i := range out {
			out[i] = math.Float32frombits(binary.BigEndian.Uint32(d[4*i:]))
		}
	case IDXFloat64:
		for i := range out {
			out[i] = float32(math.Float64frombits(binary.BigEndian.Uint64(d[8*i:])))
		}
	}
	return out
}

// ReadIDXFile reads the IDX file at path, plain or gzip-compressed (detected
// from its first bytes). The header must be well formed and the data exactly
// as long as the header says. Allocation is bounded by the file's size, so a
// header that claims more than the file can hold is an error before any
// large buffer is made. Every error names the file.
func ReadIDXFile(path string) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, errors.Wrapf(err, "data: IDX %q", path)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, errors.Wrapf(err, "data: IDX %q", path)
	}
	return ReadIDX(f, path, st.Size())
}

// ReadIDX reads an IDX stream from r, plain or gzip-compressed. name is used
// in error messages. size is the number of bytes r holds, or -1 if unknown:
// with a known size, plain data must fill it exactly and gzip data may claim
// at most 1100·size bytes (deflate's ratio limit); with an unknown size a
// header may claim at most 4 GiB. Buffers grow with the data actually read,
// never to the size a header claims up front.
func ReadIDX(r io.Reader, name string, size int64) (*IDX, error) {
	br := bufio.NewReader(r)
	head, _ := br.Peek(2)
	if len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, graph.DataErrorf("data: IDX %q: bad gzip header: %v", name, err)
		}
		defer zr.Close()
		limit := int64(maxIDXBytes)
		if size >= 0 && size < (maxIDXBytes-1024)/maxGzipRatio {
			limit = maxGzipRatio*size + 1024
		}
		return decodeIDX(zr, name, -1, limit, true)
	}
	limit := int64(maxIDXBytes)
	if size >= 0 {
		limit = size
	}
	return decodeIDX(br, name, size, limit, false)
}

// decodeIDX parses the header and data. exact is the exact stream length
// when known (plain files), else -1; limit bounds the claimed data bytes.
func decodeIDX(r io.Reader, name string, exact, limit int64, gz bool) (*IDX, error) {
	kind := "file"
	if gz {
		kind = "uncompressed stream"
	}
	var magic [4]byte
	if n, err := io.ReadFull(r, magic[:]); err != nil {
		return nil, readErr(name, err, "the 4-byte magic number", 4, int64(n), kind)
	}
	if magic[0] != 0 || magic[1] != 0 {
		return nil, graph.DataErrorf("data: IDX %q: magic number 0x%08x does not start with two zero bytes (not an IDX file)",
			name, binary.BigEndian.Uint32(magic[:]))
	}
	t, rank := IDXType(magic[2]), int(magic[3])
	if t.Size() == 0 {
		return nil, graph.DataErrorf("data: IDX %q: unknown element type byte 0x%02x (want 0x08, 0x09, 0x0b, 0x0c, 0x0d or 0x0e)", name, magic[2])
	}
	if rank < 1 || rank > maxIDXRank {
		return nil, graph.DataErrorf("data: IDX %q: rank byte %d out of range [1, %d]", name, rank, maxIDXRank)
	}
	hdr := make([]byte, 4*rank)
	if n, err := io.ReadFull(r, hdr); err != nil {
		return nil, readErr(name, err, fmt.Sprintf("%d dimension sizes (rank %d)", rank, rank), int64(len(hdr)), int64(n), kind)
	}
	dims := make([]int, rank)
	claimed := int64(t.Size())
	for i := range dims {
		d := binary.BigEndian.Uint32(hdr[4*i:])
		dims[i] = int(d)
		// Multiply with an overflow guard: stop as soon as the claim is
		// beyond the limit.
		if d != 0 && claimed > limit/int64(d) {
			return nil, graph.DataErrorf("data: IDX %q: header claims dimensions %s of %s, more than the %d data bytes the %s can hold",
				name, fmtDims(hdr, rank), t, limit, sizeWord(exact, gz))
		}
		claimed *= int64(d)
	}
	hlen := int64(4 + 4*rank)
	if exact >= 0 && hlen+claimed != exact {
		return nil, graph.DataErrorf("data: IDX %q: header %s of %s needs %d data bytes, file has %d after the %d-byte header",
			name, graph.FormatShape(dims), t, claimed, exact-hlen, hlen)
	}
	data, err := readN(r, claimed)
	if err != nil {
		return nil, readErr(name, err, fmt.Sprintf("%d data bytes for %s of %s", claimed, graph.FormatShape(dims), t), claimed, int64(len(data)), kind)
	}
	// The data must end exactly here; reading on also makes gzip verify
	// its checksum.
	var one [1]byte
	n, err := io.ReadFull(r, one[:])
	if n > 0 {
		return nil, graph.DataErrorf("data: IDX %q: trailing bytes after the %d data bytes of %s of %s",
			name, claimed, graph.FormatShape(dims), t)
	}
	if err != io.EOF {
		return nil, graph.DataErrorf("data: IDX %q: after the data: %v", name, err)
	}
	return &IDX{Type: t, Dims: dims, Data: data}, nil
}

// readN reads exactly n bytes, growing its buffer as data arrives (at most
// doubling), so a lying length costs no more memory than the data present.
func readN(r io.Reader, n int64) ([]byte, error) {
	const first = 1 << 16
	buf := make([]byte, 0, min(n, first))
	for int64(len(buf)) < n {
		if len(buf) == cap(buf) {
			nc := min(n, 2*int64(cap(buf)))
			nb := make([]byte, len(buf), nc)
			copy(nb, buf)
			buf = nb
		}
		m, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err == io.EOF {
			if int64(len(buf)) < n {
				return buf, io.ErrUnexpectedEOF
			}
			break
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// readErr turns a short read into "expected N bytes, found M".
func readErr(name string, err error, what string, want, got int64, kind string) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return graph.DataErrorf("data: IDX %q: truncated: expected %s (%d bytes), the %s ends after %d", name, what, want, kind, got)
	}
	return graph.DataErrorf("data: IDX %q: reading %s: %v (after %d of %d bytes)", name, what, err, got, want)
}

func fmtDims(hdr []byte, rank int) string {
	parts := make([]string, rank)
	for i := range parts {
		parts[i] = fmt.Sprint(binary.BigEndian.Uint32(hdr[4*i:]))
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func sizeWord(exact int64, gz bool) string {
	switch {
	case gz:
		return "compressed file"
	case exact >= 0:
		return "file"
	}
	return "reader (limit)"
}

// checkMagic returns an error unless a has the wanted magic number.
func checkMagic(a *IDX, name string, want uint32, what string) error {
	if got := a.Magic(); got != want {
		return graph.DataErrorf("data: IDX %q: magic number 0x%08x (%s, rank %d), want 0x%08x (%s)",
			name, got, a.Type, len(a.Dims), want, what)
	}
	return nil
}

// ReadIDXImages reads an IDX image file (magic 0x00000803: unsigned bytes,
// rank 3 (N, H, W)) and returns its pixels and N, H, W. H and W must be
// positive.
func ReadIDXImages(path string) (pixels []uint8, n, h, w int, err error) {
	a, err := ReadIDXFile(path)
	if err != nil {
		return nil, 0, 0, 0, err
	}
	if err := checkImagesIDX(a, path); err != nil {
		return nil, 0, 0, 0, err
	}
	return a.Data, a.Dims[0], a.Dims[1], a.Dims[2], nil
}

func checkImagesIDX(a *IDX, name string) error {
	if err := checkMagic(a, name, idxImagesMagic, "uint8, rank 3: images (N, H, W)"); err != nil {
		return err
	}
	if a.Dims[1] <= 0 || a.Dims[2] <= 0 {
		return graph.DataErrorf("data: IDX %q: image height and width must be positive, got (%d, %d)", name, a.Dims[1], a.Dims[2])
	}
	return nil
}

// ReadIDXLabels reads an IDX label file (magic 0x00000801: unsigned bytes,
// rank 1 (N)) and returns the labels.
func ReadIDXLabels(path string) ([]int, error) {
	a, err := ReadIDXFile(path)
	if err != nil {
		return nil, err
	}
	return labelsIDX(a, path)
}

func labelsIDX(a *IDX, name string) ([]int, error) {
	if err := checkMagic(a, name, idxLabelsMagic, "uint8, rank 1: labels (N)"); err != nil {
		return nil, err
	}
	out := make([]int, len(a.Data))
	for i, b := range a.Data {
		out[i] = int(b)
	}
	return out, nil
}

// LoadIDX reads a pair of IDX files, images (0x00000803) and labels
// (0x00000801), and returns them as an ImageSet of shape (1, H, W) with
// one-hot targets of length numClasses. The counts must agree and every
// label must lie in [0, numClasses).
func LoadIDX(imagesPath, labelsPath string, numClasses int) (*ImageSet, error) {
	pix, n, h, w, err := ReadIDXImages(imagesPath)
	if err != nil {
		return nil, err
	}
	labels, err := ReadIDXLabels(labelsPath)
	if err != nil {
		return nil, err
	}
	return pairIDX(pix, n, h, w, labels, numClasses, imagesPath, labelsPath)
}

func pairIDX(pix []uint8, n, h, w int, labels []int, numClasses int, imagesPath, labelsPath string) (*ImageSet, error) {
	if len(labels) != n {
		return nil, graph.DataErrorf("data: IDX %q has %d images but %q has %d labels", imagesPath, n, labelsPath, len(labels))
	}
	for i, l := range labels {
		if l >= numClasses {
			return nil, graph.DataErrorf("data: IDX %q: label %d of example %d out of range [0, %d)", labelsPath, l, i, numClasses)
		}
	}
	return NewImageSet(pix, []int{1, h, w}, labels, numClasses)
}
