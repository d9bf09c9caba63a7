package train_test

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/train"
	"gorgonia.org/tensor"
)

// inject is a callback that puts a crafted value under key into the logs of
// each epoch (before the callbacks after it read them) and records the
// model's weights at the end of every epoch.
func inject(key string, vals []float64, model nn.Layer, bits *[][]uint64) train.Callback {
	return train.Funcs{EpochEnd: func(_ *train.Trainer, e int, l train.Logs) error {
		l[key] = vals[e-1]
		*bits = append(*bits, paramBits(model))
		return nil
	}}
}

// EarlyStopping on a crafted quantity that is best at epoch 3 and worse
// after: training stops after patience epochs and the weights of epoch 3
// are restored, BatchNorm running statistics included.
func TestEarlyStoppingRestoresBest(t *testing.T) {
	model := must(nn.NewSequential(must(nn.NewDense(2, 4, nn.WithSeed(1))), must(nn.NewBatchNorm1D(4)), nn.NewReLU(), must(nn.NewDense(4, 2, nn.WithSeed(2)))))
	var bits [][]uint64
	es := must(train.NewEarlyStopping(train.WithMonitor("crafted"), train.WithPatience(2)))
	tr := must(train.New(model, silent(train.Config{Epochs: 10, BatchSize: 8, Loss: ceLoss(),
		Callbacks: []train.Callback{inject("crafted", []float64{3, 2, 1, 1.5, 2, 0, 0, 0, 0, 0}, model, &bits), es}})))
	h, err := tr.Fit(blobs(32, 1), nil)
	if err != nil {
		t.Fatal(err)
	}
	if h.Len() != 5 || es.StoppedEpoch() != 5 || es.BestEpoch() != 3 || es.Best() != 1 {
		t.Fatalf("ran %d epochs, stopped after %d, best epoch %d (%g); want 5, 5, 3 (1)", h.Len(), es.StoppedEpoch(), es.BestEpoch(), es.Best())
	}
	if !equalBits(paramBits(model), bits[2]) {
		t.Fatal("the weights are not those of epoch 3")
	}
	if equalBits(bits[2], bits[4]) {
		t.Fatal("epochs 4 and 5 did not change the weights (test is vacuous)")
	}
}

// With a real validation loss that gets worse as the model learns (the
// validation labels are flipped), the weights of epoch 1 come back.
func TestEarlyStoppingValLoss(t *testing.T) {
	model := mlp(2, 8, 2, 1, tensor.Float32, nn.NewReLU())
	val := blobs(40, 2)
	for _, y := range val.y {
		y[0], y[1] = y[1], y[0]
	}
	var bits [][]uint64
	rec := train.Funcs{EpochEnd: func(*train.Trainer, int, train.Logs) error { bits = append(bits, paramBits(model)); return nil }}
	es := must(train.NewEarlyStopping(train.WithPatience(3)))
	tr := must(train.New(model, silent(train.Config{Epochs: 20, BatchSize: 8, Loss: ceLoss(), Optimizer: must(train.NewAdam(0.01)),
		Callbacks: []train.Callback{rec, es}})))
	h, err := tr.Fit(blobs(64, 1), val)
	if err != nil {
		t.Fatal(err)
	}
	vl := h.Series("val_loss")
	best := 0
	for i, v := range vl {
		if v < vl[best] {
			best = i
		}
	}
	if es.BestEpoch() != best+1 || h.Len() != best+1+3 {
		t.Fatalf("val_loss %v: best epoch %d, stopped after %d epochs; EarlyStopping says best %d", vl, best+1, h.Len(), es.BestEpoch())
	}
	if !equalBits(paramBits(model), bits[best]) {
		t.Fatalf("weights are not those of epoch %d", best+1)
	}
}

