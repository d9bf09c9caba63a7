package main

import (
	"fmt"
	"image/color"
	"io"

	"github.com/convnet-go/convnet/internal/atomicfile"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// barChart writes the test accuracies as grouped bars: one group per
// dataset, one bar per method.
func barChart(path string, rows []row, size int) error {
	p := gplot.New()
	p.Title.Text = fmt.Sprintf("MobileNetV2 at %dx%d: scratch vs transferred (ImageNet via nsfwjs)", size, size)
	p.Y.Label.Text = "test accuracy"
	p.Y.Min, p.Y.Max = 0, 1
	names := make([]string, len(rows))
	for i, r := range rows {
		names[i] = fmt.Sprintf("%s (%d train)", r.Dataset, r.TrainImages)
	}
	methods := []struct {
		name  string
		get   func(row) float64
		color color.RGBA
	}{
		{"scratch", func(r row) float64 { return r.Scratch }, color.RGBA{R: 0x99, G: 0x99, B: 0x99, A: 255}},
		{"transferred, frozen", func(r row) float64 { return r.Frozen }, color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 255}},
		{"transferred, fine-tuned", func(r row) float64 { return r.FineTuned }, color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 255}},
	}
	w := vg.Points(22)
	for k, m := range methods {
		vals := make(plotter.Values, len(rows))
		for i, r := range rows {
			vals[i] = m.get(r)
		}
		bars, err := plotter.NewBarChart(vals, w)
		if err != nil {
			return err
		}
		bars.Color = m.color
		bars.LineStyle.Width = 0
		bars.Offset = vg.Length(k-1) * w
		p.Add(bars)
		p.Legend.Add(m.name, bars)
	}
	p.Legend.Top, p.Legend.Left = true, true
	p.NominalX(names...)
	wt, err := p.WriterTo(18*vg.Centimeter, 11*vg.Centimeter, "png")
	if err != nil {
		return err
	}
	return atomicfile.Write(path, func(out io.Writer) error {
		_, err := wt.WriteTo(out)
		return err
	})
}
