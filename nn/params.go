package nn

import (
	"hash/fnv"
	"strings"

	"github.com/convnet-go/convnet/graph"
	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// NamedParams lists l's weights and buffers with their state_dict names, in
// the layer's order. A Param shared by two layers is listed once, under its
// first name.
func NamedParams(l Layer) []graph.NamedParam {
	seen := map[*graph.Param]bool{}
	var out []graph.NamedParam
	for _, np := range l.Params() {
		if np.Param == nil || seen[np.Param] {
			continue
		}
		seen[np.Param] = true
		out = append(out, np)
	}
	return out
}

// NumParams counts l's learnable scalars: every weight, frozen or not, and
// no buffer. It equals sum(p.numel() for p in model.parameters()) in PyTorch.
func NumParams(l Layer) int {
	n := 0
	for _, np := range NamedParams(l) {
		if np.Param.Kind() == graph.Weight {
			n += np.Param.Size()
		}
	}
	return n
}

// NumTrainable counts the learnable scalars that are not frozen.
func NumTrainable(l Layer) int {
	n := 0
	for _, np := range NamedParams(l) {
		if np.Param.Trainable() {
			n += np.Param.Size()
		}
	}
	return n
}

// Freeze excludes from training every Param whose name starts with one of
// prefixes (all Params when none is given), and returns how many Params it
// froze. A prefix matches whole name parts: "layer1" freezes
// "layer1.0.conv1.weight" but not "layer10.weight". Frozen BatchNorm layers
// use their running statistics in training graphs too.
func Freeze(l Layer, prefixes ...string) int { return setFrozen(l, true, prefixes) }

// Unfreeze is the inverse of Freeze.
func Unfreeze(l Layer, prefixes ...string) int { return setFrozen(l, false, prefixes) }

func setFrozen(l Layer, frozen bool, prefixes []string) int {
	n := 0
	for _, np := range NamedParams(l) {
		if matchesPrefix(np.Name, prefixes) {
			np.Param.SetFrozen(frozen)
			n++
		}
	}
	return n
}

func matchesPrefix(name string, prefixes []string) bool {
	if len(prefixes) == 0 {
		return true
	}
	for _, p := range prefixes {
		if p == "" || name == p || strings.HasPrefix(name, p+".") {
			return true
		}
	}
	return false
}

// Initialize redraws every Param of l from its initialiser. Each Param's
// generator is seeded by seed and the Param's full name, so the result does
// not depend on the order of construction and two layers of the same shape
// start from different values. Containers never call it: a model
// constructor (the zoo's) or the user does, once the model is assembled.
func Initialize(l Layer, seed int64) error {
	for _, np := range NamedParams(l) {
		if err := np.Param.Reinit(ParamSeed(seed, np.Name)); err != nil {
			return errors.Wrapf(err, "nn: Initialize %q", np.Name)
		}
	}
	return nil
}

// ParamSeed is the seed Initialize uses for the Param called name.
func ParamSeed(seed int64, name string) int64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return seed ^ int64(h.Sum64()&(1<<62-1))
}

// SetDtype converts every Param of l to dt (float32 or float64). Graphs
// built before are not updated; Predict rebuilds its cached graphs.
func SetDtype(l Layer, dt tensor.Dtype) error {
	for _, np := range NamedParams(l) {
		if err := np.Param.ConvertTo(dt); err != nil {
			return errors.Wrapf(err, "nn: SetDtype %q", np.Name)
		}
	}
	return nil
}

// Dtype returns the dtype of l's Params (float32 when l has none), or an
// error when they differ.
func Dtype(l Layer) (tensor.Dtype, error) {
	dt := tensor.Dtype{}
	for _, np := range NamedParams(l) {
		if dt == (tensor.Dtype{}) {
			dt = np.Param.Dtype()
		} else if np.Param.Dtype() != dt {
			return dt, graph.ArgErrorf("nn: Params have different dtypes: %v and %v (%q)", dt, np.Param.Dtype(), np.Name)
		}
	}
	if dt == (tensor.Dtype{}) {
		dt = tensor.Float32
	}
	return dt, nil
}
