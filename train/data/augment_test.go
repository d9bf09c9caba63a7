package data_test

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/train/data"
)

// naiveShift is the definition: out[c][r][q] = in[c][r-dy][q-dx] inside the
// image, 0 outside.
func naiveShift(in []float32, c, h, w, dy, dx int) []float32 {
	out := make([]float32, len(in))
	for k := 0; k < c; k++ {
		for r := 0; r < h; r++ {
			for q := 0; q < w; q++ {
				sr, sq := r-dy, q-dx
				if sr >= 0 && sr < h && sq >= 0 && sq < w {
					out[k*h*w+r*w+q] = in[k*h*w+sr*w+sq]
				}
			}
		}
	}
	return out
}

func naiveFlip(in []float32, c, h, w int) []float32 {
	out := make([]float32, len(in))
	for k := 0; k < c; k++ {
		for r := 0; r < h; r++ {
			for q := 0; q < w; q++ {
				out[k*h*w+r*w+q] = in[k*h*w+r*w+(w-1-q)]
			}
		}
	}
	return out
}

// findShift returns the (dy, dx) in [-m, m]² (and flip) that maps in to out
// per the naive definitions, or ok=false.
func findShift(in, out []float32, c, h, w, m int, flips bool) (dy, dx int, flip, ok bool) {
	for _, f := range []bool{false, true} {
		if f && !flips {
			continue
		}
		for dy := -m; dy <= m; dy++ {
			for dx := -m; dx <= m; dx++ {
				want := naiveShift(in, c, h, w, dy, dx)
				if f {
					want = naiveFlip(want, c, h, w)
				}
				if equal(want, out) {
					return dy, dx, f, true
				}
			}
		}
	}
	return 0, 0, false, false
}

func TestAugmentMatchesNaive(t *testing.T) {
	for _, tc := range []struct {
		c, h, w, shift int
		flip           float64
	}{
		{1, 5, 7, 2, 0}, {2, 4, 4, 3, 0}, {3, 6, 5, 1, 0.5}, {1, 28, 28, 4, 0.5}, {1, 3, 9, 0, 1},
	} {
		t.Run(fmt.Sprintf("c%d-%dx%d-s%d-f%v", tc.c, tc.h, tc.w, tc.shift, tc.flip), func(t *testing.T) {
			// Distinct, non-zero input values so the transformation is identifiable.
			n := 40
			x := make([]float32, n*tc.c*tc.h*tc.w)
			for i := range x {
				x[i] = float32(i%9973 + 1)
			}
			base, err := data.NewTensor(x, []int{tc.c, tc.h, tc.w}, make([]float32, n), []int{1})
			if err != nil {
				t.Fatal(err)
			}
			var opts []data.AugmentOption
			if tc.shift > 0 {
				opts = append(opts, data.WithShift(tc.shift))
			}
			if tc.flip > 0 {
				opts = append(opts, data.WithFlipH(tc.flip))
			}
			aug, err := data.Augment(base, 7, opts...)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[[2]int]int{}
			flips := 0
			for i := 0; i < n; i++ {
				out, _ := get(t, aug, i)
				dy, dx, f, ok := findShift(base.X(i), out, tc.c, tc.h, tc.w, tc.shift, tc.flip > 0)
				if !ok {
					t.Fatalf("example %d: output is no shift/flip of the input", i)
				}
				seen[[2]int{dy, dx}]++
				if f {
					flips++
				}
			}
			if tc.shift > 0 && len(seen) < 3 {
				t.Errorf("only %d distinct shifts in %d examples", len(seen), n)
			}
			switch {
			case tc.flip == 1 && flips != n:
				t.Errorf("p=1: %d of %d flipped", flips, n)
			case tc.flip == 0.5 && (flips == 0 || flips == n):
				t.Errorf("p=0.5: %d of %d flipped", flips, n)
			case tc.flip == 0 && flips != 0:
				t.Errorf("p=0: %d flipped", flips)
			}
		})
	}
}

