package onnx

import (
	"encoding/binary"
	"math"
	"os"
	"strconv"
	"unsafe"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/onnx/internal/onnxpb"
	"github.com/pkg/errors"
	"google.golang.org/protobuf/proto"
	"gorgonia.org/tensor"
)

// maxElements bounds the size of one tensor read from a file (2^31
// elements), so that a corrupt shape cannot make the reader allocate
// without limit.
const maxElements = 1 << 31

// ReadTensorFile reads one serialized TensorProto (a .pb file such as ONNX's
// test data input_0.pb) into a dense tensor: float32, float64, int64,
// int32, int8, uint8 or bool elements, the shape of the proto (a scalar
// has shape ()).
func ReadTensorFile(path string) (*tensor.Dense, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, errors.Wrap(err, "onnx: ReadTensorFile")
	}
	var tp onnxpb.TensorProto
	if err := proto.Unmarshal(data, &tp); err != nil {
		return nil, errors.Wrapf(err, "onnx: ReadTensorFile %s: not a serialized TensorProto", path)
	}
	t, err := tensorFromProto(&tp)
	if err != nil {
		return nil, errors.Wrapf(err, "onnx: ReadTensorFile %s", path)
	}
	return t, nil
}

// dtypeName names an ONNX element type for messages.
func dtypeName(dt int32) string {
	if n, ok := onnxpb.TensorProto_DataType_name[dt]; ok {
		return n
	}
	return "type " + strconv.Itoa(int(dt))
}

// protoShape checks the dims of a tensor proto and returns them with the
// number of elements.
func protoShape(dims []int64) ([]int, int, error) {
	shape := make([]int, len(dims))
	n := 1
	for i, d := range dims {
		if d < 0 {
			return nil, 0, graph.ShapeErrorf("dimension %d is negative (%d)", i, d)
		}
		if d == 0 {
			return nil, 0, unsupportedf("dimension %d is 0: empty tensors are not supported", i)
		}
		if d > maxElements || int64(n)*d > maxElements {
			return nil, 0, graph.ShapeErrorf("shape %v has more than 2^31 elements", dims)
		}
		shape[i] = int(d)
		n *= int(d)
	}
	return shape, n, nil
}

