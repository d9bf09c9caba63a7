package onnx

import (
	"testing"

	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// FuzzRead feeds arbitrary bytes to Read and, when a model comes out whose
// inputs have small fixed shapes, builds its evaluation graph (without
// running it, which could legitimately need much memory): errors are fine,
// panics are not. Seeds: the small test models (mnist-8 is not a seed: its
// bytes come from the go command, which fuzzing workers should not run).
//
//	go test ./onnx -run '^$' -fuzz FuzzRead -fuzztime 60s
func FuzzRead(f *testing.F) {
	f.Add(marshal(f, smallModel()))
	f.Add(marshal(f, bnModel()))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Read(data)
		if err != nil {
			return
		}
		m.maxElems = 1 << 20 // keep the fuzzing process small
		b := graph.NewBuilder(graph.Eval)
		var xs []*G.Node
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
				xs = append(xs, b.Input(in.Name, tensor.Float32, in.Shape...))
			case "DOUBLE":
				xs = append(xs, b.Input(in.Name, tensor.Float64, in.Shape...))
			default:
				return
			}
		}
		_, _ = m.ForwardAll(b, xs...)
	})
}
