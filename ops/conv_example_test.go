package ops_test

import (
	"fmt"
	"log"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// printRows prints the last two axes of a (1, 1, H, W) value row by row.
func printRows(v G.Value) {
	s := v.Shape()
	h, w := s[len(s)-2], s[len(s)-1]
	data := v.Data().([]float64)
	for r := range h {
		fmt.Println(data[r*w : (r+1)*w])
	}
}

// The Sobel kernel of the course responds to vertical edges: on an image
// that is dark on the left and bright on the right, the output is large
// only where the windows straddle the edge.
func ExampleConv2D() {
	b := graph.NewBuilder(graph.Eval)
	img := tensor.New(tensor.WithShape(1, 1, 4, 6), tensor.WithBacking([]float64{
		0, 0, 0, 10, 10, 10,
		0, 0, 0, 10, 10, 10,
		0, 0, 0, 10, 10, 10,
		0, 0, 0, 10, 10, 10,
	}))
	sobel := tensor.New(tensor.WithShape(1, 1, 3, 3), tensor.WithBacking([]float64{
		-1, 0, 1,
		-2, 0, 2,
		-1, 0, 1,
	}))
	y, err := ops.Conv2D(b.InputValue("x", img), b.InputValue("sobel", sobel), [2]int{1, 1}, [2]int{0, 0}, [2]int{1, 1})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("shape", y.Shape()) // W2 = (W1 - k + 2P)/S + 1 = (6 - 3 + 0)/1 + 1 = 4
	printRows(runExample(b, y)[0])
	// Output:
	// shape (1, 1, 2, 4)
	// [0 40 40 0]
	// [0 40 40 0]
}

// The course's transposed-convolution example: each input value stamps a
// 3x3 block of ones scaled by itself, stride 3 apart, so a 2x2 input gives
// 6x6 blocks: (2-1)·3 - 0 + 1·(3-1) + 0 + 1 = 6.
func ExampleConvTranspose2D() {
	b := graph.NewBuilder(graph.Eval)
	x := tensor.New(tensor.WithShape(1, 1, 2, 2), tensor.WithBacking([]float64{1, 2, 3, 4}))
	ones := tensor.New(tensor.WithShape(1, 1, 3, 3), tensor.WithBacking([]float64{1, 1, 1, 1, 1, 1, 1, 1, 1}))
	y, err := ops.ConvTranspose2D(b.InputValue("x", x), b.InputValue("w", ones), [2]int{3, 3}, [2]int{0, 0}, [2]int{0, 0}, [2]int{1, 1})
	if err != nil {
		log.Fatal(err)
	}
	printRows(runExample(b, y)[0])
	// Output:
	// [1 1 1 2 2 2]
	// [1 1 1 2 2 2]
	// [1 1 1 2 2 2]
	// [3 3 3 4 4 4]
	// [3 3 3 4 4 4]
	// [3 3 3 4 4 4]
}

// A 1-D convolution with a difference kernel and a bias, through ConvND.
func ExampleConvND() {
	b := graph.NewBuilder(graph.Eval)
	x := tensor.New(tensor.WithShape(1, 1, 6), tensor.WithBacking([]float64{1, 2, 4, 7, 11, 16}))
	w := tensor.New(tensor.WithShape(1, 1, 2), tensor.WithBacking([]float64{-1, 1}))
	bias := tensor.New(tensor.WithShape(1), tensor.WithBacking([]float64{100}))
	y, err := ops.ConvND(b.InputValue("x", x), b.InputValue("w", w), b.InputValue("b", bias), ops.ConvParams{Stride: []int{1}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(y.Shape(), runExample(b, y)[0].Data())
	// Output: (1, 1, 5) [101 102 103 104 105]
}

// Shapes of a 3-D convolution and of the transposed convolution that
// undoes its size change.
func ExampleConv3D() {
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float32, 5, G.WithShape(2, 3, 8, 16, 16), G.WithName("x"))
	w := G.NewTensor(g, tensor.Float32, 5, G.WithShape(4, 3, 3, 3, 3), G.WithName("w"))
	wt := G.NewTensor(g, tensor.Float32, 5, G.WithShape(4, 3, 2, 2, 2), G.WithName("wt"))
	y, err := ops.Conv3D(x, w, [3]int{2, 2, 2}, [3]int{1, 1, 1}, [3]int{1, 1, 1})
	if err != nil {
		log.Fatal(err)
	}
	z, err := ops.ConvTranspose3D(y, wt, [3]int{2, 2, 2}, [3]int{0, 0, 0}, [3]int{0, 0, 0}, [3]int{1, 1, 1})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(y.Shape(), z.Shape())
	// Output: (2, 4, 4, 8, 8) (2, 3, 8, 16, 16)
}

// Pad adds zeros, here one column on the left and two on the right.
func ExamplePad() {
	b := graph.NewBuilder(graph.Eval)
	x := tensor.New(tensor.WithShape(1, 1, 2, 2), tensor.WithBacking([]float64{1, 2, 3, 4}))
	y, err := ops.Pad(b.InputValue("x", x), []int{0, 1}, []int{0, 2})
	if err != nil {
		log.Fatal(err)
	}
	printRows(runExample(b, y)[0])
	// Output:
	// [0 1 2 0 0]
	// [0 3 4 0 0]
}
