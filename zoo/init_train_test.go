package zoo_test

import (
	"math"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/ops"
	"github.com/convnet-go/convnet/zoo"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func paramByName(t *testing.T, l nn.Layer, name string) *graph.Param {
	t.Helper()
	for _, np := range nn.NamedParams(l) {
		if np.Name == name {
			return np.Param
		}
	}
	t.Fatalf("no Param %q", name)
	return nil
}

func meanStd(t *testing.T, p *graph.Param) (mean, std float64) {
	t.Helper()
	v, err := graph.Float64s(p.Value())
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	for _, x := range v {
		std += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(std / float64(len(v)))
}

// TestInitialisation checks torchvision's initialisation where it matters:
// Kaiming-normal (fan_out) ResNet convolutions, BatchNorm weight 1 and
// bias 0, VGG's N(0, 0.01) dense layers with zero bias and Kaiming-normal
// convolutions with zero bias; and that WithSeed reproduces the weights and
// different seeds give different ones.
func TestInitialisation(t *testing.T) {
	r, err := zoo.ResNet18(10, zoo.WithSeed(3))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		std  float64
	}{
		{"conv1.weight", math.Sqrt(2.0 / (64 * 49))},
		{"layer3.1.conv2.weight", math.Sqrt(2.0 / (256 * 9))},
		{"layer4.0.downsample.0.weight", math.Sqrt(2.0 / 512)},
	} {
		mean, std := meanStd(t, paramByName(t, r, c.name))
		if math.Abs(mean) > 0.1*c.std || math.Abs(std/c.std-1) > 0.05 {
			t.Errorf("%s: mean %.3g std %.4g, want 0 and %.4g", c.name, mean, std, c.std)
		}
	}
	for _, name := range []string{"bn1.weight", "layer2.0.bn2.weight", "layer1.1.bn1.running_var"} {
		if mean, std := meanStd(t, paramByName(t, r, name)); mean != 1 || std != 0 {
			t.Errorf("%s: mean %v std %v, want ones", name, mean, std)
		}
	}
	for _, name := range []string{"bn1.bias", "layer4.1.bn2.bias", "layer1.1.bn1.running_mean"} {
		if mean, std := meanStd(t, paramByName(t, r, name)); mean != 0 || std != 0 {
			t.Errorf("%s: mean %v std %v, want zeros", name, mean, std)
		}
	}

	// a one-convolution VGG with BatchNorm: torchvision's VGG initialisation
	// without the cost of a full VGG
	v, err := zoo.NewVGG([]int{8, zoo.VGGPool}, true, 10)
	if err != nil {
		t.Fatal(err)
	}
	if mean, std := meanStd(t, paramByName(t, v, "classifier.3.weight")); math.Abs(mean) > 1e-4 || math.Abs(std-0.01) > 1e-4 {
		t.Errorf("classifier.3.weight: mean %.3g std %.4g, want N(0, 0.01)", mean, std)
	}
	for _, name := range []string{"classifier.0.bias", "classifier.6.bias", "features.0.bias", "features.1.bias"} {
		if mean, std := meanStd(t, paramByName(t, v, name)); mean != 0 || std != 0 {
			t.Errorf("%s: want zeros, mean %v std %v", name, mean, std)
		}
	}
	if _, std := meanStd(t, paramByName(t, v, "features.0.weight")); math.Abs(std/math.Sqrt(2.0/(8*9))-1) > 0.25 {
		t.Errorf("features.0.weight: std %.4g, want %.4g", std, math.Sqrt(2.0/(8*9)))
	}
	if mean, std := meanStd(t, paramByName(t, v, "features.1.weight")); mean != 1 || std != 0 {
		t.Errorf("features.1.weight (BatchNorm): mean %v std %v, want ones", mean, std)
	}

	// seeds
	a, _ := zoo.ResNet18(10, zoo.WithSeed(3))
	b, _ := zoo.ResNet18(10, zoo.WithSeed(4))
	wa, _ := graph.Float64s(paramByName(t, a, "layer1.0.conv1.weight").Value())
	wr, _ := graph.Float64s(paramByName(t, r, "layer1.0.conv1.weight").Value())
	wb, _ := graph.Float64s(paramByName(t, b, "layer1.0.conv1.weight").Value())
	same, diff := true, false
	for i := range wa {
		same = same && wa[i] == wr[i]
		diff = diff || wa[i] != wb[i]
	}
	if !same || !diff {
		t.Errorf("seed 3 twice equal: %v; seeds 3 and 4 differ: %v", same, diff)
	}

	// float64
	d, err := zoo.ResNet18(10, zoo.WithDtype(tensor.Float64), zoo.WithSmallInput())
	if err != nil {
		t.Fatal(err)
	}
	if dt, err := nn.Dtype(d); err != nil || dt != tensor.Float64 {
		t.Fatalf("dtype %v, %v", dt, err)
	}
	y, err := nn.Predict(d, randInput(5, 1, 3, 16, 16))
	if err != nil || y.Dtype() != tensor.Float64 {
		t.Fatalf("float64 Predict: %v %v", y, err)
	}
}

// syntheticBatch is a 4-class problem on 28x28 images: class k is a bright
// 10x10 square in quadrant k on noise.
func syntheticBatch(n int) (x, onehot *tensor.Dense, labels []int) {
	rng := graph.NewRand(8)
	xs := make([]float32, n*28*28)
	oh := make([]float32, n*4)
	for i := 0; i < n; i++ {
		k := i % 4
		labels = append(labels, k)
		oh[i*4+k] = 1
		r0, c0 := 2+14*(k/2), 2+14*(k%2)
		for r := 0; r < 28; r++ {
			for c := 0; c < 28; c++ {
				v := 0.2 * rng.NormFloat64()
				if r >= r0 && r < r0+10 && c >= c0 && c < c0+10 {
					v += 1
				}
				xs[i*784+r*28+c] = float32(v)
			}
		}
	}
	return tensor.New(tensor.WithShape(n, 1, 28, 28), tensor.WithBacking(xs)),
		tensor.New(tensor.WithShape(n, 4), tensor.WithBacking(oh)), labels
}

// trainLoop runs steps of SGD with momentum 0.9 on one batch and returns
// the training loss of every step; lossFn is ops.SoftmaxCrossEntropy (with
// one-hot targets) or ops.MSE.
func trainLoop(t *testing.T, m nn.Layer, x, target *tensor.Dense, steps int, lr float64, lossFn func(out, target *G.Node) (*G.Node, error)) []float64 {
	t.Helper()
	g := newTrainGraph(t, m, x, func(b *graph.Builder, out *G.Node) (*G.Node, error) {
		return lossFn(out, b.InputValue("target", target))
	})
	defer g.vm.Close()
	velocity := make([][]float32, len(g.train))
	var losses []float64
	for range steps {
		if err := graph.Run(g.vm); err != nil {
			t.Fatalf("%+v", err)
		}
		l, _ := graph.ValueFloat64s(g.costV)
		losses = append(losses, l[0])
		for i, bd := range g.train {
			w := bd.Param.Value().Data().([]float32)
			grad := g.grads[i].Data().([]float32)
			if velocity[i] == nil {
				velocity[i] = make([]float32, len(w))
			}
			for j := range w {
				velocity[i][j] = 0.9*velocity[i][j] + grad[j]
				w[j] -= float32(lr) * velocity[i][j]
			}
		}
	}
	return losses
}

// TestSmallModelsTrain trains the MNIST-sized Inception models (and LeNet5)
// for a few SGD steps on a fixed batch of a 4-class problem: the loss must
// fall well below its starting value (log 4 = 1.39 for a uniform guess).
// LeNet5, which has no BatchNorm, must then also classify the batch in
// evaluation mode (with BatchNorm, a few steps do not settle the running
// statistics that evaluation uses).
func TestSmallModelsTrain(t *testing.T) {
	x, onehot, labels := syntheticBatch(8)
	for _, c := range []struct {
		name  string
		build func() (nn.Layer, error)
		steps int
		lr    float64
		eval  bool
	}{
		{"InceptionResNetSmall", func() (nn.Layer, error) { return zoo.InceptionResNetSmall(4, zoo.WithSeed(1)) }, 12, 0.02, false},
		{"GoogLeNetSmall", func() (nn.Layer, error) { return zoo.GoogLeNetSmall(4, zoo.WithSeed(1)) }, 12, 0.02, false},
		{"LeNet5", func() (nn.Layer, error) { return zoo.LeNet5(4, zoo.WithSeed(1)) }, 40, 0.05, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, err := c.build()
			if err != nil {
				t.Fatal(err)
			}
			losses := trainLoop(t, m, x, onehot, c.steps, c.lr, ops.SoftmaxCrossEntropy)
			first, last := losses[0], losses[len(losses)-1]
			t.Logf("loss %.3f -> %.3f in %d steps", first, last, len(losses))
			if !(last < 0.3*first) {
				t.Fatalf("loss did not fall: %v", losses)
			}
			if !c.eval {
				return
			}
			y, err := nn.Predict(m, x)
			if err != nil {
				t.Fatal(err)
			}
			p, _ := graph.Float64s(y)
			correct := 0
			for i, k := range labels {
				best := 0
				for j := 1; j < 4; j++ {
					if p[i*4+j] > p[i*4+best] {
						best = j
					}
				}
				if best == k {
					correct++
				}
			}
			if correct < len(labels) {
				t.Fatalf("evaluation mode classifies %d of %d training images", correct, len(labels))
			}
		})
	}
}

