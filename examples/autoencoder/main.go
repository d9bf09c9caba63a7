// Command autoencoder trains two autoencoders on MNIST: a dense one that
// squeezes every digit into a 2-D code (dimensionality reduction), and a
// convolutional one that removes noise (a denoising autoencoder).
//
// An autoencoder is an encoder followed by a decoder, trained to give back
// its input; the narrow layer in the middle (the code) forces it to keep only
// what matters about the images.
//
// Part 1, dimensionality reduction. zoo.DenseAutoencoder(2):
//
//	encoder: 784 → 256 → 64 → 2 (ReLU, linear code)
//	decoder: 2 → 64 → 256 → 784 (ReLU, sigmoid output)
//
// trained with the mean squared error between the output and the input.
// Without ever seeing a label, it places the digits of each class in their
// own regions of the plane: codes.png plots the codes of the test images
// coloured by digit, and manifold.png decodes a regular grid of codes
// across that plane (what the decoder "imagines" at each point).
//
// Part 2, denoising. zoo.ConvAutoencoder():
//
//	encoder: Conv(1→32, 3×3) ReLU MaxPool 2, Conv(32→16, 3×3) ReLU MaxPool 2   (16×7×7 code)
//	decoder: ConvTranspose(16→16, 2, stride 2) ReLU, ConvTranspose(16→32, 2, stride 2) ReLU,
//	         Conv(32→1, 3×3) Sigmoid
//
// trained on noisy inputs (from train/data: Gaussian noise of standard
// deviation 0.5 clipped to [0, 1] by default, or salt-and-pepper noise)
// with the clean images as targets, again with the mean squared error.
// The noise is drawn afresh every epoch. denoise.png shows, for one test
// image of each digit, the noisy input, the denoiser's output and the clean
// image.
//
// The quality measure is the peak signal-to-noise ratio of images in [0,
// 1], PSNR = 10·log10(1/MSE) dB, with the mean squared error over every
// pixel of the test set: noisy_psnr_db compares the noisy inputs with the
// clean images, denoised_psnr_db the denoiser's outputs with the clean
// images (higher is better; +6 dB means a 4 times smaller error).
//
// Defaults: both models are trained with Adam (lr 2e-3, batches of 64) on
// the first 20,000 training images, the dense one for 10 epochs, the
// denoiser for 3, and evaluated on the 10,000 test images.
//
// The README's Measured section gives its results and wall time on the
// project's machine.
//
// It prints progress bars on stderr and, as its last line on stdout, a JSON
// object: test_mse (the denoiser's mean squared error on the noisy test
// set), noisy_psnr_db, denoised_psnr_db, dense_test_mse (the 2-D
// autoencoder's reconstruction error) and seconds, among others. Into -out
// it writes codes.png, manifold.png, denoise.png, the training curves
// (dense_history.png, denoise_history.png) and the weights
// (dense.safetensors, denoiser.safetensors).
//
// Usage:
//
//	go run ./examples/autoencoder [-epochs 3] [-dense-epochs 10] [-batch 64] [-lr 0.002]
//	    [-noise gaussian|saltpepper] [-level 0] [-seed 1] [-out autoencoder-out]
//	    [-data DIR] [-limit 20000] [-test-limit 0] [-quiet]
package main

import (
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/convnet-go/convnet/examples/internal/recipe"
	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/train"
	"github.com/convnet-go/convnet/train/data"
	"github.com/convnet-go/convnet/train/plot"
	"github.com/convnet-go/convnet/zoo"
	"gorgonia.org/tensor"
)

// config holds the command-line settings: the flags every training
// example shares (recipe.TrainFlags, recipe.DataFlags) and this one's own.
// It is part of the JSON summary: epochs, batch_size, lr, seed,
// dense_epochs, noise and noise_level.
type config struct {
	recipe.TrainFlags
	recipe.DataFlags
	DenseEpochs int     `json:"dense_epochs"`
	Noise       string  `json:"noise"`
	Level       float64 `json:"noise_level"`
}

