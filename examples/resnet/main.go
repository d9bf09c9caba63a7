// Command resnet trains a small residual network (He et al. 2016,
// https://arxiv.org/abs/1512.03385) on MNIST and evaluates it on the 10,000
// test images.
//
// The default model ("-arch small") is a narrow ResNet-8 built from the
// zoo's torchvision residual blocks (zoo.NewResidualBlock, Basic kind):
//
//	conv1 Conv(1→16, 3×3, pad 1) - bn1 - ReLU - MaxPool 2       28×28 → 14×14
//	layer1  BasicBlock(16 → 16)                                 14×14
//	layer2  BasicBlock(16 → 32, stride 2, 1×1 downsample)       7×7
//	layer3  BasicBlock(32 → 64, stride 2, 1×1 downsample)       4×4
//	avgpool GlobalAvgPool - fc Dense(64→10)
//
// Each block is y = ReLU(bn2(conv2(ReLU(bn1(conv1(x))))) + shortcut(x)),
// the shortcut being x itself or, when the stride or the width changes,
// a 1x1 convolution with BatchNorm. It has 77,754 parameters and about 2.6
// million multiply-adds per image, as many as examples/mnist's plain CNN.
//
// "-arch resnet18" trains torchvision's ResNet18 instead, with the stem for
// small images (zoo.ResNet18(10, zoo.WithSmallInput(),
// zoo.WithInputChannels(1)): 11 million parameters and about 170 times the
// compute of the small model, hours per epoch on two CPU cores).
//
// With the default flags (3 epochs over the 60,000 training digits,
// batches of 64, Adam lr 2e-3 annealed along a cosine to 2e-4, seed 1) it
// reaches a test accuracy of about 0.99 (the README's Measured section gives
// the exact number and wall time).
//
// It prints the model summary (with the output-size and parameter formulas
// of every layer) and a progress bar per epoch on stderr; the last line on
// stdout is a JSON object with the results (test_accuracy, seconds, ...).
// Into -out it writes the weights (model.safetensors, torchvision's names),
// history.csv and history.png.
//
// Usage:
//
//	go run ./examples/resnet [-arch small|resnet18] [-epochs 3] [-batch 64]
//	    [-lr 0.002] [-seed 1] [-out resnet-out] [-data DIR] [-limit N]
//	    [-test-limit N] [-quiet]
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
// example shares (recipe.TrainFlags, recipe.DataFlags) and this one's own.
type config struct {
	recipe.TrainFlags
	recipe.DataFlags
	Arch string
}

// result is the JSON summary printed as the last line; the embedded
// settings give epochs, batch_size, lr and seed.
type result struct {
	Arch         string  `json:"arch"`
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
	log.SetPrefix("resnet: ")
	c := config{
		TrainFlags: recipe.TrainFlags{Epochs: 3, Batch: 64, LR: 2e-3, Seed: 1, Out: "resnet-out"},
		Arch:       "small",
	}
	c.TrainFlags.Register(flag.CommandLine)
	c.DataFlags.Register(flag.CommandLine)
	flag.Lookup("lr").Usage = "Adam learning rate of the first epoch (annealed along a cosine to lr/10)"
	flag.StringVar(&c.Arch, "arch", c.Arch, "small (a narrow ResNet-8 of zoo blocks) or resnet18 (zoo.ResNet18 with the small-input stem; very slow on a CPU)")
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

// model builds the network named by arch, initialised from seed.
func model(arch string, seed int64) (nn.Layer, error) {
	switch arch {
	case "resnet18":
		return zoo.ResNet18(10, zoo.WithSmallInput(), zoo.WithInputChannels(1), zoo.WithSeed(seed))
	case "small":
		return smallResNet(seed)
	}
	return nil, fmt.Errorf("-arch must be small or resnet18, got %q", arch)
}

// smallResNet is a ResNet-8 of widths 16, 32, 64 for 28x28 images, with
// torchvision's names (conv1, bn1, layer1.0.conv1, layer2.0.downsample.0,
// fc, ...).
func smallResNet(seed int64) (nn.Layer, error) {
	conv1, err := nn.NewConv2D(1, 16, 3, nn.WithPad(1), nn.WithBias(false))
	if err != nil {
		return nil, err
	}
	bn1, err := nn.NewBatchNorm2D(16)
	if err != nil {
		return nil, err
	}
	pool, err := nn.NewMaxPool2D(2)
	if err != nil {
		return nil, err
	}
	children := []nn.Child{{Name: "conv1", Layer: conv1}, {Name: "bn1", Layer: bn1}, {Name: "relu", Layer: nn.NewReLU()}, {Name: "maxpool", Layer: pool}}
	in := 16
	for i, width := range []int{16, 32, 64} {
		stride := 2
		if i == 0 {
			stride = 1
		}
		block, err := zoo.NewResidualBlock(zoo.Basic, in, width, stride)
		if err != nil {
			return nil, err
		}
		stage, err := nn.NewSequential(block)
		if err != nil {
			return nil, err
		}
		children = append(children, nn.Child{Name: fmt.Sprintf("layer%d", i+1), Layer: stage})
		in = width
	}
	fc, err := nn.NewDense(in, 10)
	if err != nil {
		return nil, err
	}
	children = append(children, nn.Child{Name: "avgpool", Layer: nn.NewGlobalAvgPool()}, nn.Child{Name: "fc", Layer: fc})
	m, err := nn.NewSequentialNamed(children...)
	if err != nil {
		return nil, err
	}
	return m, nn.Initialize(m, seed)
}

func run(c config) (*result, error) {
	ds, test, err := recipe.MNIST(c.Data, c.Limit, c.TestLimit)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(c.Out, 0o755); err != nil {
		return nil, err
	}

	m, err := model(c.Arch, c.Seed)
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
	if err := hist.SavePlot(filepath.Join(c.Out, "history.png"), plot.WithTitle("ResNet ("+c.Arch+") on MNIST")); err != nil {
		return nil, err
	}

	res := &result{
		Arch: c.Arch, TestAccuracy: logs["accuracy"], TestLoss: logs["loss"], TestExamples: test.Len(),
		TrainFlags: c.TrainFlags, TrainExamples: ds.Len(), Params: nn.NumParams(m), TrainSeconds: trainSeconds, Out: c.Out,
	}
	return res, nil
}
