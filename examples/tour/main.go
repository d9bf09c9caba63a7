// Command tour runs the lecture's worked examples with the library, one
// section after the other, printing each result next to the formula it
// illustrates. Nothing here trains for long: the whole tour takes well
// under a minute.
//
//  1. Edge detection: the Sobel kernels Gx and Gy, applied with an
//     nn.Conv2D whose weights are set by hand to an MNIST digit, and the
//     gradient magnitude sqrt(Gx² + Gy²).
//  2. Output sizes: W2 = (W1 - k + 2P)/S + 1 for pooling and convolution
//     configurations (LeNet, AlexNet, the ResNet stem, ...), computed with
//     the library's formula (graph.ConvOutSize, graph.PoolOutSize) and
//     checked by running the layers on an input of that size.
//  3. Transposed convolution: a 2x2 input and a 3x3 kernel of ones with
//     stride 3 give a 6x6 output made of 3x3 blocks (each input value
//     copied into its block); with stride 2 the blocks overlap and add.
//  4. The activation table: Sigmoid, Tanh, ReLU, LeakyReLU(0.01), ELU(1),
//     Softplus and Softsign with their derivatives, the derivatives computed
//     by reverse-mode autodiff (graph.Grad), not by hand; a table of values
//     at a few points.
//  5. Softmax and cross-entropy of a small vector of logits, with ops and by
//     the hand formulas p_i = e^z_i / Σ_j e^z_j and CE = -log p_y, and the
//     gradient dCE/dz = p - y by autodiff.
//  6. What a CNN learns: a small CNN (the examples/mnist model) is trained
//     for one epoch on 6,000 MNIST digits (or loaded from -weights, a
//     model.safetensors written by examples/mnist); its first-layer filters
//     and its feature maps of one test digit are drawn.
//
// The README's Measured section gives its results and wall time on the
// project's machine.
//
// The last line on stdout is a JSON object with headline numbers
// (cross_entropy, cnn_test_accuracy, seconds, ...). Into -out it writes:
//
//	sobel.png         the digit, Gx, Gy and the gradient magnitude
//	activations.png   each activation and its derivative, and all
//	                  derivatives together
//	filters.png       the 32 first-layer 3x3 filters of the CNN
//	featuremaps.png   the digit and the 32 feature maps of the first layer
//	featuremaps2.png  the 64 feature maps of the second convolution
//
// Usage:
//
//	go run ./examples/tour [-epochs 1] [-batch 64] [-lr 0.002] [-seed 1]
//	    [-out tour-out] [-data DIR] [-limit 6000] [-test-limit N]
//	    [-weights mnist-out/model.safetensors] [-quiet]
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/convnet-go/convnet/examples/internal/recipe"
	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/ops"
	"github.com/convnet-go/convnet/train"
	"github.com/convnet-go/convnet/train/data"
	"github.com/convnet-go/convnet/train/plot"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// config holds the command-line settings: the flags every training
// example shares (recipe.TrainFlags, recipe.DataFlags), for the CNN of
// section 6, and -weights.
type config struct {
	recipe.TrainFlags
	recipe.DataFlags
	Weights string
}

// result is the JSON summary printed as the last line: a headline number
// of each section.
type result struct {
	SobelMaxMagnitude float64   `json:"sobel_max_magnitude"`
	PoolChecks        int       `json:"size_checks_passed"`
	TransposedSum     float64   `json:"transposed_sum"`
	Logits            []float64 `json:"logits"`
	Softmax           []float64 `json:"softmax"`
	CrossEntropy      float64   `json:"cross_entropy"`
	CrossEntropyHand  float64   `json:"cross_entropy_hand"`
	SigmoidMaxDeriv   float64   `json:"sigmoid_max_derivative"`
	CNNWeights        string    `json:"cnn_weights"`
	CNNTrainExamples  int       `json:"cnn_train_examples"`
	CNNTestExamples   int       `json:"cnn_test_examples"`
	CNNTestAccuracy   float64   `json:"cnn_test_accuracy"`
	Seconds           float64   `json:"seconds"`
	Out               string    `json:"out"`

	reluAt0 float64
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("tour: ")
	c := config{
		TrainFlags: recipe.TrainFlags{Epochs: 1, Batch: 64, LR: 2e-3, Seed: 1, Out: "tour-out"},
		DataFlags:  recipe.DataFlags{Limit: 6000},
	}
	c.TrainFlags.Register(flag.CommandLine)
	c.DataFlags.Register(flag.CommandLine)
	flag.Lookup("epochs").Usage = "epochs of the small CNN of section 6"
	flag.Lookup("lr").Usage = "Adam learning rate of the CNN"
	flag.Lookup("limit").Usage = "train the CNN on N training images (N/10 of each digit)"
	flag.StringVar(&c.Weights, "weights", c.Weights, "load the CNN from this model.safetensors of examples/mnist instead of training it")
	flag.Parse()

	start := time.Now()
	res, err := run(c, os.Stdout)
	if err != nil {
		log.Fatal(err)
	}
	res.Seconds = time.Since(start).Seconds()
	if err := recipe.PrintJSON(os.Stdout, res); err != nil {
		log.Fatal(err)
	}
}