// result is the JSON summary printed as the last line.
type result struct {
	TestMSE      float64 `json:"test_mse"`
	NoisyPSNR    float64 `json:"noisy_psnr_db"`
	DenoisedPSNR float64 `json:"denoised_psnr_db"`
	PSNRGain     float64 `json:"psnr_gain_db"`
	DenseTestMSE float64 `json:"dense_test_mse"`
	config
	TrainExamples  int     `json:"train_examples"`
	TestExamples   int     `json:"test_examples"`
	DenseParams    int     `json:"dense_params"`
	DenoiserParams int     `json:"denoiser_params"`
	DenseSeconds   float64 `json:"dense_seconds"`
	DenoiseSeconds float64 `json:"denoise_seconds"`
	Seconds        float64 `json:"seconds"`
	Out            string  `json:"out"`
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("autoencoder: ")
	c := config{
		TrainFlags:  recipe.TrainFlags{Epochs: 3, Batch: 64, LR: 2e-3, Seed: 1, Out: "autoencoder-out"},
		DataFlags:   recipe.DataFlags{Limit: 20000},
		DenseEpochs: 10,
		Noise:       "gaussian",
	}
	c.TrainFlags.Register(flag.CommandLine)
	c.DataFlags.Register(flag.CommandLine)
	flag.Lookup("epochs").Usage = "training epochs of the denoising autoencoder"
	flag.Lookup("lr").Usage = "Adam learning rate (both models)"
	flag.IntVar(&c.DenseEpochs, "dense-epochs", c.DenseEpochs, "training epochs of the 2-D dense autoencoder (0: same as -epochs)")
	flag.StringVar(&c.Noise, "noise", c.Noise, "noise of the denoiser's inputs: gaussian or saltpepper")
	flag.Float64Var(&c.Level, "level", c.Level, "noise level: standard deviation (gaussian, default 0.5) or probability (saltpepper, default 0.3)")
	flag.Parse()

	start := time.Now()
	res, err := run(c)
	if err != nil {
		log.Fatal(err)
	}
	res.Seconds = time.Since(start).Seconds()
	if err := recipe.PrintJSON(os.Stdout, res); err != nil {
		log.Fatal(err)
	}
}

func run(c config) (*result, error) {
	if c.DenseEpochs <= 0 {
		c.DenseEpochs = c.Epochs
	}
	if c.Level == 0 {
		c.Level = 0.5
		if c.Noise == "saltpepper" {
			c.Level = 0.3
		}
	}
	if c.Noise != "gaussian" && c.Noise != "saltpepper" {
		return nil, fmt.Errorf("-noise must be gaussian or saltpepper, got %q", c.Noise)
	}
	if c.Epochs <= 0 || c.Batch <= 0 || c.LR <= 0 {
		return nil, fmt.Errorf("-epochs, -batch and -lr must be positive, got %d, %d and %g", c.Epochs, c.Batch, c.LR)
	}
	trainAll, testAll, err := data.MNIST(c.Data)
	if err != nil {
		return nil, err
	}
	// Pixels stay in [0, 1]: both decoders end in a sigmoid.
	trainSet := data.First(trainAll, c.Limit)
	testSet := data.First(testAll, c.TestLimit)
	if err := os.MkdirAll(c.Out, 0o755); err != nil {
		return nil, err
	}
	res := &result{config: c, TrainExamples: trainSet.Len(), TestExamples: testSet.Len(), Out: c.Out}

	t0 := time.Now()
	if err := dense(c, trainSet, testSet, res); err != nil {
		return nil, fmt.Errorf("dense autoencoder: %w", err)
	}
	res.DenseSeconds = time.Since(t0).Seconds()

	t0 = time.Now()
	if err := denoise(c, trainSet, testSet, res); err != nil {
		return nil, fmt.Errorf("denoising autoencoder: %w", err)
	}
	res.DenoiseSeconds = time.Since(t0).Seconds()
	return res, nil
}

// fit trains model on ds with the mean squared error and returns the
// trainer (for evaluation) and the history.
func fit(c config, model nn.Layer, ds data.Dataset, epochs int, metrics ...train.Metric) (*train.Trainer, *train.History, error) {
	if !c.Quiet {
		if s, err := nn.Summary(model, append([]int{c.Batch}, ds.XShape()...)); err == nil {
			fmt.Fprint(os.Stderr, s)
		}
	}
	opt, err := train.NewAdam(c.LR)
	if err != nil {
		return nil, nil, err
	}
	tr, err := train.New(model, train.Config{
		Epochs:        epochs,
		BatchSize:     c.Batch,
		EvalBatchSize: 500,
		Seed:          c.Seed,
		Loss:          train.MSE(),
		Optimizer:     opt,
		Metrics:       metrics,
		Verbosity:     recipe.Verbosity(c.Quiet),
	})
	if err != nil {
		return nil, nil, err
	}
	hist, err := tr.Fit(ds, nil)
	if err != nil {
		tr.Close()
		return nil, nil, err
	}
	return tr, hist, nil
}

