// Command vanishing shows the vanishing-gradient problem and its two cures,
// ReLU and residual connections, on deep fully connected networks trained
// on MNIST with plain SGD.
//
// Three networks of the same size (16 dense layers with the defaults: a
// 784→64 input layer, 14 hidden 64→64 layers and a 64→10 classifier) are
// trained from the same data in the same order:
//
//	sigmoid   plain, x_{l+1} = W_l·σ(x_l) + b_l, Glorot initialisation
//	relu      plain, x_{l+1} = W_l·ReLU(x_l) + b_l, He initialisation
//	residual  the sigmoid network with skip connections (nn.NewResidual):
//	          x_{l+1} = x_l + W_l·σ(x_l) + b_l
//
// Backpropagation multiplies the gradient by Wᵀ·σ'(x) at every layer, and σ'
// is at most 1/4, so in the sigmoid network the gradient shrinks by orders of
// magnitude from the last layer to the first: the first layers barely learn.
// ReLU's derivative is 1 where the unit is active, so with He initialisation
// the gradient keeps its size. The residual network adds an identity path,
// ∂x_{l+1}/∂x_l = I + W_l·diag(σ'(x_l)), along which the gradient reaches
// the first layer undiminished, sigmoids and all.
//
// The gradients are read at every optimizer step by wrapping the optimizer
// (train.Optimizer's Step receives every Param's gradient before the
// update). SGD with momentum is used on purpose: Adam rescales each
// parameter's step by its own gradient size, which hides the effect.
//
// With the default flags (5 epochs on the 60,000 training digits, batches
// of 64, SGD lr 0.01 momentum 0.9, seed 1) the sigmoid network's first
// layer gets a gradient many orders of magnitude smaller than its last
// (grad_ratio, the mean over the first 100 steps) and it stays at chance
// accuracy, while the ReLU and residual networks keep ratios of order 1 and
// learn; the README's Measured section gives the numbers and wall time.
//
// The last line on stdout is a JSON object: grad_ratio, first_layer_grad,
// last_layer_grad, test_accuracy and final_loss per network, and seconds.
// Into -out it writes:
//
//	gradients.png   the gradient norm of every layer's weights (mean of the
//	                first -probe-steps steps; log scale), one line per
//	                network, and the first layer's gradient norm per step
//	training.png    training loss per step and test accuracy per epoch
//
// Usage:
//
//	go run ./examples/vanishing [-epochs 5] [-batch 64] [-lr 0.01] [-seed 1]
//	    [-depth 14] [-width 64] [-probe-steps 100] [-out vanishing-out]
//	    [-data DIR] [-limit N] [-test-limit N] [-quiet]
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/convnet-go/convnet/examples/internal/recipe"
	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/train"
	"github.com/convnet-go/convnet/train/plot"
)

// config holds the command-line settings: the flags every training
// example shares (recipe.TrainFlags, recipe.DataFlags) and this one's own.
type config struct {
	recipe.TrainFlags
	recipe.DataFlags
	Depth, Width int
	ProbeSteps   int
}

