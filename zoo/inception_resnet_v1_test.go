package zoo_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/zoo"
	"gorgonia.org/tensor"
)

// TestInceptionResNetV1A checks the block's documented parameter count
// (193·in + 27,840), its parameter names and shapes, the shapes of its
// branches, the concatenation and the output, and the scaled residual.
func TestInceptionResNetV1A(t *testing.T) {
	for _, in := range []int{256, 64, 3} {
		t.Run(fmt.Sprint("in", in), func(t *testing.T) {
			blk, err := zoo.NewInceptionResNetV1A(in, 0.17, zoo.WithDtype(tensor.Float64), zoo.WithSeed(4))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := nn.NumParams(blk), 193*in+27840; got != want {
				t.Errorf("NumParams %d, want %d", got, want)
			}
			if in == 256 && nn.NumParams(blk) != 77248 {
				t.Errorf("NumParams at 256 is %d, the doc says 77,248", nn.NumParams(blk))
			}
			shapes := map[string]string{}
			for _, np := range nn.NamedParams(blk) {
				shapes[np.Name] = fmt.Sprint([]int(np.Param.Shape()))
			}
			want := map[string]string{
				"branch_0.0.conv.weight": fmt.Sprint([]int{32, in, 1, 1}),
				"branch_1.0.conv.weight": fmt.Sprint([]int{32, in, 1, 1}),
				"branch_1.1.conv.weight": "[32 32 3 3]",
				"branch_2.0.conv.weight": fmt.Sprint([]int{32, in, 1, 1}),
				"branch_2.1.conv.weight": "[32 32 3 3]",
				"branch_2.2.conv.weight": "[32 32 3 3]",
				"branch_2.2.bn.bias":     "[32]",
				"conv.weight":            fmt.Sprint([]int{in, 96, 1, 1}),
				"conv.bias":              fmt.Sprint([]int{in}),
			}
			for name, s := range want {
				if shapes[name] != s {
					t.Errorf("%s: shape %s, want %s", name, shapes[name], s)
				}
			}
			if in == 256 {
				return // the runs below use the small blocks
			}
			rng := graph.NewRand(8)
			vals := make([]float64, 2*in*5*7)
			for i := range vals {
				vals[i] = rng.NormFloat64()
			}
			x := tensor.New(tensor.WithShape(2, in, 5, 7), tensor.WithBacking(vals))
			width := 0
			for _, c := range blk.Children()[:3] {
				y, err := nn.Predict(c.Layer, x)
				if err != nil {
					t.Fatal(err)
				}
				if !graph.SameShape(y.Shape(), tensor.Shape{2, 32, 5, 7}) {
					t.Errorf("%s: shape %v, want (2, 32, 5, 7)", c.Name, y.Shape())
				}
				width += y.Shape()[1]
			}
			if width != 96 {
				t.Errorf("concatenation has %d channels, want 96", width)
			}
			y, err := nn.Predict(blk, x)
			if err != nil {
				t.Fatal(err)
			}
			if !graph.SameShape(y.Shape(), x.Shape()) {
				t.Fatalf("output %v, want the input's %v", y.Shape(), x.Shape())
			}
			// with the projection's weights zero and its bias b, the block is
			// ReLU(x + 0.17·b): the residual is scaled, then added, then rectified
			var proj nn.Layer
			for _, c := range blk.Children() {
				if c.Name == "conv" {
					proj = c.Layer
				}
			}
			params := proj.Params()
			for _, np := range params {
				vals := make([]float64, np.Param.Size())
				if np.Name == "bias" {
					for i := range vals {
						vals[i] = float64(i) - 1
					}
				}
				if err := np.Param.SetValue(tensor.New(tensor.WithShape(np.Param.Shape()...), tensor.WithBacking(vals))); err != nil {
					t.Fatal(err)
				}
			}
			y, err = nn.Predict(blk, x)
			if err != nil {
				t.Fatal(err)
			}
			xs, ys := x.Float64s(), y.Data().([]float64)
			per := 5 * 7
			for i, v := range xs {
				ch := (i / per) % in
				want := math.Max(0, v+0.17*(float64(ch)-1))
				if math.Abs(ys[i]-want) > 1e-12 {
					t.Fatalf("value %d: %v, want ReLU(%v + 0.17·%d) = %v", i, ys[i], v, ch-1, want)
				}
			}
		})
	}
	if _, err := zoo.NewInceptionResNetV1A(0, 0.17); err == nil {
		t.Error("in = 0: want an error")
	}
}

// Inception-ResNet-v1's A block at the 35x35 grid with 256 channels: three
// branches of 32 channels, concatenated to 96 and projected back to 256.
func ExampleNewInceptionResNetV1A() {
	blk, err := zoo.NewInceptionResNetV1A(256, 0.17)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(blk, nn.NumParams(blk))
	y, _ := nn.Predict(blk, tensor.New(tensor.WithShape(1, 256, 35, 35), tensor.Of(tensor.Float32)))
	fmt.Println("output", y.Shape())
	// Output:
	// Block35V1(256, scale=0.17) 77248
	// output (1, 256, 35, 35)
}
