package zoo_test

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/ops"
	"github.com/convnet-go/convnet/zoo"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// zooCase is one model of the zoo with a small input it accepts.
type zooCase struct {
	name  string
	build func(classes int) (nn.Layer, error) // classes is ignored by models without one
	in    []int                               // input shape (batch axis included)
	out   []int                               // expected output shape at 10 classes
	tv    string                              // torchvision's name, when the model must match torchvision
	heavy bool                                // skipped with -short (over 100M parameters, or slow and covered by a lighter twin)
}

var zooCases = []zooCase{
	{"LeNet5", func(n int) (nn.Layer, error) { return zoo.LeNet5(n) }, []int{2, 1, 28, 28}, []int{2, 10}, "", false},
	{"LeNet5-relu", func(n int) (nn.Layer, error) { return zoo.LeNet5(n, zoo.WithReLU()) }, []int{2, 1, 28, 28}, []int{2, 10}, "", false},
	{"AlexNet", func(n int) (nn.Layer, error) { return zoo.AlexNet(n) }, []int{1, 3, 63, 63}, []int{1, 10}, "alexnet", false},
	{"VGG11", func(n int) (nn.Layer, error) { return zoo.VGG11(n) }, []int{1, 3, 32, 32}, []int{1, 10}, "vgg11", false},
	{"VGG13", func(n int) (nn.Layer, error) { return zoo.VGG13(n) }, []int{1, 3, 32, 32}, []int{1, 10}, "vgg13", true},
	{"VGG16", func(n int) (nn.Layer, error) { return zoo.VGG16(n) }, []int{1, 3, 32, 32}, []int{1, 10}, "vgg16", true},
	{"VGG19", func(n int) (nn.Layer, error) { return zoo.VGG19(n) }, []int{1, 3, 32, 32}, []int{1, 10}, "vgg19", true},
	{"VGG11BN", func(n int) (nn.Layer, error) { return zoo.VGG11BN(n) }, []int{2, 3, 32, 32}, []int{2, 10}, "vgg11_bn", true},
	{"VGG13BN", func(n int) (nn.Layer, error) { return zoo.VGG13BN(n) }, []int{2, 3, 32, 32}, []int{2, 10}, "vgg13_bn", true},
	{"VGG16BN", func(n int) (nn.Layer, error) { return zoo.VGG16BN(n) }, []int{2, 3, 32, 32}, []int{2, 10}, "vgg16_bn", true},
	{"VGG19BN", func(n int) (nn.Layer, error) { return zoo.VGG19BN(n) }, []int{2, 3, 32, 32}, []int{2, 10}, "vgg19_bn", true},
	{"ResNet18", func(n int) (nn.Layer, error) { return zoo.ResNet18(n) }, []int{1, 3, 64, 64}, []int{1, 10}, "resnet18", false},
	{"ResNet18-small-1ch", func(n int) (nn.Layer, error) {
		return zoo.ResNet18(n, zoo.WithSmallInput(), zoo.WithInputChannels(1))
	}, []int{2, 1, 28, 28}, []int{2, 10}, "", false},
	{"ResNet34", func(n int) (nn.Layer, error) { return zoo.ResNet34(n) }, []int{1, 3, 64, 64}, []int{1, 10}, "resnet34", false},
	{"ResNet50", func(n int) (nn.Layer, error) { return zoo.ResNet50(n) }, []int{1, 3, 64, 64}, []int{1, 10}, "resnet50", false},
	{"ResNet101", func(n int) (nn.Layer, error) { return zoo.ResNet101(n) }, []int{1, 3, 64, 64}, []int{1, 10}, "resnet101", true},
	{"ResNet152", func(n int) (nn.Layer, error) { return zoo.ResNet152(n) }, []int{1, 3, 64, 64}, []int{1, 10}, "resnet152", false},
	{"GoogLeNet", func(n int) (nn.Layer, error) { return zoo.GoogLeNet(n) }, []int{1, 3, 64, 64}, []int{1, 10}, "googlenet", false},
	{"GoogLeNetSmall", func(n int) (nn.Layer, error) { return zoo.GoogLeNetSmall(n) }, []int{2, 1, 28, 28}, []int{2, 10}, "", false},
	{"InceptionResNetV2", func(n int) (nn.Layer, error) { return zoo.InceptionResNetV2(n) }, []int{2, 3, 75, 75}, []int{2, 10}, "", false},
	{"InceptionResNetSmall", func(n int) (nn.Layer, error) { return zoo.InceptionResNetSmall(n) }, []int{2, 1, 28, 28}, []int{2, 10}, "", false},
	{"MobileNetV2", func(n int) (nn.Layer, error) { return zoo.MobileNetV2(n) }, []int{2, 3, 64, 64}, []int{2, 10}, "", false},
	{"MobileNetV2-0.35-1ch", func(n int) (nn.Layer, error) {
		return zoo.MobileNetV2(n, zoo.WithWidthMultiplier(0.35), zoo.WithInputChannels(1))
	}, []int{2, 1, 32, 32}, []int{2, 10}, "", false},
	{"DenseAutoencoder", func(int) (nn.Layer, error) { return zoo.DenseAutoencoder(2) }, []int{2, 1, 28, 28}, []int{2, 1, 28, 28}, "", false},
	{"DenseAutoencoder-noise", func(int) (nn.Layer, error) { return zoo.DenseAutoencoder(32, zoo.WithDropout(0.2)) }, []int{2, 1, 28, 28}, []int{2, 1, 28, 28}, "", false},
	{"ConvAutoencoder", func(int) (nn.Layer, error) { return zoo.ConvAutoencoder() }, []int{2, 1, 28, 28}, []int{2, 1, 28, 28}, "", false},
	{"ConvAutoencoder-noise", func(int) (nn.Layer, error) { return zoo.ConvAutoencoder(zoo.WithDropout(0.3)) }, []int{2, 1, 28, 28}, []int{2, 1, 28, 28}, "", false},
	{"UNet-W3", func(int) (nn.Layer, error) { return zoo.NewUNet(1, zoo.WithBaseWidth(16), zoo.WithSigmoid()) }, []int{1, 1, 32, 32}, []int{1, 1, 32, 32}, "", false},
	{"UNet-64-rgb", func(int) (nn.Layer, error) { return zoo.NewUNet(2, zoo.WithInputChannels(3)) }, []int{1, 3, 32, 32}, []int{1, 2, 32, 32}, "", true},
	{"SegNet", func(int) (nn.Layer, error) { return zoo.NewSegNet(5) }, []int{1, 3, 32, 32}, []int{1, 5, 32, 32}, "", false},
	{"SegNetSmall", func(int) (nn.Layer, error) { return zoo.NewSegNetSmall(11, zoo.WithSigmoid()) }, []int{2, 1, 64, 64}, []int{2, 11, 64, 64}, "", false},
}

