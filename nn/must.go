package nn

// Must returns l and panics if err is not nil. It is for examples, notebooks
// and tests, where a constructor error is a bug in the program; library code
// returns errors instead.
//
//	model, err := nn.NewSequential(
//		nn.Must(nn.NewConv2D(1, 32, 3)),
//		nn.NewReLU(),
//	)
func Must(l Layer, err error) Layer {
	if err != nil {
		panic(err)
	}
	return l
}
