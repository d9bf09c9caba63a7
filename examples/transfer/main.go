// Command transfer reproduces the lecture's transfer-learning table with a
// real pretrained network: MobileNetV2 (Keras 2.2.4, ImageNet-initialised,
// 2.26 M backbone weights, fine-tuned by nsfwjs 4.4.0 on its five photo
// classes; imported from the npm package's TF.js layers files with package
// keras) against the same MobileNetV2 trained from scratch, on three small
// real datasets:
//
//   - MNIST: 100 training images per class (1,000), the first -test (1,000)
//     test images;
//   - Fashion-MNIST: the same sizes;
//   - LFW faces vs non-faces (skimage's lfw_subset.npy: 100 faces and 100
//     non-faces, 25x25 grey): a seeded stratified half for training (100,
//     -lfw-per-class 50 of each class), the other half for testing (100).
//
// Every image is scaled bilinearly to -size x -size (default 32), copied
// to three channels and scaled to [0, 1] as nsfwjs feeds the network. The
// classifier is the MobileNetV2 backbone up to its last 1x1 convolution
// (layer "out_relu", 1280 channels), global average pooling and a new
// Dense(1280 -> classes) head; nsfwjs's own head is dropped. Three ways:
//
//   - scratch: every weight re-initialised (PyTorch's defaults, seeded),
//     trained for -epochs epochs with Adam at -lr;
//   - frozen: the pretrained backbone computes 1280 features of every image
//     once (eval mode); only the head is trained on them, for -head-epochs
//     epochs with Adam at -head-lr;
//   - fine-tuned: the pretrained backbone and the frozen run's head, all
//     convolution and Dense weights trained for -epochs epochs with Adam at
//     the lower -fine-lr. The BatchNorm layers stay frozen in inference mode
//     (their pretrained statistics, scale and shift; nn.Freeze), as Keras's
//     transfer-learning guide recommends: in training mode the batch
//     statistics of digits would replace ImageNet's and the features the
//     head was trained on would change at once.
//
// From scratch, BatchNorm trains as usual, its running statistics with
// momentum 0.1 (keras.WithMomentum; the file's Keras momentum 0.999 would
// need thousands of steps).
//
// Batches of -batch (32). Test accuracy on the held-out images.
//
// Why 32x32: MobileNetV2 costs about 300 M multiply-adds per 224x224 image;
// at 32x32 it is ~6 M (the last feature map is 1x1), which keeps the default
// run within a few minutes of CPU. The ImageNet features were learned at
// 224x224 and transfer less well at this scale; -size 64 (4x the cost) or
// 96 (9x) is closer to the network's design.
//
// The README's Measured section gives the table of a default run and its
// wall time. Transfer wins clearly where the data are few and photographic
// (LFW: 100 training images). On the digits and clothes, upscaled from
// 28x28, the frozen ImageNet features do no better than features learned
// from the 1,000 images themselves, and fine-tuning adds a few points at
// most. One seed, so differences of a few points are within the noise.
//
// It prints the table (rows: datasets; columns: scratch and transferred,
// frozen and fine-tuned; with the wall time), writes accuracy.png (a bar
// chart) into -out and prints as its last stdout line
// {"pretrained": "mobilenet_v2", "rows": [{"dataset", "train_images",
// "test_images", "scratch", "frozen", "fine_tuned"}, ...]}.
//
// The model files come from keras/scripts/fetch_nsfwjs.sh and the LFW subset
// from keras/scripts/fetch_skimage.sh (./test.sh runs both).
//
// Usage:
//
//	go run ./examples/transfer [-size 32] [-epochs 5] [-head-epochs 60]
//	    [-per-class 100] [-lfw-per-class 50] [-test 1000] [-batch 32] [-lr 0.001] [-head-lr 0.001]
//	    [-fine-lr 0.00001] [-seed 1] [-datasets mnist,fashion,lfw]
//	    [-out transfer-out] [-model DIR] [-lfw FILE] [-data DIR]
//	    [-fashion-data DIR] [-quiet]
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/convnet-go/convnet/examples/internal/recipe"
)

