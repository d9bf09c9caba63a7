package plot

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"strconv"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/internal/atomicfile"
	"github.com/pkg/errors"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Option sets an optional argument of a drawing function. Options a
// function does not use are ignored.
type Option func(*config)

type config struct {
	title     string
	width     vg.Length
	height    vg.Length
	scale     int
	normalize bool
	alpha     float64
	names     []string
	cols      int
	dpi       int
}

func newConfig(opts []Option) config {
	c := config{scale: 0, alpha: 0.5, dpi: 96}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	return c
}

// WithTitle sets a figure title. Default none.
func WithTitle(t string) Option { return func(c *config) { c.title = t } }

// WithSize sets a chart's size in centimetres. Default 16×10 per panel.
func WithSize(widthCM, heightCM float64) Option {
	return func(c *config) {
		c.width, c.height = vg.Length(widthCM)*vg.Centimeter, vg.Length(heightCM)*vg.Centimeter
	}
}

// WithColumns sets how many panels a row of Panels holds. Default 2 (1 for
// a single panel).
func WithColumns(n int) Option { return func(c *config) { c.cols = n } }

// WithScale sets how many screen pixels an image pixel takes in ImageGrid
// and Overlay. Default: enough for cells of about 84 pixels.
func WithScale(s int) Option { return func(c *config) { c.scale = s } }

// WithNormalize maps each image's own range [min, max] to black..white in
// ImageGrid (for filters and feature maps). Default off: values are taken
// as intensities in [0, 1] and clipped.
func WithNormalize(on bool) Option { return func(c *config) { c.normalize = on } }

// WithAlpha sets the opacity of mask colours in Overlay. Default 0.5.
func WithAlpha(a float64) Option { return func(c *config) { c.alpha = a } }

// WithClassNames names the classes in legends (Scatter, Overlay). Default
// the class numbers.
func WithClassNames(names ...string) Option {
	return func(c *config) { c.names = append([]string(nil), names...) }
}

// Series is one line of a chart: Y against X. Points whose X or Y is NaN or
// infinite are skipped.
type Series struct {
	Name string
	X, Y []float64
}

// Panel is one line chart. Series of more than 60 points are drawn as
// plain lines, shorter ones with a marker at every point.
type Panel struct {
	Title  string
	XLabel string
	YLabel string
	Series []Series
	// LogY draws the Y axis on a log scale (points with Y <= 0 are
	// skipped), for losses that fall over orders of magnitude.
	LogY bool
}

// Lines writes one line chart as a PNG to path.
func Lines(path string, p Panel, opts ...Option) error {
	return Panels(path, []Panel{p}, opts...)
}

// Panels writes several line charts, tiled in rows of WithColumns panels,
// as one PNG to path.
func Panels(path string, panels []Panel, opts ...Option) error {
	img, err := panelsCanvas(panels, opts)
	if err != nil {
		return err
	}
	return writePNG(path, img)
}

// LinesPNG is Lines returning the PNG bytes instead of writing a file (for
// notebooks, which show them inline).
func LinesPNG(p Panel, opts ...Option) ([]byte, error) {
	return PanelsPNG([]Panel{p}, opts...)
}

// PanelsPNG is Panels returning the PNG bytes instead of writing a file.
func PanelsPNG(panels []Panel, opts ...Option) ([]byte, error) {
	img, err := panelsCanvas(panels, opts)
	if err != nil {
		return nil, err
	}
	return canvasPNG(img)
}

