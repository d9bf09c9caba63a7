package recipe

import "github.com/convnet-go/convnet/train"

// Verbosity is what the examples' -quiet flag selects: the epoch summaries
// only (quiet) or a progress bar per epoch.
func Verbosity(quiet bool) train.Verbosity {
	if quiet {
		return train.Summary
	}
	return train.Bar
}