func run(c config, w io.Writer) (*result, error) {
	if err := os.MkdirAll(c.Out, 0o755); err != nil {
		return nil, err
	}
	trainSet, testSet, err := data.MNIST(c.Data)
	if err != nil {
		return nil, err
	}
	res := &result{Out: c.Out}
	steps := []struct {
		title string
		fn    func() error
	}{
		{"1. Edge detection with the Sobel kernels", func() error { return sobel(c, w, testSet, res) }},
		{"2. Output sizes: W2 = (W1 - k + 2P)/S + 1", func() error { return sizes(w, res) }},
		{"3. Transposed convolution", func() error { return transposed(w, res) }},
		{"4. Activation functions and their derivatives (autodiff)", func() error { return activations(c, w, res) }},
		{"5. Softmax and cross-entropy", func() error { return softmaxCE(w, res) }},
		{"6. What a CNN learns: filters and feature maps", func() error { return cnn(c, w, trainSet, testSet, res) }},
	}
	for _, s := range steps {
		fmt.Fprintf(w, "\n== %s ==\n\n", s.title)
		if err := s.fn(); err != nil {
			return nil, errors.WithMessage(err, s.title)
		}
	}
	fmt.Fprintln(w)
	return res, nil
}

// ---- 1. Sobel ----

// sobelX responds to horizontal changes of intensity (vertical edges);
// its transpose sobelY to vertical changes (horizontal edges). Conv2D
// computes a cross-correlation, as every CNN library does, so the kernels
// are used as written.
var (
	sobelX = []float64{-1, 0, 1, -2, 0, 2, -1, 0, 1}
	sobelY = []float64{-1, -2, -1, 0, 0, 0, 1, 2, 1}
)