// result is the JSON summary printed as the last line: per network (by
// kind), the gradient norms and the test numbers.
type result struct {
	GradRatio      map[string]float64 `json:"grad_ratio"`
	FirstLayerGrad map[string]float64 `json:"first_layer_grad"`
	LastLayerGrad  map[string]float64 `json:"last_layer_grad"`
	TestAccuracy   map[string]float64 `json:"test_accuracy"`
	FinalLoss      map[string]float64 `json:"final_loss"`
	Diverged       map[string]string  `json:"diverged,omitempty"`
	Layers         int                `json:"layers"`
	Epochs         int                `json:"epochs"`
	TrainExamples  int                `json:"train_examples"`
	TestExamples   int                `json:"test_examples"`
	Seconds        float64            `json:"seconds"`
	Out            string             `json:"out"`
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("vanishing: ")
	c := config{
		TrainFlags: recipe.TrainFlags{Epochs: 5, Batch: 64, LR: 0.01, Seed: 1, Out: "vanishing-out"},
		Depth:      14, Width: 64, ProbeSteps: 100,
	}
	c.TrainFlags.Register(flag.CommandLine)
	c.DataFlags.Register(flag.CommandLine)
	flag.Lookup("epochs").Usage = "training epochs of each network"
	flag.Lookup("lr").Usage = "SGD learning rate (momentum 0.9)"
	flag.IntVar(&c.Depth, "depth", c.Depth, "hidden width→width layers (the networks have depth+2 dense layers)")
	flag.IntVar(&c.Width, "width", c.Width, "units per hidden layer")
	flag.IntVar(&c.ProbeSteps, "probe-steps", c.ProbeSteps, "steps over which the per-layer gradient norms are averaged")
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

// network is one of the compared models with its dense layers in order
// from the input to the output.
type network struct {
	name   string
	model  *nn.Sequential
	layers []*nn.Dense
}

// kinds are the compared networks, in the order of the plots.
var kinds = []string{"sigmoid", "relu", "residual"}

// build makes the network of the given kind: a 784→width input layer,
// depth hidden layers (plain: activation then dense; residual: x plus
// that) and a classifier, all Dense.
func build(kind string, depth, width int, seed int64) (*network, error) {
	init, act := graph.GlorotNormal(), func() nn.Layer { return nn.NewSigmoid() }
	if kind == "relu" {
		init, act = graph.HeNormal(), func() nn.Layer { return nn.NewReLU() }
	}
	n := &network{name: kind}
	dense := func(in, out int) (*nn.Dense, error) {
		d, err := nn.NewDense(in, out, nn.WithWeightInit(init))
		if err != nil {
			return nil, err
		}
		n.layers = append(n.layers, d)
		return d, nil
	}
	stem, err := dense(28*28, width)
	if err != nil {
		return nil, err
	}
	layers := []nn.Layer{nn.NewFlatten(), stem}
	for range depth {
		d, err := dense(width, width)
		if err != nil {
			return nil, err
		}
		body, err := nn.NewSequential(act(), d)
		if err != nil {
			return nil, err
		}
		if kind != "residual" {
			layers = append(layers, body)
			continue
		}
		r, err := nn.NewResidual(body, nil)
		if err != nil {
			return nil, err
		}
		layers = append(layers, r)
	}
	head, err := dense(width, 10)
	if err != nil {
		return nil, err
	}
	layers = append(layers, act(), head)
	if n.model, err = nn.NewSequential(layers...); err != nil {
		return nil, err
	}
	return n, nn.Initialize(n.model, seed)
}

// probe is an Optimizer that records the L2 norm of every layer's weight
// gradient at each of the first steps, then hands the gradients on.
type probe struct {
	train.Optimizer
	layer map[*graph.Param]int // weight Param -> layer index
	steps int                  // steps to record
	norms [][]float64          // [step][layer]
}

func newProbe(opt train.Optimizer, n *network, steps int) *probe {
	p := &probe{Optimizer: opt, layer: map[*graph.Param]int{}, steps: steps}
	for i, d := range n.layers {
		p.layer[d.Weight()] = i
	}
	return p
}

// Step records the gradient norms (while fewer than p.steps were seen) and
// calls the wrapped optimizer.
func (p *probe) Step(ps []train.ParamGrad) error {
	if len(p.norms) < p.steps {
		row := make([]float64, len(p.layer))
		for _, pg := range ps {
			i, ok := p.layer[pg.Param]
			if !ok {
				continue
			}
			g, err := graph.Float64s(pg.Grad)
			if err != nil {
				return err
			}
			s := 0.0
			for _, v := range g {
				s += v * v
			}
			row[i] = math.Sqrt(s)
		}
		p.norms = append(p.norms, row)
	}
	return p.Optimizer.Step(ps)
}

// meanNorms returns the mean gradient norm of every layer over the
// recorded steps.
func (p *probe) meanNorms() []float64 {
	mean := make([]float64, len(p.layer))
	for _, row := range p.norms {
		for i, v := range row {
			mean[i] += v / float64(len(p.norms))
		}
	}
	return mean
}

func run(c config) (*result, error) {
	if c.Depth < 1 || c.Width < 1 || c.ProbeSteps < 1 {
		return nil, fmt.Errorf("-depth, -width and -probe-steps must be positive, got %d, %d, %d", c.Depth, c.Width, c.ProbeSteps)
	}
	ds, test, err := recipe.MNIST(c.Data, c.Limit, c.TestLimit)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(c.Out, 0o755); err != nil {
		return nil, err
	}
	res := &result{
		GradRatio: map[string]float64{}, FirstLayerGrad: map[string]float64{}, LastLayerGrad: map[string]float64{},
		TestAccuracy: map[string]float64{}, FinalLoss: map[string]float64{}, Diverged: map[string]string{},
		Layers: c.Depth + 2, TrainExamples: ds.Len(), TestExamples: test.Len(), Out: c.Out,
	}

	perLayer := plot.Panel{Title: fmt.Sprintf("gradient norm per layer (mean of the first %d steps)", c.ProbeSteps),
		XLabel: "layer (1 = input side)", YLabel: "||dL/dW||", LogY: true}
	firstLayer := plot.Panel{Title: "gradient norm of layer 1 per step", XLabel: "step", YLabel: "||dL/dW1||", LogY: true}
	lossPanel := plot.Panel{Title: "training loss (mean of 50 steps)", XLabel: "epoch", YLabel: "loss", LogY: true}
	accPanel := plot.Panel{Title: "test accuracy", XLabel: "epoch", YLabel: "accuracy"}

	for _, kind := range kinds {
		n, err := build(kind, c.Depth, c.Width, c.Seed)
		if err != nil {
			return nil, err
		}
		sgd, err := train.NewSGD(c.LR, train.WithMomentum(0.9))
		if err != nil {
			return nil, err
		}
		pr := newProbe(sgd, n, c.ProbeSteps)
		steps := recipe.NewStepLoss(ds.Len(), c.Batch)
		fmt.Fprintf(os.Stderr, "== %s: %d dense layers, %d parameters ==\n", kind, len(n.layers), nn.NumParams(n.model))
		tr, err := train.New(n.model, train.Config{
			Epochs: c.Epochs, BatchSize: c.Batch, EvalBatchSize: 1000, Seed: c.Seed,
			Optimizer: pr, Metrics: []train.Metric{train.NewAccuracy()},
			Callbacks: []train.Callback{steps.Callback()}, Verbosity: recipe.Verbosity(c.Quiet),
		})
		if err != nil {
			return nil, err
		}
		hist, err := tr.Fit(ds, test)
		tr.Close()
		var nf *train.NonFiniteLossError
		switch {
		case errors.As(err, &nf):
			// Too large a learning rate for this network: say so and go on
			// with the others.
			res.Diverged[kind] = nf.Error()
			fmt.Fprintf(os.Stderr, "%s diverged: %v\n", kind, nf)
		case err != nil:
			return nil, fmt.Errorf("%s: %w", kind, err)
		}
		if len(pr.norms) == 0 {
			continue
		}
		norms := pr.meanNorms()
		res.FirstLayerGrad[kind], res.LastLayerGrad[kind] = norms[0], norms[len(norms)-1]
		res.GradRatio[kind] = norms[0] / norms[len(norms)-1]
		if hist == nil {
			hist = train.NewHistory()
		}
		if last := hist.Last(); last != nil {
			res.TestAccuracy[kind], res.FinalLoss[kind] = last["val_accuracy"], last["loss"]
			res.Epochs = max(res.Epochs, hist.Len())
		}
		acc := "diverged"
		if a, ok := res.TestAccuracy[kind]; ok {
			acc = fmt.Sprintf("%.4f", a)
		}
		fmt.Fprintf(os.Stderr, "%s: gradient norm first layer %.3g, last layer %.3g, ratio %.3g; test accuracy %s\n",
			kind, norms[0], norms[len(norms)-1], res.GradRatio[kind], acc)

		xs := make([]float64, len(norms))
		for i := range xs {
			xs[i] = float64(i + 1)
		}
		perLayer.Series = append(perLayer.Series, plot.Series{Name: kind, X: xs, Y: norms})
		var sx, sy []float64
		for s, row := range pr.norms {
			sx, sy = append(sx, float64(s+1)), append(sy, row[0])
		}
		firstLayer.Series = append(firstLayer.Series, plot.Series{Name: kind, X: sx, Y: sy})
		lossPanel.Series = append(lossPanel.Series, plot.Series{Name: kind, X: steps.X, Y: recipe.MovingMean(steps.Loss, 50)})
		ep := make([]float64, hist.Len())
		for i, e := range hist.Epochs() {
			ep[i] = float64(e)
		}
		accPanel.Series = append(accPanel.Series, plot.Series{Name: kind, X: ep, Y: hist.Series("val_accuracy")})
	}
	title := plot.WithTitle(fmt.Sprintf("%d dense layers, SGD lr %g momentum 0.9", c.Depth+2, c.LR))
	if err := plot.Panels(filepath.Join(c.Out, "gradients.png"), []plot.Panel{perLayer, firstLayer}, title); err != nil {
		return nil, err
	}
	if err := plot.Panels(filepath.Join(c.Out, "training.png"), []plot.Panel{lossPanel, accPanel}, title); err != nil {
		return nil, err
	}
	return res, nil
}
