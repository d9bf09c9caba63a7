package nn

import (
	"math/rand/v2"
	"sync"
)

// Seeds is a stream of layer seeds. Passed as an option to a layer
// constructor, it gives that layer the next seed of the stream. It is safe
// for concurrent use, but concurrent constructors take seeds in an
// unspecified order.
type Seeds struct {
	mu   sync.Mutex
	seed uint64
	n    uint64
}

// NewSeeds returns a stream of layer seeds that starts from seed.
func NewSeeds(seed int64) *Seeds { return &Seeds{seed: uint64(seed)} }

// Next returns the next seed of the stream (what the next layer built with
// s as an option receives).
func (s *Seeds) Next() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	return int64(splitmix64(s.seed + s.n*0x9e3779b97f4a7c15))
}

func (s *Seeds) apply(c *config) { c.seed, c.seedSet = s.Next(), true }

// Seeds is an option of every layer.
func (*Seeds) convOption()          {}
func (*Seeds) depthwiseConvOption() {}
func (*Seeds) convTransposeOption() {}
func (*Seeds) poolOption()          {}
func (*Seeds) denseOption()         {}
func (*Seeds) batchNormOption()     {}
func (*Seeds) softmaxOption()       {}

// splitmix64 is the finaliser of the SplitMix64 generator: consecutive
// inputs give unrelated outputs.
func splitmix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// freshSeed is the seed of a layer made without one: drawn from the
// runtime's randomly seeded generator, so it differs between layers and
// between runs.
func freshSeed() int64 { return rand.Int64() }
