package data

import (
	"math/rand/v2"
	"slices"
)

// Salts that keep the random streams of different wrappers apart when they
// are given the same seed.
const (
	saltShuffle uint64 = 0x5348554646 + iota
	saltAugment
	saltGaussian
	saltSaltPepper
	saltSegment
)

// mix64 is the SplitMix64 finaliser: a bijective scrambler of 64-bit words.
func mix64(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// DeriveSeed mixes seed with parts (an epoch, an index, ...) into a new seed.
// Different parts give unrelated seeds; the same parts always give the same
// seed. Use it for example to get a new shuffle each epoch:
// Permutation(n, DeriveSeed(seed, epoch)).
func DeriveSeed(seed int64, parts ...int) int64 {
	h := mix64(uint64(seed))
	for _, p := range parts {
		h = mix64(h ^ uint64(p))
	}
	return int64(h)
}

// exampleSource returns the random source of one example: a PCG stream
// keyed by (salt, seed, epoch, index), independent of the order of access.
// It is a value so that callers can keep it (and the rand.Rand over it) on
// the stack: rng := rand.New(&src).
func exampleSource(salt uint64, seed int64, epoch, index int) rand.PCG {
	h := mix64(salt ^ mix64(uint64(seed)))
	h = mix64(h ^ uint64(epoch))
	h = mix64(h ^ uint64(index))
	return *rand.NewPCG(h, mix64(h^salt))
}

// Permutation returns a random permutation of 0..n-1 drawn from seed. The
// same (n, seed) always gives the same order. It returns nil for n <= 0.
func Permutation(n int, seed int64) []int {
	if n <= 0 {
		return nil
	}
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	src := exampleSource(saltShuffle, seed, 0, n)
	rng := rand.New(&src)
	rng.Shuffle(n, func(i, j int) { p[i], p[j] = p[j], p[i] })
	return p
}

// sortedCopy returns the elements of s in ascending order.
func sortedCopy(s []int) []int {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}
