package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"io"
	"math"
	"os"
	"sort"
	"strings"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/internal/atomicfile"
	st "github.com/nlpodyssey/safetensors"
	"github.com/pkg/errors"
	"github.com/x448/float16"
	"gorgonia.org/tensor"
)

// NamedTensor is a tensor with its name in a safetensors file.
type NamedTensor struct {
	Name   string
	Tensor *tensor.Dense
	// FileDtype is the dtype as stored in the file ("F32", "F16", "BF16",
	// "I64", ...), set by the readers. F16 and BF16 tensors are converted
	// to float32 when read. The writers ignore it and store the tensor's
	// own dtype.
	FileDtype string
}

// File is the content of a safetensors file.
type File struct {
	// Tensors in the order of their data in the file.
	Tensors []NamedTensor
	// Metadata holds the "__metadata__" entries (nil when there are none).
	Metadata map[string]string
}

// Lookup returns the tensor called name.
func (f *File) Lookup(name string) (NamedTensor, bool) {
	for _, t := range f.Tensors {
		if t.Name == name {
			return t, true
		}
	}
	return NamedTensor{}, false
}

// Names lists the tensor names in file order.
func (f *File) Names() []string {
	out := make([]string, len(f.Tensors))
	for i, t := range f.Tensors {
		out[i] = t.Name
	}
	return out
}

// maxDim bounds each dimension read from a file, so that shapes with a zero
// dimension cannot smuggle in an absurd size that overflows int arithmetic
// later (the library checks only the product of the dimensions).
const maxDim = 1 << 40

// Decode parses a whole safetensors file held in data. Floating
// point tensors come back as float32 (F32, F16, BF16) or float64 (F64);
// integer and boolean tensors keep their type (I64 as tensor.Int64, ...).
// Every problem with the bytes is an error wrapping ErrData; it never
// panics.
func Decode(data []byte) (*File, error) {
	return decode(data, "safetensors")
}

// Read reads a whole safetensors stream from r and decodes it
// (see Decode).
func Read(r io.Reader) (*File, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, errors.Wrap(err, "safetensors: reading")
	}
	return Decode(data)
}

// ReadFile reads and decodes the safetensors file at path (see
// Decode). Errors name the file.
func ReadFile(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, errors.Wrap(err, "safetensors: ReadFile")
	}
	return decode(data, "safetensors: "+path)
}

func decode(data []byte, where string) (*File, error) {
	if len(data) < 8 {
		return nil, graph.DataErrorf("%s: file is %d bytes, too short for the 8-byte header length", where, len(data))
	}
	n := binary.LittleEndian.Uint64(data[:8])
	if n > uint64(len(data)-8) {
		return nil, graph.DataErrorf("%s: header length %d is larger than the %d bytes that follow it (truncated file?)", where, n, len(data)-8)
	}
	header := bytes.TrimLeft(data[8:8+n], " \t\r\n")
	if len(header) == 0 || header[0] != '{' {
		return nil, graph.DataErrorf("%s: header is not a JSON object", where)
	}
	if dup, where2 := duplicateKey(header); dup != "" {
		return nil, graph.DataErrorf("%s: header lists %s %q twice (JSON keys must be unique; a decoder would silently keep one of them)", where, where2, dup)
	}
	hlen, md, err := st.ReadMetadata(data)
	if err != nil {
		return nil, graph.DataErrorf("%s: invalid header: %v%s", where, err, headerHint(err))
	}
	// ReadMetadata has checked that the tensors tile data[8+hlen:] exactly.
	body := data[8+hlen:]
	infos := md.Tensors()
	names := make([]string, 0, len(infos))
	for name := range infos {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := infos[names[i]].DataOffsets, infos[names[j]].DataOffsets
		return a[0] < b[0] || (a[0] == b[0] && (a[1] < b[1] || (a[1] == b[1] && names[i] < names[j])))
	})
	out := &File{}
	if m := md.Metadata(); len(m) > 0 {
		out.Metadata = m
	}
	for _, name := range names {
		info := infos[name]
		t, err := decodeTensor(info.DType, info.Shape, body[info.DataOffsets[0]:info.DataOffsets[1]])
		if err != nil {
			return nil, graph.DataErrorf("%s: tensor %q: %v", where, name, err)
		}
		out.Tensors = append(out.Tensors, NamedTensor{Name: name, Tensor: t, FileDtype: info.DType.String()})
	}
	return out, nil
}

