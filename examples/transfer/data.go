package main

import (
	"fmt"

	"github.com/convnet-go/convnet/train/data"
)

// dataset is one small dataset at the network's input size: images
// (N, 3, size, size) in [0, 1] and labels.
type dataset struct {
	title                 string
	classes               int
	trainX, testX         []float32
	trainY, testY         []int
	size                  int
	trainCount, testCount int
}

// loadDataset loads and prepares the named dataset.
func loadDataset(c config, name string) (*dataset, error) {
	switch name {
	case "mnist", "fashion":
		load, title := data.MNIST, "MNIST"
		dir := c.Data
		if name == "fashion" {
			load, title, dir = data.FashionMNIST, "Fashion-MNIST", c.FashionData
		}
		train, test, err := load(dir)
		if err != nil {
			return nil, err
		}
		small, err := data.PerClass(train, c.PerClass, c.Seed)
		if err != nil {
			return nil, err
		}
		ds := &dataset{title: title, classes: 10, size: c.Size}
		if ds.trainX, ds.trainY, err = gather(small, c.Size); err != nil {
			return nil, err
		}
		if ds.testX, ds.testY, err = gather(data.First(test, c.Test), c.Size); err != nil {
			return nil, err
		}
		ds.trainCount, ds.testCount = len(ds.trainY), len(ds.testY)
		return ds, nil
	case "lfw":
		return loadLFW(c)
	}
	return nil, fmt.Errorf("unknown dataset %q", name)
}

// gather reads every grey image of ds, scaled to size x size and copied to
// three channels.
func gather(ds data.Dataset, size int) ([]float32, []int, error) {
	xs := ds.XShape()
	if len(xs) != 3 || xs[0] != 1 {
		return nil, nil, fmt.Errorf("want grey images (1, H, W), got %v", xs)
	}
	lab, ok := data.AsLabeled(ds)
	if !ok {
		return nil, nil, fmt.Errorf("dataset has no labels")
	}
	h, w := xs[1], xs[2]
	x := make([]float32, h*w)
	y := make([]float32, data.Size(ds.YShape()))
	out := make([]float32, 0, ds.Len()*3*size*size)
	labels := make([]int, ds.Len())
	for i := 0; i < ds.Len(); i++ {
		if err := ds.Get(i, x, y); err != nil {
			return nil, nil, err
		}
		out = appendRGB(out, resize(x, h, w, size))
		labels[i] = lab.Label(i)
	}
	return out, labels, nil
}

// loadLFW reads skimage's lfw_subset.npy (the first half faces, the second
// non-faces) and splits each class at random (seeded): c.LFWPerClass images
// for training, the rest for testing.
func loadLFW(c config) (*dataset, error) {
	vals, shape, err := readNPY(c.LFW)
	if err != nil {
		return nil, fmt.Errorf("LFW subset: %w (run keras/scripts/fetch_skimage.sh or give -lfw)", err)
	}
	if len(shape) != 3 || shape[0] < 4 || shape[0]%2 != 0 {
		return nil, fmt.Errorf("LFW subset %s: want (2n, H, W) images, got shape %v", c.LFW, shape)
	}
	n, h, w := shape[0], shape[1], shape[2]
	ds := &dataset{title: "LFW faces vs non-faces", classes: 2, size: c.Size}
	img := make([]float32, h*w)
	for class := 0; class < 2; class++ {
		// class 1: faces (the first half); class 0: non-faces
		first := (1 - class) * n / 2
		perm := data.Permutation(n/2, data.DeriveSeed(c.Seed, 10+class))
		if c.LFWPerClass >= len(perm) {
			return nil, fmt.Errorf("-lfw-per-class %d leaves no test images of the %d per class", c.LFWPerClass, len(perm))
		}
		for k, p := range perm {
			i := first + p
			for j := range img {
				img[j] = float32(vals[i*h*w+j])
			}
			rgb := resize(img, h, w, c.Size)
			if k < c.LFWPerClass {
				ds.trainX, ds.trainY = appendRGB(ds.trainX, rgb), append(ds.trainY, class)
			} else {
				ds.testX, ds.testY = appendRGB(ds.testX, rgb), append(ds.testY, class)
			}
		}
	}
	ds.trainCount, ds.testCount = len(ds.trainY), len(ds.testY)
	return ds, nil
}

// appendRGB appends a grey plane three times (R, G, B).
func appendRGB(dst, grey []float32) []float32 {
	return append(append(append(dst, grey...), grey...), grey...)
}

// resize scales an h x w plane to size x size bilinearly, sampling at pixel
// centres (PyTorch's align_corners=False), clamping at the borders.
func resize(src []float32, h, w, size int) []float32 {
	out := make([]float32, size*size)
	sy, sx := float64(h)/float64(size), float64(w)/float64(size)
	for oy := 0; oy < size; oy++ {
		fy := (float64(oy)+0.5)*sy - 0.5
		y0, wy := floorFrac(fy, h)
		y1 := min(y0+1, h-1)
		for ox := 0; ox < size; ox++ {
			fx := (float64(ox)+0.5)*sx - 0.5
			x0, wx := floorFrac(fx, w)
			x1 := min(x0+1, w-1)
			top := float64(src[y0*w+x0])*(1-wx) + float64(src[y0*w+x1])*wx
			bot := float64(src[y1*w+x0])*(1-wx) + float64(src[y1*w+x1])*wx
			out[oy*size+ox] = float32(top*(1-wy) + bot*wy)
		}
	}
	return out
}

// floorFrac splits f into a clamped index in [0, n) and the weight of the
// next index.
func floorFrac(f float64, n int) (int, float64) {
	if f <= 0 {
		return 0, 0
	}
	i := int(f)
	if i >= n-1 {
		return n - 1, 0
	}
	return i, f - float64(i)
}
