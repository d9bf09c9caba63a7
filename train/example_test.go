package train_test

import (
	"fmt"
	"os"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/train"
	"gorgonia.org/tensor"
)

// points is a tiny in-memory dataset: 2-D points, one-hot labels of two
// classes (x+y > 0 or not).
type points struct{ xy [][2]float32 }

func (p points) Len() int      { return len(p.xy) }
func (p points) XShape() []int { return []int{2} }
func (p points) YShape() []int { return []int{2} }
func (p points) Get(i int, x, y []float32) error {
	x[0], x[1] = p.xy[i][0], p.xy[i][1]
	y[0], y[1] = 1, 0
	if x[0]+x[1] > 0 {
		y[0], y[1] = 0, 1
	}
	return nil
}

func grid(n int) points {
	var p points
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			p.xy = append(p.xy, [2]float32{float32(i)/float32(n-1)*2 - 1, float32(j)/float32(n-1)*2 - 1.01})
		}
	}
	return p
}

// Fit a small classifier, Keras style: the zero Config means one epoch,
// batches of 32, softmax cross-entropy and Adam(1e-3); here a few fields
// are set.
func ExampleNew() {
	d1, _ := nn.NewDense(2, 16, nn.WithActivation(nn.NewReLU()), nn.WithSeed(1))
	d2, _ := nn.NewDense(16, 2, nn.WithSeed(2))
	model, _ := nn.NewSequential(d1, d2)

	opt, _ := train.NewAdam(0.01)
	tr, err := train.New(model, train.Config{
		Epochs:    20,
		BatchSize: 16,
		Seed:      1,
		Optimizer: opt,
		Metrics:   []train.Metric{train.NewAccuracy()},
		Verbosity: train.Silent, // the default prints a progress bar to stderr
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	hist, err := tr.Fit(grid(20), grid(7))
	if err != nil {
		fmt.Println(err)
		return
	}
	last := hist.Last()
	fmt.Println("epochs:", hist.Len())
	fmt.Println("loss went down:", last["loss"] < hist.Series("loss")[0])
	fmt.Println("val_accuracy >= 0.95:", last["val_accuracy"] >= 0.95)
	// Output:
	// epochs: 20
	// loss went down: true
	// val_accuracy >= 0.95: true
}

func ExampleNewSGD() {
	opt, _ := train.NewSGD(0.1, train.WithMomentum(0.9), train.WithNesterov(true), train.WithWeightDecay(5e-4))
	fmt.Println(opt.Name())
	// Output: SGD(lr=0.1, momentum=0.9, nesterov, weight_decay=0.0005)
}

func ExampleNewStepDecay() {
	s, _ := train.NewStepDecay(2, 0.1)
	for epoch := 1; epoch <= 5; epoch++ {
		fmt.Printf("epoch %d: lr %.4g\n", epoch, s.LR(epoch, 0.1))
	}
	// Output:
	// epoch 1: lr 0.1
	// epoch 2: lr 0.1
	// epoch 3: lr 0.01
	// epoch 4: lr 0.01
	// epoch 5: lr 0.001
}

func ExampleConfusionMatrix() {
	cm := train.NewConfusionMatrix("cat", "dog")
	cm.Update(train.Batch{
		Pred:        []float64{0.9, 0.1, 0.2, 0.8, 0.6, 0.4, 0.3, 0.7},
		Target:      []float64{1, 0, 0, 1, 0, 1, 0, 1},
		PredShape:   []int{4, 2},
		TargetShape: []int{4, 2},
	})
	fmt.Print(cm)
	fmt.Printf("accuracy %.2f\n", cm.Value())
	// Output:
	// true\pred       cat       dog  recall
	//       cat         1         0  1.0000
	//       dog         1         2  0.6667
	// accuracy 0.75
}

func ExampleHistory_WriteCSV() {
	h := train.NewHistory()
	h.Append(1, train.Logs{"loss": 0.5, "val_loss": 0.6, "lr": 0.001})
	h.Append(2, train.Logs{"loss": 0.25, "val_loss": 0.4, "lr": 0.001})
	h.WriteCSV(os.Stdout)
	// Output:
	// epoch,loss,val_loss,lr
	// 1,0.5,0.6,0.001
	// 2,0.25,0.4,0.001
}

// A custom callback made of functions, called after every epoch.
func ExampleFuncs() {
	d, _ := nn.NewDense(2, 2, nn.WithSeed(3))
	model, _ := nn.NewSequential(d)
	every2 := train.Funcs{EpochEnd: func(t *train.Trainer, epoch int, logs train.Logs) error {
		if epoch%2 == 0 {
			fmt.Printf("epoch %d: logged %d values, lr %g\n", epoch, len(logs), logs["lr"])
		}
		return nil
	}}
	tr, _ := train.New(model, train.Config{Epochs: 4, Callbacks: []train.Callback{every2}, Verbosity: train.Silent})
	if _, err := tr.Fit(grid(5), nil); err != nil {
		fmt.Println(err)
	}
	// Output:
	// epoch 2: logged 2 values, lr 0.001
	// epoch 4: logged 2 values, lr 0.001
}

// The gradient of a loss for one batch, layer by layer, without training:
// for a Dense layer with weights 0.5 and MSE against zero targets.
func ExampleGradients() {
	d, _ := nn.NewDense(2, 1, nn.WithWeightInit(graph.Constant(0.5)), nn.WithBias(false), nn.WithDtype(tensor.Float64), nn.WithSeed(4))
	x := tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]float64{1, 2, 3, 4}))
	y := tensor.New(tensor.WithShape(2, 1), tensor.WithBacking([]float64{0, 0}))
	// pred = (1.5, 3.5); L = mean(pred²); dL/dw = (2/2)·Σ_n pred_n·x_n = (1.5+10.5, 3+14)
	grads, err := train.Gradients(d, train.MSE(), x, y)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, g := range grads {
		fmt.Printf("%s %v norm %.4f\n", g.Name, g.Grad.Data(), g.Norm())
	}
	// Output:
	// weight [12 17] norm 20.8087
}
