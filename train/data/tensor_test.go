package data_test

import (
	"errors"
	"image"
	"image/color"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/train/data"
)

func TestTensor(t *testing.T) {
	x := []float32{1, 2, 3, 4, 5, 6}
	y := []float32{10, 20, 30}
	ds, err := data.NewTensor(x, []int{2}, y, []int{1})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Len() != 3 || ds.NumClasses() != 0 || ds.Label(0) != -1 {
		t.Fatalf("len %d classes %d label %d", ds.Len(), ds.NumClasses(), ds.Label(0))
	}
	if _, ok := data.AsLabeled(ds); ok {
		t.Errorf("unlabelled Tensor reported as labelled")
	}
	gx, gy := get(t, ds, 2)
	if !equal(gx, []float32{5, 6}) || !equal(gy, []float32{30}) {
		t.Fatalf("example 2: %v %v", gx, gy)
	}
	if !equal(ds.X(1), []float32{3, 4}) || !equal(ds.Y(1), []float32{20}) || ds.X(3) != nil {
		t.Fatalf("views wrong")
	}
	// Shapes returned are copies.
	ds.XShape()[0] = 99
	if ds.XShape()[0] != 2 {
		t.Fatalf("XShape exposes internal state")
	}
}

func TestNewLabeled(t *testing.T) {
	ds, err := data.NewLabeled([]float32{1, 2, 3}, []int{1}, []int{2, 0, 1}, 3)
	if err != nil {
		t.Fatal(err)
	}
	l, ok := data.AsLabeled(ds)
	if !ok || l.NumClasses() != 3 || l.Label(0) != 2 || l.Label(3) != -1 {
		t.Fatalf("labels wrong")
	}
	for i, want := range [][]float32{{0, 0, 1}, {1, 0, 0}, {0, 1, 0}} {
		if _, y := get(t, ds, i); !equal(y, want) {
			t.Errorf("target %d = %v, want %v", i, y, want)
		}
	}
}

func TestConstructorErrors(t *testing.T) {
	cases := []struct {
		name string
		err  error
		is   error
		want string
	}{
		{"tensor-x-not-multiple", second(data.NewTensor(make([]float32, 5), []int{2}, nil, []int{1})), graph.ErrShape,
			"data: NewTensor: len(x) = 5 is not a multiple of 2 (x shape (2))"},
		{"tensor-y-length", second(data.NewTensor(make([]float32, 4), []int{2}, make([]float32, 3), []int{1})), graph.ErrShape,
			"data: NewTensor: len(y) = 3, want 2 (2 examples × y shape (1))"},
		{"tensor-zero-dim", second(data.NewTensor(nil, []int{0}, nil, []int{1})), graph.ErrArg,
			"shapes must have positive dimensions, got x (0), y (1)"},
		{"labeled-range", second(data.NewLabeled(make([]float32, 2), []int{1}, []int{0, 3}, 3)), graph.ErrArg,
			"data: NewLabeled: label 3 of example 1 out of range [0, 3)"},
		{"labeled-negative", second(data.NewLabeled(make([]float32, 1), []int{1}, []int{-1}, 3)), graph.ErrArg,
			"label -1 of example 0"},
		{"labeled-classes", second(data.NewLabeled(nil, []int{1}, nil, 0)), graph.ErrArg,
			"numClasses must be positive, got 0"},
		{"labeled-x-length", second(data.NewLabeled(make([]float32, 3), []int{2}, []int{0}, 2)), graph.ErrShape,
			"len(x) = 3, want 2 (1 labels × x shape (2))"},
		{"imageset-rank", second(data.NewImageSet(nil, []int{28, 28}, nil, 10)), graph.ErrArg,
			"image shape must be (C, H, W) with positive sizes, got (28, 28)"},
		{"imageset-length", second(data.NewImageSet(make([]uint8, 3), []int{1, 2, 2}, []int{0}, 10)), graph.ErrShape,
			"len(pixels) = 3, want 4"},
		{"imageset-label", second(data.NewImageSet(make([]uint8, 4), []int{1, 2, 2}, []int{10}, 10)), graph.ErrArg,
			"label 10 of example 0 out of range [0, 10)"},
		{"fromimages-none", second(data.FromImages(nil, nil, 2)), graph.ErrArg, "no images"},
		{"fromimages-sizes", second(data.FromImages([]image.Image{image.NewGray(image.Rect(0, 0, 2, 2)), image.NewGray(image.Rect(0, 0, 3, 2))}, []int{0, 1}, 2)),
			graph.ErrShape, "image 1 is 3x2, want 2x2"},
		{"fromimages-labels", second(data.FromImages([]image.Image{image.NewGray(image.Rect(0, 0, 2, 2))}, nil, 2)), graph.ErrArg,
			"1 images but 0 labels"},
		{"grayimage-shape", second(data.GrayImage(make([]float32, 12), []int{3, 2, 2})), graph.ErrShape,
			"shape must be (H, W) or (1, H, W), got (3, 2, 2)"},
		{"grayimage-length", second(data.GrayImage(make([]float32, 3), []int{2, 2})), graph.ErrShape,
			"len(x) = 3, want 4"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, tc.err, tc.want)
			if !errors.Is(tc.err, tc.is) {
				t.Errorf("errors.Is(%v, %v) = false", tc.err, tc.is)
			}
		})
	}
}

// second returns the error of a (value, error) pair.
func second[T any](_ T, err error) error { return err }