// duplicateKey returns the first key that occurs twice in the header's
// top-level object (a tensor name) or in its "__metadata__" object, and
// which of the two it is; "" when there is none or when the header is not
// valid JSON (the library reports that).
func duplicateKey(header []byte) (key, what string) {
	dec := json.NewDecoder(bytes.NewReader(header))
	keys, values, ok := objectKeys(dec)
	if !ok {
		return "", ""
	}
	seen := map[string]bool{}
	for i, k := range keys {
		if seen[k] {
			return k, "tensor"
		}
		seen[k] = true
		if k == "__metadata__" {
			mk, _, ok := objectKeys(json.NewDecoder(bytes.NewReader(values[i])))
			if !ok {
				continue
			}
			mseen := map[string]bool{}
			for _, m := range mk {
				if mseen[m] {
					return m, "metadata key"
				}
				mseen[m] = true
			}
		}
	}
	return "", ""
}

// objectKeys reads one JSON object from dec and returns its keys and raw
// values in order, duplicates included.
func objectKeys(dec *json.Decoder) (keys []string, values []json.RawMessage, ok bool) {
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, nil, false
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, false
		}
		k, isString := tok.(string)
		if !isString {
			return nil, nil, false
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, nil, false
		}
		keys = append(keys, k)
		values = append(values, v)
	}
	return keys, values, true
}

// headerHint explains the library's terser messages.
func headerHint(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "incomplete buffer"):
		return " (the tensors' data_offsets do not end where the file ends: the file is truncated, has trailing bytes, or an offset points past its end)"
	case strings.Contains(msg, "invalid metadata offset"):
		return " (each tensor's data must start where the previous one ends: no gaps, no overlaps, begin <= end)"
	case strings.Contains(msg, "offsets mismatch"):
		return " (a tensor's data_offsets span a different number of bytes than its shape and dtype need)"
	}
	return ""
}

func decodeTensor(dt st.DType, dims []uint64, b []byte) (*tensor.Dense, error) {
	shape := make([]int, len(dims))
	size := 1
	for i, d := range dims {
		if d > maxDim {
			return nil, errors.Errorf("dimension %d is too large", d)
		}
		shape[i] = int(d)
		size *= int(d)
	}
	if size == 0 {
		return nil, errors.Errorf("shape %s has no elements; empty tensors are not supported", graph.FormatShape(shape))
	}
	var backing any
	switch dt {
	case st.F32:
		backing = decodeLE(b, 4, func(p []byte) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(p)) })
	case st.F64:
		backing = decodeLE(b, 8, func(p []byte) float64 { return math.Float64frombits(binary.LittleEndian.Uint64(p)) })
	case st.F16:
		backing = decodeLE(b, 2, func(p []byte) float32 { return float16.Frombits(binary.LittleEndian.Uint16(p)).Float32() })
	case st.BF16:
		backing = decodeLE(b, 2, func(p []byte) float32 { return math.Float32frombits(uint32(binary.LittleEndian.Uint16(p)) << 16) })
	case st.I64:
		backing = decodeLE(b, 8, func(p []byte) int64 { return int64(binary.LittleEndian.Uint64(p)) })
	case st.I32:
		backing = decodeLE(b, 4, func(p []byte) int32 { return int32(binary.LittleEndian.Uint32(p)) })
	case st.I16:
		backing = decodeLE(b, 2, func(p []byte) int16 { return int16(binary.LittleEndian.Uint16(p)) })
	case st.I8:
		backing = decodeLE(b, 1, func(p []byte) int8 { return int8(p[0]) })
	case st.U64:
		backing = decodeLE(b, 8, func(p []byte) uint64 { return binary.LittleEndian.Uint64(p) })
	case st.U32:
		backing = decodeLE(b, 4, func(p []byte) uint32 { return binary.LittleEndian.Uint32(p) })
	case st.U16:
		backing = decodeLE(b, 2, func(p []byte) uint16 { return binary.LittleEndian.Uint16(p) })
	case st.U8:
		backing = decodeLE(b, 1, func(p []byte) uint8 { return p[0] })
	case st.BOOL:
		backing = decodeLE(b, 1, func(p []byte) bool { return p[0] != 0 })
	default:
		return nil, errors.Errorf("unsupported dtype %v", dt)
	}
	if n := sliceLen(backing); n != size {
		// the library checked this; keep the invariant explicit
		return nil, errors.Errorf("shape %s needs %d elements, the data holds %d", graph.FormatShape(shape), size, n)
	}
	if len(shape) == 0 {
		return scalarDense(backing), nil
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(backing)), nil
}