// config holds the command-line settings: the training flags every
// example shares (recipe.TrainFlags; -epochs and -lr are those of the
// scratch and fine-tuned runs) and this one's own, its data flags among
// them (the datasets are subsets per class, not the first N images).
type config struct {
	recipe.TrainFlags
	Size        int
	HeadEpochs  int
	PerClass    int
	LFWPerClass int
	Test        int
	HeadLR      float64
	FineLR      float64
	Datasets    string
	Model       string
	LFW         string
	Data        string
	FashionData string
}

// row is one dataset's results, as printed in the JSON line.
type row struct {
	Dataset     string  `json:"dataset"`
	TrainImages int     `json:"train_images"`
	TestImages  int     `json:"test_images"`
	Scratch     float64 `json:"scratch"`
	Frozen      float64 `json:"frozen"`
	FineTuned   float64 `json:"fine_tuned"`
	seconds     [3]float64
}

// result is the JSON summary printed as the last line.
type result struct {
	Pretrained string `json:"pretrained"`
	Rows       []row  `json:"rows"`
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("transfer: ")
	c := config{
		TrainFlags: recipe.TrainFlags{Epochs: 5, Batch: 32, LR: 1e-3, Seed: 1, Out: "transfer-out"},
		Size:       32, HeadEpochs: 60, PerClass: 100, LFWPerClass: 50, Test: 1000,
		HeadLR: 1e-3, FineLR: 1e-5, Datasets: "mnist,fashion,lfw",
	}
	c.TrainFlags.Register(flag.CommandLine)
	flag.Lookup("epochs").Usage = "epochs of the scratch and of the fine-tuned training"
	flag.Lookup("lr").Usage = "Adam learning rate from scratch"
	flag.IntVar(&c.Size, "size", c.Size, "input resolution: images are scaled to size x size (MobileNetV2 needs >= 32)")
	flag.IntVar(&c.HeadEpochs, "head-epochs", c.HeadEpochs, "epochs of the frozen run's head on the precomputed features")
	flag.IntVar(&c.PerClass, "per-class", c.PerClass, "MNIST/Fashion-MNIST training images per class")
	flag.IntVar(&c.LFWPerClass, "lfw-per-class", c.LFWPerClass, "LFW training images per class (faces, non-faces; of 100 each); the rest are the test set")
	flag.IntVar(&c.Test, "test", c.Test, "MNIST/Fashion-MNIST test images (the first N of the test set)")
	flag.Float64Var(&c.HeadLR, "head-lr", c.HeadLR, "Adam learning rate of the frozen run's head")
	flag.Float64Var(&c.FineLR, "fine-lr", c.FineLR, "Adam learning rate of fine-tuning")
	flag.StringVar(&c.Datasets, "datasets", c.Datasets, "comma-separated datasets: mnist, fashion, lfw")
	flag.StringVar(&c.Model, "model", "", "folder of nsfwjs's MobileNetV2 model.json (default: $NSFWJS_DIR or keras/testdata/nsfwjs/mobilenet_v2 of this repository)")
	flag.StringVar(&c.LFW, "lfw", "", "skimage's lfw_subset.npy (default: $LFW_NPY or keras/testdata/skimage/lfw_subset.npy of this repository)")
	flag.StringVar(&c.Data, "data", "", "folder with the MNIST IDX files (default: the standard location)")
	flag.StringVar(&c.FashionData, "fashion-data", "", "folder with the Fashion-MNIST IDX files (default: the standard location)")
	flag.Parse()

	res, err := run(c, os.Stdout)
	if err != nil {
		log.Fatal(err)
	}
	if err := recipe.PrintJSON(os.Stdout, res); err != nil {
		log.Fatal(err)
	}
}

// repoFile returns path inside this repository (found by walking up from
// the working directory to go.mod), or "" when there is none.
func repoFile(path string) string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.Contains(string(b), "module github.com/convnet-go/convnet\n") {
			return filepath.Join(dir, path)
		}
		up := filepath.Dir(dir)
		if up == dir {
			return ""
		}
		dir = up
	}
}

