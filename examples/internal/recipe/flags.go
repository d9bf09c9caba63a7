package recipe

import "flag"

// TrainFlags are the training settings every training example takes from
// its command line: -epochs, -batch, -lr, -seed, -out and -quiet. An example
// embeds it in its own settings, sets its defaults in the literal and calls
// Register before flag.Parse:
//
//	c := config{TrainFlags: recipe.TrainFlags{Epochs: 3, Batch: 64, LR: 2e-3, Seed: 1, Out: "mnist-out"}}
//	c.TrainFlags.Register(flag.CommandLine)
//
// The JSON tags give the keys the examples' result lines use for the
// settings of the run (epochs, batch_size, lr, seed); -out and -quiet are
// not results.
type TrainFlags struct {
	Epochs int     `json:"epochs"`
	Batch  int     `json:"batch_size"`
	LR     float64 `json:"lr"`
	Seed   int64   `json:"seed"`
	Out    string  `json:"-"`
	Quiet  bool    `json:"-"`
}

// Register defines the flags on fs with t's current values as defaults.
// An example whose flag means something more specific changes its text
// afterwards through fs.Lookup(name).Usage.
func (t *TrainFlags) Register(fs *flag.FlagSet) {
	fs.IntVar(&t.Epochs, "epochs", t.Epochs, "training epochs")
	fs.IntVar(&t.Batch, "batch", t.Batch, "batch size")
	fs.Float64Var(&t.LR, "lr", t.LR, "learning rate (of the first epoch when a schedule anneals it)")
	fs.Int64Var(&t.Seed, "seed", t.Seed, "seed from which every random choice of the run derives (initial weights, shuffling, ...)")
	fs.StringVar(&t.Out, "out", t.Out, "output directory for the files the program writes")
	fs.BoolVar(&t.Quiet, "quiet", t.Quiet, "print only the epoch summaries, no progress bars")
}

// DataFlags say where the IDX files are and how much of them to use:
// -data, -limit and -test-limit. Like TrainFlags, an example embeds it,
// sets its defaults in the literal and calls Register before flag.Parse.
type DataFlags struct {
	Data      string `json:"-"`
	Limit     int    `json:"-"`
	TestLimit int    `json:"-"`
}

// Register defines the flags on fs with d's current values as defaults.
func (d *DataFlags) Register(fs *flag.FlagSet) {
	fs.StringVar(&d.Data, "data", d.Data, "folder with the IDX files (default: the dataset's standard location)")
	fs.IntVar(&d.Limit, "limit", d.Limit, "train on the first N training images only (0: all)")
	fs.IntVar(&d.TestLimit, "test-limit", d.TestLimit, "evaluate on the first N test images only (0: all)")
}
