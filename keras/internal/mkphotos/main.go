// Command mkphotos prepares the photos of the nsfwjs reference check: each
// input image (PNG or JPEG) is centre-cropped to a square, scaled to 224x224
// with Catmull-Rom interpolation (golang.org/x/image/draw) and written as an
// RGB PNG (committed under keras/testdata/photos/) and as raw bytes
// (224·224·3, row-major HWC) for reference.cjs. The Go test reads the PNGs, so
// Go and tfjs see the same pixels.
//
// Usage: go run ./keras/internal/mkphotos -png DIR -raw DIR image...
package main

import (
	"flag"
	"fmt"
	"image"
	_ "image/jpeg" // decodes the sklearn/skimage JPEG photos
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/convnet-go/convnet/internal/atomicfile"
	"golang.org/x/image/draw"
)

const size = 224

func main() {
	pngDir := flag.String("png", "", "folder for the 224x224 PNGs")
	rawDir := flag.String("raw", "", "folder for the raw RGB bytes")
	flag.Parse()
	if *pngDir == "" || *rawDir == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: mkphotos -png DIR -raw DIR image...")
		os.Exit(2)
	}
	for _, path := range flag.Args() {
		if err := convert(path, *pngDir, *rawDir); err != nil {
			fmt.Fprintln(os.Stderr, "mkphotos:", err)
			os.Exit(1)
		}
	}
}

func convert(path, pngDir, rawDir string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	src, _, err := image.Decode(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	b := src.Bounds()
	side := min(b.Dx(), b.Dy())
	crop := image.Rect(b.Min.X+(b.Dx()-side)/2, b.Min.Y+(b.Dy()-side)/2, 0, 0)
	crop.Max = crop.Min.Add(image.Pt(side, side))
	dst := image.NewRGBA(image.Rect(0, 0, size, size))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, crop, draw.Src, nil)
	raw := make([]byte, 0, size*size*3)
	for i := 0; i < len(dst.Pix); i += 4 {
		dst.Pix[i+3] = 255 // opaque: the PNG carries exactly the RGB bytes
		raw = append(raw, dst.Pix[i], dst.Pix[i+1], dst.Pix[i+2])
	}
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	if err := atomicfile.Write(filepath.Join(rawDir, name+".rgb"), func(w io.Writer) error {
		_, err := w.Write(raw)
		return err
	}); err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(pngDir, name+".png"), func(w io.Writer) error {
		return png.Encode(w, dst)
	})
}
