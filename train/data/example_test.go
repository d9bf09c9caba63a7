package data_test

import (
	"bytes"
	"fmt"

	"gorgonia.org/tensor"

	"github.com/convnet-go/convnet/train/data"
)

func ExampleNewLabeled() {
	// Three 1×2 inputs with classes 2, 0, 1 of 3.
	ds, err := data.NewLabeled([]float32{1, 2, 3, 4, 5, 6}, []int{1, 2}, []int{2, 0, 1}, 3)
	if err != nil {
		fmt.Println(err)
		return
	}
	x := make([]float32, 2)
	y := make([]float32, 3)
	_ = ds.Get(0, x, y)
	fmt.Println(ds.Len(), ds.XShape(), ds.YShape(), x, y, ds.Label(0))
	// Output: 3 [1 2] [3] [1 2] [0 0 1] 2
}

func ExampleReadIDX() {
	// An IDX label file: magic 0x00000801, one dimension (5), five bytes.
	file := []byte{0, 0, 8, 1, 0, 0, 0, 5, 5, 0, 4, 1, 9}
	a, err := data.ReadIDX(bytes.NewReader(file), "labels", int64(len(file)))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("0x%08x %v %v %v\n", a.Magic(), a.Type, a.Dims, a.Float32())

	// The same file cut short is an error, not a panic.
	_, err = data.ReadIDX(bytes.NewReader(file[:10]), "labels", 10)
	fmt.Println(err)
	// Output:
	// 0x00000801 uint8 [5] [5 0 4 1 9]
	// data: IDX "labels": header (5) of uint8 needs 5 data bytes, file has 2 after the 8-byte header
}

func ExampleMNIST() {
	train, test, err := data.MNIST("") // $CONVNET_MNIST_DIR, or the GoMNIST module's data/
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(train.Len(), test.Len(), train.XShape(), train.YShape())
	for i := 0; i < 5; i++ {
		fmt.Print(train.Label(i), " ")
	}
	fmt.Println()
	// Output:
	// 60000 10000 [1 28 28] [10]
	// 5 0 4 1 9
}

func ExampleAugment() {
	// One 3×3 image 1..9; a shift (dy, dx) in [-1, 1]², drawn per (seed,
	// epoch, index): (0, 0) twice, then (0, 1) and (1, 1).
	ds, _ := data.NewTensor([]float32{1, 2, 3, 4, 5, 6, 7, 8, 9}, []int{1, 3, 3}, []float32{0}, []int{1})
	aug, _ := data.Augment(ds, 3, data.WithShift(1))
	x := make([]float32, 9)
	y := make([]float32, 1)
	for epoch := 0; epoch < 4; epoch++ {
		aug.SetEpoch(epoch)
		_ = aug.Get(0, x, y)
		fmt.Println(epoch, x)
	}
	// Output:
	// 0 [1 2 3 4 5 6 7 8 9]
	// 1 [1 2 3 4 5 6 7 8 9]
	// 2 [0 1 2 0 4 5 0 7 8]
	// 3 [0 0 0 2 3 0 5 6 0]
}

func ExampleGaussianNoise() {
	// A denoising autoencoder's data: x = clip(image + noise), y = the clean image.
	ds, _ := data.NewTensor([]float32{0, 0.5, 1, 0.5}, []int{1, 2, 2}, []float32{0}, []int{1})
	noisy, _ := data.GaussianNoise(data.Autoencoder(ds), 0.25, 1, data.NoiseRange(0, 1))
	x := make([]float32, 4)
	y := make([]float32, 4)
	_ = noisy.Get(0, x, y)
	fmt.Println(noisy.XShape(), noisy.YShape())
	fmt.Printf("x %.3f\ny %.3f\n", x, y)
	// Output:
	// [1 2 2] [1 2 2]
	// x [0.260 0.292 1.000 0.128]
	// y [0.000 0.500 1.000 0.500]
}

func ExampleSplit() {
	ds, _ := data.NewLabeled(make([]float32, 100), []int{1}, make([]int, 100), 1)
	train, val, _ := data.Split(ds, 0.2, 42)
	fmt.Println(train.Len(), val.Len())
	// Output: 80 20
}

func ExamplePerClass() {
	labels := make([]int, 60)
	for i := range labels {
		labels[i] = i % 3
	}
	ds, _ := data.NewLabeled(make([]float32, 60), []int{1}, labels, 3)
	few, _ := data.PerClass(ds, 4, 1)
	fmt.Println(few.Len(), data.ClassCounts(few))
	// Output: 12 [4 4 4]
}

func ExampleBatcher() {
	ds, _ := data.NewLabeled([]float32{1, 2, 3, 4, 5, 6}, []int{1, 2}, []int{0, 1, 1}, 2)
	b, _ := data.NewBatcher(ds, tensor.Float64)
	x, y, _ := b.Batch([]int{2, 0})
	fmt.Println(x.Shape(), x.Data())
	fmt.Println(y.Shape(), y.Data())
	// Output:
	// (2, 1, 2) [5 6 1 2]
	// (2, 2) [0 1 1 0]
}

func ExampleNewSegmentation() {
	// Source: 10 small labelled "digits" (a 4×4 block of ink each).
	pix := make([]uint8, 10*8*8)
	labels := make([]int, 10)
	for i := range labels {
		labels[i] = i
		for r := 2; r < 6; r++ {
			for c := 2; c < 6; c++ {
				pix[i*64+r*8+c] = 200
			}
		}
	}
	src, _ := data.NewImageSet(pix, []int{1, 8, 8}, labels, 10)
	seg, _ := data.NewSegmentation(src, 100, 7, data.ClassMask)
	fmt.Println(seg.Len(), seg.XShape(), seg.YShape())

	cm := make([]uint8, data.SegCanvas*data.SegCanvas)
	_ = seg.ClassMap(0, cm)
	pixels := map[uint8]int{}
	for _, c := range cm {
		pixels[c]++
	}
	d := seg.Digits(0)
	fmt.Println(len(d), "digits; class", d[0].Class, "covers", pixels[uint8(d[0].Class+1)], "pixels")
	// Output:
	// 100 [1 64 64] [11 64 64]
	// 2 digits; class 5 covers 16 pixels
}