func sobel(c config, w io.Writer, test *data.ImageSet, res *result) error {
	// One convolution with two output channels, Gx and Gy; padding 1 keeps
	// the 28x28 size.
	conv, err := nn.NewConv2D(1, 2, 3, nn.WithPad(1), nn.WithBias(false))
	if err != nil {
		return err
	}
	kernel, err := graph.FromFloat64s(tensor.Float32, []int{2, 1, 3, 3}, append(append([]float64{}, sobelX...), sobelY...))
	if err != nil {
		return err
	}
	if err := conv.Weight().SetValue(kernel); err != nil {
		return err
	}
	digit := make([]float32, 28*28)
	label := make([]float32, 10)
	if err := test.Get(0, digit, label); err != nil {
		return err
	}
	x := tensor.New(tensor.WithShape(1, 1, 28, 28), tensor.WithBacking(digit))
	y, err := nn.Predict(conv, x)
	if err != nil {
		return err
	}
	g, err := graph.Float64s(y)
	if err != nil {
		return err
	}
	gx, gy := g[:28*28], g[28*28:]
	mag := make([]float64, 28*28)
	for i := range mag {
		mag[i] = math.Hypot(gx[i], gy[i])
		res.SobelMaxMagnitude = math.Max(res.SobelMaxMagnitude, mag[i])
	}
	fmt.Fprintf(w, "Gx =\n%s\nGy =\n%s\n", matrix(sobelX, 3, 3, "%3.0f"), matrix(sobelY, 3, 3, "%3.0f"))
	fmt.Fprintf(w, "%v\n", conv)
	fmt.Fprintf(w, "applied to test digit 0 (a %d): output %v, max |G| = %.3f\n", recipe.Argmax(label), y.Shape(), res.SobelMaxMagnitude)
	// The row with the strongest vertical edge, where Gx changes sign across
	// a stroke: positive on its left side (dark to bright), negative on its
	// right side (bright to dark).
	best := 0
	for i, v := range gx {
		if math.Abs(v) > math.Abs(gx[best]) {
			best = i
		}
	}
	row := best / 28
	fmt.Fprintf(w, "Gx along row %d (a stroke: + on its left edge, - on its right edge):\n", row)
	for col := 0; col < 28; col++ {
		if v := gx[row*28+col]; v != 0 || (col > 0 && gx[row*28+col-1] != 0) {
			fmt.Fprintf(w, " %d:%.2f", col, v)
		}
	}
	fmt.Fprintln(w)
	// Gx and Gy are drawn with gray = 0 (white positive, black negative),
	// the magnitude from black (0) to white (its maximum).
	maxAbs := 0.0
	for i := range gx {
		maxAbs = math.Max(maxAbs, math.Max(math.Abs(gx[i]), math.Abs(gy[i])))
	}
	pix := make([]float64, len(digit))
	sx, sy, sm := make([]float64, len(gx)), make([]float64, len(gy)), make([]float64, len(mag))
	for i, v := range digit {
		pix[i] = float64(v)
		sx[i], sy[i] = 0.5+gx[i]/(2*maxAbs), 0.5+gy[i]/(2*maxAbs)
		sm[i] = mag[i] / res.SobelMaxMagnitude
	}
	imgs := []plot.Image{
		{H: 28, W: 28, Pix: pix, Label: "digit"},
		{H: 28, W: 28, Pix: sx, Label: "Gx"},
		{H: 28, W: 28, Pix: sy, Label: "Gy"},
		{H: 28, W: 28, Pix: sm, Label: "|G|"},
	}
	path := filepath.Join(c.Out, "sobel.png")
	fmt.Fprintf(w, "wrote %s\n", path)
	return plot.ImageGrid(path, imgs, 4, plot.WithScale(5), plot.WithTitle("Sobel by Conv2D (gray = 0), |G| = sqrt(Gx^2 + Gy^2)"))
}

// ---- 2. Output sizes ----

type sizeCase struct {
	what          string
	pool          bool
	in, k, s, pad int
}

var sizeCases = []sizeCase{
	{"MaxPool 2x2, stride 2", true, 28, 2, 2, 0},
	{"MaxPool 2x2, stride 2, odd input", true, 7, 2, 2, 0},
	{"MaxPool 3x3, stride 2 (overlapping)", true, 28, 3, 2, 0},
	{"MaxPool 3x3, stride 2, pad 1 (ResNet)", true, 112, 3, 2, 1},
	{"AvgPool 2x2, stride 2 (LeNet)", true, 28, 2, 2, 0},
	{"Conv 3x3, stride 1", false, 28, 3, 1, 0},
	{"Conv 3x3, stride 1, pad 1 (same)", false, 28, 3, 1, 1},
	{"Conv 5x5, stride 1 (LeNet)", false, 32, 5, 1, 0},
	{"Conv 3x3, stride 2, pad 1", false, 28, 3, 2, 1},
	{"Conv 7x7, stride 2, pad 3 (ResNet)", false, 224, 7, 2, 3},
	{"Conv 11x11, stride 4 (AlexNet)", false, 227, 11, 4, 0},
}

