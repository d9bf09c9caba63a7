package train

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/convnet-go/convnet/internal/atomicfile"
	"github.com/convnet-go/convnet/train/plot"
	"github.com/pkg/errors"
)

// Logs maps logged quantities to values: "loss" and the metric names for
// the training set, the same with a "val_" prefix for the validation set,
// and "lr" for the learning rate.
type Logs map[string]float64

// String prints the logs in History's key order, Keras style:
// "loss: 0.1234 - accuracy: 0.9612".
func (l Logs) String() string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sortKeys(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %s", k, formatValue(k, l[k]))
	}
	return strings.Join(parts, " - ")
}

func formatValue(key string, v float64) string {
	if key == "lr" {
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
	return strconv.FormatFloat(v, 'f', 4, 64)
}

// keyRank orders keys: training quantities (loss first), then validation
// quantities (val_loss first), then the learning rate, then the rest.
func keyRank(k string) (int, string) {
	switch {
	case k == "loss":
		return 0, ""
	case k == "val_loss":
		return 2, ""
	case k == "lr":
		return 4, ""
	case strings.HasPrefix(k, "val_"):
		return 3, k
	}
	return 1, k
}

func sortKeys(keys []string) {
	sort.Slice(keys, func(i, j int) bool {
		ri, si := keyRank(keys[i])
		rj, sj := keyRank(keys[j])
		if ri != rj {
			return ri < rj
		}
		return si < sj
	})
}

// History records the logs of every epoch of a Fit.
type History struct {
	epochs []int
	keys   []string
	values map[string][]float64
}

// NewHistory returns an empty History.
func NewHistory() *History { return &History{values: map[string][]float64{}} }

// Append records the logs of an epoch. Keys missing from logs get NaN for
// that epoch; new keys get NaN for the earlier epochs.
func (h *History) Append(epoch int, logs Logs) {
	if h.values == nil {
		h.values = map[string][]float64{}
	}
	n := len(h.epochs)
	added := false
	for k := range logs {
		if _, ok := h.values[k]; !ok {
			col := make([]float64, n)
			for i := range col {
				col[i] = math.NaN()
			}
			h.values[k] = col
			h.keys = append(h.keys, k)
			added = true
		}
	}
	if added {
		sortKeys(h.keys)
	}
	h.epochs = append(h.epochs, epoch)
	for _, k := range h.keys {
		v, ok := logs[k]
		if !ok {
			v = math.NaN()
		}
		h.values[k] = append(h.values[k], v)
	}
}

// Len is the number of epochs recorded.
func (h *History) Len() int { return len(h.epochs) }

// Epochs returns the epoch numbers recorded.
func (h *History) Epochs() []int { return append([]int(nil), h.epochs...) }

// Keys returns the logged quantities in column order.
func (h *History) Keys() []string { return append([]string(nil), h.keys...) }

// Series returns the values of key per epoch (nil when key was never
// logged; NaN for epochs that did not log it).
func (h *History) Series(key string) []float64 {
	v, ok := h.values[key]
	if !ok {
		return nil
	}
	return append([]float64(nil), v...)
}

// Last returns the logs of the last epoch (nil when empty).
func (h *History) Last() Logs {
	if len(h.epochs) == 0 {
		return nil
	}
	out := Logs{}
	for _, k := range h.keys {
		if v := h.values[k][len(h.epochs)-1]; !math.IsNaN(v) {
			out[k] = v
		}
	}
	return out
}

// WriteCSV writes the history as CSV: a header "epoch,loss,...", then one
// row per epoch with values in full precision; missing values are empty.
func (h *History) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(append([]string{"epoch"}, h.keys...)); err != nil {
		return err
	}
	row := make([]string, len(h.keys)+1)
	for i, e := range h.epochs {
		row[0] = strconv.Itoa(e)
		for j, k := range h.keys {
			v := h.values[k][i]
			if math.IsNaN(v) {
				row[j+1] = ""
			} else {
				row[j+1] = strconv.FormatFloat(v, 'g', -1, 64)
			}
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// SaveCSV writes the history as CSV (see WriteCSV) to path, atomically: a
// crash leaves either the old file or the new one.
func (h *History) SaveCSV(path string) error {
	return errors.Wrap(atomicfile.Write(path, h.WriteCSV), "train: History.SaveCSV")
}

// ReadHistoryCSV reads a history written by WriteCSV.
func ReadHistoryCSV(r io.Reader) (*History, error) {
	rows, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, errors.Wrap(err, "train: ReadHistoryCSV")
	}
	if len(rows) == 0 || len(rows[0]) == 0 || rows[0][0] != "epoch" {
		return nil, errors.New("train: ReadHistoryCSV: header must start with \"epoch\"")
	}
	seen := map[string]bool{}
	for j, k := range rows[0] {
		switch {
		case k == "":
			return nil, errors.Errorf("train: ReadHistoryCSV: column %d has an empty name", j+1)
		case seen[k]:
			return nil, errors.Errorf("train: ReadHistoryCSV: column %q appears twice in the header", k)
		}
		seen[k] = true
	}
	h := NewHistory()
	for i, row := range rows[1:] {
		e, err := strconv.Atoi(row[0])
		if err != nil {
			return nil, errors.Errorf("train: ReadHistoryCSV: row %d: bad epoch %q", i+2, row[0])
		}
		logs := Logs{}
		for j, k := range rows[0][1:] {
			if row[j+1] == "" {
				continue
			}
			v, err := strconv.ParseFloat(row[j+1], 64)
			if err != nil {
				return nil, errors.Errorf("train: ReadHistoryCSV: row %d, column %q: bad value %q", i+2, k, row[j+1])
			}
			logs[k] = v
		}
		h.Append(e, logs)
	}
	return h, nil
}

// Panels returns the history as charts: one per quantity (loss first, then
// each metric) with its training and validation curves, and one for the
// learning rate when it changed.
func (h *History) Panels() []plot.Panel {
	x := make([]float64, len(h.epochs))
	for i, e := range h.epochs {
		x[i] = float64(e)
	}
	var panels []plot.Panel
	seen := map[string]bool{}
	for _, k := range h.keys {
		base := strings.TrimPrefix(k, "val_")
		if k == "lr" || seen[base] {
			continue
		}
		seen[base] = true
		p := plot.Panel{Title: base, XLabel: "epoch", YLabel: base}
		if v, ok := h.values[base]; ok {
			p.Series = append(p.Series, plot.Series{Name: "train", X: x, Y: v})
		}
		if v, ok := h.values["val_"+base]; ok {
			p.Series = append(p.Series, plot.Series{Name: "validation", X: x, Y: v})
		}
		panels = append(panels, p)
	}
	if lr, ok := h.values["lr"]; ok {
		changed := false
		for _, v := range lr {
			if v != lr[0] {
				changed = true
			}
		}
		if changed {
			panels = append(panels, plot.Panel{Title: "learning rate", XLabel: "epoch", YLabel: "lr",
				Series: []plot.Series{{Name: "lr", X: x, Y: lr}}})
		}
	}
	return panels
}

// SavePlot draws the history's charts (see Panels) into one PNG at path,
// atomically.
func (h *History) SavePlot(path string, opts ...plot.Option) error {
	if len(h.epochs) == 0 {
		return errors.New("train: History.SavePlot: empty history")
	}
	return errors.Wrap(plot.Panels(path, h.Panels(), opts...), "train: History.SavePlot")
}
