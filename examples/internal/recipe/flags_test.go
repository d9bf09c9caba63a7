package recipe

import (
	"encoding/json"
	"flag"
	"io"
	"testing"
)

// The flags take their defaults from the values set before Register, and
// the command line overrides only the flags it names.
func TestFlagsParse(t *testing.T) {
	defaults := TrainFlags{Epochs: 3, Batch: 64, LR: 2e-3, Seed: 1, Out: "mnist-out"}
	dataDefaults := DataFlags{Limit: 20000}
	for _, tc := range []struct {
		name      string
		args      []string
		wantTrain TrainFlags
		wantData  DataFlags
		wantArgs  int
	}{
		{"no flags: the defaults", nil, defaults, dataDefaults, 0},
		{"training flags",
			[]string{"-epochs", "1", "-batch=32", "-lr", "0.05", "-seed", "7", "-out", "/tmp/x", "-quiet"},
			TrainFlags{Epochs: 1, Batch: 32, LR: 0.05, Seed: 7, Out: "/tmp/x", Quiet: true}, dataDefaults, 0},
		{"data flags and an argument",
			[]string{"-data", "/data/mnist", "-limit", "0", "-test-limit", "500", "rest"},
			defaults, DataFlags{Data: "/data/mnist", Limit: 0, TestLimit: 500}, 1},
		{"one of each", []string{"-lr", "1e-4", "-test-limit", "10"},
			TrainFlags{Epochs: 3, Batch: 64, LR: 1e-4, Seed: 1, Out: "mnist-out"}, DataFlags{Limit: 20000, TestLimit: 10}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := flag.NewFlagSet("example", flag.ContinueOnError)
			tf, df := defaults, dataDefaults
			tf.Register(fs)
			df.Register(fs)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			if tf != tc.wantTrain {
				t.Errorf("TrainFlags %+v, want %+v", tf, tc.wantTrain)
			}
			if df != tc.wantData {
				t.Errorf("DataFlags %+v, want %+v", df, tc.wantData)
			}
			if fs.NArg() != tc.wantArgs {
				t.Errorf("%d arguments left, want %d", fs.NArg(), tc.wantArgs)
			}
		})
	}
}

// Every flag is defined with a usage text and the default it was
// registered with; a malformed value is a parse error naming the flag.
func TestFlagsDefined(t *testing.T) {
	fs := flag.NewFlagSet("example", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	tf := TrainFlags{Epochs: 4, Batch: 16, LR: 3e-3, Seed: 1, Out: "segmentation-out"}
	df := DataFlags{Limit: 1000, TestLimit: 1000}
	tf.Register(fs)
	df.Register(fs)
	for name, def := range map[string]string{
		"epochs": "4", "batch": "16", "lr": "0.003", "seed": "1", "out": "segmentation-out", "quiet": "false",
		"data": "", "limit": "1000", "test-limit": "1000",
	} {
		f := fs.Lookup(name)
		if f == nil {
			t.Errorf("-%s is not defined", name)
			continue
		}
		if f.DefValue != def || f.Usage == "" {
			t.Errorf("-%s: default %q, usage %q; want default %q and a usage text", name, f.DefValue, f.Usage, def)
		}
	}
	for _, args := range [][]string{{"-epochs", "three"}, {"-lr", "fast"}, {"-limit", "1.5"}} {
		if err := fs.Parse(args); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

// The result lines show the training settings under the keys epochs,
// batch_size, lr and seed; -out, -quiet and the data flags are not results.
func TestFlagsJSON(t *testing.T) {
	b, err := json.Marshal(struct {
		TrainFlags
		DataFlags
	}{TrainFlags{Epochs: 2, Batch: 8, LR: 0.5, Seed: 3, Out: "o", Quiet: true}, DataFlags{Data: "d", Limit: 1, TestLimit: 2}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"epochs":2,"batch_size":8,"lr":0.5,"seed":3}`; got != want {
		t.Errorf("JSON %s, want %s", got, want)
	}
}
