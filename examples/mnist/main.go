// Command mnist trains a small convolutional network on MNIST (or
// Fashion-MNIST) and evaluates it on the 10,000 test images.
//
// The model is the LeNet-style layout
//
//	Conv(1→32, 3×3) - ReLU - MaxPool 2
//	Conv(32→64, 3×3) - ReLU - MaxPool 2
//	Flatten - Dense(1600→128) - ReLU - Dropout(0.25) - Dense(128→10)
//
// trained with Adam (lr 2e-3 annealed along a cosine to 2e-4 at the last
// epoch), batches of 64, softmax cross-entropy, on pixels standardised with
// the training set's mean and standard deviation. With the default flags
// it reaches a test accuracy of about 0.99 in 3 epochs.
//
// It prints a progress bar per epoch on stderr and, as its last line on
// stdout, a JSON object with the results. Into -out it writes the weights
// (model.safetensors, PyTorch state_dict names), the per-epoch history
// (history.csv) and its curves (history.png), and the loss of every
// training step (loss.png).
//
// Usage:
//
//	go run ./examples/mnist [-epochs 3] [-batch 64] [-lr 0.002] [-seed 1]
//	    [-dataset mnist|fashion] [-out mnist-out] [-data DIR]
//	    [-cosine=true] [-limit N] [-test-limit N] [-quiet]
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
	"github.com/convnet-go/convnet/train/data"
	"github.com/convnet-go/convnet/train/plot"
)

// config holds the command-line settings: the flags every training
// example shares (recipe.TrainFlags, recipe.DataFlags) and this one's own.
type config struct {
	recipe.TrainFlags
	recipe.DataFlags
	Dataset string
	Cosine  bool
}

