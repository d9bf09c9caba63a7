package zoo

import "testing"

// TestVGGConfigsFresh: the VGG tables (A, B, D, E) have the paper's number
// of convolutions and five poolings, and a caller that changes a returned
// table does not change the next one.
func TestVGGConfigsFresh(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cfg   func() []int
		convs int
	}{
		{"A", vggA, 8}, {"B", vggB, 10}, {"D", vggD, 13}, {"E", vggE, 16},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg()
			convs, pools := 0, 0
			for _, w := range cfg {
				if w == VGGPool {
					pools++
				} else {
					convs++
				}
			}
			if convs != tc.convs || pools != 5 {
				t.Errorf("%d convolutions and %d poolings, want %d and 5", convs, pools, tc.convs)
			}
			first := cfg[0]
			for i := range cfg {
				cfg[i] = 1
			}
			if again := tc.cfg(); again[0] != first || again[len(again)-1] != VGGPool {
				t.Errorf("changing a returned table changed the next one: %v", again)
			}
		})
	}
}
