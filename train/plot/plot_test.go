package plot_test

import (
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/train/plot"
)

// keep, when set, is a directory where the tests leave their PNGs for a
// look (go test ./train/plot -args -keep=/tmp/x is not used: set
// PLOT_KEEP=/tmp/x).
func outPath(t *testing.T, name string) string {
	if dir := os.Getenv("PLOT_KEEP"); dir != "" {
		return filepath.Join(dir, name)
	}
	return filepath.Join(t.TempDir(), name)
}

func decode(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestLinesAndPanels(t *testing.T) {
	x := []float64{1, 2, 3, 4}
	p := plot.Panel{Title: "loss", XLabel: "epoch", YLabel: "loss", Series: []plot.Series{
		{Name: "train", X: x, Y: []float64{1, 0.5, 0.3, 0.2}},
		{Name: "validation", X: x, Y: []float64{1.1, 0.7, math.NaN(), 0.5}},
	}}
	path := outPath(t, "lines.png")
	if err := plot.Lines(path, p); err != nil {
		t.Fatal(err)
	}
	decode(t, path)
	path = outPath(t, "panels.png")
	if err := plot.Panels(path, []plot.Panel{p, p, p}, plot.WithTitle("run 1"), plot.WithColumns(2)); err != nil {
		t.Fatal(err)
	}
	if b := decode(t, path).Bounds(); b.Dx() <= b.Dy() {
		t.Fatalf("2x2 panels image is %v", b)
	}
	if err := plot.Lines(path, plot.Panel{Series: []plot.Series{{X: x, Y: x[:2]}}}); err == nil || !strings.HasPrefix(err.Error(), "plot: ") {
		t.Fatalf("mismatched series: got %v", err)
	}
	if err := plot.Panels(path, nil); err == nil {
		t.Fatal("no panels accepted")
	}
}

func TestImageGrid(t *testing.T) {
	var ims []plot.Image
	for k := 0; k < 6; k++ {
		im := plot.Image{H: 8, W: 8, Pix: make([]float64, 64), Label: string(rune('a' + k))}
		for i := range im.Pix {
			im.Pix[i] = float64((i+k)%8) / 7
		}
		ims = append(ims, im)
	}
	path := outPath(t, "grid.png")
	if err := plot.ImageGrid(path, ims, 3, plot.WithScale(4), plot.WithTitle("filters")); err != nil {
		t.Fatal(err)
	}
	img := decode(t, path)
	// 3 columns of 32 px cells with 4 px gaps: 3·36 + 4 = 112 wide.
	if b := img.Bounds(); b.Dx() != 112 {
		t.Fatalf("grid is %v", b)
	}
	// The first image's pixel (0, 0) is 0 (black) and (0, 7) is 1 (white),
	// drawn as 4x4 blocks from (4, 4 + title band).
	y0 := 4 + 15 + 4
	if c := color.GrayModel.Convert(img.At(4, y0)).(color.Gray); c.Y != 0 {
		t.Fatalf("black pixel is %v", c)
	}
	if c := color.GrayModel.Convert(img.At(4+7*4+3, y0+3)).(color.Gray); c.Y != 255 {
		t.Fatalf("white pixel is %v", c)
	}
	// Normalised feature maps with a range far from [0, 1].
	fm := plot.Image{H: 2, W: 2, Pix: []float64{-5, 0, 5, 10}}
	if err := plot.ImageGrid(outPath(t, "fm.png"), []plot.Image{fm}, 0, plot.WithNormalize(true)); err != nil {
		t.Fatal(err)
	}
	if err := plot.ImageGrid(path, []plot.Image{{H: 2, W: 2, Pix: []float64{1}}}, 1); err == nil {
		t.Fatal("short image accepted")
	}
	if err := plot.ImageGrid(path, nil, 1); err == nil {
		t.Fatal("no images accepted")
	}
}

func TestScatter(t *testing.T) {
	var x, y []float64
	var c []int
	for i := 0; i < 300; i++ {
		k := i % 3
		a := float64(i) * 0.1
		x = append(x, float64(k)*3+math.Cos(a))
		y = append(y, math.Sin(a)+float64(k))
		c = append(c, k)
	}
	path := outPath(t, "scatter.png")
	if err := plot.Scatter(path, x, y, c, plot.WithTitle("2-D code"), plot.WithClassNames("zero", "one", "two")); err != nil {
		t.Fatal(err)
	}
	decode(t, path)
	if err := plot.Scatter(path, x, y[:3], nil); err == nil {
		t.Fatal("mismatched lengths accepted")
	}
}

func TestOverlay(t *testing.T) {
	im := plot.Image{H: 4, W: 4, Pix: make([]float64, 16)}
	mask := make([]int, 16)
	mask[5], mask[10] = 1, 3
	path := outPath(t, "overlay.png")
	if err := plot.Overlay(path, im, mask, plot.WithScale(10), plot.WithAlpha(1)); err != nil {
		t.Fatal(err)
	}
	img := decode(t, path)
	// Pixel (1, 1) has class 1, drawn in ClassColor(1) at full opacity.
	r, g, b, _ := img.At(4+15, 4+15).RGBA()
	want := plot.ClassColor(1)
	if uint8(r>>8) != want.R || uint8(g>>8) != want.G || uint8(b>>8) != want.B {
		t.Fatalf("class 1 pixel is (%d,%d,%d), want %v", r>>8, g>>8, b>>8, want)
	}
	// Background stays the image (black).
	if r, _, _, _ := img.At(5, 5).RGBA(); r != 0 {
		t.Fatal("background pixel was coloured")
	}
	if err := plot.Overlay(path, im, mask[:3]); err == nil {
		t.Fatal("short mask accepted")
	}
	// Side by side: input, truth, prediction.
	if err := plot.OverlayGrid(outPath(t, "overlays.png"), []plot.Image{im, im, im}, [][]int{nil, mask, mask}, 3, plot.WithClassNames("bg", "one", "two", "three")); err != nil {
		t.Fatal(err)
	}
}

// A long series (plain line) on a log scale, with non-positive values
// skipped.
func TestLongLogSeries(t *testing.T) {
	var x, y []float64
	for i := 0; i < 500; i++ {
		x = append(x, float64(i)/100)
		y = append(y, 2*math.Exp(-float64(i)/50)+0.01*math.Sin(float64(i)))
	}
	y[3] = 0
	path := outPath(t, "long.png")
	if err := plot.Lines(path, plot.Panel{Title: "loss", LogY: true, Series: []plot.Series{{Name: "loss", X: x, Y: y}}}); err != nil {
		t.Fatal(err)
	}
	decode(t, path)
}
