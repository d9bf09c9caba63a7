package nn

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/graph/safetensors"
	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// SaveSafetensors writes l's weights and buffers to path in the safetensors
// format, under their state_dict names (see NamedParams) and in their own
// dtype (F32 or F64). The file is written to a temporary file in the same
// directory and renamed into place, so an error or a crash while saving
// leaves a previous file at path intact; the next save removes temporary
// files that killed processes left. A path that is a symbolic link is
// followed: the file it points to is replaced and the link kept. The
// file's metadata has "format": "pt", as PyTorch's own files do.
func SaveSafetensors(l Layer, path string) error {
	if l == nil {
		return graph.ArgErrorf("nn: SaveSafetensors: layer is nil")
	}
	var tensors []safetensors.NamedTensor
	for _, np := range NamedParams(l) {
		tensors = append(tensors, safetensors.NamedTensor{Name: np.Name, Tensor: np.Param.Value()})
	}
	if err := safetensors.WriteFile(path, tensors, map[string]string{"format": "pt"}); err != nil {
		return errors.Wrap(err, "nn: SaveSafetensors")
	}
	return nil
}

// LoadSafetensors reads the safetensors file at path into l's weights and
// buffers, matching tensors to Params by state_dict name (see NamedParams).
//
// Loading is strict: every Param must be in the file with the same shape
// and every tensor in the file must belong to a Param, except PyTorch's
// BatchNorm counters (names ending in "num_batches_tracked"), which are
// accepted and ignored. Otherwise the error, a *LoadError, lists every
// missing, unexpected and mis-shaped key, and l is left unchanged.
//
// Values are copied in place into the Params' existing tensors, so graphs
// already built from l see the new weights. They are converted to each
// Param's dtype: files may hold F32, F64, F16 or BF16 (and integer) tensors.
// A finite F64 value outside float32's range, loaded into a float32 Param,
// is an error naming the key (it would become ±Inf); the check runs before
// anything is copied, so l is unchanged.
func LoadSafetensors(l Layer, path string) error {
	if l == nil {
		return graph.ArgErrorf("nn: LoadSafetensors: layer is nil")
	}
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return errors.Wrap(err, "nn: LoadSafetensors")
	}
	return loadTensors(l, f, path)
}

func loadTensors(l Layer, f *safetensors.File, path string) error {
	file := make(map[string]safetensors.NamedTensor, len(f.Tensors))
	for _, nt := range f.Tensors {
		file[nt.Name] = nt
	}
	lerr := &LoadError{Path: path}
	params := NamedParams(l)
	inModel := make(map[string]bool, len(params))
	for _, np := range params {
		inModel[np.Name] = true
		nt, ok := file[np.Name]
		switch {
		case !ok:
			lerr.Missing = append(lerr.Missing, np.Name)
		case !graph.SameShape(nt.Tensor.Shape(), np.Param.Shape()):
			lerr.Mismatched = append(lerr.Mismatched, fmt.Sprintf("%q: file %s, model %s",
				np.Name, graph.FormatShape(nt.Tensor.Shape()), graph.FormatShape(np.Param.Shape())))
		case !numeric(nt.Tensor.Dtype()):
			lerr.Mismatched = append(lerr.Mismatched, fmt.Sprintf("%q: file dtype %s is not a number", np.Name, nt.FileDtype))
		case !loadable(np.Param.Value()):
			lerr.Mismatched = append(lerr.Mismatched, fmt.Sprintf("%q: model Param %v %s cannot be loaded into", np.Name, np.Param.Dtype(), graph.FormatShape(np.Param.Shape())))
		}
	}
	for _, nt := range f.Tensors {
		if !inModel[nt.Name] && !isBatchCounter(nt.Name) {
			lerr.Unexpected = append(lerr.Unexpected, nt.Name)
		}
	}
	if len(lerr.Missing)+len(lerr.Unexpected)+len(lerr.Mismatched) > 0 {
		sort.Strings(lerr.Missing)
		sort.Strings(lerr.Unexpected)
		sort.Strings(lerr.Mismatched)
		return errors.WithStack(lerr)
	}
	// Range checks come before any copy, so that l stays unchanged.
	for _, np := range params {
		if err := fitsFloat32(np.Param.Value(), file[np.Name].Tensor); err != nil {
			return errors.Wrapf(err, "nn: LoadSafetensors %s: %q", path, np.Name)
		}
	}
	for _, np := range params {
		if err := copyInto(np.Param.Value(), file[np.Name].Tensor); err != nil {
			return errors.Wrapf(err, "nn: LoadSafetensors %s: %q", path, np.Name)
		}
	}
	return nil
}

// isBatchCounter reports whether name is a PyTorch BatchNorm's
// num_batches_tracked buffer, which convnet does not keep.
func isBatchCounter(name string) bool {
	return name == "num_batches_tracked" || strings.HasSuffix(name, ".num_batches_tracked")
}

// LoadError lists the keys that kept LoadSafetensors from loading a file.
// errors.Is(err, graph.ErrData) holds when keys are missing or unexpected,
// errors.Is(err, graph.ErrShape) when shapes differ.
type LoadError struct {
	Path       string
	Missing    []string // Params of the model that the file lacks, sorted
	Unexpected []string // tensors of the file that the model lacks, sorted
	Mismatched []string // `"name": file (a, b), model (c, d)`, sorted
}

