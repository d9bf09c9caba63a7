package recipe

import "github.com/convnet-go/convnet/train/data"

// MNIST loads MNIST from dir (data.MNIST; "" is the standard location),
// keeps the first limit training and testLimit test images (0: all) and
// standardises both with data.MNISTMean and data.MNISTStd.
func MNIST(dir string, limit, testLimit int) (ds, test data.Dataset, err error) {
	trainSet, testSet, err := data.MNIST(dir)
	if err != nil {
		return nil, nil, err
	}
	return standardize(trainSet, testSet, limit, testLimit, data.MNISTMean, data.MNISTStd)
}

// FashionMNIST is MNIST for Fashion-MNIST (data.FashionMNIST, standardised
// with data.FashionMNISTMean and data.FashionMNISTStd).
func FashionMNIST(dir string, limit, testLimit int) (ds, test data.Dataset, err error) {
	trainSet, testSet, err := data.FashionMNIST(dir)
	if err != nil {
		return nil, nil, err
	}
	return standardize(trainSet, testSet, limit, testLimit, data.FashionMNISTMean, data.FashionMNISTStd)
}

// standardize keeps the first limit and testLimit images of trainSet and
// testSet and standardises them with mean and std.
func standardize(trainSet, testSet data.Dataset, limit, testLimit int, mean, std float32) (ds, test data.Dataset, err error) {
	m, s := []float32{mean}, []float32{std}
	if ds, err = data.Normalize(data.First(trainSet, limit), m, s); err != nil {
		return nil, nil, err
	}
	if test, err = data.Normalize(data.First(testSet, testLimit), m, s); err != nil {
		return nil, nil, err
	}
	return ds, test, nil
}