func TestAugmentDeterminism(t *testing.T) {
	ds := tiny(t, 64, 8, 8, 4)
	mk := func(seed int64) *data.Augmented {
		a, err := data.Augment(ds, seed, data.WithShift(2), data.WithFlipH(0.5))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	a, b := mk(3), mk(3)
	// Same seed, epoch and index: the same output, in any order and from
	// several goroutines.
	want := make([][]float32, ds.Len())
	for i := range want {
		want[i], _ = get(t, a, i)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := make([]float32, 64)
			y := make([]float32, 4)
			for k := 0; k < ds.Len(); k++ {
				i := (k*37 + g*11) % ds.Len()
				if err := b.Get(i, x, y); err != nil {
					errs <- err
					return
				}
				if !equal(x, want[i]) {
					errs <- fmt.Errorf("goroutine %d: example %d differs", g, i)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// Another epoch or another seed: different outputs for most examples.
	differ := func(other *data.Augmented) int {
		n := 0
		for i := range want {
			if x, _ := get(t, other, i); !equal(x, want[i]) {
				n++
			}
		}
		return n
	}
	b.SetEpoch(1)
	if d := differ(b); d < ds.Len()/2 {
		t.Errorf("epoch 1 differs from epoch 0 in only %d of %d examples", d, ds.Len())
	}
	b.SetEpoch(0)
	if d := differ(b); d != 0 {
		t.Errorf("back to epoch 0: %d examples differ", d)
	}
	if d := differ(mk(4)); d < ds.Len()/2 {
		t.Errorf("seed 4 differs from seed 3 in only %d of %d examples", d, ds.Len())
	}
	// Targets and labels pass through.
	if _, y := get(t, a, 5); !equal(y, []float32{0, 1, 0, 0}) || a.Label(5) != 1 || a.NumClasses() != 4 {
		t.Errorf("targets/labels changed: %v %d", y, a.Label(5))
	}
}

func TestNormalize(t *testing.T) {
	x := []float32{1, 3, 10, 20, 5, 7, 30, 40}
	ds, _ := data.NewTensor(x, []int{2, 2}, make([]float32, 2), []int{1})
	n, err := data.Normalize(ds, []float32{2, 10}, []float32{1, 10})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := get(t, n, 1); !equal(got, []float32{3, 5, 2, 3}) {
		t.Fatalf("got %v", got)
	}
	one, _ := data.Normalize(ds, []float32{1}, []float32{2})
	if got, _ := get(t, one, 0); !equal(got, []float32{0, 1, 4.5, 9.5}) {
		t.Fatalf("single mean/std: got %v", got)
	}
	// MNIST constants give roughly zero mean, unit variance.
	for _, tc := range []struct {
		name string
		is   error
		err  error
		want string
	}{
		{"count", graph.ErrArg, second(data.Normalize(ds, []float32{1, 2, 3}, []float32{1, 2, 3})), "want 1 or 2 (channels) means and stds, got 3 and 3"},
		{"mismatch", graph.ErrArg, second(data.Normalize(ds, []float32{1, 2}, []float32{1})), "got 2 and 1"},
		{"zero-std", graph.ErrArg, second(data.Normalize(ds, []float32{1, 2}, []float32{1, 0})), "std[1] must be positive, got 0"},
		{"nan-std", graph.ErrArg, second(data.Normalize(ds, []float32{1}, []float32{float32(math.NaN())})), "std[0] must be positive, got NaN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, tc.err, "data: Normalize: ", tc.want)
			if !errors.Is(tc.err, tc.is) {
				t.Errorf("errors.Is false")
			}
		})
	}
}

func TestNormalizeMNISTStats(t *testing.T) {
	if testing.Short() {
		t.Skip("loads MNIST")
	}
	train, _ := loadMNIST(t)
	n, err := data.Normalize(train, []float32{data.MNISTMean}, []float32{data.MNISTStd})
	if err != nil {
		t.Fatal(err)
	}
	var s, s2 float64
	var cnt int
	for i := 0; i < train.Len(); i++ {
		x, _ := get(t, n, i)
		for _, v := range x {
			s += float64(v)
			s2 += float64(v) * float64(v)
			cnt++
		}
	}
	mean := s / float64(cnt)
	std := math.Sqrt(s2/float64(cnt) - mean*mean)
	if math.Abs(mean) > 0.01 || math.Abs(std-1) > 0.01 {
		t.Errorf("normalised MNIST: mean %.4f std %.4f, want 0 and 1", mean, std)
	}
}

func TestAugmentErrors(t *testing.T) {
	ds := tiny(t, 2, 4, 5, 2)
	flat, _ := data.NewTensor(make([]float32, 4), []int{2}, make([]float32, 2), []int{1})
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"no-options", second(data.Augment(ds, 1)), "no transformation given"},
		{"rank", second(data.Augment(flat, 1, data.WithShift(1))), "input shape must be (..., H, W) with positive sizes, got (2)"},
		{"negative-shift", second(data.Augment(ds, 1, data.WithShift(-1))), "shift must be >= 0, got -1"},
		{"big-shift", second(data.Augment(ds, 1, data.WithShift(4))), "shift 4 must be less than the image size 4x5"},
		{"flip-p", second(data.Augment(ds, 1, data.WithFlipH(1.5))), "flip probability must be in [0, 1], got 1.5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, tc.err, "data: Augment: ", tc.want)
			if !errors.Is(tc.err, graph.ErrArg) {
				t.Errorf("not ErrArg")
			}
		})
	}
}

// TestSetEpochForwarding checks that an epoch set on the outermost wrapper
// reaches a random wrapper inside.
func TestSetEpochForwarding(t *testing.T) {
	ds := tiny(t, 10, 6, 6, 2)
	aug, _ := data.Augment(ds, 1, data.WithShift(2))
	norm, _ := data.Normalize(aug, []float32{0.5}, []float32{0.25})
	sub, _ := data.NewSubset(norm, []int{3, 4, 5, 6, 7, 8, 9})
	outer := data.Autoencoder(sub)
	before, _ := get(t, outer, 2)
	data.SetEpoch(outer, 5)
	after, _ := get(t, outer, 2)
	aug.SetEpoch(5)
	direct, _ := get(t, norm, 5)
	if !equal(after, direct) {
		t.Errorf("epoch did not reach the inner Augment")
	}
	data.SetEpoch(outer, 0)
	if again, _ := get(t, outer, 2); !equal(again, before) {
		t.Errorf("epoch 0 not restored")
	}
	if outer.Label(2) != ds.Label(5) {
		t.Errorf("label through the chain = %d, want %d", outer.Label(2), ds.Label(5))
	}
}
