package nn

import (
	"fmt"
	"strconv"

	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
)

// Sequential applies its layers one after the other. Children are named by
// their index ("0", "1", ...) unless added with a name, so a Sequential
// stored as "features" gives Params such as "features.0.weight", as
// torch.nn.Sequential does.
type Sequential struct {
	EvalCache
	children []Child
}

// NewSequential returns a Sequential of layers named "0", "1", .... The
// layers keep their weights: a container never re-initialises its children,
// so wrapping a loaded or pretrained block keeps what it learned (call
// Initialize to redraw every weight from a seed).
func NewSequential(layers ...Layer) (*Sequential, error) {
	s := &Sequential{}
	for i, l := range layers {
		if l == nil {
			return nil, argError("NewSequential", "layer %d is nil", i)
		}
		s.children = append(s.children, Child{Name: strconv.Itoa(i), Layer: l})
	}
	return s, nil
}

// NewSequentialNamed returns a Sequential of named layers, which keep their
// weights (see NewSequential). Names must be unique and must not contain
// dots.
func NewSequentialNamed(children ...Child) (*Sequential, error) {
	s := &Sequential{}
	seen := map[string]bool{}
	for i, c := range children {
		switch {
		case c.Layer == nil:
			return nil, argError("NewSequentialNamed", "layer %d (%q) is nil", i, c.Name)
		case c.Name == "" || containsDot(c.Name):
			return nil, argError("NewSequentialNamed", "layer %d: name must be non-empty and without dots, got %q", i, c.Name)
		case seen[c.Name]:
			return nil, argError("NewSequentialNamed", "name %q is used twice", c.Name)
		}
		seen[c.Name] = true
		s.children = append(s.children, c)
	}
	return s, nil
}

func containsDot(s string) bool {
	for _, r := range s {
		if r == '.' {
			return true
		}
	}
	return false
}

// Forward applies the layers in order (see CallChain: in inference graphs
// a convolution and the BatchNorm after it run as one folded convolution).
func (s *Sequential) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	return CallChain(b, s.children, x)
}

// Params lists the children's Params under their names.
func (s *Sequential) Params() []graph.NamedParam { return ChildParams(s.children...) }

// Children returns the layers with their names.
func (s *Sequential) Children() []Child { return append([]Child(nil), s.children...) }

// Len is the number of layers.
func (s *Sequential) Len() int { return len(s.children) }

// Layer returns the i-th layer.
func (s *Sequential) Layer(i int) Layer { return s.children[i].Layer }

// Slice returns a Sequential of layers [from, to) that shares their Params
// (and keeps their names), for taking the convolutional base of a model in
// transfer learning.
func (s *Sequential) Slice(from, to int) (*Sequential, error) {
	if from < 0 || to > len(s.children) || from > to {
		return nil, argError("Sequential.Slice", "range [%d, %d) is outside [0, %d)", from, to, len(s.children))
	}
	return &Sequential{children: append([]Child(nil), s.children[from:to]...)}, nil
}

// String lists the layers.
func (s *Sequential) String() string { return fmt.Sprintf("Sequential(%d layers)", len(s.children)) }
