package recipe

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/train"
	"github.com/convnet-go/convnet/train/data"
	"github.com/convnet-go/convnet/train/plot"
)

// Classifier is the run of examples mnist, fashion, inception and resnet:
// train an image classifier with Adam on the softmax cross-entropy, print
// its test loss, accuracy and confusion matrix on stderr, and write
// model.safetensors, history.csv and history.png into Out.
type Classifier struct {
	Epochs, Batch int
	// LR is Adam's learning rate (of the first epoch, see Cosine).
	LR   float64
	Seed int64
	// Cosine anneals the learning rate along a cosine to LR/10 at the
	// last epoch.
	Cosine bool
	// Quiet prints the epoch summaries only, no progress bar.
	Quiet     bool
	Callbacks []train.Callback
	// Labels are the class names of the confusion matrix (nil: numbers).
	Labels []string
	// Out is the directory the files go into; it must exist.
	Out string
	// PlotOptions are passed to the history plot.
	PlotOptions []plot.Option
}

// Outcome is what Classifier.Run produced.
type Outcome struct {
	// Trainer is still open, for predictions: the caller closes it.
	Trainer *train.Trainer
	History *train.History
	// TrainSeconds is the wall time of Fit.
	TrainSeconds float64
	// Test holds the loss and accuracy on the test set.
	Test train.Logs
}

// Run trains m on ds, evaluates it on test and writes the files.
func (c Classifier) Run(m nn.Layer, ds, test data.Dataset) (*Outcome, error) {
	opt, sched, err := Adam(c.LR, c.Epochs, c.Cosine)
	if err != nil {
		return nil, err
	}
	tr, err := train.New(m, train.Config{
		Epochs: c.Epochs, BatchSize: c.Batch, EvalBatchSize: 500, Seed: c.Seed,
		Loss: train.SoftmaxCrossEntropy(), Optimizer: opt, Schedule: sched,
		Metrics: []train.Metric{train.NewAccuracy()}, Callbacks: c.Callbacks, Verbosity: Verbosity(c.Quiet),
	})
	if err != nil {
		return nil, err
	}
	o, err := c.fitEvaluate(tr, m, ds, test)
	if err != nil {
		tr.Close()
		return nil, err
	}
	return o, nil
}

func (c Classifier) fitEvaluate(tr *train.Trainer, m nn.Layer, ds, test data.Dataset) (*Outcome, error) {
	t0 := time.Now()
	hist, err := tr.Fit(ds, nil)
	if err != nil {
		return nil, err
	}
	o := &Outcome{Trainer: tr, History: hist, TrainSeconds: time.Since(t0).Seconds()}

	cm := train.NewConfusionMatrix(c.Labels...)
	if o.Test, err = tr.Evaluate(test, train.NewAccuracy(), cm); err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "test: loss %.4f, accuracy %.4f\n%s", o.Test["loss"], o.Test["accuracy"], cm)

	if err := nn.SaveSafetensors(m, filepath.Join(c.Out, "model.safetensors")); err != nil {
		return nil, err
	}
	if err := hist.SaveCSV(filepath.Join(c.Out, "history.csv")); err != nil {
		return nil, err
	}
	if err := hist.SavePlot(filepath.Join(c.Out, "history.png"), c.PlotOptions...); err != nil {
		return nil, err
	}
	return o, nil
}
