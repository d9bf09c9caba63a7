package ops

import "testing"

// TestConvEngineLoopAllocs checks that the per-call bookkeeping of the
// convolution engine allocates nothing once warm: the shifted path's tap
// offsets (kept in the scratch) and the split of run's loop over the
// workers (a reused value, not a closure).
func TestConvEngineLoopAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("-race: sync.Pool drops items at random")
	}
	g := convGeom{n: 4, c: 16, k: 8, in: [3]int{1, 16, 16}, out: [3]int{1, 16, 16},
		ker: [3]int{1, 3, 3}, stride: [3]int{1, 1, 1}, pad: [3]int{0, 1, 1}, dil: [3]int{1, 1, 1}}
	var e convEngine
	calls := 0
	fn := func(wk, lo, hi int) { calls += hi - lo }
	cases := []struct {
		name string
		run  func()
	}{
		{"shiftGeometry", func() {
			if _, ok := g.shiftGeometry(e.scratchSet()); !ok {
				t.Fatal("shiftGeometry: the shifted path does not apply to the test geometry")
			}
		}},
		{"run", func() { e.run(g.n, 1, groupFunc(fn)) }},
	}
	for _, c := range cases {
		c.run()
		if a := testing.AllocsPerRun(20, c.run); a != 0 {
			t.Errorf("%s: %v allocations per call, want 0", c.name, a)
		}
	}
	if calls == 0 {
		t.Error("run never called its body")
	}
}
