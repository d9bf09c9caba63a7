package onnx

import (
	"testing"

	"github.com/convnet-go/convnet/internal/mnist8"
	"gorgonia.org/tensor"
)

// FuzzRead feeds arbitrary bytes to Read and, when a model comes out whose
// inputs have small fixed shapes, runs it on zeros: errors are fine,
// panics are not. Seeds: the small test model and mnist-8.
//
//	go test ./onnx -run '^$' -fuzz FuzzRead -fuzztime 60s
func FuzzRead(f *testing.F) {
	f.Add(marshal(f, smallModel()))
	if b, err := mnist8.Model(); err == nil {
		f.Add(b)
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Read(data)
		if err != nil {
			return
		}
		var ins []*tensor.Dense
		for _, in := range m.Inputs() {
			n := 1
			for _, d := range in.Shape {
				if d <= 0 {
					return
				}
				n *= d
			}
			if len(in.Shape) == 0 || n > 1<<16 {
				return
			}
			switch in.ElemType {
			case "FLOAT":
				ins = append(ins, tensor.New(tensor.WithShape(in.Shape...), tensor.WithBacking(make([]float32, n))))
			case "DOUBLE":
				ins = append(ins, tensor.New(tensor.WithShape(in.Shape...), tensor.WithBacking(make([]float64, n))))
			default:
				return
			}
		}
		_, _ = m.Run(ins...)
	})
}
