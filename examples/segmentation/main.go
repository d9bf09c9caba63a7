// Command segmentation trains two segmentation networks, a UNet and a
// SegNet, to find the digits on 64×64 canvases, with the Dice loss.
//
// The data is train/data's MNIST segmentation set: each canvas holds one to
// three MNIST digits at random places, and its mask marks every pixel that
// belongs to a digit (canvas pixel > 0.5). This program segments the
// foreground: one output channel of logits per pixel, digit or background
// (data.ForegroundMask). The training canvases use MNIST training digits,
// the test canvases MNIST test digits. Binary rather than per-class masks
// (data.ClassMask, 11 classes with softmax) because telling the digits apart
// pixel by pixel needs far more training than a few CPU minutes; the
// foreground task shows the two architectures and the Dice loss in that
// budget.
//
// The two networks differ in how the decoder recovers the resolution the
// encoder gave up:
//
//   - UNet (zoo.NewUNet, depth 3, base width 8): the decoder upsamples with
//     transposed convolutions and concatenates the encoder's feature maps of
//     the same size (skip connections), so fine detail flows straight
//     across.
//   - SegNet (zoo.NewSegNetSmall: widths 16, 32, 64, two convolutions per
//     stage; -segnet tiny selects widths 8, 16, 32, about 4 times faster):
//     the encoder's max pools remember where each maximum came from and the
//     decoder's max unpooling puts values back at those positions; no
//     feature maps are copied across.
//
// Both are trained with the soft Dice loss on the sigmoid of the logits
// (train.DiceLoss(1): 1 - mean over canvases of (2·Σp·t + 1)/(Σp + Σt + 1))
// and Adam (lr 3e-3, annealed along a cosine to 3e-4 at the last epoch),
// batches of 16, for 4 epochs on 1,000 training canvases; -loss bcedice adds
// the binary cross-entropy.
//
// The reported Dice is the foreground Dice of the hard predictions over the
// whole test set (1,000 canvases by default): a pixel is predicted digit
// when its logit is > 0 (probability > 0.5), and
//
//	Dice = 2·|P∩T| / (|P| + |T|)
//
// with P the predicted and T the true digit pixels, counted over every
// pixel of every test canvas (train.NewDice). The IoU |P∩T|/|P∪T| and the
// pixel accuracy are reported too. The loss is the soft Dice of the
// probabilities, so it can stay well above 1 - Dice while the hard Dice is
// already high: probabilities of 0.3 on the background and 0.7 on the
// digits threshold perfectly but score a poor soft Dice. -loss bcedice
// pushes the probabilities towards 0 and 1.
//
// The README's Measured section gives its results and wall time on the
// project's machine.
//
// It prints progress bars on stderr and, as its last line on stdout,
// a JSON object with unet_test_dice, segnet_test_dice (and the IoU,
// accuracy, parameters and seconds of each). Into -out it writes
// unet_overlay.png and segnet_overlay.png (test canvases with the true
// mask, the predicted mask, and the errors: hits green, false alarms red,
// misses cyan), the training curves (unet_history.png,
// segnet_history.png) and the weights (unet.safetensors,
// segnet.safetensors).
//
// Usage:
//
//	go run ./examples/segmentation [-epochs 4] [-batch 16] [-lr 0.003] [-seed 1]
//	    [-loss dice|bcedice] [-models unet,segnet] [-unet-width 8] [-unet-depth 3]
//	    [-segnet small|tiny] [-out segmentation-out] [-data DIR]
//	    [-limit 1000] [-test-limit 1000] [-quiet]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strings"
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
// example shares (recipe.TrainFlags, recipe.DataFlags; -limit and
// -test-limit count canvases here) and this one's own. Most of it is part
// of the JSON summary.
type config struct {
	recipe.TrainFlags
	recipe.DataFlags
	Loss      string `json:"loss"`
	Models    string `json:"models"`
	UNetWidth int    `json:"unet_width"`
	UNetDepth int    `json:"unet_depth"`
	SegNet    string `json:"segnet"`
	Cosine    bool   `json:"cosine"`
	Examples  int    `json:"-"`
}

