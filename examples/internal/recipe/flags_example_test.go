package recipe_test

import (
	"flag"
	"fmt"
	"os"

	"github.com/convnet-go/convnet/examples/internal/recipe"
)

// An example program's settings: the shared flags with its own defaults,
// one flag with a text of its own, then the program's own flags.
func ExampleTrainFlags() {
	type config struct {
		recipe.TrainFlags
		recipe.DataFlags
		Cosine bool
	}
	c := config{
		TrainFlags: recipe.TrainFlags{Epochs: 3, Batch: 64, LR: 2e-3, Seed: 1, Out: "mnist-out"},
		Cosine:     true,
	}
	fs := flag.NewFlagSet("mnist", flag.ContinueOnError)
	c.TrainFlags.Register(fs)
	c.DataFlags.Register(fs)
	fs.Lookup("lr").Usage = "Adam learning rate (of the first epoch, see -cosine)"
	fs.BoolVar(&c.Cosine, "cosine", c.Cosine, "anneal the learning rate along a cosine")
	if err := fs.Parse([]string{"-epochs", "1", "-limit", "640", "-cosine=false"}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("epochs %d, batch %d, lr %g, limit %d, cosine %t\n", c.Epochs, c.Batch, c.LR, c.Limit, c.Cosine)
	if err := recipe.PrintJSON(os.Stdout, c.TrainFlags); err != nil {
		fmt.Println(err)
	}
	fmt.Println(fs.Lookup("lr").Usage)
	// Output:
	// epochs 1, batch 64, lr 0.002, limit 640, cosine false
	// {"epochs":1,"batch_size":64,"lr":0.002,"seed":1}
	// Adam learning rate (of the first epoch, see -cosine)
}
