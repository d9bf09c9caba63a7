package onnx_test

import (
	"github.com/convnet-go/convnet/onnx"
	"gorgonia.org/tensor"
)

// importRun reads an exported file back with onnx.ReadFile and runs it (the
// round trip export -> import -> Run).
func importRun(file string, xs ...*tensor.Dense) ([]*tensor.Dense, error) {
	m, err := onnx.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return m.Run(xs...)
}
