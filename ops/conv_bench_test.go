package ops_test

import (
	"fmt"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// benchConv compiles y = build(x, w) (and, with backward, the gradients of
// Σy with respect to x and w) in float32 and times one run of the machine.
func benchConv(b *testing.B, xShape, wShape []int, backward bool, build func(x, w *G.Node) (*G.Node, error)) {
	rng := graph.NewRand(1)
	bd := graph.NewBuilder(graph.Train)
	x := bd.InputValue("x", castTo(randTensor(rng, xShape...), tensor.Float32))
	w := bd.InputValue("w", castTo(randTensor(rng, wShape...), tensor.Float32))
	y, err := build(x, w)
	if err != nil {
		b.Fatal(err)
	}
	benchMachine(b, bd, y, backward, x, w)
}

// benchMachine adds, with backward, the gradients of Σy with respect to
// wrt to bd's graph, compiles it, runs it once (the warm-up allocates the
// buffers) and times b.N runs.
func benchMachine(b *testing.B, bd *graph.Builder, y *G.Node, backward bool, wrt ...*G.Node) {
	if backward {
		cost, err := G.Sum(y)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := graph.Grad(cost, wrt...); err != nil {
			b.Fatal(err)
		}
	}
	m, err := graph.NewMachine(bd.Graph())
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	if err := graph.Run(m); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if err := graph.Run(m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkConv times the convolution ops, forward and forward+backward,
// at the shapes of small CNNs. The "gorgonia" entries run Gorgonia's own
// Conv2d (NHWC im2col plus transposes) on the same shapes for comparison.
func BenchmarkConv(b *testing.B) {
	type bench struct {
		name   string
		x, w   []int
		build  func(x, w *G.Node) (*G.Node, error)
		gorgon func(x, w *G.Node) (*G.Node, error)
	}
	conv2 := func(pad int) func(x, w *G.Node) (*G.Node, error) {
		return func(x, w *G.Node) (*G.Node, error) {
			return ops.Conv2D(x, w, [2]int{1, 1}, [2]int{pad, pad}, [2]int{1, 1})
		}
	}
	gconv2 := func(pad int) func(x, w *G.Node) (*G.Node, error) {
		return func(x, w *G.Node) (*G.Node, error) {
			return G.Conv2d(x, w, tensor.Shape{3, 3}, []int{pad, pad}, []int{1, 1}, []int{1, 1})
		}
	}
	benches := []bench{
		{"Conv2D/x64x1x28x28-w32x1x3x3", []int{64, 1, 28, 28}, []int{32, 1, 3, 3}, conv2(0), gconv2(0)},
		{"Conv2D/x64x32x13x13-w64x32x3x3", []int{64, 32, 13, 13}, []int{64, 32, 3, 3}, conv2(0), gconv2(0)},
		{"Conv2D/x32x64x32x32-w64x64x3x3-p1", []int{32, 64, 32, 32}, []int{64, 64, 3, 3}, conv2(1), gconv2(1)},
		{"ConvTranspose2D/x64x16x7x7-w16x16x2x2-s2", []int{64, 16, 7, 7}, []int{16, 16, 2, 2}, func(x, w *G.Node) (*G.Node, error) {
			return ops.ConvTranspose2D(x, w, [2]int{2, 2}, [2]int{}, [2]int{}, [2]int{1, 1})
		}, nil},
		{"Conv3D/x8x4x16x16x16-w8x4x3x3x3-p1", []int{8, 4, 16, 16, 16}, []int{8, 4, 3, 3, 3}, func(x, w *G.Node) (*G.Node, error) {
			return ops.Conv3D(x, w, [3]int{1, 1, 1}, [3]int{1, 1, 1}, [3]int{1, 1, 1})
		}, nil},
		{"Conv1D/x64x16x128-w32x16x5-p2", []int{64, 16, 128}, []int{32, 16, 5}, func(x, w *G.Node) (*G.Node, error) {
			return ops.Conv1D(x, w, 1, 2, 1)
		}, nil},
	}
	for _, bc := range benches {
		for _, backward := range []bool{false, true} {
			pass := "fwd"
			if backward {
				pass = "fwd+bwd"
			}
			b.Run(fmt.Sprintf("%s/%s", bc.name, pass), func(b *testing.B) { benchConv(b, bc.x, bc.w, backward, bc.build) })
			if bc.gorgon != nil {
				b.Run(fmt.Sprintf("%s/%s/gorgonia", bc.name, pass), func(b *testing.B) { benchConv(b, bc.x, bc.w, backward, bc.gorgon) })
			}
		}
	}
}
