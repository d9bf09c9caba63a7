package plot_test

import (
	"bytes"
	"fmt"
	"image/png"
	"os"
	"path/filepath"

	"github.com/convnet-go/convnet/train/plot"
	"gorgonia.org/tensor"
)

// Draw four 3×3 "filters" in a 2×2 grid with labels, each scaled to its own
// range, 10 screen pixels per filter pixel.
func ExampleImageGrid() {
	dir, _ := os.MkdirTemp("", "plot")
	defer os.RemoveAll(dir)
	var filters []plot.Image
	for k := 0; k < 4; k++ {
		w := make([]float64, 9)
		for i := range w {
			w[i] = float64((i*(k+1))%5) - 2
		}
		filters = append(filters, plot.Image{H: 3, W: 3, Pix: w, Label: fmt.Sprintf("f%d", k)})
	}
	path := filepath.Join(dir, "filters.png")
	if err := plot.ImageGrid(path, filters, 2, plot.WithNormalize(true), plot.WithScale(10)); err != nil {
		fmt.Println(err)
		return
	}
	f, _ := os.Open(path)
	defer f.Close()
	cfg, _ := png.DecodeConfig(f)
	// 2 cells of 30 px + gaps of 4 px; each cell row adds a 15 px label band.
	fmt.Println(cfg.Width, "x", cfg.Height)
	// Output: 72 x 102
}

// Cut the weights of a convolution, (out, in, kh, kw), into one image per
// filter, and draw them as PNG bytes (as a notebook shows them inline).
func ExampleTensorImages() {
	w := tensor.New(tensor.WithShape(4, 1, 3, 3), tensor.WithBacking([]float32{
		-1, 0, 1, -2, 0, 2, -1, 0, 1, // Sobel x
		-1, -2, -1, 0, 0, 0, 1, 2, 1, // Sobel y
		0, 0, 0, 0, 1, 0, 0, 0, 0, // identity
		0, 1, 0, 1, -4, 1, 0, 1, 0, // Laplace
	}))
	filters, err := plot.TensorImages(w)
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, name := range []string{"sobel x", "sobel y", "id", "laplace"} {
		filters[i].Label = name
	}
	b, err := plot.ImageGridPNG(filters, 4, plot.WithNormalize(true), plot.WithScale(10))
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg, _ := png.DecodeConfig(bytes.NewReader(b))
	fmt.Println(len(filters), "filters", filters[0].H, "x", filters[0].W)
	fmt.Println("grid", cfg.Width, "x", cfg.Height)
	// Output:
	// 4 filters 3 x 3
	// grid 140 x 53
}
