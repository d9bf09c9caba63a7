package train_test

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/train"
)

func sampleHistory() *train.History {
	h := train.NewHistory()
	h.Append(1, train.Logs{"loss": 0.9, "accuracy": 0.6, "val_loss": 1.0, "val_accuracy": 0.55, "lr": 0.01})
	h.Append(2, train.Logs{"loss": 0.5, "accuracy": 0.8, "val_loss": 0.7, "val_accuracy": 0.7, "lr": 0.01})
	h.Append(3, train.Logs{"loss": 0.25, "accuracy": 0.9, "val_loss": 0.6, "val_accuracy": 0.75, "lr": 0.001, "extra": 1})
	return h
}

func TestHistoryCSVRoundTrip(t *testing.T) {
	h := sampleHistory()
	var buf bytes.Buffer
	if err := h.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	want := "epoch,loss,accuracy,extra,val_loss,val_accuracy,lr\n" +
		"1,0.9,0.6,,1,0.55,0.01\n" +
		"2,0.5,0.8,,0.7,0.7,0.01\n" +
		"3,0.25,0.9,1,0.6,0.75,0.001\n"
	if buf.String() != want {
		t.Fatalf("CSV:\n%s\nwant\n%s", buf.String(), want)
	}
	back, err := train.ReadHistoryCSV(strings.NewReader(want))
	if err != nil {
		t.Fatal(err)
	}
	if back.Len() != 3 || back.Series("val_loss")[2] != 0.6 || !math.IsNaN(back.Series("extra")[0]) {
		t.Fatalf("read back: %v %v", back.Keys(), back.Series("extra"))
	}
	if _, err := train.ReadHistoryCSV(strings.NewReader("x,loss\n1,2\n")); err == nil {
		t.Fatal("bad header accepted")
	}
	path := filepath.Join(t.TempDir(), "h.csv")
	if err := h.SaveCSV(path); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != want {
		t.Fatalf("SaveCSV wrote:\n%s", b)
	}
}

func TestHistoryPlot(t *testing.T) {
	h := sampleHistory()
	panels := h.Panels()
	var titles []string
	for _, p := range panels {
		titles = append(titles, p.Title)
	}
	if got := strings.Join(titles, ","); got != "loss,accuracy,extra,learning rate" {
		t.Fatalf("panels %s", got)
	}
	if len(panels[0].Series) != 2 || panels[0].Series[1].Name != "validation" {
		t.Fatalf("loss panel series %+v", panels[0].Series)
	}
	path := filepath.Join(t.TempDir(), "h.png")
	if err := h.SavePlot(path); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() < 400 || b.Dy() < 300 {
		t.Fatalf("plot is %v", b)
	}
	if err := train.NewHistory().SavePlot(path); err == nil {
		t.Fatal("empty history plotted")
	}
}

func TestLogsString(t *testing.T) {
	l := train.Logs{"val_loss": 0.25, "loss": 0.5, "accuracy": 0.75, "lr": 0.001}
	if got, want := l.String(), "loss: 0.5000 - accuracy: 0.7500 - val_loss: 0.2500 - lr: 0.001"; got != want {
		t.Fatalf("%q, want %q", got, want)
	}
}