// dense trains the 2-D autoencoder, then plots the codes of the test images
// and the decoded grid of codes.
func dense(c config, trainSet, testSet data.Dataset, res *result) error {
	ae, err := zoo.DenseAutoencoder(2, zoo.WithSeed(c.Seed))
	if err != nil {
		return err
	}
	res.DenseParams = nn.NumParams(ae)
	fmt.Fprintf(os.Stderr, "dense autoencoder to a 2-D code: %d training images, %d epochs\n", trainSet.Len(), c.DenseEpochs)
	tr, hist, err := fit(c, ae, data.Autoencoder(trainSet), c.DenseEpochs)
	if err != nil {
		return err
	}
	defer tr.Close()
	logs, err := tr.Evaluate(data.Autoencoder(testSet))
	if err != nil {
		return err
	}
	res.DenseTestMSE = logs["loss"]
	fmt.Fprintf(os.Stderr, "dense autoencoder: test MSE %.4f\n", res.DenseTestMSE)
	if err := hist.SavePlot(filepath.Join(c.Out, "dense_history.png"), plot.WithTitle("dense autoencoder (2-D code)")); err != nil {
		return err
	}
	if err := nn.SaveSafetensors(ae, filepath.Join(c.Out, "dense.safetensors")); err != nil {
		return err
	}

	// The codes of the test images, coloured by digit.
	codes, err := predict(ae.Encoder(), testSet, 500)
	if err != nil {
		return err
	}
	n := testSet.Len()
	xs, ys, class := make([]float64, n), make([]float64, n), make([]int, n)
	lab, ok := data.AsLabeled(testSet)
	if !ok {
		return fmt.Errorf("the test set has no labels to colour the codes by")
	}
	for i := range n {
		xs[i], ys[i] = codes[2*i], codes[2*i+1]
		class[i] = lab.Label(i)
	}
	names := make([]string, 10)
	for d := range names {
		names[d] = strconv.Itoa(d)
	}
	if err := plot.Scatter(filepath.Join(c.Out, "codes.png"), xs, ys, class,
		plot.WithTitle("2-D codes of the test digits (colour: true digit, never seen in training)"), plot.WithClassNames(names...)); err != nil {
		return err
	}

	// Decode a regular grid spanning the central 90% of the codes.
	const g = 15
	x0, x1 := quantile(xs, 0.05), quantile(xs, 0.95)
	y0, y1 := quantile(ys, 0.05), quantile(ys, 0.95)
	grid := make([]float64, 0, 2*g*g)
	for r := range g {
		for col := range g {
			// Rows run from high y (top) to low y, as the scatter's axis.
			grid = append(grid, x0+(x1-x0)*float64(col)/(g-1), y1-(y1-y0)*float64(r)/(g-1))
		}
	}
	gt, err := graph.FromFloat64s(tensor.Float32, []int{g * g, 2}, grid)
	if err != nil {
		return err
	}
	out, err := nn.Predict(ae.Decoder(), gt)
	if err != nil {
		return err
	}
	pix, err := graph.Float64s(out)
	if err != nil {
		return err
	}
	imgs := make([]plot.Image, g*g)
	for i := range imgs {
		imgs[i] = plot.Image{H: 28, W: 28, Pix: pix[i*784 : (i+1)*784]}
	}
	return plot.ImageGrid(filepath.Join(c.Out, "manifold.png"), imgs, g, plot.WithScale(2),
		plot.WithTitle(fmt.Sprintf("decoded codes: x %.1f..%.1f, y %.1f..%.1f", x0, x1, y1, y0)))
}

// noisy wraps the autoencoder view of ds with the configured noise.
func noisy(c config, ds data.Dataset, seed int64) (data.Dataset, error) {
	if c.Noise == "saltpepper" {
		return data.SaltPepper(data.Autoencoder(ds), c.Level, seed)
	}
	return data.GaussianNoise(data.Autoencoder(ds), c.Level, seed, data.NoiseRange(0, 1))
}