// scores are one model's test numbers.
type scores struct {
	Dice, IoU, Accuracy, Loss float64
	Params                    int
	Seconds                   float64
}

// result is the JSON summary printed as the last line: each trained
// model's scores under its name as prefix ("unet_test_dice"), then the
// settings.
type result struct {
	models []string
	scores map[string]*scores
	config
	Seconds float64 `json:"seconds"`
	Out     string  `json:"out"`
}

// MarshalJSON writes the models' scores first, as flat keys
// ("unet_test_dice", "segnet_test_dice", "unet_test_iou", ...), then the
// settings.
func (r *result) MarshalJSON() ([]byte, error) {
	keys := []string{"test_dice", "test_iou", "pixel_accuracy", "test_loss", "params", "seconds"}
	b := []byte{'{'}
	for k, key := range keys {
		for _, name := range r.models {
			s := r.scores[name]
			v, err := json.Marshal([]any{s.Dice, s.IoU, s.Accuracy, s.Loss, s.Params, s.Seconds}[k])
			if err != nil {
				return nil, err
			}
			b = fmt.Appendf(b, "%q:%s,", name+"_"+key, v)
		}
	}
	rest, err := json.Marshal(struct {
		config
		TrainCanvases int     `json:"train_canvases"`
		TestCanvases  int     `json:"test_canvases"`
		Seconds       float64 `json:"seconds"`
		Out           string  `json:"out"`
	}{r.config, r.Limit, r.TestLimit, r.Seconds, r.Out})
	if err != nil {
		return nil, err
	}
	return append(b, rest[1:]...), nil
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("segmentation: ")
	c := config{
		TrainFlags: recipe.TrainFlags{Epochs: 4, Batch: 16, LR: 3e-3, Seed: 1, Out: "segmentation-out"},
		DataFlags:  recipe.DataFlags{Limit: 1000, TestLimit: 1000},
		Loss:       "dice", Models: "unet,segnet", UNetWidth: 8, UNetDepth: 3, SegNet: "small", Cosine: true,
		Examples: 6,
	}
	c.TrainFlags.Register(flag.CommandLine)
	c.DataFlags.Register(flag.CommandLine)
	flag.Lookup("epochs").Usage = "training epochs (each model)"
	flag.Lookup("lr").Usage = "Adam learning rate (of the first epoch, see -cosine)"
	flag.Lookup("limit").Usage = "number of training canvases (of MNIST training digits)"
	flag.Lookup("test-limit").Usage = "number of test canvases (of MNIST test digits)"
	flag.StringVar(&c.Loss, "loss", c.Loss, "loss: dice (soft Dice) or bcedice (binary cross-entropy + soft Dice)")
	flag.StringVar(&c.Models, "models", c.Models, "models to train, comma-separated: unet, segnet")
	flag.IntVar(&c.UNetWidth, "unet-width", c.UNetWidth, "UNet base width (channels of the first level)")
	flag.IntVar(&c.UNetDepth, "unet-depth", c.UNetDepth, "UNet depth (down-sampling levels; 64 must be divisible by 2^depth)")
	flag.StringVar(&c.SegNet, "segnet", c.SegNet, "SegNet size: small (zoo.NewSegNetSmall, widths 16, 32, 64) or tiny (widths 8, 16, 32)")
	flag.BoolVar(&c.Cosine, "cosine", c.Cosine, "anneal the learning rate along a cosine over the epochs (to lr/10 at the last)")
	flag.IntVar(&c.Examples, "examples", c.Examples, "test canvases shown in the overlay PNGs")
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

// models parses the -models list.
func models(list string) ([]string, error) {
	var out []string
	for _, m := range strings.Split(list, ",") {
		m = strings.TrimSpace(m)
		if m != "unet" && m != "segnet" {
			return nil, fmt.Errorf("-models: unknown model %q (want unet, segnet)", m)
		}
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out, nil
}

// build returns the named model with one output channel of logits.
func build(c config, name string) (nn.Layer, error) {
	switch name {
	case "unet":
		return zoo.NewUNet(1, zoo.WithDepth(c.UNetDepth), zoo.WithBaseWidth(c.UNetWidth), zoo.WithSeed(c.Seed))
	case "segnet":
		if c.SegNet == "small" {
			return zoo.NewSegNetSmall(1, zoo.WithSeed(c.Seed))
		}
		return zoo.NewSegNetStages([]int{8, 16, 32}, []int{2, 2, 2}, 1, zoo.WithSeed(c.Seed))
	}
	return nil, fmt.Errorf("unknown model %q", name)
}

func run(c config) (*result, error) {
	names, err := models(c.Models)
	if err != nil {
		return nil, err
	}
	if c.Epochs <= 0 || c.Batch <= 0 || c.LR <= 0 || c.Limit <= 0 || c.TestLimit <= 0 {
		return nil, fmt.Errorf("-epochs, -batch, -lr, -limit and -test-limit must be positive, got %d, %d, %g, %d and %d",
			c.Epochs, c.Batch, c.LR, c.Limit, c.TestLimit)
	}
	var loss train.Loss
	switch c.Loss {
	case "dice":
		loss = train.DiceLoss(1)
	case "bcedice":
		loss = train.BCEDiceLoss(1)
	default:
		return nil, fmt.Errorf("-loss must be dice or bcedice, got %q", c.Loss)
	}
	if c.SegNet != "tiny" && c.SegNet != "small" {
		return nil, fmt.Errorf("-segnet must be tiny or small, got %q", c.SegNet)
	}
	trainSet, testSet, err := data.MNISTSegmentation(c.Data, c.Limit, c.TestLimit, c.Seed, data.ForegroundMask)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(c.Out, 0o755); err != nil {
		return nil, err
	}
	res := &result{config: c, Out: c.Out, models: names, scores: map[string]*scores{}}
	for _, name := range names {
		t0 := time.Now()
		model, err := build(c, name)
		if err != nil {
			return nil, err
		}
		s, err := fitEval(c, name, model, loss, trainSet, testSet)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		s.Seconds = time.Since(t0).Seconds()
		fmt.Fprintf(os.Stderr, "%s: test Dice %.4f, IoU %.4f, pixel accuracy %.4f (%d parameters, %.0f s)\n",
			name, s.Dice, s.IoU, s.Accuracy, s.Params, s.Seconds)
		res.scores[name] = s
	}
	return res, nil
}

// fitEval trains model on trainSet, evaluates it on testSet and writes its
// history, weights and overlay PNG.
func fitEval(c config, name string, model nn.Layer, loss train.Loss, trainSet, testSet *data.Segmentation) (*scores, error) {
	fmt.Fprintf(os.Stderr, "%s: %d training canvases, %d epochs, %s loss\n", name, trainSet.Len(), c.Epochs, loss.Name())
	if !c.Quiet {
		if s, err := nn.Summary(model, []int{c.Batch, 1, data.SegCanvas, data.SegCanvas}); err == nil {
			fmt.Fprint(os.Stderr, s)
		}
	}
	// Adam; with Cosine, the learning rate follows a cosine from LR at the
	// first epoch to LR/10 at the last.
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
	tr, err := train.New(model, train.Config{
		Epochs:        c.Epochs,
		BatchSize:     c.Batch,
		EvalBatchSize: 50,
		Seed:          c.Seed,
		Loss:          loss,
		Optimizer:     opt,
		Schedule:      sched,
		Metrics:       []train.Metric{train.NewDice()},
		Verbosity:     recipe.Verbosity(c.Quiet),
	})
	if err != nil {
		return nil, err
	}
	defer tr.Close()
	hist, err := tr.Fit(trainSet, nil)
	if err != nil {
		return nil, err
	}
	logs, err := tr.Evaluate(testSet, train.NewDice(), train.NewIoU(), train.NewAccuracy())
	if err != nil {
		return nil, err
	}
	s := &scores{Dice: logs["dice"], IoU: logs["iou"], Accuracy: logs["accuracy"], Loss: logs["loss"], Params: nn.NumParams(model)}
	if err := hist.SavePlot(filepath.Join(c.Out, name+"_history.png"), plot.WithTitle(name)); err != nil {
		return nil, err
	}
	if err := nn.SaveSafetensors(model, filepath.Join(c.Out, name+".safetensors")); err != nil {
		return nil, err
	}
	return s, overlay(c, name, model, testSet, s.Dice)
}

// Overlay classes: the true mask, the predicted mask, and the three kinds
// of pixels of the error row (colours from plot.ClassColor).
const (
	clsTruth = 1 // orange
	clsHit   = 2 // green: predicted and true
	clsFalse = 3 // red: predicted, not true
	clsPred  = 4 // purple
	clsMiss  = 9 // cyan: true, not predicted
)

// overlay draws the first c.Examples test canvases with the true mask, the
// model's mask and the errors, one row each.
func overlay(c config, name string, model nn.Layer, testSet *data.Segmentation, dice float64) error {
	n := min(c.Examples, testSet.Len())
	if n <= 0 {
		return nil
	}
	const hw = data.SegCanvas * data.SegCanvas
	x := make([]float64, 0, n*hw)
	truth := make([][]int, n)
	xb, yb := make([]float32, hw), make([]float32, hw)
	for i := range n {
		if err := testSet.Get(i, xb, yb); err != nil {
			return err
		}
		truth[i] = make([]int, hw)
		for j := range hw {
			x = append(x, float64(xb[j]))
			if yb[j] > 0.5 {
				truth[i][j] = clsTruth
			}
		}
	}
	xt, err := graph.FromFloat64s(tensor.Float32, []int{n, 1, data.SegCanvas, data.SegCanvas}, x)
	if err != nil {
		return err
	}
	out, err := nn.Predict(model, xt)
	if err != nil {
		return err
	}
	logits, err := graph.Float64s(out)
	if err != nil {
		return err
	}
	images := make([]plot.Image, 3*n)
	masks := make([][]int, 3*n)
	for i := range n {
		img := x[i*hw : (i+1)*hw]
		pred, errs := make([]int, hw), make([]int, hw)
		inter, np, nt := 0, 0, 0
		for j := range hw {
			p, t := logits[i*hw+j] > 0, truth[i][j] == clsTruth
			if p {
				pred[j] = clsPred
				np++
			}
			if t {
				nt++
			}
			switch {
			case p && t:
				errs[j] = clsHit
				inter++
			case p:
				errs[j] = clsFalse
			case t:
				errs[j] = clsMiss
			}
		}
		d := 1.0
		if np+nt > 0 {
			d = 2 * float64(inter) / float64(np+nt)
		}
		images[i] = plot.Image{H: data.SegCanvas, W: data.SegCanvas, Pix: img, Label: "truth"}
		images[n+i] = plot.Image{H: data.SegCanvas, W: data.SegCanvas, Pix: img, Label: "predicted"}
		images[2*n+i] = plot.Image{H: data.SegCanvas, W: data.SegCanvas, Pix: img, Label: fmt.Sprintf("Dice %.3f", d)}
		masks[i], masks[n+i], masks[2*n+i] = truth[i], pred, errs
	}
	names := make([]string, 10)
	names[clsTruth], names[clsHit], names[clsFalse], names[clsPred], names[clsMiss] = "true mask", "hit", "false alarm", "predicted", "missed"
	return plot.OverlayGrid(filepath.Join(c.Out, name+"_overlay.png"), images, masks, n,
		plot.WithClassNames(names...), plot.WithAlpha(0.7), plot.WithScale(3),
		plot.WithTitle(fmt.Sprintf("%s on test canvases (test Dice %.3f): true mask, predicted mask, errors", name, dice)))
}
