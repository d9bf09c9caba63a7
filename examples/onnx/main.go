// Command onnx takes a model trained elsewhere through convnet and back out:
//
//  1. Import the ONNX model zoo's MNIST CNN, mnist-8 (CNTK, opset 7:
//     Conv 5x5(8)-ReLU-MaxPool 2-Conv 5x5(16)-ReLU-MaxPool 3-Dense 10 on
//     raw 0-255 pixels, batch size 1), with onnx.Read.
//  2. Evaluate it on the 10,000 MNIST test images (train.Trainer.Evaluate
//     with train.Accuracy: an imported model is an nn.Layer).
//  3. Give it a new head (the last layer's weights Parameter193 (256, 10)
//     and Parameter194 redrawn, PyTorch's default U(±1/√256)) and fine-tune
//     the whole network for one epoch on Fashion-MNIST with train.Trainer
//     (Adam, batches of 1 image: the file fixes the batch size), then
//     evaluate it on the 10,000 Fashion-MNIST test images.
//  4. Export the fine-tuned model with onnx.WriteFile (opset 13, the
//     Params under their ONNX names) and run the file in ONNX Runtime (npm
//     onnxruntime-node, installed by ./test.sh) on the first -ort-images
//     test images, comparing its scores with nn.Predict's.
//
// It prints a table and, as its last stdout line, a JSON object with
// mnist8_test_accuracy, fashion_test_accuracy, onnxruntime_max_rel_diff
// (max |ONNX Runtime - convnet| / max |convnet| over the compared scores),
// the other settings and seconds. The exported model is written to
// -out/mnist8_fashion.onnx.
//
// The README's Measured section gives the numbers of a default run and its
// wall time.
//
// Usage:
//
//	go run ./examples/onnx [-lr 0.0001] [-seed 1] [-out onnx-out]
//	    [-limit 0] [-test-limit 0] [-ort-images 100] [-quiet]
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/convnet-go/convnet/examples/internal/recipe"
	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/internal/mnist8"
	"github.com/convnet-go/convnet/internal/ort"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/onnx"
	"github.com/convnet-go/convnet/train"
	"github.com/convnet-go/convnet/train/data"
	"gorgonia.org/tensor"
)

// config holds the command-line settings.
type config struct {
	LR        float64 `json:"lr"`
	Seed      int64   `json:"seed"`
	Limit     int     `json:"train_limit"`
	TestLimit int     `json:"test_limit"`
	ORTImages int     `json:"ort_images"`
	Out       string  `json:"-"`
	Quiet     bool    `json:"-"`
}

// result is the JSON summary printed as the last line.
type result struct {
	MNIST8Accuracy  float64 `json:"mnist8_test_accuracy"`
	FashionAccuracy float64 `json:"fashion_test_accuracy"`
	ORTMaxRelDiff   float64 `json:"onnxruntime_max_rel_diff"`
	Params          int     `json:"params"`
	TrainExamples   int     `json:"train_examples"`
	TestExamples    int     `json:"test_examples"`
	config
	Model   string  `json:"model"`
	Seconds float64 `json:"seconds"`
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("onnx: ")
	var c config
	flag.Float64Var(&c.LR, "lr", 1e-4, "Adam's learning rate for the fine-tuning")
	flag.Int64Var(&c.Seed, "seed", 1, "seed of the new head and of the shuffling")
	flag.IntVar(&c.Limit, "limit", 0, "use only the first N Fashion-MNIST training images (0: all 60,000)")
	flag.IntVar(&c.TestLimit, "test-limit", 0, "evaluate on the first N test images (0: all 10,000)")
	flag.IntVar(&c.ORTImages, "ort-images", 100, "test images to run in ONNX Runtime")
	flag.StringVar(&c.Out, "out", "onnx-out", "folder for the exported model")
	flag.BoolVar(&c.Quiet, "quiet", false, "no progress bar")
	flag.Parse()
	res, err := run(c, os.Stdout)
	if err != nil {
		log.Fatal(err)
	}
	if err := recipe.PrintJSON(os.Stdout, res); err != nil {
		log.Fatal(err)
	}
}