func decodeLE[T any](b []byte, width int, conv func([]byte) T) []T {
	out := make([]T, len(b)/width)
	for i := range out {
		out[i] = conv(b[i*width : (i+1)*width])
	}
	return out
}

func sliceLen(backing any) int {
	switch s := backing.(type) {
	case []float32:
		return len(s)
	case []float64:
		return len(s)
	case []int64:
		return len(s)
	case []int32:
		return len(s)
	case []int16:
		return len(s)
	case []int8:
		return len(s)
	case []uint64:
		return len(s)
	case []uint32:
		return len(s)
	case []uint16:
		return len(s)
	case []uint8:
		return len(s)
	case []bool:
		return len(s)
	}
	return -1
}

func scalarDense(backing any) *tensor.Dense {
	switch s := backing.(type) {
	case []float32:
		return tensor.New(tensor.FromScalar(s[0]))
	case []float64:
		return tensor.New(tensor.FromScalar(s[0]))
	case []int64:
		return tensor.New(tensor.FromScalar(s[0]))
	case []int32:
		return tensor.New(tensor.FromScalar(s[0]))
	case []int16:
		return tensor.New(tensor.FromScalar(s[0]))
	case []int8:
		return tensor.New(tensor.FromScalar(s[0]))
	case []uint64:
		return tensor.New(tensor.FromScalar(s[0]))
	case []uint32:
		return tensor.New(tensor.FromScalar(s[0]))
	case []uint16:
		return tensor.New(tensor.FromScalar(s[0]))
	case []uint8:
		return tensor.New(tensor.FromScalar(s[0]))
	case []bool:
		return tensor.New(tensor.FromScalar(s[0]))
	}
	panic("safetensors: internal error: scalarDense of an unknown backing")
}

// view is one tensor ready to be written.
type view struct {
	dt    st.DType
	shape []uint64
	data  []byte
}

func (v view) DType() st.DType { return v.dt }
func (v view) Shape() []uint64 { return v.shape }
func (v view) Data() []byte    { return v.data }
func (v view) DataLen() uint64 { return uint64(len(v.data)) }
func (v view) elements() int   { return len(v.data) / int(v.dt.Size()) }

// Write writes tensors and metadata to w in the safetensors
// format. Names must be unique, non-empty and not "__metadata__". Float32
// and float64 tensors are stored as F32 and F64; integer and boolean tensors
// (such as those read from a file) keep their type. As in the reference
// implementation, the data is ordered by dtype alignment, then by name.
func Write(w io.Writer, tensors []NamedTensor, metadata map[string]string) error {
	views, err := encodeTensors("safetensors: Write", tensors)
	if err != nil {
		return err
	}
	if err := st.SerializeToWriter(views, metadata, w); err != nil {
		return errors.Wrap(err, "safetensors: Write")
	}
	return nil
}

// WriteFile writes tensors and metadata to the file at path
// (see Write). It writes a temporary file in the same directory,
// flushes it to disk and renames it over path, so a crash or an error while
// saving leaves any previous file at path as it was. A new file gets
// permissions 0644; an existing file keeps its permissions.
func WriteFile(path string, tensors []NamedTensor, metadata map[string]string) error {
	views, err := encodeTensors("safetensors: WriteFile", tensors)
	if err != nil {
		return err
	}
	err = atomicfile.Write(path, func(w io.Writer) error {
		return st.SerializeToWriter(views, metadata, w)
	})
	return errors.Wrapf(err, "safetensors: WriteFile %s", path)
}

func encodeTensors(where string, tensors []NamedTensor) (map[string]view, error) {
	views := make(map[string]view, len(tensors))
	for i, nt := range tensors {
		switch {
		case nt.Name == "":
			return nil, graph.ArgErrorf("%s: tensor %d has an empty name", where, i)
		case nt.Name == "__metadata__":
			return nil, graph.ArgErrorf("%s: tensor %d: the name __metadata__ is reserved", where, i)
		case nt.Tensor == nil:
			return nil, graph.ArgErrorf("%s: tensor %q is nil", where, nt.Name)
		}
		if _, dup := views[nt.Name]; dup {
			return nil, graph.ArgErrorf("%s: tensor name %q is used twice", where, nt.Name)
		}
		v, err := encodeDense(nt.Tensor)
		if err != nil {
			return nil, errors.Wrapf(err, "%s: tensor %q", where, nt.Name)
		}
		views[nt.Name] = v
	}
	return views, nil
}

