package onnx

import (
	"encoding/binary"
	"math"
	"strconv"

	"github.com/convnet-go/convnet/graph"
	pb "github.com/convnet-go/convnet/onnx/internal/onnxpb"
	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// This file builds the protobuf messages the exporter writes: attributes,
// initializer tensors and the types of graph inputs and outputs.

// attr is one node attribute before it becomes an AttributeProto.
type attr struct {
	name string
	val  any // int, float64, string, []int, []float64
}

func attrProto(a attr) *pb.AttributeProto {
	p := &pb.AttributeProto{Name: &a.name}
	switch v := a.val.(type) {
	case int:
		t, i := pb.AttributeProto_INT, int64(v)
		p.Type, p.I = &t, &i
	case float64:
		t, f := pb.AttributeProto_FLOAT, float32(v)
		p.Type, p.F = &t, &f
	case string:
		t := pb.AttributeProto_STRING
		p.Type, p.S = &t, []byte(v)
	case []int:
		t := pb.AttributeProto_INTS
		p.Type, p.Ints = &t, int64s(v)
	case []float64:
		t := pb.AttributeProto_FLOATS
		p.Type = &t
		for _, f := range v {
			p.Floats = append(p.Floats, float32(f))
		}
	default:
		panic("onnx: internal error: attribute " + a.name + " has an unsupported Go type")
	}
	return p
}

func int64s(v []int) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}

// floatElem is the element type of Resize's scales, float whatever the model's.
const floatElem = pb.TensorProto_FLOAT

// elemType is the ONNX element type of a float dtype.
func elemType(dt tensor.Dtype) (pb.TensorProto_DataType, error) {
	switch dt {
	case tensor.Float32:
		return pb.TensorProto_FLOAT, nil
	case tensor.Float64:
		return pb.TensorProto_DOUBLE, nil
	}
	return 0, graph.ArgErrorf("onnx: WriteFile: the model's dtype must be float32 or float64, got %v", dt)
}

// denseTensor converts a float32 or float64 tensor to a TensorProto named
// name, its data little-endian in raw_data. Values are converted to et
// (float32 or float64) when the tensor has the other float dtype.
func denseTensor(name string, t *tensor.Dense, et pb.TensorProto_DataType) (*pb.TensorProto, error) {
	vals, err := graph.Float64s(t)
	if err != nil {
		return nil, errors.Wrapf(err, "onnx: WriteFile: tensor %q", name)
	}
	return floatTensor(name, []int(t.Shape()), vals, et), nil
}

// floatTensor is a TensorProto of element type et (FLOAT or DOUBLE) holding vals.
func floatTensor(name string, shape []int, vals []float64, et pb.TensorProto_DataType) *pb.TensorProto {
	var raw []byte
	if et == pb.TensorProto_DOUBLE {
		raw = make([]byte, 8*len(vals))
		for i, v := range vals {
			binary.LittleEndian.PutUint64(raw[8*i:], math.Float64bits(v))
		}
	} else {
		raw = make([]byte, 4*len(vals))
		for i, v := range vals {
			binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(float32(v)))
		}
	}
	dt := int32(et)
	return &pb.TensorProto{Name: &name, Dims: int64s(shape), DataType: &dt, RawData: raw}
}

// int64Tensor is a TensorProto of INT64 values (shapes, sizes).
func int64Tensor(name string, shape []int, vals []int64) *pb.TensorProto {
	raw := make([]byte, 8*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint64(raw[8*i:], uint64(v))
	}
	dt := int32(pb.TensorProto_INT64)
	return &pb.TensorProto{Name: &name, Dims: int64s(shape), DataType: &dt, RawData: raw}
}

// valueInfo describes a graph input or output: element type et and shape;
// axis 0 is the symbolic batch size "N" when symbolicBatch is set or its
// size is -1, and other -1 sizes are symbolic too.
func valueInfo(name string, et pb.TensorProto_DataType, shape []int, symbolicBatch bool) *pb.ValueInfoProto {
	dims := make([]*pb.TensorShapeProto_Dimension, len(shape))
	for i, d := range shape {
		switch {
		case i == 0 && d < 0 || i == 0 && symbolicBatch:
			dims[i] = &pb.TensorShapeProto_Dimension{Value: &pb.TensorShapeProto_Dimension_DimParam{DimParam: batchAxisName}}
		case d < 0:
			dims[i] = &pb.TensorShapeProto_Dimension{Value: &pb.TensorShapeProto_Dimension_DimParam{DimParam: "d" + strconv.Itoa(i)}}
		default:
			dims[i] = &pb.TensorShapeProto_Dimension{Value: &pb.TensorShapeProto_Dimension_DimValue{DimValue: int64(d)}}
		}
	}
	e := int32(et)
	return &pb.ValueInfoProto{
		Name: &name,
		Type: &pb.TypeProto{Value: &pb.TypeProto_TensorType{TensorType: &pb.TypeProto_Tensor{
			ElemType: &e,
			Shape:    &pb.TensorShapeProto{Dim: dims},
		}}},
	}
}
