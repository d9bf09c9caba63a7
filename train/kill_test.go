package train_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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

// saveLoop saves the model to path forever. With TRAIN_SAVE_SLOW set, every
// save goes through a save function that, once the weights are written,
// waits half a second before returning (a slow disk): a kill during the
// wait lands in the middle of a save for certain.
func saveLoop(path string) {
	model := killModel()
	var save train.SaveFunc // nil: nn.SaveSafetensors
	if os.Getenv("TRAIN_SAVE_SLOW") != "" {
		save = func(l nn.Layer, tmp string) error {
			if err := nn.SaveSafetensors(l, tmp); err != nil {
				return err
			}
			time.Sleep(500 * time.Millisecond)
			return nil
		}
	}
	for i := 0; ; i++ {
		w := model.Params()[0].Param.Value().Float32s()
		w[0] = float32(i)
		if err := train.SaveAtomic(model, path, save); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}

// A process that saves checkpoints (safetensors) in a loop is killed with
// SIGKILL at arbitrary moments; the file at the path always loads. The
// first two processes save slowly, so that their kills land mid-save: each
// leaves one temporary file, which the next process's first save removes,
// so at most one temporary file is ever beside the checkpoint.
func TestCheckpointKilled(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ckpt.safetensors")
	loaded := killModel()
	midSave := false // some kill hit a save half-way (its temporary file stays)
	temps := 0
	rounds := []struct {
		wait time.Duration
		slow bool
	}{{150 * time.Millisecond, true}, {330 * time.Millisecond, true}, {150 * time.Millisecond, false}, {520 * time.Millisecond, false}}
	for round, r := range rounds {
		wait := r.wait
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "TRAIN_SAVE_LOOP="+path)
		if r.slow {
			cmd.Env = append(cmd.Env, "TRAIN_SAVE_SLOW=1")
		}
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
		if len(entries) > 1 { // a temporary file: the kill hit a save
			midSave = true
		}
		temps = len(entries) - 1
		// One temporary file per save, plus one of the atomic writer nested
		// in it (the slow rounds' save function is nn.SaveSafetensors,
		// itself atomic: "." + the save's temporary name + ".tmp-..."), and
		// each save removes those that killed processes left: at most the
		// ones of the save just killed.
		outer, nested := 0, 0
		for _, e := range entries {
			switch {
			case strings.HasPrefix(e.Name(), ".ckpt.safetensors.tmp-"):
				outer++
			case strings.HasPrefix(e.Name(), "..ckpt.safetensors.tmp-"):
				nested++
			}
		}
		if outer > 1 || nested > 1 || outer+nested != temps {
			t.Errorf("round %d: temporary files beside the checkpoint %v, want at most the killed save's own and its nested writer's", round+1, names(entries))
		}
		t.Logf("round %d: killed after %v, in save %.0f; %s loads (%d bytes); %d file(s) in the directory", round+1, wait, saves+2, filepath.Base(path), size, len(entries))
	}
	if !midSave {
		t.Error("no kill landed in the middle of a save (the test proved less than it could)")
	}
	// The next save from a live process cleans up after the killed ones.
	if err := train.SaveAtomic(loaded, path, nil); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("after a clean save %d files remain, want only the checkpoint: %v", len(entries), names(entries))
	}
}

func names(entries []os.DirEntry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}
