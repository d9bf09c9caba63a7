package main

import (
	"fmt"
	"os"
	"time"

	"github.com/convnet-go/convnet/examples/internal/recipe"
	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/keras"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/train"
	"github.com/convnet-go/convnet/train/data"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// featureLayer is the last layer of MobileNetV2's backbone: the 1x1
// convolution to 1280 channels, BatchNorm and ReLU6.
const featureLayer = "out_relu"

// classifier is MobileNetV2's backbone, global average pooling and a Dense
// head. Its Params are "backbone.<keras layer>.…" and "head.weight/bias".
type classifier struct {
	nn.EvalCache
	backbone nn.Layer
	pool     *nn.GlobalAvgPool
	head     *nn.Dense // nil: the features only
}

// Forward computes the logits (or the 1280 pooled features without a head).
func (c *classifier) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	y, err := nn.Call(b, "backbone", c.backbone, x)
	if err != nil {
		return nil, err
	}
	if y, err = nn.Call(b, "pool", c.pool, y); err != nil {
		return nil, err
	}
	if c.head == nil {
		return y, nil
	}
	return nn.Call(b, "head", c.head, y)
}

// Children lists the backbone, the pooling and the head.
func (c *classifier) Children() []nn.Child {
	cs := []nn.Child{{Name: "backbone", Layer: c.backbone}, {Name: "pool", Layer: c.pool}}
	if c.head != nil {
		cs = append(cs, nn.Child{Name: "head", Layer: c.head})
	}
	return cs
}

// Params lists the children's Params.
func (c *classifier) Params() []graph.NamedParam { return nn.ChildParams(c.Children()...) }

// experiment holds the imported backbone and a copy of its pretrained
// weights, restored before each pretrained run.
type experiment struct {
	c          config
	backbone   *keras.Model
	pretrained []*tensor.Dense
}

func newExperiment(c config) (*experiment, error) {
	m, err := keras.Load(c.Model, keras.WithMomentum(0.1))
	if err != nil {
		return nil, fmt.Errorf("%w (run keras/scripts/fetch_nsfwjs.sh or give -model)", err)
	}
	bb, err := m.Output(featureLayer)
	if err != nil {
		return nil, err
	}
	e := &experiment{c: c, backbone: bb}
	for _, p := range bb.Params() {
		e.pretrained = append(e.pretrained, p.Param.Value().Clone().(*tensor.Dense))
	}
	return e, nil
}

// restore puts the pretrained weights back into the backbone.
func (e *experiment) restore() error {
	for i, p := range e.backbone.Params() {
		if err := p.Param.SetValue(e.pretrained[i]); err != nil {
			return err
		}
	}
	return nil
}

