// Package optset records which functional options a constructor was given,
// so that the constructor can reject the ones it does not take. The nn and
// zoo packages keep a Given in their option configs: each option marks its
// name, and the constructor asks for the Unknown ones.
package optset

import (
	"slices"
	"sort"
)

// Given is the set of option names passed to one constructor call. The
// zero value is an empty set.
type Given map[string]bool

// Mark records that the option name was given.
func (g *Given) Mark(name string) {
	if *g == nil {
		*g = Given{}
	}
	(*g)[name] = true
}

// Unknown returns, sorted, the given options that are in none of the
// allowed lists (nil when there are none).
func (g Given) Unknown(allowed ...[]string) []string {
	ok := slices.Concat(allowed...)
	var bad []string
	for name := range g {
		if !slices.Contains(ok, name) {
			bad = append(bad, name)
		}
	}
	sort.Strings(bad)
	return bad
}
