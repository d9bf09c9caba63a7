package ops_test

import (
	"fmt"
	"log"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// poolExampleInput is a (1, 1, h, w) float64 tensor holding vals.
func poolExampleInput(h, w int, vals ...float64) *tensor.Dense {
	return tensor.New(tensor.WithShape(1, 1, h, w), tensor.WithBacking(vals))
}

// runExample compiles b's graph, runs it once and returns the values
// of nodes.
func runExample(b *graph.Builder, nodes ...*G.Node) []G.Value {
	vals := make([]G.Value, len(nodes))
	for i, n := range nodes {
		G.Read(n, &vals[i])
	}
	m, err := graph.NewMachine(b.Graph())
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	if err := graph.Run(m); err != nil {
		log.Fatal(err)
	}
	return vals
}

// A 2x2 max pool with stride 2 keeps the largest value of each 2x2 block:
// H2 = (H1 - k + 2P)/S + 1 = (4 - 2 + 0)/2 + 1 = 2.
func ExampleMaxPool2D() {
	b := graph.NewBuilder(graph.Eval)
	x := b.InputValue("x", poolExampleInput(4, 4,
		1, 3, 0, 2,
		4, 2, 1, 1,
		0, 0, 5, 6,
		7, 1, 8, 0))
	y, err := ops.MaxPool2D(x, [2]int{2, 2}, [2]int{2, 2}, [2]int{0, 0})
	if err != nil {
		log.Fatal(err)
	}
	v := runExample(b, y)
	fmt.Println("shape", y.Shape())
	printRows(v[0])
	// Output:
	// shape (1, 1, 2, 2)
	// [4 2]
	// [7 8]
}

// Average pooling with padding counts the zero padding in the divisor
// (PyTorch's count_include_pad): the corner window holds one input value
// and three zeros.
func ExampleAvgPool2D() {
	b := graph.NewBuilder(graph.Eval)
	x := b.InputValue("x", poolExampleInput(3, 3,
		4, 4, 4,
		4, 4, 4,
		4, 4, 4))
	y, err := ops.AvgPool2D(x, [2]int{2, 2}, [2]int{2, 2}, [2]int{1, 1})
	if err != nil {
		log.Fatal(err)
	}
	printRows(runExample(b, y)[0])
	// Output:
	// [1 2]
	// [2 4]
}

// GlobalAvgPool turns every feature map into one number: (N, C, H, W) -> (N, C).
func ExampleGlobalAvgPool() {
	b := graph.NewBuilder(graph.Eval)
	x := b.InputValue("x", tensor.New(tensor.WithShape(1, 2, 2, 2), tensor.WithBacking([]float64{
		1, 2, 3, 4, // channel 0
		10, 10, 20, 20, // channel 1
	})))
	y, err := ops.GlobalAvgPool(x)
	if err != nil {
		log.Fatal(err)
	}
	v := runExample(b, y)[0]
	fmt.Println(y.Shape(), v.Data())
	// Output:
	// (1, 2) [2.5 15]
}

// SegNet's decoder puts every value back where the encoder's max pool found
// its maximum: MaxPool2DIndices returns the pooled values and their flat
// positions h·W + w, and MaxUnpool2D scatters into zeros at those positions.
func ExampleMaxPool2DIndices() {
	b := graph.NewBuilder(graph.Eval)
	x := b.InputValue("x", poolExampleInput(4, 4,
		1, 3, 0, 2,
		4, 2, 1, 1,
		0, 0, 5, 6,
		7, 1, 8, 0))
	pooled, indices, err := ops.MaxPool2DIndices(x, [2]int{2, 2}, [2]int{2, 2}, [2]int{0, 0})
	if err != nil {
		log.Fatal(err)
	}
	up, err := ops.MaxUnpool2D(pooled, indices, 4, 4)
	if err != nil {
		log.Fatal(err)
	}
	v := runExample(b, pooled, indices, up)
	fmt.Println("pooled", v[0].Data())
	fmt.Println("indices", v[1].Data())
	printRows(v[2])
	// Output:
	// pooled [4 2 7 8]
	// indices [4 3 12 14]
	// [0 0 0 2]
	// [4 0 0 0]
	// [0 0 0 0]
	// [7 0 8 0]
}

// Nearest-neighbour upsampling repeats every pixel in a 2x2 block.
func ExampleUpsample2D() {
	b := graph.NewBuilder(graph.Eval)
	x := b.InputValue("x", poolExampleInput(2, 2, 1, 2, 3, 4))
	y, err := ops.Upsample2D(x, [2]int{2, 2})
	if err != nil {
		log.Fatal(err)
	}
	printRows(runExample(b, y)[0])
	// Output:
	// [1 1 2 2]
	// [1 1 2 2]
	// [3 3 4 4]
	// [3 3 4 4]
}

// Bilinear upsampling with PyTorch's align_corners=False: output pixel o
// samples the input at (o + 0.5)/2 - 0.5 = -0.25, 0.25, 0.75, 1.25, clamped
// to the edge pixels.
func ExampleUpsampleBilinear2D() {
	b := graph.NewBuilder(graph.Eval)
	x := b.InputValue("x", poolExampleInput(2, 2, 0, 4, 8, 12))
	y, err := ops.UpsampleBilinear2D(x, [2]int{2, 2})
	if err != nil {
		log.Fatal(err)
	}
	printRows(runExample(b, y)[0])
	// Output:
	// [0 1 3 4]
	// [2 3 5 6]
	// [6 7 9 10]
	// [8 9 11 12]
}