func sizes(w io.Writer, res *result) error {
	fmt.Fprintf(w, "%-38s %4s %3s %3s %3s  %-11s %s\n", "layer", "W1", "k", "P", "S", "layer ran", "formula (rounded down), graph.ConvOutSize/PoolOutSize")
	for _, c := range sizeCases {
		var want int
		var err error
		if c.pool {
			want, err = graph.PoolOutSize(c.in, c.k, c.s, c.pad, false)
		} else {
			want, err = graph.ConvOutSize(c.in, c.k, c.s, c.pad, 1)
		}
		if err != nil {
			return err
		}
		var l nn.Layer
		switch {
		case strings.HasPrefix(c.what, "MaxPool"):
			l, err = nn.NewMaxPool2D(c.k, nn.WithStride(c.s), nn.WithPad(c.pad))
		case strings.HasPrefix(c.what, "AvgPool"):
			l, err = nn.NewAvgPool2D(c.k, nn.WithStride(c.s), nn.WithPad(c.pad))
		default:
			l, err = nn.NewConv2D(1, 1, c.k, nn.WithStride(c.s), nn.WithPad(c.pad))
		}
		if err != nil {
			return err
		}
		y, err := nn.Predict(l, tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(1, 1, c.in, c.in)))
		if err != nil {
			return err
		}
		got := y.Shape()[2]
		mark := "ok"
		if got != want || y.Shape()[3] != want {
			mark = "MISMATCH"
		} else {
			res.PoolChecks++
		}
		fmt.Fprintf(w, "%-38s %4d %3d %3d %3d  %-11s %s\n", c.what, c.in, c.k, c.pad, c.s,
			fmt.Sprintf("%dx%d %s", got, y.Shape()[3], mark), graph.ConvFormula("W", c.in, c.k, c.s, c.pad, 1, want))
		if mark != "ok" {
			return fmt.Errorf("%s: the formula gives %d, the layer %v", c.what, want, y.Shape())
		}
	}
	return nil
}

// ---- 3. Transposed convolution ----

func transposed(w io.Writer, res *result) error {
	x := tensor.New(tensor.WithShape(1, 1, 2, 2), tensor.WithBacking([]float32{1, 2, 3, 4}))
	fmt.Fprintf(w, "input (2x2):\n%s\nkernel: 3x3 of ones\n", matrix([]float64{1, 2, 3, 4}, 2, 2, "%3.0f"))
	for _, stride := range []int{3, 2} {
		l, err := nn.NewConvTranspose2D(1, 1, 3, nn.WithStride(stride), nn.WithBias(false), nn.WithWeightInit(graph.Ones()))
		if err != nil {
			return err
		}
		y, err := nn.Predict(l, x)
		if err != nil {
			return err
		}
		v, err := graph.Float64s(y)
		if err != nil {
			return err
		}
		n := y.Shape()[2]
		want, err := graph.ConvTransposeOutSize(2, 3, stride, 0, 0, 1)
		if err != nil {
			return err
		}
		if n != want {
			return fmt.Errorf("stride %d: output %v, formula %d", stride, y.Shape(), want)
		}
		fmt.Fprintf(w, "\nstride %d: %s\n", stride, graph.ConvTransposeFormula("W", 2, 3, stride, 0, 0, 1, n))
		if stride == 3 {
			fmt.Fprintf(w, "each input value is spread over its own 3x3 block:\n")
			for _, x := range v {
				res.TransposedSum += x
			}
		} else {
			fmt.Fprintf(w, "the blocks overlap by one row and column, and overlaps add up:\n")
		}
		fmt.Fprint(w, matrix(v, n, n, "%3.0f"))
	}
	return nil
}

// ---- 4. Activations ----

type activation struct {
	name string
	f    func(x *G.Node) (*G.Node, error)
}

var activationTable = []activation{
	{"Sigmoid", ops.Sigmoid},
	{"Tanh", ops.Tanh},
	{"ReLU", ops.ReLU},
	{"LeakyReLU(0.01)", func(x *G.Node) (*G.Node, error) { return ops.LeakyReLU(x, 0.01) }},
	{"ELU(1)", func(x *G.Node) (*G.Node, error) { return ops.ELU(x, 1) }},
	{"Softplus", ops.Softplus},
	{"Softsign", ops.Softsign},
}

