// Package recipe holds the plumbing the example programs under examples/
// share, so that each main.go shows its model and training loop inline:
// the command-line flags every training example takes (TrainFlags,
// DataFlags), loading standardised MNIST and Fashion-MNIST, the progress
// verbosity, the per-step loss curve and the JSON summary line. It uses
// only the public API of convnet.
package recipe
