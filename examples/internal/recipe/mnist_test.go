package recipe_test

import (
	"math"
	"testing"

	"github.com/convnet-go/convnet/examples/internal/extest"
	"github.com/convnet-go/convnet/examples/internal/recipe"
	"github.com/convnet-go/convnet/train/data"
)

// The first limit and testLimit images, standardised: a background pixel
// (0) becomes -mean/std.
func TestMNIST(t *testing.T) {
	for _, c := range []struct {
		name      string
		need      func(testing.TB)
		load      func(dir string, limit, testLimit int) (ds, test data.Dataset, err error)
		mean, std float64
	}{
		{"mnist", extest.NeedMNIST, recipe.MNIST, data.MNISTMean, data.MNISTStd},
		{"fashion", extest.NeedFashionMNIST, recipe.FashionMNIST, data.FashionMNISTMean, data.FashionMNISTStd},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.need(t)
			ds, test, err := c.load("", 100, 50)
			if err != nil {
				t.Fatal(err)
			}
			if ds.Len() != 100 || test.Len() != 50 {
				t.Fatalf("%d and %d images, want 100 and 50", ds.Len(), test.Len())
			}
			x, y := make([]float32, 28*28), make([]float32, 10)
			if err := test.Get(0, x, y); err != nil {
				t.Fatal(err)
			}
			if want := -c.mean / c.std; math.Abs(float64(x[0])-want) > 1e-5 {
				t.Fatalf("corner pixel %v, want %v", x[0], want)
			}
		})
	}
}