// curve returns f(x) and f'(x) at every x: it builds s = Σ_i f(x_i) and
// asks reverse-mode autodiff for ds/dx, whose i-th element is f'(x_i).
func curve(f func(*G.Node) (*G.Node, error), xs []float64) (ys, ds []float64, err error) {
	g := G.NewGraph()
	xt, err := graph.FromFloat64s(tensor.Float64, []int{len(xs)}, xs)
	if err != nil {
		return nil, nil, err
	}
	x := G.NewVector(g, tensor.Float64, G.WithShape(len(xs)), G.WithValue(xt), G.WithName("x"))
	y, err := f(x)
	if err != nil {
		return nil, nil, err
	}
	s, err := ops.Sum(y)
	if err != nil {
		return nil, nil, err
	}
	grads, err := graph.Grad(s, x)
	if err != nil {
		return nil, nil, err
	}
	var yv, dv G.Value
	G.Read(y, &yv)
	G.Read(grads[0], &dv)
	m, err := graph.NewMachine(g)
	if err != nil {
		return nil, nil, err
	}
	defer m.Close()
	if err := graph.Run(m); err != nil {
		return nil, nil, err
	}
	if ys, err = graph.ValueFloat64s(yv); err != nil {
		return nil, nil, err
	}
	ds, err = graph.ValueFloat64s(dv)
	return ys, ds, err
}

func activations(c config, w io.Writer, res *result) error {
	const n = 201
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = -5 + 10*float64(i)/(n-1)
	}
	at := []float64{-3, -1, 0, 1, 3}
	fmt.Fprintf(w, "%-16s", "f(x), f'(x) at")
	for _, x := range at {
		fmt.Fprintf(w, "  x=%-15g", x)
	}
	fmt.Fprintln(w)
	var panels []plot.Panel
	all := plot.Panel{Title: "all derivatives", XLabel: "x", YLabel: "f'(x)"}
	for _, a := range activationTable {
		ys, ds, err := curve(a.f, xs)
		if err != nil {
			return errors.WithMessage(err, a.name)
		}
		pys, pds, err := curve(a.f, at)
		if err != nil {
			return errors.WithMessage(err, a.name)
		}
		fmt.Fprintf(w, "%-16s", a.name)
		for i := range at {
			fmt.Fprintf(w, "  %7.4f %7.4f ", pys[i], pds[i])
		}
		fmt.Fprintln(w)
		if a.name == "ReLU" {
			res.reluAt0 = pds[2]
		}
		if a.name == "Sigmoid" {
			for _, d := range ds {
				res.SigmoidMaxDeriv = math.Max(res.SigmoidMaxDeriv, d)
			}
		}
		panels = append(panels, plot.Panel{Title: a.name, XLabel: "x", Series: []plot.Series{
			{Name: "f(x)", X: xs, Y: ys},
			{Name: "f'(x) (autodiff)", X: xs, Y: ds},
		}})
		all.Series = append(all.Series, plot.Series{Name: a.name, X: xs, Y: ds})
	}
	fmt.Fprintf(w, "the sigmoid's derivative is at most %.4f (at x = 0): a product of many such factors vanishes.\n", res.SigmoidMaxDeriv)
	fmt.Fprintf(w, "ReLU is not differentiable at 0; autodiff uses ReLU'(0) = %g there.\n", res.reluAt0)
	panels = append(panels, all)
	path := filepath.Join(c.Out, "activations.png")
	fmt.Fprintf(w, "wrote %s\n", path)
	return plot.Panels(path, panels, plot.WithColumns(4), plot.WithSize(11, 8))
}

// ---- 5. Softmax and cross-entropy ----