// denoise trains the convolutional denoising autoencoder, measures the PSNR
// of the noisy and the denoised test images and draws examples.
func denoise(c config, trainSet, testSet data.Dataset, res *result) error {
	ae, err := zoo.ConvAutoencoder(zoo.WithSeed(c.Seed))
	if err != nil {
		return err
	}
	res.DenoiserParams = nn.NumParams(ae)
	trainNoisy, err := noisy(c, trainSet, c.Seed)
	if err != nil {
		return err
	}
	// Different noise for the test images (fixed: the test set is never
	// given an epoch).
	testNoisy, err := noisy(c, testSet, data.DeriveSeed(c.Seed, 1))
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "convolutional denoising autoencoder (%s noise %g): %d training images, %d epochs\n",
		c.Noise, c.Level, trainSet.Len(), c.Epochs)
	tr, hist, err := fit(c, ae, trainNoisy, c.Epochs, train.NewPSNR())
	if err != nil {
		return err
	}
	defer tr.Close()
	logs, err := tr.Evaluate(testNoisy, train.NewPSNR())
	if err != nil {
		return err
	}
	res.TestMSE, res.DenoisedPSNR = logs["loss"], logs["psnr"]
	noisyMSE, err := inputMSE(testNoisy)
	if err != nil {
		return err
	}
	res.NoisyPSNR = 10 * math.Log10(1/noisyMSE)
	res.PSNRGain = res.DenoisedPSNR - res.NoisyPSNR
	fmt.Fprintf(os.Stderr, "denoiser on the test set: MSE noisy %.4f -> denoised %.4f; PSNR %.2f dB -> %.2f dB (%+.2f dB)\n",
		noisyMSE, res.TestMSE, res.NoisyPSNR, res.DenoisedPSNR, res.PSNRGain)
	if err := hist.SavePlot(filepath.Join(c.Out, "denoise_history.png"), plot.WithTitle("denoising autoencoder")); err != nil {
		return err
	}
	if err := nn.SaveSafetensors(ae, filepath.Join(c.Out, "denoiser.safetensors")); err != nil {
		return err
	}

	// One test image of each digit: noisy, denoised, clean.
	lab, ok := data.AsLabeled(testSet)
	if !ok {
		return fmt.Errorf("the test set has no labels to pick one image per digit")
	}
	var idx []int
	seen := map[int]bool{}
	for i := 0; i < testSet.Len() && len(idx) < 10; i++ {
		if d := lab.Label(i); !seen[d] {
			seen[d] = true
			idx = append(idx, i)
		}
	}
	sub, err := data.NewSubset(testNoisy, idx)
	if err != nil {
		return err
	}
	x, y, err := collect(sub)
	if err != nil {
		return err
	}
	xt, err := graph.FromFloat64s(tensor.Float32, []int{len(idx), 1, 28, 28}, x)
	if err != nil {
		return err
	}
	out, err := nn.Predict(ae, xt)
	if err != nil {
		return err
	}
	pred, err := graph.Float64s(out)
	if err != nil {
		return err
	}
	var imgs []plot.Image
	for row, src := range [][]float64{x, pred, y} {
		name := []string{"noisy", "denoised", "clean"}[row]
		for k := range idx {
			imgs = append(imgs, plot.Image{H: 28, W: 28, Pix: src[k*784 : (k+1)*784], Label: name})
		}
	}
	return plot.ImageGrid(filepath.Join(c.Out, "denoise.png"), imgs, len(idx),
		plot.WithTitle(fmt.Sprintf("rows: noisy input (%.1f dB), denoised (%.1f dB), clean", res.NoisyPSNR, res.DenoisedPSNR)))
}

// inputMSE is the mean squared difference between the inputs and the
// targets of ds over every pixel.
func inputMSE(ds data.Dataset) (float64, error) {
	x := make([]float32, data.Size(ds.XShape()))
	y := make([]float32, data.Size(ds.YShape()))
	sum := 0.0
	for i := range ds.Len() {
		if err := ds.Get(i, x, y); err != nil {
			return 0, err
		}
		for j := range x {
			d := float64(x[j]) - float64(y[j])
			sum += d * d
		}
	}
	return sum / float64(ds.Len()*len(x)), nil
}

// collect returns all inputs and targets of ds as float64s.
func collect(ds data.Dataset) (x, y []float64, err error) {
	xs, ys := data.Size(ds.XShape()), data.Size(ds.YShape())
	xb, yb := make([]float32, xs), make([]float32, ys)
	for i := range ds.Len() {
		if err := ds.Get(i, xb, yb); err != nil {
			return nil, nil, err
		}
		for _, v := range xb {
			x = append(x, float64(v))
		}
		for _, v := range yb {
			y = append(y, float64(v))
		}
	}
	return x, y, nil
}

// predict runs l in evaluation mode over the inputs of ds in batches of bs
// and returns the outputs back to back.
func predict(l nn.Layer, ds data.Dataset, bs int) ([]float64, error) {
	b, err := data.NewBatcher(ds, tensor.Float32)
	if err != nil {
		return nil, err
	}
	var out []float64
	for _, idx := range data.Batches(seq(ds.Len()), bs, false) {
		x, _, err := b.Batch(idx)
		if err != nil {
			return nil, err
		}
		y, err := nn.Predict(l, x)
		if err != nil {
			return nil, err
		}
		v, err := graph.Float64s(y)
		if err != nil {
			return nil, err
		}
		out = append(out, v...)
	}
	return out, nil
}

// quantile returns the q-quantile of v (nearest rank).
func quantile(v []float64, q float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

// seq returns 0, 1, ..., n-1.
func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}
