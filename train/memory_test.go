package train_test

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/train"
	"gorgonia.org/tensor"
)

// rssKB reads the resident set size from /proc (0 where unavailable).
func rssKB() int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return 0
}

func heapKB() int {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int(ms.HeapAlloc / 1024)
}

// 5,000 training steps of a small model: memory stays flat (measured
// after 100 warm-up steps and at the end).
func TestMemoryFlat5000Steps(t *testing.T) {
	if testing.Short() {
		t.Skip("5,000 steps; skipped with -short")
	}
	model := mlp(2, 32, 2, 1, tensor.Float32, nn.NewReLU())
	var rss0, heap0, total int
	cb := train.Funcs{BatchEnd: func(_ *train.Trainer, epoch, step int, _ train.Logs) error {
		total++
		if total == 100 {
			heap0, rss0 = heapKB(), rssKB()
		}
		return nil
	}}
	tr := must(train.New(model, silent(train.Config{Epochs: 50, BatchSize: 8, Loss: ceLoss(),
		Metrics: []train.Metric{train.NewAccuracy()}, Callbacks: []train.Callback{cb}})))
	if _, err := tr.Fit(blobs(800, 1), blobs(80, 2)); err != nil {
		t.Fatal(err)
	}
	heap1, rss1 := heapKB(), rssKB()
	t.Logf("%d steps: RSS %d KB after 100 steps, %d KB at the end; live heap %d KB -> %d KB", total, rss0, rss1, heap0, heap1)
	if total != 5000 {
		t.Fatalf("ran %d steps", total)
	}
	if heap1 > heap0+2048 {
		t.Fatalf("live heap grew from %d KB to %d KB", heap0, heap1)
	}
}
