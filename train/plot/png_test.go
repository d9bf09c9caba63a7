package plot_test

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/train/plot"
	"gorgonia.org/tensor"
)

// Each ...PNG function returns the bytes its file-writing twin writes.
func TestPNGBytesMatchFiles(t *testing.T) {
	x := []float64{1, 2, 3, 4}
	panel := plot.Panel{Title: "loss", Series: []plot.Series{{Name: "train", X: x, Y: []float64{1, 0.5, 0.3, 0.2}}}}
	im := plot.Image{H: 4, W: 4, Pix: make([]float64, 16), Label: "a"}
	for i := range im.Pix {
		im.Pix[i] = float64(i) / 15
	}
	mask := make([]int, 16)
	mask[5] = 2
	cases := []struct {
		name  string
		file  func(path string) error
		bytes func() ([]byte, error)
	}{
		{"lines", func(p string) error { return plot.Lines(p, panel) }, func() ([]byte, error) { return plot.LinesPNG(panel) }},
		{"panels", func(p string) error { return plot.Panels(p, []plot.Panel{panel, panel}, plot.WithTitle("t")) },
			func() ([]byte, error) { return plot.PanelsPNG([]plot.Panel{panel, panel}, plot.WithTitle("t")) }},
		{"scatter", func(p string) error { return plot.Scatter(p, x, x, []int{0, 1, 0, 1}) },
			func() ([]byte, error) { return plot.ScatterPNG(x, x, []int{0, 1, 0, 1}) }},
		{"grid", func(p string) error { return plot.ImageGrid(p, []plot.Image{im, im}, 2) },
			func() ([]byte, error) { return plot.ImageGridPNG([]plot.Image{im, im}, 2) }},
		{"overlay", func(p string) error { return plot.Overlay(p, im, mask) },
			func() ([]byte, error) { return plot.OverlayPNG(im, mask) }},
		{"overlay-grid", func(p string) error { return plot.OverlayGrid(p, []plot.Image{im, im}, [][]int{nil, mask}, 2) },
			func() ([]byte, error) { return plot.OverlayGridPNG([]plot.Image{im, im}, [][]int{nil, mask}, 2) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := outPath(t, c.name+".png")
			if err := c.file(path); err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.bytes()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := png.Decode(bytes.NewReader(got)); err != nil {
				t.Fatalf("not a PNG: %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%d bytes, the file has %d", len(got), len(want))
			}
		})
	}
}

func TestPNGBytesErrors(t *testing.T) {
	check := func(name string, err error) {
		t.Helper()
		if err == nil || !strings.HasPrefix(err.Error(), "plot: ") {
			t.Errorf("%s: got %v, want a plot: error", name, err)
		}
	}
	_, err := plot.PanelsPNG(nil)
	check("no panels", err)
	_, err = plot.LinesPNG(plot.Panel{Series: []plot.Series{{X: []float64{1}, Y: nil}}})
	check("mismatched series", err)
	_, err = plot.ScatterPNG([]float64{1}, nil, nil)
	check("mismatched scatter", err)
	_, err = plot.ImageGridPNG(nil, 1)
	check("no images", err)
	_, err = plot.OverlayPNG(plot.Image{H: 2, W: 2, Pix: make([]float64, 4)}, []int{1})
	check("short mask", err)
}

