package nn_test

import (
	"math"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func rvModel(t *testing.T, c, k int, seed int64) (*nn.Sequential, *nn.BatchNorm2D, *nn.BatchNorm2D) {
	c1, err := nn.NewConv2D(c, k, 3, nn.WithPadding(nn.Same), nn.WithSeed(seed))
	if err != nil {
		t.Fatal(err)
	}
	b1, err := nn.NewBatchNorm2D(k)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := nn.NewConv2D(k, k, 3, nn.WithPadding(nn.Same), nn.WithSeed(seed+1))
	if err != nil {
		t.Fatal(err)
	}
	b2, err := nn.NewBatchNorm2D(k)
	if err != nil {
		t.Fatal(err)
	}
	s, err := nn.NewSequential(c1, b1, nn.NewReLU(), c2, b2, nn.NewReLU())
	if err != nil {
		t.Fatal(err)
	}
	setStats(b1, seed)
	setStats(b2, seed+7)
	return s, b1, b2
}

func setStats(bn *nn.BatchNorm2D, seed int64) {
	m := bn.RunningMean().Value().Data().([]float32)
	v := bn.RunningVar().Value().Data().([]float32)
	g := bn.Weight().Value().Data().([]float32)
	be := bn.Bias().Value().Data().([]float32)
	for i := range m {
		f := float64(i) + float64(seed)
		m[i] = float32(0.1 * math.Sin(f))
		v[i] = float32(0.5 + 0.4*math.Cos(f))
		g[i] = float32(1 + 0.3*math.Sin(2*f))
		be[i] = float32(0.2 * math.Cos(3*f))
	}
}

// unfolded runs l in an Eval graph without WithInference.
func unfolded(t *testing.T, l nn.Layer, x *tensor.Dense) []float64 {
	b := graph.NewBuilder(graph.Eval)
	xn := b.InputValue("x", x.Clone().(*tensor.Dense))
	out, err := l.Forward(b, xn)
	if err != nil {
		t.Fatal(err)
	}
	var v G.Value
	G.Read(out, &v)
	m, err := graph.NewMachine(b.Graph())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := graph.Run(m); err != nil {
		t.Fatal(err)
	}
	r, _ := graph.ValueFloat64s(v)
	return r
}

func rvMaxDiff(a []float64, b tensor.Tensor) float64 {
	bv, _ := graph.Float64s(b)
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(a[i]-bv[i]))
	}
	return d
}

func rvInput(shape ...int) *tensor.Dense {
	n := 1
	for _, d := range shape {
		n *= d
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(math.Sin(float64(i) * 0.37))
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(v))
}

// Two different models predicting in parallel goroutines (shared conv
// scratch pool), each against its own sequential result.
func TestPredictTwoModelsInParallel(t *testing.T) {
	m1, _, _ := rvModel(t, 3, 8, 1)
	m2, _, _ := rvModel(t, 4, 16, 2)
	x1, x2 := rvInput(4, 3, 12, 12), rvInput(3, 4, 20, 20)
	w1, err := nn.Predict(m1, x1)
	if err != nil {
		t.Fatal(err)
	}
	w2, err := nn.Predict(m2, x2)
	if err != nil {
		t.Fatal(err)
	}
	w1v, _ := graph.Float64s(w1)
	w2v, _ := graph.Float64s(w2)
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 5; i++ {
				m, x, want := m1, x1, w1v
				if (g+i)%2 == 1 {
					m, x, want = m2, x2, w2v
				}
				got, err := nn.Predict(m, x)
				if err != nil {
					errs <- err.Error()
					return
				}
				if d := rvMaxDiff(want, got); d != 0 {
					errs <- "result differs from sequential"
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// Folded Predict follows in-place changes and LoadSafetensors.
func TestPredictFoldFollowsWeightChanges(t *testing.T) {
	m, b1, _ := rvModel(t, 3, 8, 1)
	x := rvInput(2, 3, 9, 9)
	check := func(stage string) {
		got, err := nn.Predict(m, x)
		if err != nil {
			t.Fatal(err)
		}
		if d := rvMaxDiff(unfolded(t, m, x), got); d > 1e-4 {
			t.Errorf("%s: folded vs unfolded max diff %g", stage, d)
		}
	}
	check("initial")
	setStats(b1, 42)
	check("after in-place running-stat change")
	other, _, _ := rvModel(t, 3, 8, 99)
	p := filepath.Join(t.TempDir(), "o.safetensors")
	if err := nn.SaveSafetensors(other, p); err != nil {
		t.Fatal(err)
	}
	if err := nn.LoadSafetensors(m, p); err != nil {
		t.Fatal(err)
	}
	check("after LoadSafetensors")
	want, _ := nn.Predict(other, x)
	got, _ := nn.Predict(m, x)
	if d := rvMaxDiff(func() []float64 { v, _ := graph.Float64s(want); return v }(), got); d != 0 {
		t.Errorf("loaded model differs from source: %g", d)
	}
}

// The convolution scratch a model used is freed with the model: the
// process-wide pool of ops holds idle scratch through weak pointers only.
// (With strong references it kept 28 MB after this model was dropped.)
func TestPredictFreesConvScratchWithModel(t *testing.T) {
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapInuse
	}
	before := heap()
	func() {
		c, err := nn.NewConv2D(3, 16, 3, nn.WithPadding(nn.Same))
		if err != nil {
			t.Fatal(err)
		}
		s, _ := nn.NewSequential(c)
		if _, err := nn.Predict(s, rvInput(1, 3, 512, 512)); err != nil {
			t.Fatal(err)
		}
	}()
	after := heap()
	retained := float64(after) - float64(before)
	t.Logf("HeapInuse before %.1f MB, after dropping the model %.1f MB (retained %.1f MB)", float64(before)/1e6, float64(after)/1e6, retained/1e6)
	if retained > 8e6 { // the im2col matrix alone is 27 x 262,144 float32 = 28 MB
		t.Errorf("%.1f MB of heap retained after the model was dropped, want under 8 MB", retained/1e6)
	}
}