// tensorFromProto converts a TensorProto into a dense tensor, checking that
// its data matches its shape.
func tensorFromProto(tp *onnxpb.TensorProto) (*tensor.Dense, error) {
	name := tp.GetName()
	fail := func(format string, args ...any) error {
		if name != "" {
			return graph.DataErrorf("tensor %q: "+format, append([]any{name}, args...)...)
		}
		return graph.DataErrorf("tensor: "+format, args...)
	}
	if tp.GetDataLocation() == onnxpb.TensorProto_EXTERNAL || len(tp.GetExternalData()) > 0 {
		return nil, unsupportedf("tensor %q: data stored in an external file is not supported", name)
	}
	if tp.GetSegment() != nil {
		return nil, unsupportedf("tensor %q: segmented tensors are not supported", name)
	}
	shape, n, err := protoShape(tp.GetDims())
	if errors.Is(err, ErrUnsupported) {
		return nil, errors.Wrapf(err, "tensor %q", name)
	}
	if err != nil {
		return nil, fail("%v", err)
	}
	dt := tp.GetDataType()
	raw := tp.GetRawData()
	// count checks the number of elements of the typed field or raw data.
	count := func(field string, got int) error {
		if got != n {
			return fail("%s holds %d elements, its shape %s needs %d", field, got, graph.FormatShape(shape), n)
		}
		return nil
	}
	rawCount := func(size int) error {
		if len(raw)%size != 0 {
			return fail("raw_data has %d bytes, not a multiple of the %d-byte %s element", len(raw), size, dtypeName(dt))
		}
		return count("raw_data", len(raw)/size)
	}
	var backing any
	switch onnxpb.TensorProto_DataType(dt) {
	case onnxpb.TensorProto_FLOAT:
		if raw != nil {
			if err := rawCount(4); err != nil {
				return nil, err
			}
			backing = rawFloat32s(raw)
		} else {
			if err := count("float_data", len(tp.GetFloatData())); err != nil {
				return nil, err
			}
			backing = tp.GetFloatData()
		}
	case onnxpb.TensorProto_DOUBLE:
		if raw != nil {
			if err := rawCount(8); err != nil {
				return nil, err
			}
			v := make([]float64, n)
			for i := range v {
				v[i] = math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:]))
			}
			backing = v
		} else {
			if err := count("double_data", len(tp.GetDoubleData())); err != nil {
				return nil, err
			}
			backing = tp.GetDoubleData()
		}
	case onnxpb.TensorProto_INT64:
		if raw != nil {
			if err := rawCount(8); err != nil {
				return nil, err
			}
			v := make([]int64, n)
			for i := range v {
				v[i] = int64(binary.LittleEndian.Uint64(raw[8*i:]))
			}
			backing = v
		} else {
			if err := count("int64_data", len(tp.GetInt64Data())); err != nil {
				return nil, err
			}
			backing = tp.GetInt64Data()
		}
	case onnxpb.TensorProto_INT32, onnxpb.TensorProto_INT8, onnxpb.TensorProto_UINT8, onnxpb.TensorProto_BOOL:
		size := map[onnxpb.TensorProto_DataType]int{onnxpb.TensorProto_INT32: 4, onnxpb.TensorProto_INT8: 1, onnxpb.TensorProto_UINT8: 1, onnxpb.TensorProto_BOOL: 1}[onnxpb.TensorProto_DataType(dt)]
		if raw != nil {
			if err := rawCount(size); err != nil {
				return nil, err
			}
		} else if err := count("int32_data", len(tp.GetInt32Data())); err != nil {
			return nil, err
		}
		vals := make([]int64, n)
		if raw != nil {
			for i := range vals {
				switch size {
				case 4:
					vals[i] = int64(int32(binary.LittleEndian.Uint32(raw[4*i:])))
				default:
					vals[i] = int64(raw[i])
					if onnxpb.TensorProto_DataType(dt) == onnxpb.TensorProto_INT8 {
						vals[i] = int64(int8(raw[i]))
					}
				}
			}
		} else {
			for i, v := range tp.GetInt32Data() {
				vals[i] = int64(v)
			}
		}
		switch onnxpb.TensorProto_DataType(dt) {
		case onnxpb.TensorProto_INT32:
			v := make([]int32, n)
			for i := range v {
				v[i] = int32(vals[i])
			}
			backing = v
		case onnxpb.TensorProto_INT8:
			v := make([]int8, n)
			for i := range v {
				v[i] = int8(vals[i])
			}
			backing = v
		case onnxpb.TensorProto_UINT8:
			v := make([]uint8, n)
			for i := range v {
				v[i] = uint8(vals[i])
			}
			backing = v
		default:
			v := make([]bool, n)
			for i := range v {
				v[i] = vals[i] != 0
			}
			backing = v
		}
	default:
		return nil, unsupportedf("tensor %q: element type %s is not supported (float, double, int64, int32, int8, uint8 and bool are)", name, dtypeName(dt))
	}
	return denseOf(shape, backing), nil
}

// denseOf wraps backing in a dense tensor of the given shape (a scalar for
// an empty shape).
func denseOf(shape []int, backing any) *tensor.Dense {
	if len(shape) == 0 {
		return tensor.New(tensor.WithShape(), tensor.WithBacking(backing))
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(backing))
}

// littleEndian reports whether the machine stores numbers little-endian,
// as ONNX's raw_data does.
func littleEndian() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}

// rawFloat32s returns raw_data as float32s: the bytes themselves when they
// are aligned and the machine is little-endian (no copy, so that a large
// model holds one copy of its weights), a decoded copy otherwise.
func rawFloat32s(raw []byte) []float32 {
	n := len(raw) / 4
	if n == 0 {
		return []float32{}
	}
	if littleEndian() && uintptr(unsafe.Pointer(&raw[0]))%4 == 0 {
		return unsafe.Slice((*float32)(unsafe.Pointer(&raw[0])), n)
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return v
}
