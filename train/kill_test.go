package train_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/train"
	"gorgonia.org/tensor"
)

// TestMain lets the test binary double as the process that TestCheckpointKilled
// kills: with TRAIN_SAVE_LOOP set it saves checkpoints forever.
func TestMain(m *testing.M) {
	if path := os.Getenv("TRAIN_SAVE_LOOP"); path != "" {
		saveLoop(path)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// killModel is the model the save loop writes: about 1M float32 weights
// (4 MB), so that a save takes long enough to be interrupted.
func killModel() *nn.Sequential { return mlp(256, 2048, 256, 1, tensor.Float32, nn.NewReLU()) }

func saveLoop(path string) {
	model := killModel()
	for i := 0; ; i++ {
		w := model.Params()[0].Param.Value().Float32s()
		w[0] = float32(i)
		if err := train.SaveAtomic(model, path, nil); err != nil { // nn.SaveSafetensors
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}

// A process that saves checkpoints (safetensors) in a loop is killed with
// SIGKILL at arbitrary moments; the file at the path always loads.
func TestCheckpointKilled(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ckpt.safetensors")
	loaded := killModel()
	midSave := false // some kill hit a save half-way (its temporary file stays)
	temps := 0
	for round, wait := range []time.Duration{150 * time.Millisecond, 330 * time.Millisecond, 520 * time.Millisecond} {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "TRAIN_SAVE_LOOP="+path)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			if _, err := os.Stat(path); err == nil || time.Now().After(deadline) {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(wait)
		if err := cmd.Process.Kill(); err != nil { // SIGKILL
			t.Fatal(err)
		}
		cmd.Wait()
		if err := nn.LoadSafetensors(loaded, path); err != nil {
			t.Fatalf("round %d: the checkpoint does not load: %v", round+1, err)
		}
		fi, _ := os.Stat(path)
		size := fi.Size()
		saves := loaded.Params()[0].Param.Value().Float32s()[0]
		entries, _ := os.ReadDir(dir)
		if len(entries)-1 > temps { // a new temporary file: the kill hit a save
			midSave = true
		}
		temps = len(entries) - 1
		t.Logf("round %d: killed after %v, in save %.0f; %s loads (%d bytes); %d file(s) in the directory", round+1, wait, saves+2, filepath.Base(path), size, len(entries))
	}
	if !midSave {
		t.Log("no kill landed in the middle of a save (the test proved less than it could)")
	}
}