// randInput is an N(0, 1) float32 tensor of the given shape.
func randInput(seed int64, shape ...int) *tensor.Dense {
	rng := graph.NewRand(seed)
	n := 1
	for _, d := range shape {
		n *= d
	}
	data := make([]float32, n)
	for i := range data {
		data[i] = float32(rng.NormFloat64())
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data))
}

// trainGraph is a compiled training graph of a model: its output y, a
// scalar cost, and the gradients of every trainable Param; after a run of
// vm, yv, costV and grads (in the order of train) hold their values.
type trainGraph struct {
	vm        G.VM
	train     []graph.Binding
	y         *G.Node
	yv, costV G.Value
	grads     []G.Value
}

// newTrainGraph builds m's training graph on x with the cost cost(b, y),
// differentiates it with respect to every trainable Param and compiles it.
// The caller closes g.vm.
func newTrainGraph(t testing.TB, m nn.Layer, x *tensor.Dense, cost func(b *graph.Builder, y *G.Node) (*G.Node, error)) *trainGraph {
	t.Helper()
	b := graph.NewBuilder(graph.Train)
	g := &trainGraph{}
	var err error
	if g.y, err = m.Forward(b, b.InputValue("x", x)); err != nil {
		t.Fatalf("forward: %+v", err)
	}
	c, err := cost(b, g.y)
	if err != nil {
		t.Fatal(err)
	}
	g.train = b.Trainable()
	gs, err := graph.Grad(c, graph.Nodes(g.train)...)
	if err != nil {
		t.Fatalf("grad: %+v", err)
	}
	G.Read(g.y, &g.yv)
	G.Read(c, &g.costV)
	g.grads = make([]G.Value, len(gs))
	for i, gn := range gs {
		G.Read(gn, &g.grads[i])
	}
	if g.vm, err = graph.NewMachine(b.Graph()); err != nil {
		t.Fatal(err)
	}
	return g
}

