package graph_test

import (
	"fmt"

	"github.com/convnet-go/convnet/graph"
	"gorgonia.org/tensor"
)

// Scalars, vectors, matrices and image batches differ by their rank.
func ExampleDescribe() {
	s := tensor.New(tensor.FromScalar(float32(3.5)))
	v := tensor.New(tensor.WithShape(3), tensor.WithBacking([]float32{1, 2, 3}))
	m := tensor.New(tensor.WithShape(2, 3), tensor.WithBacking([]float32{1, 2, 3, 4, 5, 6}))
	images := tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(8, 3, 32, 32))

	fmt.Println(graph.Describe("s", s))
	fmt.Println(graph.Describe("v", v))
	fmt.Println(graph.Describe("x", m))
	fmt.Println(graph.Describe("images", images))
	fmt.Println(graph.Rank(m), graph.Shape(m), graph.Dtype(m))
	// Output:
	// s: rank 0, shape (), float32
	// v: rank 1, shape (3), float32
	// x: rank 2, shape (2, 3), float32
	// images: rank 4, shape (8, 3, 32, 32), float64
	// 2 (2, 3) float32
}

// Naming the axes of a batch of images (N, C, H, W).
func ExampleNameAxes() {
	images := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(8, 3, 32, 32))
	x, err := graph.NameAxes("images", images, "N", "C", "H", "W")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(x)
	c, _ := x.Size("C")
	fmt.Println("channels:", c)
	_, err = graph.NameAxes("images", images, "N", "C")
	fmt.Println(err)
	// Output:
	// images: (N=8, C=3, H=32, W=32) float32
	// channels: 3
	// graph: NameAxes "images": need 4 axis names for shape (8, 3, 32, 32), got 2 [N C]
}

// The sum of two tensors of the same shape is taken element by element.
func ExampleSum() {
	a := tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]float64{1, 2, 3, 4}))
	b := tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]float64{10, 20, 30, 40}))
	c, err := graph.Sum(a, b)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Shape(), c.Data())
	_, err = graph.Sum(a, tensor.New(tensor.WithShape(4), tensor.WithBacking([]float64{1, 2, 3, 4})))
	fmt.Println(err)
	// Output:
	// (2, 2) [11 22 33 44]
	// graph: Sum: shapes must be equal, got (2, 2) and (4)
}

// Multiplying a tensor by a scalar multiplies every element.
func ExampleScale() {
	a := tensor.New(tensor.WithShape(3), tensor.WithBacking([]float32{1, -2, 0.5}))
	b, _ := graph.Scale(a, 2)
	fmt.Println(b.Shape(), b.Data())
	// Output:
	// (3) [2 -4 1]
}

// The outer product of two vectors is a rank-2 tensor, a dyad:
// out[i, j] = u[i]·v[j].
func ExampleOuter() {
	u := tensor.New(tensor.WithShape(2), tensor.WithBacking([]float64{1, 2}))
	v := tensor.New(tensor.WithShape(3), tensor.WithBacking([]float64{3, 4, 5}))
	d, err := graph.Outer(u, v)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(graph.Describe("u⊗v", d))
	fmt.Println(d.Data())
	// Output:
	// u⊗v: rank 2, shape (2, 3), float64
	// [3 4 5 6 8 10]
}

// The scalar product of two vectors is one number: Σ_i u[i]·v[i]. Vectors
// at right angles have a scalar product of 0.
func ExampleDot() {
	u := tensor.New(tensor.WithShape(3), tensor.WithBacking([]float64{1, 2, 3}))
	v := tensor.New(tensor.WithShape(3), tensor.WithBacking([]float64{4, 5, 6}))
	d, err := graph.Dot(u, v)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d)
	w := tensor.New(tensor.WithShape(3), tensor.WithBacking([]float64{3, 0, -1}))
	fmt.Println(graph.Dot(u, w))
	// Output:
	// 32
	// 0 <nil>
}
