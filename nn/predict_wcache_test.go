package nn_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	convops "github.com/convnet-go/convnet/ops"
	"gorgonia.org/tensor"
)

// wcacheModel has one convolution of each kind an inference graph caches
// the weights of: Conv → BatchNorm → ReLU (ops.ConvBatchNorm), Conv+ReLU →
// MaxPool2D (ops.ConvMaxPool2D) and a plain Conv (ops.ConvND), all with
// ConvParams.CacheWeights.
func wcacheModel(t *testing.T, dt tensor.Dtype, seed int64) *nn.Sequential {
	t.Helper()
	d := nn.WithDtype(dt)
	c1 := must(nn.NewConv2D(3, 8, 3, nn.WithPadding(nn.Same), nn.WithSeed(seed), d))
	bn := must(nn.NewBatchNorm2D(8, d))
	c2 := must(nn.NewConv2D(8, 8, 3, nn.WithPadding(nn.Same), nn.WithSeed(seed+1), d))
	pool := must(nn.NewMaxPool2D(2))
	c3 := must(nn.NewConv2D(8, 4, 1, nn.WithSeed(seed+2), d))
	m := must(nn.NewSequential(c1, bn, nn.NewReLU(), c2, nn.NewReLU(), pool, c3))
	perturb(m, seed+3) // non-trivial BatchNorm statistics
	return m
}

// param returns m's Param named name.
func param(t *testing.T, m nn.Layer, name string) *graph.Param {
	t.Helper()
	for _, np := range nn.NamedParams(m) {
		if np.Name == name {
			return np.Param
		}
	}
	t.Fatalf("no Param %q", name)
	return nil
}

// scaleValues multiplies every element of p's tensor by f, in place.
func scaleValues(p *graph.Param, f float64) {
	switch d := p.Value().Data().(type) {
	case []float32:
		for i := range d {
			d[i] *= float32(f)
		}
	case []float64:
		for i := range d {
			d[i] *= f
		}
	}
}