// panelsCanvas draws the panels of Panels.
func panelsCanvas(panels []Panel, opts []Option) (*vgimg.Canvas, error) {
	if len(panels) == 0 {
		return nil, graph.ArgErrorf("plot: Panels: no panels")
	}
	c := newConfig(opts)
	cols := c.cols
	if cols <= 0 {
		cols = min(2, len(panels))
	}
	rows := (len(panels) + cols - 1) / cols
	w, h := c.width, c.height
	if w == 0 {
		w, h = 16*vg.Centimeter, 10*vg.Centimeter
	}
	grid := make([][]*gplot.Plot, rows)
	for r := range grid {
		grid[r] = make([]*gplot.Plot, cols)
	}
	for i, p := range panels {
		pl, err := linePlot(p)
		if err != nil {
			return nil, err
		}
		grid[i/cols][i%cols] = pl
	}
	titleH := vg.Length(0)
	if c.title != "" {
		titleH = 1 * vg.Centimeter
	}
	img := vgimg.NewWith(vgimg.UseWH(w*vg.Length(cols), h*vg.Length(rows)+titleH), vgimg.UseDPI(c.dpi))
	dc := draw.New(img)
	if c.title != "" {
		sty := text.Style{Color: color.Black, Font: font.From(gplot.DefaultFont, 14), XAlign: draw.XCenter, YAlign: draw.YTop, Handler: gplot.DefaultTextHandler}
		dc.FillText(sty, vg.Point{X: (dc.Min.X + dc.Max.X) / 2, Y: dc.Max.Y - vg.Millimeter*2}, c.title)
		dc.Max.Y -= titleH
	}
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Millimeter * 2, PadY: vg.Millimeter * 2,
		PadTop: vg.Millimeter, PadBottom: vg.Millimeter, PadLeft: vg.Millimeter, PadRight: vg.Millimeter * 2}
	canvases := gplot.Align(grid, tiles, dc)
	for r := range grid {
		for col, pl := range grid[r] {
			if pl != nil {
				pl.Draw(canvases[r][col])
			}
		}
	}
	return img, nil
}

// logTicks are gonum's LogTicks with labels rounded to 12 significant
// digits, so that the powers of ten that LogTicks computes by repeated
// multiplication read "0.0001", not "9.999999999999999e-05".
type logTicks struct{}

// Ticks returns the ticks of gonum's LogTicks with clean labels.
func (logTicks) Ticks(lo, hi float64) []gplot.Tick {
	ts := gplot.LogTicks{Prec: -1}.Ticks(lo, hi)
	for i := range ts {
		if ts[i].Label != "" {
			v, err := strconv.ParseFloat(strconv.FormatFloat(ts[i].Value, 'g', 12, 64), 64)
			if err == nil {
				ts[i].Label = strconv.FormatFloat(v, 'g', -1, 64)
			}
		}
	}
	return ts
}

// linePlot builds one chart.
func linePlot(p Panel) (*gplot.Plot, error) {
	pl := gplot.New()
	pl.Title.Text = p.Title
	pl.X.Label.Text = p.XLabel
	pl.Y.Label.Text = p.YLabel
	pl.Add(plotter.NewGrid())
	pl.Legend.Top = !rising(p.Series)
	if p.LogY {
		pl.Y.Scale = gplot.LogScale{}
		pl.Y.Tick.Marker = logTicks{}
	}
	for i, s := range p.Series {
		if len(s.X) != len(s.Y) {
			return nil, graph.ArgErrorf("plot: series %q: X has %d values, Y %d", s.Name, len(s.X), len(s.Y))
		}
		var pts plotter.XYs
		for j := range s.X {
			if finite(s.X[j]) && finite(s.Y[j]) && (!p.LogY || s.Y[j] > 0) {
				pts = append(pts, plotter.XY{X: s.X[j], Y: s.Y[j]})
			}
		}
		if len(pts) == 0 {
			continue
		}
		col := palette[i%len(palette)]
		if len(pts) > 60 {
			line, err := plotter.NewLine(pts)
			if err != nil {
				return nil, errors.Wrapf(err, "plot: series %q", s.Name)
			}
			line.Color = col
			line.Width = vg.Points(1)
			pl.Add(line)
			if s.Name != "" {
				pl.Legend.Add(s.Name, line)
			}
			continue
		}
		line, points, err := plotter.NewLinePoints(pts)
		if err != nil {
			return nil, errors.Wrapf(err, "plot: series %q", s.Name)
		}
		line.Color = col
		line.Width = vg.Points(1.5)
		points.Color = col
		points.Radius = vg.Points(2)
		pl.Add(line, points)
		if s.Name != "" {
			pl.Legend.Add(s.Name, line, points)
		}
	}
	return pl, nil
}

