package plot

import (
	"image"
	"image/color"
	"image/draw"
	"math"

	"github.com/convnet-go/convnet/graph"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Image is a grayscale image of H rows and W columns in row-major order,
// with an optional label drawn under it. Values are intensities in [0, 1]
// (0 black) unless WithNormalize is given.
type Image struct {
	H, W  int
	Pix   []float64
	Label string
}

func (im Image) check(what string, i int) error {
	if im.H <= 0 || im.W <= 0 || len(im.Pix) != im.H*im.W {
		return graph.ArgErrorf("plot: %s: image %d: %d values do not fill %d×%d", what, i, len(im.Pix), im.H, im.W)
	}
	return nil
}

const (
	gap     = 4  // pixels between cells
	labelH  = 15 // pixels of a label band
	charW   = 7  // basicfont.Face7x13 advance
	targetC = 84 // default cell size in pixels
)

// cells computes the grid geometry shared by ImageGrid and OverlayGrid.
type cells struct {
	cols, rows, scale, cellW, cellH, top int
	labels                               bool
}

func layoutCells(images []Image, cols int, c config) cells {
	maxH, maxW := 0, 0
	g := cells{}
	for _, im := range images {
		maxH, maxW = max(maxH, im.H), max(maxW, im.W)
		if im.Label != "" {
			g.labels = true
		}
	}
	if cols <= 0 {
		cols = int(math.Ceil(math.Sqrt(float64(len(images)))))
	}
	g.cols = min(cols, len(images))
	g.rows = (len(images) + g.cols - 1) / g.cols
	g.scale = c.scale
	if g.scale <= 0 {
		g.scale = max(1, targetC/max(maxH, maxW))
	}
	g.cellW, g.cellH = maxW*g.scale, maxH*g.scale
	if g.labels {
		g.cellH += labelH
	}
	if c.title != "" {
		g.top = labelH + gap
	}
	return g
}

func (g cells) canvas(minWidth int) *image.RGBA {
	w := max(g.cols*(g.cellW+gap)+gap, minWidth)
	h := g.top + g.rows*(g.cellH+gap) + gap
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	return img
}

// origin returns the top-left pixel of cell i.
func (g cells) origin(i int) (x, y int) {
	return gap + (i%g.cols)*(g.cellW+gap), g.top + gap + (i/g.cols)*(g.cellH+gap)
}

// drawText writes s with its top-left corner at (x, y), cut to maxW pixels.
func drawText(img draw.Image, x, y, maxW int, s string, col color.Color) {
	if maxW > 0 && len(s)*charW > maxW {
		s = s[:max(0, maxW/charW)]
	}
	d := font.Drawer{Dst: img, Src: image.NewUniform(col), Face: basicfont.Face7x13,
		Dot: fixed.P(x, y+11)}
	d.DrawString(s)
}

// gray maps the image's values to 0..255.
func gray(im Image, normalize bool) []uint8 {
	lo, hi := 0.0, 1.0
	if normalize {
		lo, hi = math.Inf(1), math.Inf(-1)
		for _, v := range im.Pix {
			if !math.IsNaN(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
		if !(hi > lo) {
			hi = lo + 1
		}
	}
	out := make([]uint8, len(im.Pix))
	for i, v := range im.Pix {
		t := (v - lo) / (hi - lo)
		if math.IsNaN(t) || t < 0 {
			t = 0
		} else if t > 1 {
			t = 1
		}
		out[i] = uint8(math.Round(t * 255))
	}
	return out
}

// ImageGrid writes a grid of grayscale images (cols per row; 0 picks a
// square-ish grid), each with its label under it, as a PNG to path — for
// filters, feature maps, samples and reconstructions. Options:
// WithNormalize, WithScale, WithTitle.
func ImageGrid(path string, images []Image, cols int, opts ...Option) error {
	return OverlayGrid(path, images, nil, cols, opts...)
}

// ImageGridPNG is ImageGrid returning the PNG bytes instead of writing a
// file (for notebooks, which show them inline).
func ImageGridPNG(images []Image, cols int, opts ...Option) ([]byte, error) {
	return OverlayGridPNG(images, nil, cols, opts...)
}

// Overlay writes img with a segmentation mask laid over it as a PNG to
// path. mask holds a class index per pixel (len H·W); class 0 is
// background and stays uncoloured, class c > 0 is drawn in ClassColor(c)
// with opacity WithAlpha (default 0.5). A legend names the classes present
// (WithClassNames).
func Overlay(path string, img Image, mask []int, opts ...Option) error {
	return OverlayGrid(path, []Image{img}, [][]int{mask}, 1, opts...)
}

// OverlayPNG is Overlay returning the PNG bytes instead of writing a file.
func OverlayPNG(img Image, mask []int, opts ...Option) ([]byte, error) {
	return OverlayGridPNG([]Image{img}, [][]int{mask}, 1, opts...)
}

// OverlayGrid is ImageGrid with a mask over each image (masks[i] may be nil
// for a plain image; masks may be nil for none), for showing inputs, true
// masks and predicted masks side by side.
func OverlayGrid(path string, images []Image, masks [][]int, cols int, opts ...Option) error {
	img, err := overlayImage(images, masks, cols, opts)
	if err != nil {
		return err
	}
	return writeImage(path, img)
}

// OverlayGridPNG is OverlayGrid returning the PNG bytes instead of writing
// a file.
func OverlayGridPNG(images []Image, masks [][]int, cols int, opts ...Option) ([]byte, error) {
	img, err := overlayImage(images, masks, cols, opts)
	if err != nil {
		return nil, err
	}
	return imagePNG(img)
}

// overlayImage draws the grid of OverlayGrid.
func overlayImage(images []Image, masks [][]int, cols int, opts []Option) (*image.RGBA, error) {
	if len(images) == 0 {
		return nil, graph.ArgErrorf("plot: ImageGrid: no images")
	}
	if masks != nil && len(masks) != len(images) {
		return nil, graph.ArgErrorf("plot: OverlayGrid: %d masks for %d images", len(masks), len(images))
	}
	for i, im := range images {
		if err := im.check("ImageGrid", i); err != nil {
			return nil, err
		}
		if masks != nil && masks[i] != nil && len(masks[i]) != im.H*im.W {
			return nil, graph.ArgErrorf("plot: Overlay: mask %d has %d values for a %d×%d image", i, len(masks[i]), im.H, im.W)
		}
	}
	c := newConfig(opts)
	g := layoutCells(images, cols, c)
	present := map[int]bool{}
	for _, m := range masks {
		for _, k := range m {
			if k > 0 {
				present[k] = true
			}
		}
	}
	var legend []int
	for k := range present {
		legend = append(legend, k)
	}
	sortInts(legend)
	legendH := 0
	if len(legend) > 0 {
		legendH = labelH + gap
	}
	minW := len(c.title)*charW + 2*gap
	legendW := gap
	for _, k := range legend {
		legendW += 13 + len(className(c.names, k))*charW + 8
	}
	minW = max(minW, legendW)
	img := g.canvas(minW)
	if legendH > 0 {
		grown := image.NewRGBA(image.Rect(0, 0, img.Bounds().Dx(), img.Bounds().Dy()+legendH))
		draw.Draw(grown, grown.Bounds(), image.White, image.Point{}, draw.Src)
		img = grown
	}
	if c.title != "" {
		drawText(img, gap, gap, 0, c.title, color.Black)
	}
	alpha := math.Max(0, math.Min(1, c.alpha))
	for i, im := range images {
		x0, y0 := g.origin(i)
		pix := gray(im, c.normalize)
		var mask []int
		if masks != nil {
			mask = masks[i]
		}
		for r := 0; r < im.H; r++ {
			for q := 0; q < im.W; q++ {
				v := float64(pix[r*im.W+q])
				col := color.RGBA{uint8(v), uint8(v), uint8(v), 255}
				if mask != nil && mask[r*im.W+q] > 0 {
					k := ClassColor(mask[r*im.W+q])
					col = color.RGBA{
						uint8(math.Round((1-alpha)*v + alpha*float64(k.R))),
						uint8(math.Round((1-alpha)*v + alpha*float64(k.G))),
						uint8(math.Round((1-alpha)*v + alpha*float64(k.B))), 255}
				}
				for dy := 0; dy < g.scale; dy++ {
					for dx := 0; dx < g.scale; dx++ {
						img.SetRGBA(x0+q*g.scale+dx, y0+r*g.scale+dy, col)
					}
				}
			}
		}
		if im.Label != "" {
			drawText(img, x0, y0+im.H*g.scale+2, g.cellW, im.Label, color.Black)
		}
	}
	if len(legend) > 0 {
		x, y := gap, img.Bounds().Dy()-legendH
		for _, k := range legend {
			name := className(c.names, k)
			draw.Draw(img, image.Rect(x, y+2, x+10, y+12), image.NewUniform(ClassColor(k)), image.Point{}, draw.Src)
			drawText(img, x+13, y, 0, name, color.Black)
			x += 13 + len(name)*charW + 8
		}
	}
	return img, nil
}