func softmaxCE(w io.Writer, res *result) error {
	z := []float64{2, 1, 0.1}
	const label = 0
	g := G.NewGraph()
	zt, err := graph.FromFloat64s(tensor.Float64, []int{1, 3}, z)
	if err != nil {
		return err
	}
	yt, err := graph.FromFloat64s(tensor.Float64, []int{1, 3}, []float64{1, 0, 0})
	if err != nil {
		return err
	}
	zn := G.NewMatrix(g, tensor.Float64, G.WithShape(1, 3), G.WithValue(zt), G.WithName("z"))
	yn := G.NewMatrix(g, tensor.Float64, G.WithShape(1, 3), G.WithValue(yt), G.WithName("y"))
	p, err := ops.Softmax(zn, 1)
	if err != nil {
		return err
	}
	ce, err := ops.SoftmaxCrossEntropy(zn, yn)
	if err != nil {
		return err
	}
	grads, err := graph.Grad(ce, zn)
	if err != nil {
		return err
	}
	var pv, cev, gv G.Value
	G.Read(p, &pv)
	G.Read(ce, &cev)
	G.Read(grads[0], &gv)
	m, err := graph.NewMachine(g)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := graph.Run(m); err != nil {
		return err
	}
	probs, err := graph.ValueFloat64s(pv)
	if err != nil {
		return err
	}
	cel, err := graph.ValueFloat64s(cev)
	if err != nil {
		return err
	}
	dz, err := graph.ValueFloat64s(gv)
	if err != nil {
		return err
	}

	// The same by hand.
	sum := 0.0
	for _, v := range z {
		sum += math.Exp(v)
	}
	hand := make([]float64, len(z))
	for i, v := range z {
		hand[i] = math.Exp(v) / sum
	}
	res.Logits, res.Softmax, res.CrossEntropy, res.CrossEntropyHand = z, probs, cel[0], -math.Log(hand[label])

	fmt.Fprintf(w, "logits z = %v, true class y = %d (one-hot %v)\n\n", z, label, []float64{1, 0, 0})
	fmt.Fprintf(w, "%-4s %8s %28s %12s\n", "i", "z_i", "p_i = e^z_i / Σ_j e^z_j", "ops.Softmax")
	for i := range z {
		fmt.Fprintf(w, "%-4d %8.3f %28.6f %12.6f\n", i, z[i], hand[i], probs[i])
	}
	fmt.Fprintf(w, "\ncross-entropy CE = -Σ_i y_i log p_i = -log p_%d = -log %.6f = %.6f (hand)\n", label, hand[label], res.CrossEntropyHand)
	fmt.Fprintf(w, "ops.SoftmaxCrossEntropy                             = %.6f\n", res.CrossEntropy)
	fmt.Fprintf(w, "dCE/dz by autodiff = %s;  p - y = %s\n", vec(dz), vec([]float64{hand[0] - 1, hand[1], hand[2]}))
	return nil
}

// ---- 6. A small CNN ----

// mnistNet is examples/mnist's network, so the tour can load the weights
// that program saves (-weights):
//
//	Conv(1→32, 3×3) - ReLU - MaxPool 2 - Conv(32→64, 3×3) - ReLU - MaxPool 2
//	- Flatten - Dense(1600→128) - ReLU - Dropout(0.25) - Dense(128→10)
func mnistNet(seed int64) (*nn.Sequential, error) {
	relu := nn.WithActivation(nn.NewReLU())
	m, err := nn.NewSequential(
		nn.Must(nn.NewConv2D(1, 32, 3, relu)),
		nn.Must(nn.NewMaxPool2D(2)),
		nn.Must(nn.NewConv2D(32, 64, 3, relu)),
		nn.Must(nn.NewMaxPool2D(2)),
		nn.NewFlatten(),
		nn.Must(nn.NewDense(64*5*5, 128, relu)),
		nn.Must(nn.NewDropout(0.25)),
		nn.Must(nn.NewDense(128, 10)),
	)
	if err != nil {
		return nil, err
	}
	return m, nn.Initialize(m, seed)
}

