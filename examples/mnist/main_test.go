package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/examples/internal/extest"
	"github.com/convnet-go/convnet/nn"
)

// The program runs end to end on a few hundred images: its last stdout line
// is the JSON result, and the weights, history and plot are written (the
// weights load back into the model).
func TestMNISTSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("loads MNIST and trains; skipped with -short")
	}
	out := t.TempDir()
	cmd := exec.Command("go", "run", ".", "-epochs", "2", "-limit", "640", "-test-limit", "500", "-out", out, "-quiet")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	var res result
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("last line %q: %v", lines[len(lines)-1], err)
	}
	if res.Epochs != 2 || res.TrainExamples != 640 || res.TestExamples != 500 || res.TestAccuracy < 0.5 || res.Seconds <= 0 {
		t.Fatalf("result %+v\n%s", res, stderr.String())
	}
	extest.Files(t, out, "model.safetensors", "history.csv", "history.png")
	m, err := model(99)
	if err != nil {
		t.Fatal(err)
	}
	if err := nn.LoadSafetensors(m, filepath.Join(out, "model.safetensors")); err != nil {
		t.Fatal(err)
	}
	csv, _ := os.ReadFile(filepath.Join(out, "history.csv"))
	if !strings.HasPrefix(string(csv), "epoch,loss,accuracy,lr\n") || strings.Count(string(csv), "\n") != 3 {
		t.Fatalf("history.csv:\n%s", csv)
	}
}
