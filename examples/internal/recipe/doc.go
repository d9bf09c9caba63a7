// Package recipe holds the pieces the example programs under examples/
// share: loading standardised MNIST and Fashion-MNIST, the examples/mnist
// network, the Adam optimizer with its cosine schedule, the progress
// verbosity, the classifier run (fit, test, confusion matrix, saved
// weights and history), the per-step loss curve and the JSON summary
// line. It uses only the public API of convnet.
package recipe