func TestGetErrors(t *testing.T) {
	ds := tiny(t, 3, 2, 2, 2)
	aug, err := data.Augment(ds, 1, data.WithShift(1))
	if err != nil {
		t.Fatal(err)
	}
	sub, err := data.NewSubset(ds, []int{0, 1})
	if err != nil {
		t.Fatal(err)
	}
	tens, _ := data.NewTensor(make([]float32, 12), []int{1, 2, 2}, make([]float32, 6), []int{2})
	for _, tc := range []struct {
		name string
		ds   data.Dataset
		i    int
		x, y []float32
		is   error
		want string
	}{
		{"imageset-index", ds, 3, make([]float32, 4), make([]float32, 2), graph.ErrArg, "data: ImageSet: index 3 out of range [0, 3)"},
		{"imageset-negative", ds, -1, make([]float32, 4), make([]float32, 2), graph.ErrArg, "index -1 out of range"},
		{"imageset-x", ds, 0, make([]float32, 5), make([]float32, 2), graph.ErrShape, "x buffer has length 5, want 4 for shape (1, 2, 2)"},
		{"imageset-y", ds, 0, make([]float32, 4), make([]float32, 3), graph.ErrShape, "y buffer has length 3, want 2 for shape (2)"},
		{"tensor-index", tens, 7, make([]float32, 4), make([]float32, 2), graph.ErrArg, "data: Tensor: index 7 out of range [0, 3)"},
		{"augment-passes-inner", aug, 5, make([]float32, 4), make([]float32, 2), graph.ErrArg, "index 5 out of range"},
		{"subset-index", sub, 2, make([]float32, 4), make([]float32, 2), graph.ErrArg, "data: Subset: index 2 out of range [0, 2)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.ds.Get(tc.i, tc.x, tc.y)
			wantErr(t, err, tc.want)
			if !errors.Is(err, tc.is) {
				t.Errorf("errors.Is = false: %v", err)
			}
		})
	}
}

func TestImageSet(t *testing.T) {
	ds, err := data.NewImageSet([]uint8{0, 51, 102, 255, 1, 2, 3, 4}, []int{1, 2, 2}, []int{1, 0}, 2)
	if err != nil {
		t.Fatal(err)
	}
	x, y := get(t, ds, 0)
	if !equal(x, []float32{0, 0.2, 0.4, 1}) || !equal(y, []float32{0, 1}) {
		t.Fatalf("got %v %v", x, y)
	}
	img, err := ds.Image(0)
	if err != nil {
		t.Fatal(err)
	}
	g := img.(*image.Gray)
	if g.Bounds().Dx() != 2 || g.GrayAt(1, 1).Y != 255 || g.GrayAt(1, 0).Y != 51 {
		t.Fatalf("image %v", g.Pix)
	}
	back, err := data.GrayImage(x, ds.XShape())
	if err != nil {
		t.Fatal(err)
	}
	for i := range back.Pix {
		if back.Pix[i] != ds.Pixels(0)[i] {
			t.Fatalf("GrayImage round trip: %v, want %v", back.Pix, ds.Pixels(0))
		}
	}
	if _, err := ds.Image(2); err == nil {
		t.Errorf("Image(2) of 2 images: no error")
	}
}

func TestFromImages(t *testing.T) {
	t.Run("gray", func(t *testing.T) {
		a := image.NewGray(image.Rect(0, 0, 3, 2))
		a.SetGray(2, 1, color.Gray{Y: 255})
		ds, err := data.FromImages([]image.Image{a, image.NewGray(image.Rect(5, 5, 8, 7))}, []int{1, 0}, 2)
		if err != nil {
			t.Fatal(err)
		}
		if !sameInts(ds.XShape(), []int{1, 2, 3}) || ds.Len() != 2 || ds.Label(0) != 1 {
			t.Fatalf("shape %v len %d", ds.XShape(), ds.Len())
		}
		if x, _ := get(t, ds, 0); x[5] != 1 || sum(x) != 1 {
			t.Fatalf("x = %v", x)
		}
	})
	t.Run("rgb", func(t *testing.T) {
		a := image.NewRGBA(image.Rect(0, 0, 2, 1))
		a.Set(1, 0, color.RGBA{R: 255, G: 51, B: 0, A: 255})
		ds, err := data.FromImages([]image.Image{a}, []int{0}, 1)
		if err != nil {
			t.Fatal(err)
		}
		if !sameInts(ds.XShape(), []int{3, 1, 2}) {
			t.Fatalf("shape %v", ds.XShape())
		}
		if x, _ := get(t, ds, 0); !equal(x, []float32{0, 1, 0, 0.2, 0, 0}) {
			t.Fatalf("x = %v (want channel planes R, G, B)", x)
		}
		img, _ := ds.Image(0)
		if r, g, _, _ := img.At(1, 0).RGBA(); r>>8 != 255 || g>>8 != 51 {
			t.Fatalf("Image round trip %v", img.At(1, 0))
		}
	})
}

func TestCollect(t *testing.T) {
	ds := tiny(t, 5, 2, 3, 3)
	aug, _ := data.Augment(ds, 4, data.WithShift(1))
	aug.SetEpoch(2)
	c, err := data.Collect(aug)
	if err != nil {
		t.Fatal(err)
	}
	if c.Len() != 5 || c.NumClasses() != 3 || c.Label(4) != 1 {
		t.Fatalf("len %d classes %d", c.Len(), c.NumClasses())
	}
	for i := 0; i < 5; i++ {
		x, y := get(t, aug, i)
		if !equal(c.X(i), x) || !equal(c.Y(i), y) {
			t.Fatalf("example %d differs from the wrapper's", i)
		}
	}
}
