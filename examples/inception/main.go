// Command inception trains a small Inception-ResNet (Szegedy et al. 2017,
// https://arxiv.org/abs/1602.07261) on MNIST and evaluates it on the 10,000
// test images.
//
// The model is zoo.InceptionResNetSmall: Inception-ResNet-v2's blocks,
// narrowed for 28x28 images. Each Inception-ResNet block runs parallel
// branches of 1x1, 3x3 (or 1x7 and 7x1) convolutions, concatenates them,
// projects the result back to the input width with a 1x1 convolution,
// scales it (by 0.17 or 0.1, which keeps the sum stable) and adds it to
// its input:
//
//	stem      conv2d_1a 3x3 32, conv2d_2a 3x3/2 valid 64             (13x13x64)
//	block35_1, block35_2   A blocks: 1x1 | 1x1→3x3 | 1x1→3x3→3x3, scale 0.17
//	mixed_6a  Reduction-A: 3x3/2 | 1x1→3x3→3x3/2 | max pool 3x3/2   (6x6x192)
//	block17_1, block17_2   B blocks: 1x1 | 1x1→1x7→7x1, scale 0.1
//	conv_7b   1x1 256, global average pooling, dropout 0.2, Dense(256→10)
//
// Every convolution of the stem and the branches is Keras's conv2d_bn
// (convolution without bias, BatchNorm, ReLU); a block's 1x1 projection has a
// bias and no BatchNorm, and a ReLU follows the sum.
//
// The model costs about eight times the compute of examples/mnist's CNN per
// image, so by default it trains for 2 epochs on the first 30,000 training
// digits (-limit 0 for all 60,000), with batches of 64 and Adam lr 2e-3
// annealed along a cosine to 2e-4 (seed 1); the README's Measured section
// gives its test accuracy (about 0.99) and wall time.
//
// It prints the model summary and a progress bar per epoch on stderr; the
// last line on stdout is a JSON object with the results (test_accuracy,
// seconds, ...). Into -out it writes the weights (model.safetensors),
// history.csv and history.png.
//
// Usage:
//
//	go run ./examples/inception [-epochs 2] [-batch 64] [-lr 0.002] [-seed 1]
//	    [-out inception-out] [-data DIR] [-limit 30000] [-test-limit N] [-quiet]
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/convnet-go/convnet/examples/internal/recipe"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/train"
	"github.com/convnet-go/convnet/train/plot"
	"github.com/convnet-go/convnet/zoo"
)

// config holds the command-line settings: the flags every training
// example shares (recipe.TrainFlags, recipe.DataFlags).
type config struct {
	recipe.TrainFlags
	recipe.DataFlags
}

// result is the JSON summary printed as the last line; the embedded
// settings give epochs, batch_size, lr and seed.
type result struct {
	TestAccuracy float64 `json:"test_accuracy"`
	TestLoss     float64 `json:"test_loss"`
	TestExamples int     `json:"test_examples"`
	recipe.TrainFlags
	TrainExamples int     `json:"train_examples"`
	Params        int     `json:"params"`
	TrainSeconds  float64 `json:"train_seconds"`
	Seconds       float64 `json:"seconds"`
	Out           string  `json:"out"`
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("inception: ")
	c := config{
		TrainFlags: recipe.TrainFlags{Epochs: 2, Batch: 64, LR: 2e-3, Seed: 1, Out: "inception-out"},
		DataFlags:  recipe.DataFlags{Limit: 30000},
	}
	c.TrainFlags.Register(flag.CommandLine)
	c.DataFlags.Register(flag.CommandLine)
	flag.Lookup("lr").Usage = "Adam learning rate of the first epoch (annealed along a cosine to lr/10)"
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

// model builds the network, initialised from seed.
func model(seed int64) (nn.Layer, error) {
	return zoo.InceptionResNetSmall(10, zoo.WithSeed(seed))
}

func run(c config) (*result, error) {
	ds, test, err := recipe.MNIST(c.Data, c.Limit, c.TestLimit)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(c.Out, 0o755); err != nil {
		return nil, err
	}

	m, err := model(c.Seed)
	if err != nil {
		return nil, err
	}
	if err := nn.WriteSummary(os.Stderr, m, []int{1, 1, 28, 28}); err != nil {
		return nil, err
	}
	// Adam, with the learning rate annealed along a cosine from lr at the
	// first epoch to lr/10 at the last; softmax cross-entropy on the logits.
	opt, err := train.NewAdam(c.LR)
	if err != nil {
		return nil, err
	}
	var sched train.Schedule
	if c.Epochs > 1 {
		if sched, err = train.NewCosineAnnealing(c.Epochs-1, c.LR/10); err != nil {
			return nil, err
		}
	}
	tr, err := train.New(m, train.Config{
		Epochs: c.Epochs, BatchSize: c.Batch, EvalBatchSize: 500, Seed: c.Seed,
		Loss:      train.SoftmaxCrossEntropy(),
		Optimizer: opt, Schedule: sched,
		Metrics:   []train.Metric{train.NewAccuracy()},
		Verbosity: recipe.Verbosity(c.Quiet),
	})
	if err != nil {
		return nil, err
	}
	defer tr.Close()
	t0 := time.Now()
	hist, err := tr.Fit(ds, nil)
	if err != nil {
		return nil, err
	}
	trainSeconds := time.Since(t0).Seconds()

	// Test loss, accuracy and the confusion matrix (rows: true class,
	// columns: predicted class).
	cm := train.NewConfusionMatrix()
	logs, err := tr.Evaluate(test, train.NewAccuracy(), cm)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "test: loss %.4f, accuracy %.4f\n%s", logs["loss"], logs["accuracy"], cm)
	if err := nn.SaveSafetensors(m, filepath.Join(c.Out, "model.safetensors")); err != nil {
		return nil, err
	}
	if err := hist.SaveCSV(filepath.Join(c.Out, "history.csv")); err != nil {
		return nil, err
	}
	if err := hist.SavePlot(filepath.Join(c.Out, "history.png"), plot.WithTitle("Inception-ResNet (small) on MNIST")); err != nil {
		return nil, err
	}

	res := &result{
		TestAccuracy: logs["accuracy"], TestLoss: logs["loss"], TestExamples: test.Len(),
		TrainFlags: c.TrainFlags, TrainExamples: ds.Len(), Params: nn.NumParams(m), TrainSeconds: trainSeconds, Out: c.Out,
	}
	return res, nil
}
