package plot_test

import (
	"fmt"
	"image/png"
	"os"
	"path/filepath"

	"github.com/convnet-go/convnet/train/plot"
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
