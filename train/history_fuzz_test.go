package train_test

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/train"
)

// FuzzReadHistoryCSV feeds arbitrary text to ReadHistoryCSV: it returns an
// error or a history that writes back as CSV and reads back the same
// (epochs, keys and values, NaN for missing ones), and never panics.
func FuzzReadHistoryCSV(f *testing.F) {
	for _, seed := range []string{
		"epoch,loss,accuracy,extra,val_loss,val_accuracy,lr\n1,0.9,0.6,,1,0.55,0.01\n2,0.5,0.8,,0.7,0.7,0.01\n3,0.25,0.9,1,0.6,0.75,0.001\n",
		"epoch,loss\n1,NaN\n2,+Inf\n3,-1e308\n",
		"epoch\n1\n2\n",
		"epoch,loss,loss\n1,2,3\n",
		"epoch,\"a,b\",\"q\"\"\"\n1,2,3\n",
		"epoch,loss\n1\n",
		"x,loss\n1,2\n",
		"",
		"epoch,loss\n-5,0x1p-3\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		h, err := train.ReadHistoryCSV(strings.NewReader(text))
		if err != nil {
			if h != nil {
				t.Fatal("history and error both returned")
			}
			if !strings.HasPrefix(err.Error(), "train: ReadHistoryCSV") {
				t.Fatalf("error without context: %v", err)
			}
			return
		}
		var buf bytes.Buffer
		if err := h.WriteCSV(&buf); err != nil {
			t.Fatalf("writing back: %v", err)
		}
		back, err := train.ReadHistoryCSV(&buf)
		if err != nil {
			t.Fatalf("reading back %q: %v", buf.String(), err)
		}
		if back.Len() != h.Len() {
			t.Fatalf("%d epochs read back, want %d", back.Len(), h.Len())
		}
		for i, e := range h.Epochs() {
			if back.Epochs()[i] != e {
				t.Fatalf("epoch %d read back as %d", e, back.Epochs()[i])
			}
		}
		for _, k := range back.Keys() {
			got, want := back.Series(k), h.Series(k)
			for i := range want {
				if !(got[i] == want[i] || math.IsNaN(got[i]) && math.IsNaN(want[i])) {
					t.Fatalf("%s[%d] read back as %v, want %v", k, i, got[i], want[i])
				}
			}
		}
		for _, k := range h.Keys() { // keys with only missing values vanish
			s := h.Series(k)
			some := false
			for _, v := range s {
				some = some || !math.IsNaN(v)
			}
			if some && back.Series(k) == nil {
				t.Fatalf("key %q lost", k)
			}
		}
	})
}

// A header that names a column twice, or a column without a name, is an
// error (a map of logs would silently keep one of the duplicates).
func TestReadHistoryCSVHeader(t *testing.T) {
	for text, want := range map[string]string{
		"epoch,loss,loss\n1,2,3\n": `column "loss" appears twice`,
		"epoch,epoch\n1,2\n":       `column "epoch" appears twice`,
		"epoch,,lr\n1,2,3\n":       "column 2 has an empty name",
	} {
		if _, err := train.ReadHistoryCSV(strings.NewReader(text)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %s", text, err, want)
		}
	}
}