func cnn(c config, w io.Writer, trainSet, testSet *data.ImageSet, res *result) error {
	mean, std := []float32{data.MNISTMean}, []float32{data.MNISTStd}
	test := data.First(testSet, c.TestLimit)
	normTest, err := data.Normalize(test, mean, std)
	if err != nil {
		return err
	}
	m, err := mnistNet(c.Seed)
	if err != nil {
		return err
	}
	opt, err := train.NewAdam(c.LR)
	if err != nil {
		return err
	}
	tr, err := train.New(m, train.Config{Epochs: c.Epochs, BatchSize: c.Batch, EvalBatchSize: 500, Seed: c.Seed,
		Optimizer: opt, Metrics: []train.Metric{train.NewAccuracy()}, Verbosity: recipe.Verbosity(c.Quiet)})
	if err != nil {
		return err
	}
	defer tr.Close()
	if c.Weights != "" {
		if err := nn.LoadSafetensors(m, c.Weights); err != nil {
			return err
		}
		res.CNNWeights = c.Weights
		fmt.Fprintf(w, "loaded the examples/mnist model from %s\n", c.Weights)
	} else {
		sub, err := data.PerClass(trainSet, max(1, c.Limit/10), c.Seed)
		if err != nil {
			return err
		}
		ds, err := data.Normalize(sub, mean, std)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "training the examples/mnist model for %d epoch(s) on %d digits (progress on stderr)\n", c.Epochs, ds.Len())
		if _, err := tr.Fit(ds, nil); err != nil {
			return err
		}
		res.CNNWeights, res.CNNTrainExamples = "trained", ds.Len()
	}
	logs, err := tr.Evaluate(normTest, train.NewAccuracy())
	if err != nil {
		return err
	}
	res.CNNTestAccuracy, res.CNNTestExamples = logs["accuracy"], normTest.Len()
	fmt.Fprintf(w, "test accuracy %.4f on %d digits\n", res.CNNTestAccuracy, normTest.Len())

	// First-layer filters: 32 kernels of 3x3.
	conv1 := m.Layer(0).(*nn.Conv2D)
	wv, err := graph.Float64s(conv1.Weight().Value())
	if err != nil {
		return err
	}
	var filters []plot.Image
	for k := 0; k < 32; k++ {
		filters = append(filters, plot.Image{H: 3, W: 3, Pix: wv[k*9 : k*9+9], Label: fmt.Sprint(k)})
	}
	path := filepath.Join(c.Out, "filters.png")
	if err := plot.ImageGrid(path, filters, 8, plot.WithNormalize(true), plot.WithScale(24), plot.WithTitle("conv1: 32 filters 3x3")); err != nil {
		return err
	}
	fmt.Fprintf(w, "wrote %s\n", path)

	// Feature maps of test digit 0 after the first convolution (and its
	// ReLU), and after the second.
	x := make([]float32, 28*28)
	y := make([]float32, 10)
	if err := normTest.Get(0, x, y); err != nil {
		return err
	}
	raw := make([]float32, 28*28)
	if err := test.Get(0, raw, y); err != nil {
		return err
	}
	in := tensor.New(tensor.WithShape(1, 1, 28, 28), tensor.WithBacking(x))
	for _, stage := range []struct {
		to   int
		file string
	}{{1, "featuremaps.png"}, {3, "featuremaps2.png"}} {
		sub, err := m.Slice(0, stage.to)
		if err != nil {
			return err
		}
		fm, err := nn.Predict(sub, in)
		if err != nil {
			return err
		}
		v, err := graph.Float64s(fm)
		if err != nil {
			return err
		}
		ch, h, wd := fm.Shape()[1], fm.Shape()[2], fm.Shape()[3]
		var imgs []plot.Image
		if stage.to == 1 {
			pix := make([]float64, len(raw))
			for i, p := range raw {
				pix[i] = float64(p)
			}
			imgs = append(imgs, plot.Image{H: 28, W: 28, Pix: pix, Label: "input"})
		}
		for k := 0; k < ch; k++ {
			imgs = append(imgs, plot.Image{H: h, W: wd, Pix: v[k*h*wd : (k+1)*h*wd], Label: fmt.Sprint(k)})
		}
		path := filepath.Join(c.Out, stage.file)
		title := fmt.Sprintf("%s feature maps %dx%d of a %d (after ReLU)", map[int]string{1: "conv1", 3: "conv2"}[stage.to], h, wd, recipe.Argmax(y))
		if err := plot.ImageGrid(path, imgs, 11, plot.WithNormalize(true), plot.WithScale(max(3, 66/h)), plot.WithTitle(title)); err != nil {
			return err
		}
		fmt.Fprintf(w, "wrote %s (%d maps of %dx%d)\n", path, ch, h, wd)
	}
	return nil
}

// ---- helpers ----

// matrix formats v (rows x cols, row-major) one row per line.
func matrix(v []float64, rows, cols int, format string) string {
	var sb strings.Builder
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			fmt.Fprintf(&sb, format, v[r*cols+c])
		}
		sb.WriteByte('\n')
	}
	return sb.String()
}

// vec formats a short vector.
func vec(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprintf("%.4f", x)
	}
	return "[" + strings.Join(s, " ") + "]"
}
