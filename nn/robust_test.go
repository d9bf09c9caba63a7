package nn_test

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"gorgonia.org/tensor"
)

// layerCase is one layer of every type nn has, with an input shape it
// accepts.
type layerCase struct {
	kind  string
	layer nn.Layer
	in    []int
}

func everyLayer(t *testing.T) []layerCase {
	t.Helper()
	must := func(l nn.Layer, err error) nn.Layer {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	img, vol, seq := []int{2, 3, 6, 6}, []int{2, 3, 4, 4, 4}, []int{2, 3, 8}
	cases := []layerCase{
		{"Dense", must(nn.NewDense(3, 4)), []int{2, 3}},
		{"Conv1D", must(nn.NewConv1D(3, 4, 3)), seq},
		{"Conv2D", must(nn.NewConv2D(3, 4, 3)), img},
		{"Conv3D", must(nn.NewConv3D(3, 4, 3)), vol},
		{"ConvTranspose1D", must(nn.NewConvTranspose1D(3, 4, 3)), seq},
		{"ConvTranspose2D", must(nn.NewConvTranspose2D(3, 4, 3)), img},
		{"ConvTranspose3D", must(nn.NewConvTranspose3D(3, 4, 2)), vol},
		{"BatchNorm1D", must(nn.NewBatchNorm1D(3)), seq},
		{"BatchNorm2D", must(nn.NewBatchNorm2D(3)), img},
		{"BatchNorm3D", must(nn.NewBatchNorm3D(3)), vol},
		{"MaxPool1D", must(nn.NewMaxPool1D(2)), seq},
		{"MaxPool2D", must(nn.NewMaxPool2D(2)), img},
		{"MaxPool3D", must(nn.NewMaxPool3D(2)), vol},
		{"AvgPool1D", must(nn.NewAvgPool1D(2)), seq},
		{"AvgPool2D", must(nn.NewAvgPool2D(2)), img},
		{"AvgPool3D", must(nn.NewAvgPool3D(2)), vol},
		{"AdaptiveAvgPool2D", must(nn.NewAdaptiveAvgPool2D(2, 2)), img},
		{"GlobalAvgPool", nn.NewGlobalAvgPool(), img},
		{"Upsample1D", must(nn.NewUpsample1D(2)), seq},
		{"Upsample2D", must(nn.NewUpsample2D(2)), img},
		{"Upsample3D", must(nn.NewUpsample3D(2)), vol},
		{"UpsampleBilinear2D", must(nn.NewUpsampleBilinear2D(2)), img},
		{"Dropout", must(nn.NewDropout(0.5)), img},
		{"Flatten", nn.NewFlatten(), img},
		{"Reshape", must(nn.NewReshape(-1)), img},
		{"ReLU", nn.NewReLU(), img},
		{"ReLU6", nn.NewReLU6(), img},
		{"ZeroPadding2D", must(nn.NewZeroPadding2D(1, 2, 0, 1)), img},
		{"Conv2D", must(nn.NewDepthwiseConv2D(3, 2, 3)), img}, // depthwise: a grouped Conv2D
		{"Sigmoid", nn.NewSigmoid(), img},
		{"Tanh", nn.NewTanh(), img},
		{"Softplus", nn.NewSoftplus(), img},
		{"Softsign", nn.NewSoftsign(), img},
		{"LeakyReLU", nn.NewLeakyReLU(0.1), img},
		{"ELU", nn.NewELU(1), img},
		{"Softmax", must(nn.NewSoftmax()), []int{2, 5}},
		{"LogSoftmax", must(nn.NewLogSoftmax()), []int{2, 5}},
		{"Residual", must(nn.NewResidual(must(nn.NewConv2D(3, 3, 3, nn.WithPadding(nn.Same))), nil)), img},
		{"Sequential", must(nn.NewSequential(must(nn.NewConv2D(3, 4, 3)), nn.NewReLU(), nn.NewFlatten())), img},
	}
	return cases
}

func filled(shape []int) *tensor.Dense {
	n := 1
	for _, d := range shape {
		n *= d
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(math.Sin(float64(i)))
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(v))
}

// TestEmptyBatch: a batch of 0 examples is an error naming the layer, from
// Predict, from the layer's own Forward and from inside a container (with
// the child's path). It used to divide by zero in Flatten and panic in
// Gorgonia's VM goroutine (killing the process) for the others.
func TestEmptyBatch(t *testing.T) {
	for _, c := range everyLayer(t) {
		t.Run(c.kind, func(t *testing.T) {
			empty := append([]int{0}, c.in[1:]...)
			_, err := nn.Predict(c.layer, tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(empty...)))
			want := fmt.Sprintf("nn: %s: empty batch: input must have at least one example (axis 0), got shape %s", c.kind, graph.FormatShape(empty))
			if err == nil || err.Error() != want || !errors.Is(err, graph.ErrShape) {
				t.Errorf("Predict:\n got %v\nwant %s", err, want)
			}
			for _, mode := range []graph.Mode{graph.Eval, graph.Train} {
				// the layer's own check, without Predict or a container
				b := graph.NewBuilder(mode)
				if _, err := c.layer.Forward(b, b.Input("x", tensor.Float32, empty...)); err == nil ||
					!strings.Contains(err.Error(), "empty batch") || !strings.Contains(err.Error(), "got shape "+graph.FormatShape(empty)) {
					t.Errorf("%v Forward: %v", mode, err)
				}
				// inside a container, the error names the child's path
				b = graph.NewBuilder(mode)
				if _, err := nn.Call(b, "block", c.layer, b.Input("x", tensor.Float32, empty...)); err == nil ||
					!strings.Contains(err.Error(), "empty batch") || !strings.Contains(err.Error(), `"block`) {
					t.Errorf("%v Call: %v", mode, err)
				}
			}
			// another empty axis is named too
			if len(c.in) > 2 {
				bad := append([]int(nil), c.in...)
				bad[len(bad)-1] = 0
				b := graph.NewBuilder(graph.Eval)
				if _, err := c.layer.Forward(b, b.Input("x", tensor.Float32, bad...)); err == nil {
					t.Errorf("empty last axis %s: no error", graph.FormatShape(bad))
				}
			}
		})
	}
}