// trainStep builds a training graph of m on x with the cost Σ y·R (R
// fixed and random), differentiates it with respect to every trainable
// Param, runs it once and returns the output and the gradients by name.
func trainStep(t testing.TB, m nn.Layer, x *tensor.Dense) (out []float64, shape []int, grads map[string][]float64) {
	t.Helper()
	g := newTrainGraph(t, m, x, func(b *graph.Builder, y *G.Node) (*G.Node, error) {
		prod, err := G.HadamardProd(y, b.InputValue("r", randInput(99, []int(y.Shape())...)))
		if err != nil {
			return nil, err
		}
		return ops.Sum(prod)
	})
	defer g.vm.Close()
	if err := graph.Run(g.vm); err != nil {
		t.Fatalf("run: %+v", err)
	}
	var err error
	if out, err = graph.ValueFloat64s(g.yv); err != nil {
		t.Fatal(err)
	}
	grads = map[string][]float64{}
	for i, bd := range g.train {
		if grads[bd.Name], err = graph.ValueFloat64s(g.grads[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out, []int(g.y.Shape().Clone()), grads
}

// TestModels builds every zoo model once (at 10 classes) and checks, on
// that one instance:
//   - for torchvision's models, the state_dict names, order and shapes and
//     the parameter count (testdata/torchvision*_shapes.json, "<name>_c10");
//   - one training graph (forward and backward) on a small input: the
//     output shape, a finite output and finite gradients, and a gradient
//     for every trainable Param (the graph reaches all of them);
//   - Predict (an evaluation graph) gives the same output shape;
//   - nn.Summary prints the model with nn.NumParams as its total.
//
// With -v it also logs each model's parameter count and the time of the
// evaluation forward pass on one image (noisy on a shared machine).
func TestModels(t *testing.T) {
	tv := torchvisionShapes(t)
	for _, c := range zooCases {
		t.Run(c.name, func(t *testing.T) {
			if c.heavy && testing.Short() {
				t.Skip("heavy; skipped with -short")
			}
			defer runtime.GC()
			m, err := c.build(10)
			if err != nil {
				t.Fatalf("%+v", err)
			}
			if c.tv != "" {
				checkStateDict(t, m, tv, c.tv+"_c10")
			}
			x := randInput(1, c.in...)
			out, shape, grads := trainStep(t, m, x)
			if fmt.Sprint(shape) != fmt.Sprint(c.out) {
				t.Fatalf("output shape %v, want %v", shape, c.out)
			}
			for i, v := range out {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("output %d is %v", i, v)
				}
			}
			trainable := 0
			for _, np := range nn.NamedParams(m) {
				if !np.Param.Trainable() {
					continue
				}
				trainable++
				g, ok := grads[np.Name]
				if !ok {
					t.Errorf("no gradient for %s", np.Name)
					continue
				}
				if len(g) != np.Param.Size() {
					t.Errorf("gradient of %s has %d values, the Param %d", np.Name, len(g), np.Param.Size())
				}
				for _, v := range g {
					if math.IsNaN(v) || math.IsInf(v, 0) {
						t.Fatalf("gradient of %s holds %v", np.Name, v)
					}
				}
			}
			if trainable != len(grads) {
				t.Errorf("%d trainable Params, %d gradients", trainable, len(grads))
			}

			y, err := nn.Predict(m, x)
			if err != nil {
				t.Fatalf("predict: %+v", err)
			}
			if fmt.Sprint([]int(y.Shape())) != fmt.Sprint(c.out) {
				t.Fatalf("Predict shape %v, want %v", y.Shape(), c.out)
			}
			sum, err := nn.Summary(m, c.in)
			if err != nil {
				t.Fatalf("summary: %+v", err)
			}
			total := fmt.Sprintf("Total params: %s\n", commas(nn.NumParams(m)))
			if !strings.Contains(sum, total) {
				t.Errorf("summary lacks %q:\n%s", total, sum)
			}
			if !testing.Verbose() {
				return
			}
			// forward time on one image (the graph is built and cached by the first call)
			one := append([]int{1}, c.in[1:]...)
			x1 := randInput(2, one...)
			if _, err := nn.Predict(m, x1); err != nil {
				t.Fatalf("predict: %+v", err)
			}
			best := time.Duration(math.MaxInt64)
			for range 2 {
				t0 := time.Now()
				if _, err := nn.Predict(m, x1); err != nil {
					t.Fatalf("predict: %+v", err)
				}
				best = min(best, time.Since(t0))
			}
			t.Logf("%s: %s params; Predict on one %v image: %.1f ms (best of 2; shared machine, noisy)",
				c.name, commas(nn.NumParams(m)), one[1:], float64(best.Microseconds())/1000)
		})
	}
}

// commas prints n with thousands separators, as nn.Summary does.
func commas(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