func encodeDense(d *tensor.Dense) (view, error) {
	if d.IsMaterializable() {
		d = d.Materialize().(*tensor.Dense)
	}
	shape := make([]uint64, d.Shape().Dims())
	for i, s := range d.Shape() {
		if s <= 0 {
			return view{}, graph.ShapeErrorf("shape %s has no elements", graph.FormatShape(d.Shape()))
		}
		shape[i] = uint64(s)
	}
	v := view{shape: shape}
	switch data := d.Data().(type) {
	case []float32:
		v.dt, v.data = st.F32, encodeLE(data, 4, func(p []byte, x float32) { binary.LittleEndian.PutUint32(p, math.Float32bits(x)) })
	case float32:
		v.dt, v.data = st.F32, binary.LittleEndian.AppendUint32(nil, math.Float32bits(data))
	case []float64:
		v.dt, v.data = st.F64, encodeLE(data, 8, func(p []byte, x float64) { binary.LittleEndian.PutUint64(p, math.Float64bits(x)) })
	case float64:
		v.dt, v.data = st.F64, binary.LittleEndian.AppendUint64(nil, math.Float64bits(data))
	case []int64:
		v.dt, v.data = st.I64, encodeLE(data, 8, func(p []byte, x int64) { binary.LittleEndian.PutUint64(p, uint64(x)) })
	case int64:
		v.dt, v.data = st.I64, binary.LittleEndian.AppendUint64(nil, uint64(data))
	case []int32:
		v.dt, v.data = st.I32, encodeLE(data, 4, func(p []byte, x int32) { binary.LittleEndian.PutUint32(p, uint32(x)) })
	case int32:
		v.dt, v.data = st.I32, binary.LittleEndian.AppendUint32(nil, uint32(data))
	case []int16:
		v.dt, v.data = st.I16, encodeLE(data, 2, func(p []byte, x int16) { binary.LittleEndian.PutUint16(p, uint16(x)) })
	case int16:
		v.dt, v.data = st.I16, binary.LittleEndian.AppendUint16(nil, uint16(data))
	case []int8:
		v.dt, v.data = st.I8, encodeLE(data, 1, func(p []byte, x int8) { p[0] = byte(x) })
	case int8:
		v.dt, v.data = st.I8, []byte{byte(data)}
	case []uint64:
		v.dt, v.data = st.U64, encodeLE(data, 8, func(p []byte, x uint64) { binary.LittleEndian.PutUint64(p, x) })
	case uint64:
		v.dt, v.data = st.U64, binary.LittleEndian.AppendUint64(nil, data)
	case []uint32:
		v.dt, v.data = st.U32, encodeLE(data, 4, func(p []byte, x uint32) { binary.LittleEndian.PutUint32(p, x) })
	case uint32:
		v.dt, v.data = st.U32, binary.LittleEndian.AppendUint32(nil, data)
	case []uint16:
		v.dt, v.data = st.U16, encodeLE(data, 2, func(p []byte, x uint16) { binary.LittleEndian.PutUint16(p, x) })
	case uint16:
		v.dt, v.data = st.U16, binary.LittleEndian.AppendUint16(nil, data)
	case []uint8:
		v.dt, v.data = st.U8, append([]byte(nil), data...)
	case uint8:
		v.dt, v.data = st.U8, []byte{data}
	case []bool:
		v.dt, v.data = st.BOOL, encodeLE(data, 1, func(p []byte, x bool) {
			if x {
				p[0] = 1
			}
		})
	case bool:
		v.dt, v.data = st.BOOL, []byte{0}
		if data {
			v.data[0] = 1
		}
	default:
		return view{}, graph.ArgErrorf("dtype %v cannot be stored in safetensors", d.Dtype())
	}
	if want := d.Shape().TotalSize(); v.elements() != want {
		return view{}, graph.ShapeErrorf("shape %s holds %d elements, the data has %d", graph.FormatShape(d.Shape()), want, v.elements())
	}
	return v, nil
}

func encodeLE[T any](data []T, width int, put func([]byte, T)) []byte {
	out := make([]byte, len(data)*width)
	for i, x := range data {
		put(out[i*width:(i+1)*width], x)
	}
	return out
}