// TestPredictSeesEveryWeightChange changes the weights of a model between
// two Predict calls in each way the public API allows, and checks that the
// second call gives the new answer (that of a graph built without the
// cache, and not the first answer): the cached graph's ops keep their
// folded and packed weights between calls and must notice every change.
func TestPredictSeesEveryWeightChange(t *testing.T) {
	paths := []struct {
		name   string
		change func(t *testing.T, m *nn.Sequential, dt tensor.Dtype)
	}{
		{"direct write into a conv weight", func(t *testing.T, m *nn.Sequential, _ tensor.Dtype) {
			scaleValues(param(t, m, "0.weight"), -1.5)
		}},
		{"direct write into the pooled conv's weight", func(t *testing.T, m *nn.Sequential, _ tensor.Dtype) {
			scaleValues(param(t, m, "3.weight"), 0.5)
		}},
		{"direct write into the last conv's bias", func(t *testing.T, m *nn.Sequential, _ tensor.Dtype) {
			scaleValues(param(t, m, "6.bias"), 3)
		}},
		{"SetValue on a conv bias", func(t *testing.T, m *nn.Sequential, _ tensor.Dtype) {
			p := param(t, m, "0.bias")
			v := tensor.New(tensor.WithShape(8), tensor.WithBacking([]float64{1, -1, 2, -2, 3, -3, 4, -4}))
			if err := p.SetValue(v); err != nil {
				t.Fatal(err)
			}
		}},
		{"SetValue on the BatchNorm's scale", func(t *testing.T, m *nn.Sequential, _ tensor.Dtype) {
			if err := param(t, m, "1.weight").SetValue(tensor.New(tensor.WithShape(8), tensor.WithBacking([]float64{2, 1, 0.5, 3, 1, 1, -1, 2}))); err != nil {
				t.Fatal(err)
			}
		}},
		{"direct write into the running variance", func(t *testing.T, m *nn.Sequential, _ tensor.Dtype) {
			scaleValues(param(t, m, "1.running_var"), 4)
		}},
		{"direct write into the running mean", func(t *testing.T, m *nn.Sequential, _ tensor.Dtype) {
			scaleValues(param(t, m, "1.running_mean"), -2)
		}},
		{"Reinit of the weights", func(t *testing.T, m *nn.Sequential, _ tensor.Dtype) {
			for _, name := range []string{"0.weight", "3.weight", "6.weight"} {
				if err := param(t, m, name).Reinit(99); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{"nn.Initialize", func(t *testing.T, m *nn.Sequential, _ tensor.Dtype) {
			if err := nn.Initialize(m, 1234); err != nil {
				t.Fatal(err)
			}
		}},
		{"LoadSafetensors", func(t *testing.T, m *nn.Sequential, dt tensor.Dtype) {
			path := filepath.Join(t.TempDir(), "other.safetensors")
			if err := nn.SaveSafetensors(wcacheModel(t, dt, 50), path); err != nil {
				t.Fatal(err)
			}
			if err := nn.LoadSafetensors(m, path); err != nil {
				t.Fatal(err)
			}
		}},
		{"SetDtype and back", func(t *testing.T, m *nn.Sequential, dt tensor.Dtype) {
			other := tensor.Float64
			if dt == other {
				other = tensor.Float32
			}
			if err := nn.SetDtype(m, other); err != nil {
				t.Fatal(err)
			}
			scaleValues(param(t, m, "0.weight"), 2)
			if err := nn.SetDtype(m, dt); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		x := randInput(dt, []int{3, 3, 8, 8}, 4)
		for _, p := range paths {
			name := fmt.Sprintf("%s %v", p.name, dt)
			m := wcacheModel(t, dt, 7)
			first := must(graph.Float64s(must(nn.Predict(m, x))))
			if err := closeTo(first, unfolded(t, m, x), foldTol(dt)); err != nil {
				t.Fatalf("%s: first Predict: %v", name, err)
			}
			must(nn.Predict(m, x)) // the cached graph's transforms are reused
			p.change(t, m, dt)
			got := must(graph.Float64s(must(nn.Predict(m, x))))
			if err := closeTo(got, unfolded(t, m, x), foldTol(dt)); err != nil {
				t.Errorf("%s: Predict after the change: %v", name, err)
			}
			if closeTo(got, first, 1e-6) == nil {
				t.Errorf("%s: the change did not change the output; the test proves nothing", name)
			}
		}
	}
}

// TestPredictCachedConcurrent runs Predict on one model from several
// goroutines at once, before and after a weight change, and checks every
// answer (go test -race checks the cached transforms are not shared
// without the locks).
func TestPredictCachedConcurrent(t *testing.T) {
	m := wcacheModel(t, tensor.Float32, 3)
	x := randInput(tensor.Float32, []int{2, 3, 8, 8}, 5)
	for round := range 2 {
		want := unfolded(t, m, x)
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 3 {
					y, err := nn.Predict(m, x)
					if err == nil {
						err = closeTo(must(graph.Float64s(y)), want, foldTol(tensor.Float32))
					}
					if err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("round %d: %v", round, err)
		}
		scaleValues(param(t, m, "0.weight"), -1)
		scaleValues(param(t, m, "3.weight"), 2)
	}
}

// TestInferenceGraphCachesWeights checks that the inference graph of the
// model uses the caching ops.
func TestInferenceGraphCachesWeights(t *testing.T) {
	m := wcacheModel(t, tensor.Float32, 1)
	b := graph.NewBuilder(graph.Eval, graph.WithInference())
	if _, err := nn.Apply(b, m, b.Input("x", tensor.Float32, 1, 3, 8, 8)); err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, n := range b.Graph().AllNodes() {
		if n.Op() == nil {
			continue
		}
		if name, attrs, ok := convops.Describe(n.Op()); ok && strings.HasPrefix(name, "Conv") {
			found = append(found, name+" "+attrs)
		}
	}
	want := []string{"ConvBatchNorm+ReLU", "ConvMaxPool2D+ReLU", "Conv2D"}
	if len(found) != len(want) {
		t.Fatalf("convolution ops %q, want %q", found, want)
	}
	for i, f := range found {
		if !strings.HasPrefix(f, want[i]+" ") || (want[i] != "ConvBatchNorm+ReLU" && !strings.Contains(f, "cached")) {
			t.Errorf("op %q, want a caching %s", f, want[i])
		}
	}
}
