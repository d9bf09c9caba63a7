package plot

import (
	"strings"
	"testing"
)

// Log-axis labels are the powers of ten written cleanly, never
// "9.999999999999999e-05".
func TestLogTickLabels(t *testing.T) {
	var labels []string
	for _, tk := range (logTicks{}).Ticks(3e-9, 2) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	got := strings.Join(labels, " ")
	for _, want := range []string{"1e-08", "1e-05", "0.0001", "0.001", "0.1", "1"} {
		if !strings.Contains(" "+got+" ", " "+want+" ") {
			t.Errorf("labels %q lack %q", got, want)
		}
	}
	if strings.Contains(got, "9999") {
		t.Errorf("labels %q", got)
	}
}