// Error lists every problem: `nn: LoadSafetensors m.safetensors: 1 missing,
// 0 unexpected, 1 mis-shaped key: missing "fc.bias"; mis-shaped "fc.weight":
// file (10, 512), model (2, 512)`.
func (e *LoadError) Error() string {
	var parts []string
	quote := func(names []string) string {
		q := make([]string, len(names))
		for i, n := range names {
			q[i] = fmt.Sprintf("%q", n)
		}
		return strings.Join(q, ", ")
	}
	if len(e.Missing) > 0 {
		parts = append(parts, "missing "+quote(e.Missing))
	}
	if len(e.Unexpected) > 0 {
		parts = append(parts, "unexpected "+quote(e.Unexpected))
	}
	if len(e.Mismatched) > 0 {
		parts = append(parts, "mis-shaped "+strings.Join(e.Mismatched, ", "))
	}
	n := len(e.Mismatched)
	plural := "s"
	if n == 1 {
		plural = ""
	}
	return fmt.Sprintf("nn: LoadSafetensors %s: %d missing, %d unexpected, %d mis-shaped key%s: %s",
		e.Path, len(e.Missing), len(e.Unexpected), n, plural, strings.Join(parts, "; "))
}

// Is lets errors.Is match graph.ErrData and graph.ErrShape.
func (e *LoadError) Is(target error) bool {
	switch target {
	case graph.ErrData:
		return len(e.Missing)+len(e.Unexpected) > 0
	case graph.ErrShape:
		return len(e.Mismatched) > 0
	}
	return false
}

// loadable reports whether copyInto can write into t: a float32 or float64
// tensor backed by a slice (not a scalar).
func loadable(t *tensor.Dense) bool {
	switch t.Data().(type) {
	case []float32, []float64:
		return true
	}
	return false
}

func numeric(dt tensor.Dtype) bool {
	switch dt {
	case tensor.Float32, tensor.Float64, tensor.Int64, tensor.Int32, tensor.Int16, tensor.Int8,
		tensor.Uint64, tensor.Uint32, tensor.Uint16, tensor.Uint8:
		return true
	}
	return false
}

// fitsFloat32 returns an error when dst is float32 and src (float64) holds
// a finite value that float32 cannot represent: converted, it would become
// ±Inf. Infinities and NaNs in the file are loaded as they are.
func fitsFloat32(dst, src *tensor.Dense) error {
	if dst.Dtype() != tensor.Float32 {
		return nil
	}
	vals, ok := src.Data().([]float64)
	if !ok {
		return nil
	}
	for i, v := range vals {
		if !math.IsInf(v, 0) && math.IsInf(float64(float32(v)), 0) {
			return graph.DataErrorf("value %g at index %d is outside float32's range (±%.4g) and would load as %v; the model's Params are float32 (convert the model with SetDtype(l, tensor.Float64) to load it)",
				v, i, math.MaxFloat32, float32(v))
		}
	}
	return nil
}

// copyInto copies src into dst (float32 or float64) in place, converting
// the element type. The shapes are equal.
func copyInto(dst, src *tensor.Dense) error {
	if src.IsMaterializable() {
		src = src.Materialize().(*tensor.Dense)
	}
	switch d := dst.Data().(type) {
	case []float32:
		return convertInto(d, src.Data())
	case []float64:
		return convertInto(d, src.Data())
	}
	return graph.ArgErrorf("nn: Param dtype %v cannot be loaded (want a float32 or float64 tensor of rank >= 1)", dst.Dtype())
}

func convertInto[T float32 | float64](dst []T, src any) error {
	n := len(dst)
	check := func(m int) error {
		if m != n {
			return graph.ShapeErrorf("nn: internal error: %d values for a Param of %d", m, n)
		}
		return nil
	}
	switch s := src.(type) {
	case []float32:
		if err := check(len(s)); err != nil {
			return err
		}
		for i, v := range s {
			dst[i] = T(v)
		}
	case []float64:
		if err := check(len(s)); err != nil {
			return err
		}
		for i, v := range s {
			dst[i] = T(v)
		}
	default:
		return convertInts(dst, src, check)
	}
	return nil
}

func convertInts[T float32 | float64](dst []T, src any, check func(int) error) error {
	var vals []float64
	switch s := src.(type) {
	case []int64:
		vals = intsToFloat(s)
	case []int32:
		vals = intsToFloat(s)
	case []int16:
		vals = intsToFloat(s)
	case []int8:
		vals = intsToFloat(s)
	case []uint64:
		vals = intsToFloat(s)
	case []uint32:
		vals = intsToFloat(s)
	case []uint16:
		vals = intsToFloat(s)
	case []uint8:
		vals = intsToFloat(s)
	default:
		return graph.ArgErrorf("nn: cannot load a %T into a float Param", src)
	}
	if err := check(len(vals)); err != nil {
		return err
	}
	for i, v := range vals {
		dst[i] = T(v)
	}
	return nil
}

func intsToFloat[I int64 | int32 | int16 | int8 | uint64 | uint32 | uint16 | uint8](s []I) []float64 {
	out := make([]float64, len(s))
	for i, v := range s {
		out[i] = float64(v)
	}
	return out
}
