package data_test

import (
	"errors"
	"fmt"
	"runtime"
	"testing"

	"gorgonia.org/tensor"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/train/data"
)

func TestFill(t *testing.T) {
	ds := tiny(t, 300, 28, 28, 10)
	aug, _ := data.Augment(ds, 1, data.WithShift(2))
	for _, n := range []int{1, 7, 64, 300} {
		t.Run(fmt.Sprint("n", n), func(t *testing.T) {
			idx := data.Permutation(ds.Len(), int64(n))[:n]
			x := make([]float32, n*784)
			y := make([]float32, n*10)
			// Parallel (GOMAXPROCS as is) and serial fills agree with Get.
			if err := data.Fill(aug, idx, x, y); err != nil {
				t.Fatal(err)
			}
			prev := runtime.GOMAXPROCS(1)
			x1 := make([]float32, n*784)
			y1 := make([]float32, n*10)
			err := data.Fill(aug, idx, x1, y1)
			runtime.GOMAXPROCS(prev)
			if err != nil {
				t.Fatal(err)
			}
			if !equal(x, x1) || !equal(y, y1) {
				t.Fatalf("parallel and serial fills differ")
			}
			for k, i := range idx {
				gx, gy := get(t, aug, i)
				if !equal(x[k*784:(k+1)*784], gx) || !equal(y[k*10:(k+1)*10], gy) {
					t.Fatalf("batch row %d is not example %d", k, i)
				}
			}
		})
	}
	err := data.Fill(ds, []int{0, 1}, make([]float32, 784), make([]float32, 20))
	wantErr(t, err, "data: Fill: buffers hold 784 and 20 scalars, want 1568 and 20 for 2 examples of x (1, 28, 28), y (10)")
	idx := make([]int, 100)
	idx[77] = 300
	err = data.Fill(ds, idx, make([]float32, 78400), make([]float32, 1000))
	wantErr(t, err, "index 300 out of range [0, 300)")
}

func TestBatcher(t *testing.T) {
	ds := tiny(t, 50, 4, 4, 3)
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		t.Run(dt.String(), func(t *testing.T) {
			b, err := data.NewBatcher(ds, dt)
			if err != nil {
				t.Fatal(err)
			}
			for _, idx := range [][]int{{3, 1, 4, 1, 5}, {9, 2}, {0, 1, 2, 3, 4, 5, 6, 7}} {
				x, y, err := b.Batch(idx)
				if err != nil {
					t.Fatal(err)
				}
				n := len(idx)
				if !x.Shape().Eq(tensor.Shape{n, 1, 4, 4}) || !y.Shape().Eq(tensor.Shape{n, 3}) || x.Dtype() != dt {
					t.Fatalf("shapes %v %v dtype %v", x.Shape(), y.Shape(), x.Dtype())
				}
				for k, i := range idx {
					gx, gy := get(t, ds, i)
					for j := range gx {
						if v, _ := x.At(k, 0, j/4, j%4); toF64(v) != float64(gx[j]) {
							t.Fatalf("x[%d] pixel %d = %v, want %v", k, j, v, gx[j])
						}
					}
					for j := range gy {
						if v, _ := y.At(k, j); toF64(v) != float64(gy[j]) {
							t.Fatalf("y[%d][%d] = %v", k, j, v)
						}
					}
				}
			}
			if _, _, err := b.Batch(nil); err == nil {
				t.Errorf("empty batch: no error")
			}
		})
	}
	_, err := data.NewBatcher(ds, tensor.Int)
	wantErr(t, err, "data: NewBatcher: dtype must be float32 or float64, got int")
	if !errors.Is(err, graph.ErrArg) {
		t.Errorf("not ErrArg")
	}
}

func toF64(v any) float64 {
	switch v := v.(type) {
	case float32:
		return float64(v)
	case float64:
		return v
	}
	return -1
}

func TestBatches(t *testing.T) {
	order := []int{5, 4, 3, 2, 1, 0, 6}
	for _, tc := range []struct {
		size int
		drop bool
		want string
	}{
		{3, false, "[[5 4 3] [2 1 0] [6]]"},
		{3, true, "[[5 4 3] [2 1 0]]"},
		{7, true, "[[5 4 3 2 1 0 6]]"},
		{10, true, "[]"},
		{0, false, "[]"},
	} {
		t.Run(fmt.Sprintf("b%d-drop%v", tc.size, tc.drop), func(t *testing.T) {
			if got := fmt.Sprint(data.Batches(order, tc.size, tc.drop)); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func BenchmarkFillMNISTBatch(b *testing.B) {
	train, _ := loadMNIST(b)
	aug, _ := data.Augment(train, 1, data.WithShift(2))
	idx := data.Permutation(train.Len(), 1)[:128]
	bt, _ := data.NewBatcher(aug, tensor.Float32)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := bt.Batch(idx); err != nil {
			b.Fatal(err)
		}
	}
}
