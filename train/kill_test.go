package train_test

import (
	"bufio"
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

// saveChecked writes the model as text followed by an "END n" line, so a
// reader can tell a complete file from a truncated one.
func saveChecked(l nn.Layer, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 4096)
	n := 0
	for _, np := range nn.NamedParams(l) {
		vals := np.Param.Value().Float32s()
		for i := 0; i < len(vals); i += 64 {
			fmt.Fprintf(w, "%s %v\n", np.Name, vals[i:min(i+64, len(vals))])
			n++
		}
	}
	fmt.Fprintf(w, "END %d\n", n)
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func checkComplete(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	var n int
	if _, err := fmt.Sscanf(lines[len(lines)-1], "END %d", &n); err != nil || n != len(lines)-1 {
		return 0, fmt.Errorf("truncated file: %d lines, last %q", len(lines), lines[len(lines)-1])
	}
	return len(b), nil
}

func saveLoop(path string) {
	model := mlp(64, 1024, 64, 1, tensor.Float32, nn.NewReLU())
	for i := 0; ; i++ {
		w := model.Params()[0].Param.Value().Float32s()
		w[i%len(w)] += 1
		if err := train.SaveAtomic(model, path, saveChecked); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}

// A process that saves checkpoints in a loop is killed with SIGKILL at
// arbitrary moments; the file at the path is always complete.
func TestCheckpointKilled(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ckpt.txt")
	midSave := false // some kill hit a save half-way (its temporary file stays)
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
		size, err := checkComplete(path)
		if err != nil {
			t.Fatalf("round %d: %v", round+1, err)
		}
		entries, _ := os.ReadDir(dir)
		midSave = midSave || len(entries) > round+1
		t.Logf("round %d: killed after %v; %s is complete (%d bytes); %d file(s) in the directory", round+1, wait, filepath.Base(path), size, len(entries))
	}
	if !midSave {
		t.Log("no kill landed in the middle of a save (the test proved less than it could)")
	}
}
