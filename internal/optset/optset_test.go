package optset

import (
	"reflect"
	"testing"
)

func TestGiven(t *testing.T) {
	var g Given
	if got := g.Unknown([]string{"WithA"}); got != nil {
		t.Fatalf("empty set: Unknown = %v, want nil", got)
	}
	g.Mark("WithC")
	g.Mark("WithA")
	g.Mark("WithB")
	g.Mark("WithC")
	if !g["WithA"] || g["WithD"] {
		t.Fatalf("membership wrong: %v", g)
	}
	for _, tc := range []struct {
		name    string
		allowed [][]string
		want    []string
	}{
		{"none-allowed", nil, []string{"WithA", "WithB", "WithC"}},
		{"one-list", [][]string{{"WithB"}}, []string{"WithA", "WithC"}},
		{"two-lists", [][]string{{"WithB"}, {"WithA", "WithX"}}, []string{"WithC"}},
		{"all-allowed", [][]string{{"WithA", "WithB", "WithC"}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := g.Unknown(tc.allowed...); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Unknown(%v) = %v, want %v", tc.allowed, got, tc.want)
			}
		})
	}
}