// TestAbsurdSizes: sizes whose tensors overflow int or exceed the memory
// limit are errors before anything is allocated. They used to end the
// process with "fatal error: out of memory", or panic in Param.Reinit.
func TestAbsurdSizes(t *testing.T) {
	t.Setenv(graph.MemoryLimitEnv, "") // the default: physical memory
	ctors := []struct {
		name string
		make func() (nn.Layer, error)
		want string
	}{
		{"Dense-4TiB", func() (nn.Layer, error) { return nn.NewDense(1<<20, 1<<20) }, "nn: NewDense: weight (out, in): a float32 tensor of shape (1048576, 1048576) needs 4.0 TiB, more than the memory limit"},
		{"Dense-overflow", func() (nn.Layer, error) { return nn.NewDense(1<<40, 1<<40) }, "nn: NewDense: weight (out, in): a float32 tensor of shape (1099511627776, 1099511627776) has more elements than an int can count"},
		{"Conv2D-36TiB", func() (nn.Layer, error) { return nn.NewConv2D(1<<20, 1<<20, 3) }, "nn: NewConv2D: graph: NewParam: a float32 tensor of shape (1048576, 1048576, 3, 3) needs 36.0 TiB"},
		{"BatchNorm2D-overflow", func() (nn.Layer, error) { return nn.NewBatchNorm2D(1 << 62) }, "more bytes than an int can count"},
	}
	for _, c := range ctors {
		t.Run(c.name, func(t *testing.T) {
			l, err := c.make()
			if err == nil || !errors.Is(err, graph.ErrSize) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, %v\nwant an ErrSize error with %q", l, err, c.want)
			}
		})
	}
	small := []int{1, 1, 8, 8}
	runs := []struct {
		name  string
		layer func() (nn.Layer, error)
		want  string
		size  bool // an ErrSize error (else any error naming the layer)
	}{
		{"Upsample2D-1TiB", func() (nn.Layer, error) { return nn.NewUpsample2D(1 << 16) }, "nn: Upsample2D: output: a float32 tensor of shape (1, 1, 524288, 524288) needs 1.0 TiB", true},
		{"Upsample2D-overflow", func() (nn.Layer, error) { return nn.NewUpsample2D(1 << 62) }, "nn: Upsample2D: output size 8·4611686018427387904 on axis H overflows int", false},
		{"Conv2D-pad-16TiB", func() (nn.Layer, error) { return nn.NewConv2D(1, 1, 3, nn.WithPad(1<<20)) }, "a float32 tensor of shape (1, 1, 2097158, 2097158) needs 16.0 TiB", true},
		{"Conv2D-pad-overflow", func() (nn.Layer, error) { return nn.NewConv2D(1, 1, 3, nn.WithPad(1<<62)) }, "overflows int on axis H", false},
		{"Conv2D-dilation-overflow", func() (nn.Layer, error) { return nn.NewConv2D(1, 1, 5, nn.WithDilation(1<<62+1)) }, "dilated by (4611686018427387905, 4611686018427387905) overflows int", false},
		{"ConvTranspose2D-stride-overflow", func() (nn.Layer, error) { return nn.NewConvTranspose2D(1, 1, 3, nn.WithStride(1<<62)) }, "overflows int", false},
		{"ConvTranspose2D-stride-huge", func() (nn.Layer, error) { return nn.NewConvTranspose2D(1, 1, 3, nn.WithStride(1<<20)) }, "needs", true},
		{"MaxPool2D-pad-overflow", func() (nn.Layer, error) { return nn.NewMaxPool2D(2, nn.WithPad(1<<62)) }, "", false},
		{"ZeroPadding2D-overflow", func() (nn.Layer, error) { return nn.NewZeroPadding2D(1<<62, 1<<62, 0, 0) }, "nn: ZeroPadding2D: input (1, 1, 8, 8) padded by 4611686018427387904 and 4611686018427387904 on axis H overflows int", false},
		{"ZeroPadding2D-1TiB", func() (nn.Layer, error) { return nn.NewZeroPadding2D(1<<19, 1<<19, 1<<19, 1<<19) }, "needs 4.0 TiB", true},
	}
	for _, c := range runs {
		t.Run(c.name, func(t *testing.T) {
			l, err := c.layer()
			if err != nil {
				if c.size {
					t.Fatal(err)
				}
				return // refused at construction: fine as well
			}
			_, err = nn.Predict(l, filled(small))
			if err == nil || !strings.Contains(err.Error(), c.want) || (c.size && !errors.Is(err, graph.ErrSize)) {
				t.Fatalf("Predict: %v\nwant an error with %q", err, c.want)
			}
		})
	}
	// the limit is a setting users can lower or raise
	t.Setenv(graph.MemoryLimitEnv, "64KiB")
	up, err := nn.NewUpsample2D(32) // (1, 1, 256, 256) float32: 256 KiB
	if err != nil {
		t.Fatal(err)
	}
	if _, err := nn.Predict(up, filled(small)); !errors.Is(err, graph.ErrSize) || !strings.Contains(err.Error(), "CONVNET_MEMORY_LIMIT=64KiB") {
		t.Errorf("under a 64 KiB limit: %v", err)
	}
	t.Setenv(graph.MemoryLimitEnv, "1MiB")
	if y, err := nn.Predict(up, filled(small)); err != nil || !graph.SameShape(y.Shape(), []int{1, 1, 256, 256}) {
		t.Errorf("under a 1 MiB limit: %v", err)
	}
}

// TestPredictConcurrent: Predict from many goroutines on one model, for
// every layer type, gives the sequential result. Under go test -race it
// also shows there is no data race (a bare Conv2D used to race in
// Gorgonia's setEngine, which every new machine calls on the weights).
func TestPredictConcurrent(t *testing.T) {
	for _, c := range everyLayer(t) {
		t.Run(c.kind, func(t *testing.T) {
			x := filled(c.in)
			want, err := nn.Predict(c.layer, x)
			if err != nil {
				t.Fatal(err)
			}
			const workers = 4
			var wg sync.WaitGroup
			errs := make(chan error, workers)
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 2 {
						got, err := nn.Predict(c.layer, x)
						if err == nil && !sameValues(got, want) {
							err = fmt.Errorf("result differs from the sequential one")
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
				t.Error(err)
			}
		})
	}
}

func sameValues(a, b tensor.Tensor) bool {
	av, err1 := graph.Float64s(a)
	bv, err2 := graph.Float64s(b)
	if err1 != nil || err2 != nil || len(av) != len(bv) {
		return false
	}
	for i := range av {
		if av[i] != bv[i] {
			return false
		}
	}
	return true
}
