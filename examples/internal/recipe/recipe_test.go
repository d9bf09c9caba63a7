package recipe

import (
	"bytes"
	"math"
	"slices"
	"testing"

	"github.com/convnet-go/convnet/train"
)

func TestPrintJSON(t *testing.T) {
	var buf bytes.Buffer
	if err := PrintJSON(&buf, struct {
		A int     `json:"a"`
		B float64 `json:"b"`
	}{1, 0.5}); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != "{\"a\":1,\"b\":0.5}\n" {
		t.Fatalf("got %q", got)
	}
	if err := PrintJSON(&buf, math.NaN()); err == nil {
		t.Fatal("NaN: no error")
	}
}

func TestVerbosity(t *testing.T) {
	if Verbosity(false) != train.Bar || Verbosity(true) != train.Summary {
		t.Fatalf("Verbosity(false) = %v, Verbosity(true) = %v", Verbosity(false), Verbosity(true))
	}
}

func TestArgmax(t *testing.T) {
	for _, c := range []struct {
		v    []float32
		want int
	}{{nil, 0}, {[]float32{3}, 0}, {[]float32{1, 5, 2}, 1}, {[]float32{-1, -3, 4, 4}, 2}} {
		if got := Argmax(c.v); got != c.want {
			t.Errorf("Argmax(%v) = %d, want %d", c.v, got, c.want)
		}
	}
}

func TestMovingMean(t *testing.T) {
	got := MovingMean([]float64{2, 4, 6, 8, 10}, 2)
	if want := []float64{2, 3, 5, 7, 9}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if got := MovingMean(nil, 3); len(got) != 0 {
		t.Fatalf("empty input: %v", got)
	}
}

// Ten examples in batches of 4 are three steps an epoch.
func TestStepLoss(t *testing.T) {
	s := NewStepLoss(10, 4)
	cb := s.Callback()
	for epoch := 1; epoch <= 2; epoch++ {
		for step := 1; step <= 3; step++ {
			if err := cb.OnBatchEnd(nil, epoch, step, train.Logs{"loss": float64(10*epoch + step)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	wantX := []float64{1.0 / 3, 2.0 / 3, 1, 4.0 / 3, 5.0 / 3, 2}
	for i := range wantX {
		if math.Abs(s.X[i]-wantX[i]) > 1e-12 {
			t.Fatalf("X = %v, want %v", s.X, wantX)
		}
	}
	if want := []float64{11, 12, 13, 21, 22, 23}; !slices.Equal(s.Loss, want) {
		t.Fatalf("Loss = %v, want %v", s.Loss, want)
	}
}
