package safetensors_test

import (
	"bytes"
	"fmt"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/graph/safetensors"
	"gorgonia.org/tensor"
)

// Write two tensors in the safetensors format and read them back.
func ExampleWrite() {
	w := tensor.New(tensor.WithShape(2, 3), tensor.WithBacking([]float32{1, 2, 3, 4, 5, 6}))
	steps := tensor.New(tensor.FromScalar(int64(100)))
	var buf bytes.Buffer
	err := safetensors.Write(&buf, []safetensors.NamedTensor{
		{Name: "fc.weight", Tensor: w},
		{Name: "bn.num_batches_tracked", Tensor: steps},
	}, map[string]string{"format": "pt"})
	if err != nil {
		fmt.Println(err)
		return
	}
	f, err := safetensors.Decode(buf.Bytes())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, nt := range f.Tensors {
		fmt.Println(nt.Name, nt.FileDtype, graph.FormatShape(nt.Tensor.Shape()), nt.Tensor.Data())
	}
	fmt.Println(f.Metadata)
	// Output:
	// bn.num_batches_tracked I64 () 100
	// fc.weight F32 (2, 3) [1 2 3 4 5 6]
	// map[format:pt]
}
