package nn

import "testing"

func TestFusionOf(t *testing.T) {
	cases := []struct {
		name string
		act  Layer
		want fusedAct
	}{
		{"none", nil, fuseNone},
		{"ReLU", NewReLU(), fuseReLU},
		{"Sigmoid", NewSigmoid(), fuseNone},
		{"LeakyReLU", NewLeakyReLU(0.1), fuseNone},
	}
	for _, c := range cases {
		if got := fusionOf(c.act); got != c.want {
			t.Errorf("fusionOf(%s) = %v, want %v", c.name, got, c.want)
		}
	}
}
