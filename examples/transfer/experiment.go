package main

import (
	"fmt"
	"math"
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
	batchNorms []string // Param name prefixes of the backbone's BatchNorm layers
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
	for _, name := range bb.LayerNames() {
		if _, ok := bb.Layer(name).(*keras.BatchNorm); ok {
			e.batchNorms = append(e.batchNorms, "backbone."+name)
		}
	}
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
	trainRaw, err := features(feats, ds.trainX, shape)
	if err != nil {
		return r, err
	}
	testRaw, err := features(feats, ds.testX, shape)
	if err != nil {
		return r, err
	}
	mean, scale := standardize(trainRaw, testRaw, 1280)
	trainF, err := data.NewLabeled(trainRaw, []int{1280}, ds.trainY, ds.classes)
	if err != nil {
		return r, err
	}
	testF, err := data.NewLabeled(testRaw, []int{1280}, ds.testY, ds.classes)
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
	fineHead, err := foldStandardization(head, mean, scale)
	if err != nil {
		return r, err
	}
	fine := &classifier{backbone: e.backbone, pool: nn.NewGlobalAvgPool(), head: fineHead}
	nn.Freeze(fine, e.batchNorms...)
	fmt.Fprintf(os.Stderr, "%s: fine-tuning %d of %d weights (BatchNorm frozen), lr %g\n", ds.title, nn.NumTrainable(fine), nn.NumParams(fine), e.c.FineLR)
	if start, err := evaluate(e.c, fine, train); err == nil {
		fmt.Fprintf(os.Stderr, "%s: before fine-tuning: training loss %.4f, accuracy %.4f (the frozen run's head)\n", ds.title, start["loss"], start["accuracy"])
	}
	r.FineTuned, err = fitEval(e.c, fine, train, test, e.c.Epochs, e.c.FineLR)
	nn.Unfreeze(fine)
	if err != nil {
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
	if _, err = fitEval(e.c, scratch, train, nil, e.c.Epochs, e.c.LR); err != nil {
		return r, err
	}
	if err := recalibrateBN(scratch, ds.trainX, shape, e.c.Batch); err != nil {
		return r, err
	}
	if r.Scratch, err = evaluateAcc(e.c, scratch, test); err != nil {
		return r, err
	}
	r.seconds[0] = time.Since(t0).Seconds()
	return r, nil
}

// features computes the pooled backbone features (eval mode) of images x,
// in chunks: 1280 values per image.
func features(m nn.Layer, x []float32, shape []int) ([]float32, error) {
	per := shape[0] * shape[1] * shape[2]
	n := len(x) / per
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
	return out, nil
}

// standardize scales every feature of train and test to zero mean and
// about unit variance with train's statistics, so that one learning rate
// suits the head whatever the features' scales: x' = (x - mean)·scale with
// scale = 1/sqrt(var + 0.01·mean var). The floor keeps nearly constant
// features (ReLU6 units that rarely fire) from being amplified without
// bound, which would make fine-tuning unstable once the head is folded
// onto raw features. It returns the means and scales it used.
func standardize(train, test []float32, dim int) (mean, scale []float64) {
	n := len(train) / dim
	mean, scale = make([]float64, dim), make([]float64, dim)
	vars := make([]float64, dim)
	meanVar := 0.0
	for j := 0; j < dim; j++ {
		var s, ss float64
		for i := 0; i < n; i++ {
			v := float64(train[i*dim+j])
			s += v
			ss += v * v
		}
		mean[j] = s / float64(n)
		vars[j] = max(ss/float64(n)-mean[j]*mean[j], 0)
		meanVar += vars[j] / float64(dim)
	}
	for j := 0; j < dim; j++ {
		if d := vars[j] + 0.01*meanVar; d > 0 {
			scale[j] = 1 / math.Sqrt(d)
		}
		for _, xs := range [][]float32{train, test} {
			for i := j; i < len(xs); i += dim {
				xs[i] = float32((float64(xs[i]) - mean[j]) * scale[j])
			}
		}
	}
	return mean, scale
}

// foldStandardization returns a Dense layer on raw features equal to head
// on standardised ones: W' = W·diag(scale), b' = b - W'·mean.
func foldStandardization(head *nn.Dense, mean, scale []float64) (*nn.Dense, error) {
	w, err := graph.Float64s(head.Weight().Value())
	if err != nil {
		return nil, err
	}
	b, err := graph.Float64s(head.Bias().Value())
	if err != nil {
		return nil, err
	}
	out, in := len(b), len(mean)
	folded, err := nn.NewDense(in, out)
	if err != nil {
		return nil, err
	}
	for o := 0; o < out; o++ {
		for i := 0; i < in; i++ {
			w[o*in+i] *= scale[i]
			b[o] -= w[o*in+i] * mean[i]
		}
	}
	if err := folded.Weight().SetValue(tensor.New(tensor.WithShape(out, in), tensor.WithBacking(w))); err != nil {
		return nil, err
	}
	if err := folded.Bias().SetValue(tensor.New(tensor.WithShape(out), tensor.WithBacking(b))); err != nil {
		return nil, err
	}
	return folded, nil
}

// evaluate returns m's loss and accuracy on ds.
func evaluate(c config, m nn.Layer, ds data.Dataset) (map[string]float64, error) {
	tr, err := train.New(m, train.Config{BatchSize: c.Batch, EvalBatchSize: 100, Loss: train.SoftmaxCrossEntropy(),
		Metrics: []train.Metric{train.NewAccuracy()}, Verbosity: recipe.Verbosity(true)})
	if err != nil {
		return nil, err
	}
	defer tr.Close()
	return tr.Evaluate(ds)
}

// evaluateAcc returns m's accuracy on ds.
func evaluateAcc(c config, m nn.Layer, ds data.Dataset) (float64, error) {
	logs, err := evaluate(c, m, ds)
	if err != nil {
		return 0, err
	}
	return logs["accuracy"], nil
}

// recalibrateBN runs m in training mode over batches of the images x
// without changing any weight, at least 40 batches (cycling through x), so
// that every BatchNorm's running statistics (momentum 0.1) come from the
// final weights ("precise BN"): after a short training from scratch they
// still lag behind weights that moved fast, and the evaluation-mode network
// would be far worse than the training-mode one. Only full batches are used.
func recalibrateBN(m nn.Layer, x []float32, shape []int, batch int) error {
	per := shape[0] * shape[1] * shape[2]
	n := len(x) / per
	batch = min(batch, n)
	full := n / batch
	b := graph.NewBuilder(graph.Train, graph.WithSeed(1))
	in := b.Input("input", tensor.Float32, append([]int{batch}, shape...)...)
	out, err := m.Forward(b, in)
	if err != nil {
		return err
	}
	var v G.Value
	G.Read(out, &v)
	vm, err := graph.NewMachine(b.Graph())
	if err != nil {
		return err
	}
	defer vm.Close()
	for s := 0; s < max(full, 40); s++ {
		k := s % full
		xb := tensor.New(tensor.WithShape(append([]int{batch}, shape...)...), tensor.WithBacking(append([]float32(nil), x[k*batch*per:(k+1)*batch*per]...)))
		if err := G.Let(in, xb); err != nil {
			return err
		}
		if err := graph.Run(vm); err != nil {
			return err
		}
	}
	return nil
}

// fitEval trains m on ds for the given epochs (none: evaluate only) and
// returns its accuracy on test (0 when test is nil).
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
	if test == nil {
		return 0, nil
	}
	logs, err := tr.Evaluate(test)
	if err != nil {
		return 0, err
	}
	return logs["accuracy"], nil
}