func TestEarlyStoppingMaxModeAndErrors(t *testing.T) {
	model := mlp(2, 4, 2, 1, tensor.Float32, nn.NewReLU())
	var bits [][]uint64
	// "val_accuracy"-like keys default to Max mode.
	es := must(train.NewEarlyStopping(train.WithMonitor("my_acc"), train.WithMinDelta(0.05)))
	tr := must(train.New(model, silent(train.Config{Epochs: 5, Loss: ceLoss(),
		Callbacks: []train.Callback{inject("my_acc", []float64{0.5, 0.8, 0.84, 0.9, 1}, model, &bits), es}})))
	h, err := tr.Fit(blobs(16, 1), nil)
	if err != nil {
		t.Fatal(err)
	}
	// 0.84 is not 0.05 better than 0.8: stop after epoch 3 (patience 0).
	if h.Len() != 3 || es.BestEpoch() != 2 {
		t.Fatalf("ran %d epochs, best %d; want 3, 2", h.Len(), es.BestEpoch())
	}
	es = must(train.NewEarlyStopping(train.WithMonitor("nope")))
	tr = must(train.New(model, silent(train.Config{Loss: ceLoss(), Callbacks: []train.Callback{es}})))
	if _, err := tr.Fit(blobs(16, 1), nil); err == nil || !strings.Contains(err.Error(), `monitored quantity "nope" is not logged (logs have loss, lr)`) {
		t.Fatalf("unknown monitor: got %v", err)
	}
	if _, err := train.NewEarlyStopping(train.WithPatience(-1)); err == nil {
		t.Fatal("negative patience accepted")
	}
}

func TestReduceLROnPlateau(t *testing.T) {
	model := mlp(2, 4, 2, 1, tensor.Float32, nn.NewReLU())
	var bits [][]uint64
	r := must(train.NewReduceLROnPlateau(train.WithMonitor("m"), train.WithPatience(2), train.WithFactor(0.5), train.WithMinLR(0.02), train.WithCooldown(1)))
	// Keras's rules: best 1 at epoch 1; epochs 2, 3 no better -> reduce after
	// epoch 3 (0.1 -> 0.05), cooldown 1. Epoch 4 ends the cooldown (the
	// counter drops to 0 before the check) and counts as 1 epoch without
	// improvement, epoch 5 as 2 -> reduce (0.025). Epoch 7 improves; epochs
	// 8, 9 do not -> 0.0125, clipped to the minimum 0.02.
	vals := []float64{1, 1, 1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5}
	tr := must(train.New(model, silent(train.Config{Epochs: 11, Loss: ceLoss(), Optimizer: must(train.NewSGD(0.1)),
		Callbacks: []train.Callback{inject("m", vals, model, &bits), r}})))
	h, err := tr.Fit(blobs(16, 1), nil)
	if err != nil {
		t.Fatal(err)
	}
	// "lr" is logged before the callbacks run: the rate the epoch used.
	want := []float64{0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.025, 0.025, 0.02, 0.02}
	for i, lr := range h.Series("lr") {
		if math.Abs(lr-want[i]) > 1e-15 {
			t.Fatalf("lr per epoch %v, want %v", h.Series("lr"), want)
		}
	}
	if _, err := train.NewReduceLROnPlateau(train.WithFactor(1)); err == nil {
		t.Fatal("factor 1 accepted")
	}
}