// result is the JSON summary printed as the last line; the embedded
// settings give epochs, batch_size, lr and seed.
type result struct {
	Dataset      string  `json:"dataset"`
	TestExamples int     `json:"test_examples"`
	TestAccuracy float64 `json:"test_accuracy"`
	TestLoss     float64 `json:"test_loss"`
	recipe.TrainFlags
	TrainExamples int     `json:"train_examples"`
	Params        int     `json:"params"`
	Seconds       float64 `json:"seconds"`
	TrainSeconds  float64 `json:"train_seconds"`
	Weights       string  `json:"weights"`
	History       string  `json:"history"`
	Plot          string  `json:"plot"`
	LossPlot      string  `json:"loss_plot"`
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("mnist: ")
	c := config{
		TrainFlags: recipe.TrainFlags{Epochs: 3, Batch: 64, LR: 2e-3, Seed: 1, Out: "mnist-out"},
		Dataset:    "mnist",
		Cosine:     true,
	}
	c.TrainFlags.Register(flag.CommandLine)
	c.DataFlags.Register(flag.CommandLine)
	flag.Lookup("lr").Usage = "Adam learning rate (of the first epoch, see -cosine)"
	flag.StringVar(&c.Dataset, "dataset", c.Dataset, "mnist or fashion")
	flag.BoolVar(&c.Cosine, "cosine", c.Cosine, "anneal the learning rate along a cosine over the epochs (to lr/10 at the last)")
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

// model builds the network, layer by layer: two convolution blocks that
// turn a 28×28 digit into 64 maps of 5×5, then a classifier on those 1,600
// numbers. Each convolution and dense layer applies its ReLU itself
// (WithActivation). Initialize draws every weight from seed and the
// weight's name ("0.weight", "2.bias", ...), so the same seed gives the
// same network.
func model(seed int64) (*nn.Sequential, error) {
	relu := nn.WithActivation(nn.NewReLU())
	conv1, err := nn.NewConv2D(1, 32, 3, relu) // (N,1,28,28) -> (N,32,26,26)
	if err != nil {
		return nil, err
	}
	pool1, err := nn.NewMaxPool2D(2) // -> (N,32,13,13)
	if err != nil {
		return nil, err
	}
	conv2, err := nn.NewConv2D(32, 64, 3, relu) // -> (N,64,11,11)
	if err != nil {
		return nil, err
	}
	pool2, err := nn.NewMaxPool2D(2) // -> (N,64,5,5)
	if err != nil {
		return nil, err
	}
	fc1, err := nn.NewDense(64*5*5, 128, relu)
	if err != nil {
		return nil, err
	}
	drop, err := nn.NewDropout(0.25)
	if err != nil {
		return nil, err
	}
	fc2, err := nn.NewDense(128, 10) // logits: softmax is in the loss
	if err != nil {
		return nil, err
	}
	m, err := nn.NewSequential(conv1, pool1, conv2, pool2, nn.NewFlatten(), fc1, drop, fc2)
	if err != nil {
		return nil, err
	}
	return m, nn.Initialize(m, seed)
}

func run(c config) (*result, error) {
	// The pixels are standardised with the training set's statistics.
	var ds, test data.Dataset
	var err error
	switch c.Dataset {
	case "mnist":
		ds, test, err = recipe.MNIST(c.Data, c.Limit, c.TestLimit)
	case "fashion":
		ds, test, err = recipe.FashionMNIST(c.Data, c.Limit, c.TestLimit)
	default:
		return nil, fmt.Errorf("-dataset must be mnist or fashion, got %q", c.Dataset)
	}
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
	if s, err := nn.Summary(m, []int{c.Batch, 1, 28, 28}); err == nil {
		fmt.Fprint(os.Stderr, s)
	}

	// Adam, with the learning rate annealed along a cosine from lr at the
	// first epoch to lr/10 at the last.
	opt, err := train.NewAdam(c.LR)
	if err != nil {
		return nil, err
	}
	var sched train.Schedule
	if c.Cosine && c.Epochs > 1 {
		if sched, err = train.NewCosineAnnealing(c.Epochs-1, c.LR/10); err != nil {
			return nil, err
		}
	}
	// Record the loss of every step for a finer curve than the per-epoch
	// history.
	steps := recipe.NewStepLoss(ds.Len(), c.Batch)
	tr, err := train.New(m, train.Config{
		Epochs: c.Epochs, BatchSize: c.Batch, EvalBatchSize: 500, Seed: c.Seed,
		Loss:      train.SoftmaxCrossEntropy(),
		Optimizer: opt, Schedule: sched,
		Metrics:   []train.Metric{train.NewAccuracy()},
		Callbacks: []train.Callback{steps.Callback()},
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

	// Test loss, accuracy and the confusion matrix (rows: true digit,
	// columns: predicted digit).
	cm := train.NewConfusionMatrix()
	logs, err := tr.Evaluate(test, train.NewAccuracy(), cm)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "test: loss %.4f, accuracy %.4f\n%s", logs["loss"], logs["accuracy"], cm)

	res := &result{
		Dataset: c.Dataset, TestExamples: test.Len(), TestAccuracy: logs["accuracy"], TestLoss: logs["loss"],
		TrainFlags: c.TrainFlags, TrainExamples: ds.Len(), Params: nn.NumParams(m), TrainSeconds: trainSeconds,
		Weights:  filepath.Join(c.Out, "model.safetensors"),
		History:  filepath.Join(c.Out, "history.csv"),
		Plot:     filepath.Join(c.Out, "history.png"),
		LossPlot: filepath.Join(c.Out, "loss.png"),
	}
	if err := nn.SaveSafetensors(m, res.Weights); err != nil {
		return nil, err
	}
	if err := hist.SaveCSV(res.History); err != nil {
		return nil, err
	}
	if err := hist.SavePlot(res.Plot); err != nil {
		return nil, err
	}
	curve := plot.Panel{Title: "training loss per step", XLabel: "epoch", YLabel: "loss", LogY: true, Series: []plot.Series{
		{Name: "batch loss", X: steps.X, Y: steps.Loss},
		{Name: "mean of 50 steps", X: steps.X, Y: recipe.MovingMean(steps.Loss, 50)},
	}}
	if err := plot.Lines(res.LossPlot, curve); err != nil {
		return nil, err
	}
	return res, nil
}
