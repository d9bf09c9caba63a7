// Package recipe holds the pieces the example programs under examples/
// share: the JSON summary line, the Adam optimizer with its cosine
// schedule, the progress verbosity, the classifier run (fit, test,
// confusion matrix, saved weights and history), the per-step loss curve
// and the examples/mnist network. It uses only the public API of convnet.
package recipe
