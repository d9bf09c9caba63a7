// Package plot draws the figures of convnet's training runs and examples
// as PNG files: line charts of training curves, grids of grayscale images
// (filters, feature maps, reconstructions), scatter plots of 2-D codes
// coloured by class, and segmentation masks over images. Each drawing
// function has a twin with the suffix PNG (LinesPNG, ImageGridPNG, ...) that
// returns the PNG bytes instead of writing a file, for notebooks that show
// them inline; TensorImages cuts a tensor into images for the grids.
//
// # Overview
//
// Charts use gonum.org/v1/plot; image grids and overlays are drawn pixel by
// pixel with a small bitmap font for labels. Every file is written
// atomically: the PNG goes to a temporary file next to the target, which is
// then renamed over it, so an interrupted write never leaves a truncated
// image.
//
// # Errors
//
// Bad arguments (mismatched lengths, empty inputs, wrong sizes) are errors
// that start with "plot: ", never panics.
package plot