// defaults fills the model and LFW paths.
func (c *config) defaults() {
	if c.Model == "" {
		c.Model = os.Getenv("NSFWJS_DIR")
	}
	if c.Model == "" {
		c.Model = repoFile(filepath.Join("keras", "testdata", "nsfwjs", "mobilenet_v2"))
	}
	if c.LFW == "" {
		c.LFW = os.Getenv("LFW_NPY")
	}
	if c.LFW == "" {
		c.LFW = repoFile(filepath.Join("keras", "testdata", "skimage", "lfw_subset.npy"))
	}
}

func (c config) check() error {
	if c.LFWPerClass <= 0 || c.LFWPerClass >= 100 {
		return fmt.Errorf("-lfw-per-class must be in [1, 99], got %d", c.LFWPerClass)
	}
	if c.Size < 32 || c.Epochs < 0 || c.HeadEpochs <= 0 || c.PerClass <= 0 || c.Test <= 0 || c.Batch <= 0 || c.LR <= 0 || c.HeadLR <= 0 || c.FineLR <= 0 {
		return fmt.Errorf("-size must be >= 32, -epochs >= 0, and -head-epochs, -per-class, -test, -batch, -lr, -head-lr, -fine-lr positive; got %d, %d, %d, %d, %d, %d, %g, %g, %g",
			c.Size, c.Epochs, c.HeadEpochs, c.PerClass, c.Test, c.Batch, c.LR, c.HeadLR, c.FineLR)
	}
	for _, d := range strings.Split(c.Datasets, ",") {
		switch d {
		case "mnist", "fashion", "lfw":
		default:
			return fmt.Errorf("-datasets: unknown dataset %q (want mnist, fashion, lfw)", d)
		}
	}
	return nil
}

func run(c config, stdout io.Writer) (*result, error) {
	c.defaults()
	if err := c.check(); err != nil {
		return nil, err
	}
	if c.Model == "" {
		return nil, errors.New("no -model folder given and not inside the convnet repository; run keras/scripts/fetch_nsfwjs.sh")
	}
	if err := os.MkdirAll(c.Out, 0o755); err != nil {
		return nil, err
	}
	start := time.Now()
	exp, err := newExperiment(c)
	if err != nil {
		return nil, err
	}
	res := &result{Pretrained: "mobilenet_v2"}
	for _, name := range strings.Split(c.Datasets, ",") {
		ds, err := loadDataset(c, name)
		if err != nil {
			return nil, err
		}
		r, err := exp.run(ds)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", ds.title, err)
		}
		res.Rows = append(res.Rows, r)
	}
	if err := barChart(filepath.Join(c.Out, "accuracy.png"), res.Rows, c.Size); err != nil {
		return nil, err
	}
	printTable(stdout, c, res.Rows, time.Since(start))
	return res, nil
}

// printTable writes the lecture's table: rows datasets, columns scratch and
// transferred.
func printTable(w io.Writer, c config, rows []row, wall time.Duration) {
	host, _ := os.Hostname()
	fmt.Fprintf(w, "MobileNetV2 (pretrained: nsfwjs 4.4.0's Keras MobileNetV2, ImageNet-initialised), input %dx%d, %d epochs scratch / fine-tuned, %d head epochs frozen\n",
		c.Size, c.Size, c.Epochs, c.HeadEpochs)
	fmt.Fprintf(w, "%-28s %6s %6s | %8s | %19s %19s\n", "", "", "", "", "transferred", "transferred")
	fmt.Fprintf(w, "%-28s %6s %6s | %8s | %19s %19s\n", "dataset", "train", "test", "scratch", "(frozen features)", "(fine-tuned)")
	for _, r := range rows {
		fmt.Fprintf(w, "%-28s %6d %6d | %8.4f | %19.4f %19.4f\n", r.Dataset, r.TrainImages, r.TestImages, r.Scratch, r.Frozen, r.FineTuned)
	}
	fmt.Fprintf(w, "seconds (scratch, frozen, fine-tuned):")
	for _, r := range rows {
		fmt.Fprintf(w, " %s %.0f/%.0f/%.0f;", r.Dataset, r.seconds[0], r.seconds[1], r.seconds[2])
	}
	fmt.Fprintf(w, " wall time %.0f s on %q (%d CPUs)\n", wall.Seconds(), host, runtime.NumCPU())
}
