// Package golden reads the PyTorch reference files kept in the packages'
// testdata folders and compares tensors against them. It is for tests.
package golden

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// Tensor is a flat row-major tensor as stored in the reference files.
type Tensor struct {
	Shape []int     `json:"shape"`
	Data  []float64 `json:"data"`
}

// Dense converts t to a tensor of dtype dt (float32 or float64). A tensor
// with an empty shape becomes a scalar.
func (t Tensor) Dense(dt tensor.Dtype) *tensor.Dense {
	shape := t.Shape
	if len(shape) == 0 {
		shape = []int{}
	}
	switch dt {
	case tensor.Float32:
		d := make([]float32, len(t.Data))
		for i, v := range t.Data {
			d[i] = float32(v)
		}
		if len(shape) == 0 {
			return tensor.New(tensor.FromScalar(d[0]))
		}
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(d))
	default:
		d := append([]float64(nil), t.Data...)
		if len(shape) == 0 {
			return tensor.New(tensor.FromScalar(d[0]))
		}
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(d))
	}
}

// Case is one reference computation.
type Case struct {
	Name     string                     `json:"name"`
	Attrs    map[string]json.RawMessage `json:"attrs"`
	Inputs   map[string]Tensor          `json:"inputs"`
	Upstream Tensor                     `json:"upstream"`
	Output   Tensor                     `json:"output"`
	Grads    map[string]Tensor          `json:"grads"`
	// Extra holds the other fields (target, labels_onehot, indices,
	// running_mean_after, ...), decoded as tensors where they are tensors.
	Extra map[string]Tensor `json:"-"`
	// Raw keeps every field undecoded.
	Raw map[string]json.RawMessage `json:"-"`
}

// File is one reference file.
type File struct {
	Op        string `json:"op"`
	Dtype     string `json:"dtype"`
	Generator string `json:"generator"`
	Cases     []Case `json:"cases"`
}

// Load reads a reference file.
func Load(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, errors.Wrap(err, "golden")
	}
	var f File
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, errors.Wrapf(err, "golden: %s", path)
	}
	var raw struct {
		Cases []map[string]json.RawMessage `json:"cases"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, errors.Wrapf(err, "golden: %s", path)
	}
	for i := range f.Cases {
		f.Cases[i].Raw = raw.Cases[i]
		f.Cases[i].Extra = map[string]Tensor{}
		for k, v := range raw.Cases[i] {
			var t Tensor
			if json.Unmarshal(v, &t) == nil && t.Data != nil {
				f.Cases[i].Extra[k] = t
			}
		}
	}
	return &f, nil
}

// Ints decodes attribute name as a list of ints, or a single int repeated n times.
func (c Case) Ints(name string, n int) ([]int, error) {
	raw, ok := c.Attrs[name]
	if !ok {
		return nil, fmt.Errorf("golden: case %s has no attribute %q", c.Name, name)
	}
	var list []int
	if json.Unmarshal(raw, &list) == nil {
		return list, nil
	}
	var one int
	if err := json.Unmarshal(raw, &one); err != nil {
		return nil, fmt.Errorf("golden: case %s: attribute %q: %v", c.Name, name, err)
	}
	list = make([]int, n)
	for i := range list {
		list[i] = one
	}
	return list, nil
}

// Float decodes a numeric attribute.
func (c Case) Float(name string) (float64, error) {
	raw, ok := c.Attrs[name]
	if !ok {
		return 0, fmt.Errorf("golden: case %s has no attribute %q", c.Name, name)
	}
	var v float64
	err := json.Unmarshal(raw, &v)
	return v, err
}

// Bool decodes a boolean attribute.
func (c Case) Bool(name string) (bool, error) {
	raw, ok := c.Attrs[name]
	if !ok {
		return false, fmt.Errorf("golden: case %s has no attribute %q", c.Name, name)
	}
	var v bool
	err := json.Unmarshal(raw, &v)
	return v, err
}

// Compare returns the largest error of got against want, relative to the
// largest magnitude in want (at least 1e-12), and an error when the shapes
// differ or that error exceeds tol.
func Compare(got []float64, gotShape []int, want Tensor, tol float64) (float64, error) {
	if len(got) != len(want.Data) {
		return math.Inf(1), fmt.Errorf("size: got %d elements %v, want %d %v", len(got), gotShape, len(want.Data), want.Shape)
	}
	if len(want.Shape) > 0 && !slices.Equal(gotShape, want.Shape) {
		return math.Inf(1), fmt.Errorf("shape: got %v, want %v", gotShape, want.Shape)
	}
	scale := 1e-12
	for _, v := range want.Data {
		scale = math.Max(scale, math.Abs(v))
	}
	worst, at := 0.0, 0
	for i := range got {
		d := math.Abs(got[i] - want.Data[i])
		if d > worst || math.IsNaN(d) {
			worst, at = d, i
			if math.IsNaN(d) {
				worst = math.Inf(1)
				break
			}
		}
	}
	rel := worst / scale
	if rel > tol {
		return rel, fmt.Errorf("relative error %.3g > %.3g at element %d: got %v, want %v", rel, tol, at, got[at], want.Data[at])
	}
	return rel, nil
}