// rising reports whether the first series ends higher than it starts, so
// that the legend goes to the bottom corner, away from the curve's end.
func rising(series []Series) bool {
	if len(series) == 0 {
		return false
	}
	first, last := math.NaN(), math.NaN()
	for i, y := range series[0].Y {
		if finite(y) && i < len(series[0].X) && finite(series[0].X[i]) {
			if math.IsNaN(first) {
				first = y
			}
			last = y
		}
	}
	return last > first
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// palette holds the colours given to series and classes, in order
// (matplotlib's "tab10").
var palette = []color.RGBA{
	{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255}, {148, 103, 189, 255},
	{140, 86, 75, 255}, {227, 119, 194, 255}, {127, 127, 127, 255}, {188, 189, 34, 255}, {23, 190, 207, 255},
}

// ClassColor returns the colour of class c (a ten-colour palette, matplotlib's "tab10", repeated).
func ClassColor(c int) color.RGBA {
	if c < 0 {
		c = -c
	}
	return palette[c%len(palette)]
}

// writePNG writes a gonum canvas as PNG, atomically.
func writePNG(path string, img *vgimg.Canvas) error {
	err := atomicfile.Write(path, func(w io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
		return err
	})
	return errors.Wrap(err, "plot")
}

// canvasPNG encodes a gonum canvas as PNG bytes.
func canvasPNG(img *vgimg.Canvas) ([]byte, error) {
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return nil, errors.Wrap(err, "plot")
	}
	return buf.Bytes(), nil
}

// imagePNG encodes an image as PNG bytes.
func imagePNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, errors.Wrap(err, "plot")
	}
	return buf.Bytes(), nil
}

// writeImage writes an image as PNG, atomically.
func writeImage(path string, img image.Image) error {
	err := atomicfile.Write(path, func(w io.Writer) error { return png.Encode(w, img) })
	return errors.Wrap(err, "plot")
}

// Scatter writes a scatter plot of the points (x[i], y[i]) coloured by
// class[i] (nil: one colour), with a legend of the classes, as a PNG to
// path — for instance the 2-D code of an autoencoder.
func Scatter(path string, x, y []float64, class []int, opts ...Option) error {
	img, err := scatterCanvas(x, y, class, opts)
	if err != nil {
		return err
	}
	return writePNG(path, img)
}

// ScatterPNG is Scatter returning the PNG bytes instead of writing a file.
func ScatterPNG(x, y []float64, class []int, opts ...Option) ([]byte, error) {
	img, err := scatterCanvas(x, y, class, opts)
	if err != nil {
		return nil, err
	}
	return canvasPNG(img)
}

// scatterCanvas draws the chart of Scatter.
func scatterCanvas(x, y []float64, class []int, opts []Option) (*vgimg.Canvas, error) {
	if len(x) != len(y) || (class != nil && len(class) != len(x)) {
		return nil, graph.ArgErrorf("plot: Scatter: x, y and class must have the same length, got %d, %d and %d", len(x), len(y), len(class))
	}
	if len(x) == 0 {
		return nil, graph.ArgErrorf("plot: Scatter: no points")
	}
	c := newConfig(opts)
	pl := gplot.New()
	pl.Title.Text = c.title
	pl.Add(plotter.NewGrid())
	byClass := map[int]plotter.XYs{}
	var order []int
	for i := range x {
		k := 0
		if class != nil {
			k = class[i]
		}
		if !finite(x[i]) || !finite(y[i]) {
			continue
		}
		if _, ok := byClass[k]; !ok {
			order = append(order, k)
		}
		byClass[k] = append(byClass[k], plotter.XY{X: x[i], Y: y[i]})
	}
	sortInts(order)
	for _, k := range order {
		s, err := plotter.NewScatter(byClass[k])
		if err != nil {
			return nil, errors.Wrap(err, "plot: Scatter")
		}
		s.GlyphStyle.Color = ClassColor(k)
		s.GlyphStyle.Radius = vg.Points(1.5)
		s.GlyphStyle.Shape = draw.CircleGlyph{}
		pl.Add(s)
		if class != nil {
			pl.Legend.Add(className(c.names, k), s)
		}
	}
	pl.Legend.Top = true
	w, h := c.width, c.height
	if w == 0 {
		w, h = 16*vg.Centimeter, 14*vg.Centimeter
	}
	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(c.dpi))
	pl.Draw(draw.New(img))
	return img, nil
}

func className(names []string, k int) string {
	if k >= 0 && k < len(names) {
		return names[k]
	}
	return fmt.Sprint(k)
}

func sortInts(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}