// run does the work and writes the table to w.
func run(c config, w io.Writer) (*result, error) {
	switch {
	case c.LR <= 0 || math.IsNaN(c.LR):
		return nil, fmt.Errorf("-lr must be positive, got %v", c.LR)
	case c.Limit < 0 || c.TestLimit < 0 || c.ORTImages < 1:
		return nil, fmt.Errorf("-limit and -test-limit must be >= 0 and -ort-images >= 1, got %d, %d, %d", c.Limit, c.TestLimit, c.ORTImages)
	}
	start := time.Now()
	res := &result{config: c}

	raw, err := mnist8.Model()
	if err != nil {
		return nil, err
	}
	m, err := onnx.Read(raw)
	if err != nil {
		return nil, err
	}
	res.Params = nn.NumParams(m)
	fmt.Fprintf(w, "imported mnist-8: %v, ops %v, %d parameters\n", m, m.Ops(), res.Params)

	mnistDir, err := data.MNISTDir("")
	if err != nil {
		return nil, err
	}
	mnistTest, err := load(mnistDir, "t10k", c.TestLimit)
	if err != nil {
		return nil, err
	}
	// the file fixes the batch size at 1: the trainer trains and evaluates
	// one image at a time
	opt, err := train.NewAdam(c.LR)
	if err != nil {
		return nil, err
	}
	verbosity := train.Bar
	if c.Quiet {
		verbosity = train.Silent
	}
	tr, err := train.New(m, train.Config{Epochs: 1, BatchSize: 1, Seed: c.Seed, Optimizer: opt, Verbosity: verbosity})
	if err != nil {
		return nil, err
	}
	defer tr.Close()
	if res.MNIST8Accuracy, err = accuracy(tr, mnistTest); err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "%-44s %.4f\n", "mnist-8 on the MNIST test images", res.MNIST8Accuracy)

	if err := newHead(m, c.Seed); err != nil {
		return nil, err
	}
	fashionDir, err := data.FashionMNISTDir("")
	if err != nil {
		return nil, err
	}
	trainSet, err := load(fashionDir, "train", c.Limit)
	if err != nil {
		return nil, err
	}
	testSet, err := load(fashionDir, "t10k", c.TestLimit)
	if err != nil {
		return nil, err
	}
	res.TrainExamples, res.TestExamples = trainSet.Len(), testSet.Len()
	if _, err := tr.Fit(trainSet, nil); err != nil {
		return nil, err
	}
	if res.FashionAccuracy, err = accuracy(tr, testSet); err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "%-44s %.4f\n", "fine-tuned on Fashion-MNIST, its test images", res.FashionAccuracy)

	if err := os.MkdirAll(c.Out, 0o755); err != nil {
		return nil, err
	}
	res.Model = filepath.Join(c.Out, "mnist8_fashion.onnx")
	if err := onnx.WriteFile(res.Model, m, []int{1, 1, 28, 28}); err != nil {
		return nil, err
	}
	if res.ORTMaxRelDiff, err = compareORT(m, res.Model, testSet, c.ORTImages); err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "%-44s %.3g\n", fmt.Sprintf("ONNX Runtime vs convnet, %d images (rel)", min(c.ORTImages, testSet.Len())), res.ORTMaxRelDiff)
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

// load reads the first limit (0: all) images of an IDX set ("train" or
// "t10k") as raw 0-255 pixels, (1, 28, 28) each, with one-hot labels.
func load(dir, prefix string, limit int) (*data.Tensor, error) {
	pix, n, h, w, err := data.ReadIDXImages(filepath.Join(dir, prefix+"-images-idx3-ubyte.gz"))
	if err != nil {
		return nil, err
	}
	labels, err := data.ReadIDXLabels(filepath.Join(dir, prefix+"-labels-idx1-ubyte.gz"))
	if err != nil {
		return nil, err
	}
	if limit > 0 && limit < n {
		n = limit
	}
	x := make([]float32, n*h*w)
	for i := range x {
		x[i] = float32(pix[i])
	}
	return data.NewLabeled(x, []int{1, h, w}, labels[:n], 10)
}

// image returns example i of ds as a (1, 1, 28, 28) tensor and its label.
func image(ds *data.Tensor, i int) (*tensor.Dense, int, error) {
	x := ds.X(i)
	if x == nil {
		return nil, 0, fmt.Errorf("example %d out of range [0, %d)", i, ds.Len())
	}
	return tensor.New(tensor.WithShape(1, 1, 28, 28), tensor.WithBacking(append([]float32(nil), x...))), ds.Label(i), nil
}

// accuracy is the fraction of ds that the trainer's model classifies
// right (train.Trainer.Evaluate in evaluation mode, with train.Accuracy).
func accuracy(tr *train.Trainer, ds *data.Tensor) (float64, error) {
	logs, err := tr.Evaluate(ds, train.NewAccuracy())
	if err != nil {
		return 0, err
	}
	return logs["accuracy"], nil
}

// newHead redraws the last layer of mnist-8 (Parameter193, the (256, 10)
// weight, and Parameter194, its bias) from U(±1/√256), as a new
// nn.Dense(256, 10) would start.
func newHead(m *onnx.Model, seed int64) error {
	rng := graph.NewRand(seed)
	found := 0
	for _, np := range m.Params() {
		if np.Name != "Parameter193" && np.Name != "Parameter194" {
			continue
		}
		found++
		vals := make([]float64, np.Param.Size())
		for i := range vals {
			vals[i] = (2*rng.Float64() - 1) / 16
		}
		v, err := graph.FromFloat64s(np.Param.Dtype(), []int(np.Param.Shape()), vals)
		if err != nil {
			return err
		}
		if err := np.Param.SetValue(v); err != nil {
			return err
		}
	}
	if found != 2 {
		return fmt.Errorf("mnist-8's head (Parameter193, Parameter194) not found among its Params")
	}
	return nil
}

// compareORT runs the exported file in ONNX Runtime on the first n images
// of ds and returns max |ORT - convnet| / max |convnet| over all scores.
func compareORT(m nn.Layer, file string, ds *data.Tensor, n int) (float64, error) {
	n = min(n, ds.Len())
	runs := make([][]*tensor.Dense, n)
	var want []float64
	for i := range n {
		x, _, err := image(ds, i)
		if err != nil {
			return 0, err
		}
		runs[i] = []*tensor.Dense{x}
		y, err := nn.Predict(m, x)
		if err != nil {
			return 0, err
		}
		v, err := graph.Float64s(y)
		if err != nil {
			return 0, err
		}
		want = append(want, v...)
	}
	outs, err := ort.RunMany(file, runs)
	if err != nil {
		return 0, err
	}
	var got []float64
	for _, o := range outs {
		v, err := graph.Float64s(o[0])
		if err != nil {
			return 0, err
		}
		got = append(got, v...)
	}
	if len(got) != len(want) {
		return 0, fmt.Errorf("ONNX Runtime gave %d scores, convnet %d", len(got), len(want))
	}
	var diff, scale float64
	for i := range want {
		diff = math.Max(diff, math.Abs(got[i]-want[i]))
		scale = math.Max(scale, math.Abs(want[i]))
	}
	return diff / math.Max(scale, 1e-12), nil
}