func TestTensorImages(t *testing.T) {
	vals := make([]float32, 2*3*2*2)
	for i := range vals {
		vals[i] = float32(i)
	}
	cases := []struct {
		name  string
		shape []int
		n     int
	}{
		{"hw", []int{4, 6}, 1},
		{"chw", []int{6, 2, 2}, 6},
		{"nchw", []int{2, 3, 2, 2}, 6},
		{"rank5", []int{1, 2, 3, 2, 2}, 6},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := tensor.New(tensor.WithShape(c.shape...), tensor.WithBacking(vals))
			ims, err := plot.TensorImages(x)
			if err != nil {
				t.Fatal(err)
			}
			if len(ims) != c.n {
				t.Fatalf("%d images, want %d", len(ims), c.n)
			}
			h, w := c.shape[len(c.shape)-2], c.shape[len(c.shape)-1]
			for i, im := range ims {
				if im.H != h || im.W != w || len(im.Pix) != h*w || im.Label != "" {
					t.Fatalf("image %d is %d×%d with %d values, label %q", i, im.H, im.W, len(im.Pix), im.Label)
				}
				for p, v := range im.Pix {
					if v != float64(i*h*w+p) {
						t.Fatalf("image %d pixel %d = %v, want %d", i, p, v, i*h*w+p)
					}
				}
			}
			// Appending to one image's pixels must not overwrite the next.
			if len(ims) > 1 {
				_ = append(ims[0].Pix, -1)
				if ims[1].Pix[0] != float64(h*w) {
					t.Fatal("images share their backing array past their end")
				}
			}
		})
	}
	// float64 and a non-contiguous view (a transpose) are read in row-major order.
	x := tensor.New(tensor.WithShape(2, 3), tensor.WithBacking([]float64{1, 2, 3, 4, 5, 6}))
	if err := x.T(); err != nil {
		t.Fatal(err)
	}
	ims, err := plot.TensorImages(x)
	if err != nil {
		t.Fatal(err)
	}
	if ims[0].H != 3 || ims[0].W != 2 || ims[0].Pix[1] != 4 {
		t.Fatalf("transposed: %+v", ims[0])
	}
	bad := []struct {
		name string
		t    tensor.Tensor
		want string
	}{
		{"nil", nil, "tensor is nil"},
		{"rank1", tensor.New(tensor.WithShape(4), tensor.WithBacking([]float32{1, 2, 3, 4})), "rank 2 or more (..., H, W), got shape (4)"},
		{"int", tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]int{1, 2, 3, 4})), "dtype must be float32 or float64"},
	}
	for _, c := range bad {
		t.Run("bad-"+c.name, func(t *testing.T) {
			_, err := plot.TensorImages(c.t)
			if err == nil || !strings.HasPrefix(err.Error(), "plot: TensorImages: ") || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error with %q", err, c.want)
			}
		})
	}
}

func TestTensorMasks(t *testing.T) {
	// Two examples, three classes, 1×2 pixels: argmax over the channels,
	// the first channel on ties.
	x := tensor.New(tensor.WithShape(2, 3, 1, 2), tensor.WithBacking([]float64{
		0.1, 0.5, 0.7, 0.2, 0.2, 0.3, // example 0: pixel 0 -> class 1, pixel 1 -> class 0
		1, 1, 1, 1, 0, 2, // example 1: pixel 0 tie -> class 0, pixel 1 -> class 2
	}))
	masks, err := plot.TensorMasks(x, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]int{{1, 0}, {0, 2}}
	for i := range want {
		for p := range want[i] {
			if masks[i][p] != want[i][p] {
				t.Fatalf("masks = %v, want %v", masks, want)
			}
		}
	}
	// One channel: a threshold.
	b := tensor.New(tensor.WithShape(1, 1, 2, 2), tensor.WithBacking([]float32{0.2, 0.5, 0.51, float32(math.Inf(1))}))
	masks, err = plot.TensorMasks(b, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	if got := masks[0]; len(got) != 4 || got[0] != 0 || got[1] != 0 || got[2] != 1 || got[3] != 1 {
		t.Fatalf("binary mask = %v, want [0 0 1 1]", got)
	}
	for name, bad := range map[string]tensor.Tensor{
		"nil":   nil,
		"rank3": tensor.New(tensor.WithShape(1, 2, 2), tensor.WithBacking([]float32{1, 2, 3, 4})),
		"empty": tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(1, 0, 2, 2)),
	} {
		if _, err := plot.TensorMasks(bad, 0); err == nil || !strings.HasPrefix(err.Error(), "plot: TensorMasks: ") {
			t.Errorf("%s: got %v", name, err)
		}
	}
}