// saveText is a stand-in save function: every Param's values as text.
func saveText(l nn.Layer, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	for _, np := range nn.NamedParams(l) {
		vals, _ := graph.Float64s(np.Param.Value())
		if _, err := fmt.Fprintf(f, "%s %v\n", np.Name, vals); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

// ModelCheckpoint with best-only saving writes when the monitored value
// improves, with "{epoch}" in the path filled in; a failing save leaves the
// earlier file intact and no temporary file behind.
func TestModelCheckpoint(t *testing.T) {
	dir := t.TempDir()
	model := mlp(2, 4, 2, 1, tensor.Float32, nn.NewReLU())
	var bits [][]uint64
	var saved []string
	save := func(l nn.Layer, path string) error {
		saved = append(saved, filepath.Base(path))
		return saveText(l, path)
	}
	ck := must(train.NewModelCheckpoint(filepath.Join(dir, "best.txt"), train.WithMonitor("m"), train.WithSaveFunc(save)))
	every := must(train.NewModelCheckpoint(filepath.Join(dir, "e{epoch}.txt"), train.WithBestOnly(false), train.WithSaveFunc(saveText)))
	tr := must(train.New(model, silent(train.Config{Epochs: 4, Loss: ceLoss(),
		Callbacks: []train.Callback{inject("m", []float64{2, 1, 3, 1}, model, &bits), ck, every}})))
	if _, err := tr.Fit(blobs(16, 1), nil); err != nil {
		t.Fatal(err)
	}
	if path, epoch := ck.LastSaved(); epoch != 2 || filepath.Base(path) != "best.txt" || len(saved) != 2 {
		t.Fatalf("best-only saved %d times, last %s at epoch %d; want 2 saves, epoch 2", len(saved), path, epoch)
	}
	best, _ := os.ReadFile(filepath.Join(dir, "best.txt"))
	for e := 1; e <= 4; e++ {
		if _, err := os.Stat(filepath.Join(dir, "e"+string(rune('0'+e))+".txt")); err != nil {
			t.Fatalf("epoch %d checkpoint: %v", e, err)
		}
	}
	e2, _ := os.ReadFile(filepath.Join(dir, "e2.txt"))
	if string(best) != string(e2) {
		t.Fatal("best.txt is not epoch 2's weights")
	}

	// A save that fails half-way: the old file stays, no temporary is left.
	boom := errors.New("disk full")
	failing := func(l nn.Layer, path string) error {
		os.WriteFile(path, []byte("partial"), 0o644)
		return boom
	}
	if err := train.SaveAtomic(model, filepath.Join(dir, "best.txt"), failing); !errors.Is(err, boom) {
		t.Fatalf("failing save: got %v", err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, "best.txt"))
	if string(after) != string(best) {
		t.Fatal("a failing save changed the existing checkpoint")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Fatalf("temporary file left behind: %s", e.Name())
		}
	}
}

func TestCSVLogger(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.csv")
	var lines []int
	cl := must(train.NewCSVLogger(path))
	check := train.Funcs{EpochEnd: func(_ *train.Trainer, e int, _ train.Logs) error {
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		lines = append(lines, strings.Count(string(b), "\n"))
		return nil
	}}
	tr := must(train.New(mlp(2, 4, 2, 1, tensor.Float32, nn.NewReLU()), silent(train.Config{Epochs: 3, Loss: ceLoss(),
		Metrics: []train.Metric{train.NewAccuracy()}, Callbacks: []train.Callback{cl, check}})))
	if _, err := tr.Fit(blobs(16, 1), blobs(8, 2)); err != nil {
		t.Fatal(err)
	}
	if len(lines) != 3 || lines[0] != 2 || lines[2] != 4 {
		t.Fatalf("CSV line counts after each epoch %v, want [2 3 4]", lines)
	}
	b, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(b), "epoch,loss,accuracy,val_loss,val_accuracy,lr\n1,") {
		t.Fatalf("CSV:\n%s", b)
	}
}

// The default ModelCheckpoint writes safetensors that load back into a
// fresh model with the best epoch's weights.
func TestModelCheckpointSafetensors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "best.safetensors")
	build := func() *nn.Sequential {
		return must(nn.NewSequential(must(nn.NewDense(2, 4, nn.WithSeed(3))), must(nn.NewBatchNorm1D(4)), nn.NewReLU(), must(nn.NewDense(4, 2, nn.WithSeed(4)))))
	}
	model := build()
	var bits [][]uint64
	ck := must(train.NewModelCheckpoint(path, train.WithMonitor("m")))
	tr := must(train.New(model, silent(train.Config{Epochs: 3, Loss: ceLoss(),
		Callbacks: []train.Callback{inject("m", []float64{2, 1, 3}, model, &bits), ck}})))
	if _, err := tr.Fit(blobs(16, 1), nil); err != nil {
		t.Fatal(err)
	}
	fresh := build()
	if err := nn.Initialize(fresh, 99); err != nil {
		t.Fatal(err)
	}
	if err := nn.LoadSafetensors(fresh, path); err != nil {
		t.Fatal(err)
	}
	if !equalBits(paramBits(fresh), bits[1]) {
		t.Fatal("the checkpoint does not hold epoch 2's weights and buffers")
	}
}