// TestAutoencodersDenoise trains both autoencoders for a few steps to
// rebuild clean images from noisy ones (Gaussian noise in the data, plus
// WithDropout's input masking in training graphs): the MSE must fall, and
// evaluation mode (no masking) must be deterministic.
func TestAutoencodersDenoise(t *testing.T) {
	x, _, _ := syntheticBatch(8)
	clean := x.Clone().(*tensor.Dense)
	cv := clean.Data().([]float32)
	for i, v := range cv { // squares of 1 on 0: the clean image
		if v > 0.5 {
			cv[i] = 1
		} else {
			cv[i] = 0
		}
	}
	for _, c := range []struct {
		name  string
		build func() (nn.Layer, error)
		steps int
		lr    float64
	}{
		{"ConvAutoencoder", func() (nn.Layer, error) { return zoo.ConvAutoencoder(zoo.WithDropout(0.2), zoo.WithSeed(2)) }, 30, 0.5},
		{"DenseAutoencoder", func() (nn.Layer, error) { return zoo.DenseAutoencoder(8, zoo.WithDropout(0.2), zoo.WithSeed(2)) }, 30, 5},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, err := c.build()
			if err != nil {
				t.Fatal(err)
			}
			losses := trainLoop(t, m, x, clean, c.steps, c.lr, ops.MSE)
			first, last := losses[0], losses[len(losses)-1]
			t.Logf("MSE %.4f -> %.4f in %d steps", first, last, len(losses))
			if !(last < 0.6*first) {
				t.Fatalf("MSE did not fall: %v", losses)
			}
			a, err := nn.Predict(m, x)
			if err != nil {
				t.Fatal(err)
			}
			b, err := nn.Predict(m, x)
			if err != nil {
				t.Fatal(err)
			}
			av, bv := a.Data().([]float32), b.Data().([]float32)
			for i := range av {
				if av[i] != bv[i] {
					t.Fatalf("evaluation is not deterministic at %d: %v vs %v", i, av[i], bv[i])
				}
			}
		})
	}
}