// run trains and evaluates the three ways on one dataset.
func (e *experiment) run(ds *dataset) (row, error) {
	r := row{Dataset: ds.title, TrainImages: ds.trainCount, TestImages: ds.testCount}
	shape := []int{3, ds.size, ds.size}
	train, err := data.NewLabeled(ds.trainX, shape, ds.trainY, ds.classes)
	if err != nil {
		return r, err
	}
	test, err := data.NewLabeled(ds.testX, shape, ds.testY, ds.classes)
	if err != nil {
		return r, err
	}

	// Frozen: pretrained features once, then a head on them.
	t0 := time.Now()
	if err := e.restore(); err != nil {
		return r, err
	}
	fmt.Fprintf(os.Stderr, "%s: pretrained features of %d + %d images\n", ds.title, ds.trainCount, ds.testCount)
	feats := &classifier{backbone: e.backbone, pool: nn.NewGlobalAvgPool()}
	trainF, err := features(feats, ds.trainX, ds.trainY, ds.classes, shape)
	if err != nil {
		return r, err
	}
	testF, err := features(feats, ds.testX, ds.testY, ds.classes, shape)
	if err != nil {
		return r, err
	}
	head, err := nn.NewDense(1280, ds.classes, nn.WithSeed(data.DeriveSeed(e.c.Seed, 1)))
	if err != nil {
		return r, err
	}
	fmt.Fprintf(os.Stderr, "%s: frozen backbone, training the head (%d weights)\n", ds.title, nn.NumParams(head))
	if r.Frozen, err = fitEval(e.c, head, trainF, testF, e.c.HeadEpochs, e.c.HeadLR); err != nil {
		return r, err
	}
	r.seconds[1] = time.Since(t0).Seconds()

	// Fine-tuned: pretrained backbone and the frozen run's head, all layers.
	t0 = time.Now()
	if err := e.restore(); err != nil {
		return r, err
	}
	fine := &classifier{backbone: e.backbone, pool: nn.NewGlobalAvgPool(), head: head}
	fmt.Fprintf(os.Stderr, "%s: fine-tuning all %d weights, lr %g\n", ds.title, nn.NumParams(fine), e.c.FineLR)
	if r.FineTuned, err = fitEval(e.c, fine, train, test, e.c.Epochs, e.c.FineLR); err != nil {
		return r, err
	}
	r.seconds[2] = time.Since(t0).Seconds() + r.seconds[1]

	// Scratch: every weight re-initialised.
	t0 = time.Now()
	scratchHead, err := nn.NewDense(1280, ds.classes)
	if err != nil {
		return r, err
	}
	scratch := &classifier{backbone: e.backbone, pool: nn.NewGlobalAvgPool(), head: scratchHead}
	if err := nn.Initialize(scratch, data.DeriveSeed(e.c.Seed, 2)); err != nil {
		return r, err
	}
	fmt.Fprintf(os.Stderr, "%s: from scratch, %d weights, lr %g\n", ds.title, nn.NumParams(scratch), e.c.LR)
	if r.Scratch, err = fitEval(e.c, scratch, train, test, e.c.Epochs, e.c.LR); err != nil {
		return r, err
	}
	r.seconds[0] = time.Since(t0).Seconds()
	return r, nil
}

// features computes the pooled backbone features (eval mode) of images x,
// in chunks, as a labelled dataset of 1280-vectors.
func features(m nn.Layer, x []float32, y []int, classes int, shape []int) (*data.Tensor, error) {
	per := shape[0] * shape[1] * shape[2]
	n := len(y)
	out := make([]float32, 0, n*1280)
	const chunk = 100
	for i := 0; i < n; i += chunk {
		j := min(i+chunk, n)
		batch := tensor.New(tensor.WithShape(append([]int{j - i}, shape...)...), tensor.WithBacking(append([]float32(nil), x[i*per:j*per]...)))
		f, err := nn.Predict(m, batch)
		if err != nil {
			return nil, err
		}
		vals, err := graph.Float64s(f)
		if err != nil {
			return nil, err
		}
		for _, v := range vals {
			out = append(out, float32(v))
		}
	}
	return data.NewLabeled(out, []int{1280}, y, classes)
}

// fitEval trains m on ds for the given epochs (none: evaluate only) and
// returns its accuracy on test.
func fitEval(c config, m nn.Layer, ds, test data.Dataset, epochs int, lr float64) (float64, error) {
	opt, err := train.NewAdam(lr)
	if err != nil {
		return 0, err
	}
	tr, err := train.New(m, train.Config{
		Epochs:        max(epochs, 1),
		BatchSize:     c.Batch,
		EvalBatchSize: 100,
		Seed:          c.Seed,
		Loss:          train.SoftmaxCrossEntropy(),
		Optimizer:     opt,
		Metrics:       []train.Metric{train.NewAccuracy()},
		Verbosity:     recipe.Verbosity(c.Quiet),
	})
	if err != nil {
		return 0, err
	}
	defer tr.Close()
	if epochs > 0 {
		if _, err := tr.Fit(ds, nil); err != nil {
			return 0, err
		}
	}
	logs, err := tr.Evaluate(test)
	if err != nil {
		return 0, err
	}
	return logs["accuracy"], nil
}
