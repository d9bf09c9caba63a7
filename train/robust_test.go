package train_test

import (
	"errors"
	"fmt"
	"hash"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/chewxy/hm"
	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/train"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// imageSet is n random 1×6×6 images with 2 one-hot classes.
func imageSet(n int, seed uint64) *memSet {
	r := rand.New(rand.NewPCG(seed, 3))
	m := &memSet{xs: []int{1, 6, 6}, ys: []int{2}}
	for i := 0; i < n; i++ {
		x := make([]float32, 36)
		for j := range x {
			x[j] = float32(r.NormFloat64())
		}
		m.x = append(m.x, x)
		m.y = append(m.y, oneHot(i%2, 2))
	}
	return m
}

func convModel(t *testing.T) *nn.Sequential {
	t.Helper()
	m, err := nn.NewSequential(nn.Must(nn.NewConv2D(1, 4, 3)), nn.Must(nn.NewBatchNorm2D(4)), nn.NewReLU(),
		nn.Must(nn.NewDropout(0.2)), nn.NewFlatten(), nn.Must(nn.NewDense(64, 2)))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestPredictWhileFit: nn.Predict on a model that Fit is training, from
// another goroutine and from a callback, is safe: it waits for the running
// step and sees the weights between steps. go test -race checks that no
// memory is shared without the locks (the optimizer and BatchNorm write
// the weights and running statistics Predict reads).
func TestPredictWhileFit(t *testing.T) {
	model := convModel(t)
	ds := imageSet(48, 1)
	x := tensor.New(tensor.WithShape(3, 1, 6, 6), tensor.WithBacking(append(append(append([]float32(nil), ds.x[0]...), ds.x[1]...), ds.x[2]...)))
	inCallback := 0
	cfg := train.Config{Epochs: 3, BatchSize: 8, Loss: ceLoss(), Verbosity: train.Silent, Seed: 1,
		Callbacks: []train.Callback{train.Funcs{BatchEnd: func(_ *train.Trainer, _, step int, _ train.Logs) error {
			if step%3 == 0 {
				inCallback++
				_, err := nn.Predict(model, x)
				return err
			}
			return nil
		}}}}
	tr, err := train.New(model, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	done := make(chan error, 1)
	go func() {
		_, err := tr.Fit(ds, imageSet(8, 2))
		done <- err
	}()
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	stop := make(chan struct{})
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					if i == 0 {
						errs <- fmt.Errorf("no Predict ran")
					}
					return
				default:
				}
				y, err := nn.Predict(model, x)
				if err == nil {
					vals, _ := graph.Float64s(y)
					for _, v := range vals {
						if math.IsNaN(v) || math.IsInf(v, 0) {
							err = fmt.Errorf("non-finite output %v", vals)
							break
						}
					}
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	if err := <-done; err != nil {
		t.Errorf("Fit: %v", err)
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("Predict during Fit: %v", err)
	}
	if inCallback == 0 {
		t.Error("the callback never called Predict")
	}
}

// TestEmptyData: the Trainer refuses empty datasets, and an example shape
// with an empty axis, with errors instead of running a graph on nothing.
func TestEmptyData(t *testing.T) {
	tr, err := train.New(convModel(t), train.Config{Loss: ceLoss(), Verbosity: train.Silent})
	if err != nil {
		t.Fatal(err)
	}
	empty := &memSet{xs: []int{1, 6, 6}, ys: []int{2}}
	if _, err := tr.Fit(empty, nil); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("Fit on an empty set: %v", err)
	}
	if _, err := tr.Evaluate(empty); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("Evaluate on an empty set: %v", err)
	}
	if _, err := tr.Predict(empty); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("Predict on an empty set: %v", err)
	}
	flat := &memSet{xs: []int{1, 0, 6}, ys: []int{2}, x: [][]float32{{}}, y: [][]float32{{1, 0}}}
	if _, err := tr.Fit(flat, nil); err == nil {
		t.Error("Fit on examples of shape (1, 0, 6): no error")
	}
}

// buggyOp is an identity op whose kernel panics: a stand-in for a kernel
// bug deep inside a model.
type buggyOp struct{}

func (buggyOp) Arity() int { return 1 }
func (buggyOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(a, a)
}
func (buggyOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return in[0].(tensor.Shape).Clone(), nil
}
func (buggyOp) Do(vals ...G.Value) (G.Value, error) {
	var m map[string]int
	//lint:ignore SA5000 the kernel panics on purpose
	m["boom"]++ // assignment to entry in nil map
	return nil, nil
}
func (buggyOp) ReturnsPtr() bool      { return false }
func (buggyOp) CallsExtern() bool     { return false }
func (buggyOp) OverwritesInput() int  { return -1 }
func (buggyOp) WriteHash(h hash.Hash) { fmt.Fprint(h, "BuggyKernel") }
func (buggyOp) Hashcode() uint32      { return 42 }
func (buggyOp) String() string        { return "BuggyKernel" }
func (buggyOp) DiffWRT(int) []bool    { return []bool{true} }
func (buggyOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	return G.Nodes{grad}, nil
}

type buggyLayer struct{}

func (buggyLayer) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	return G.ApplyOp(buggyOp{}, x)
}
func (buggyLayer) Params() []graph.NamedParam { return nil }

// TestOpPanicIsError: a panic inside an op while Fit, Evaluate or
// nn.Predict runs a graph is returned as an error naming the op; the
// process survives (it used to die in Gorgonia's VM goroutine).
func TestOpPanicIsError(t *testing.T) {
	model, err := nn.NewSequential(nn.Must(nn.NewDense(2, 2)), buggyLayer{})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := train.New(model, train.Config{Loss: ceLoss(), Verbosity: train.Silent})
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, graph.ErrOpPanic) || !strings.Contains(err.Error(), "graph: op BuggyKernel") ||
			!strings.Contains(err.Error(), "assignment to entry in nil map") {
			t.Errorf("%s: %v, want an ErrOpPanic error naming BuggyKernel", what, err)
		}
	}
	_, err = tr.Fit(blobs(8, 1), nil)
	check("Fit", err)
	_, err = tr.Evaluate(blobs(8, 1))
	check("Evaluate", err)
	_, err = nn.Predict(model, tensor.New(tensor.WithShape(1, 2), tensor.WithBacking([]float32{1, 2})))
	check("nn.Predict", err)
}

// TestFunctionalRunWhileFit: Functional.Run on a model that Fit is
// training, from another goroutine, takes the same Param locks as
// nn.Predict (go test -race finds no race) and sees finite outputs.
func TestFunctionalRunWhileFit(t *testing.T) {
	in := nn.Input("image")
	f, err := nn.NewFunctional([]*nn.Symbol{in}, []*nn.Symbol{nn.Connect("net", convModel(t), in)})
	if err != nil {
		t.Fatal(err)
	}
	ds := imageSet(48, 1)
	x := tensor.New(tensor.WithShape(2, 1, 6, 6), tensor.WithBacking(append(append([]float32(nil), ds.x[0]...), ds.x[1]...)))
	tr, err := train.New(f, train.Config{Epochs: 3, BatchSize: 8, Loss: ceLoss(), Verbosity: train.Silent, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	done := make(chan error, 1)
	go func() {
		_, err := tr.Fit(ds, nil)
		done <- err
	}()
	runs := 0
	for fitting := true; fitting; runs++ {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			fitting = false
		default:
		}
		ys, err := f.Run(x)
		if err != nil {
			t.Fatal(err)
		}
		vals, _ := graph.Float64s(ys[0])
		for _, v := range vals {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("run %d: non-finite output %v", runs, vals)
			}
		}
	}
}
